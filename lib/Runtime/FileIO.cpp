//===- FileIO.cpp - Whole-file reads and atomic writes --------------------===//

#include "mpt/Runtime/FileIO.h"

#include "TemporaryFiles.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mpt::runtime;

namespace {
FileFaultHook faultHook = nullptr;

std::string systemError(const std::string &what, const std::string &path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

/// Sets errno to the injected fault of `operation`, if any.
bool injectedFault(FileOperation operation, const std::string &destination) {
  if (!faultHook)
    return false;
  int error = faultHook(operation, destination);
  if (error)
    errno = error;
  return error != 0;
}

/// The permissions a newly created file gets (0666 minus the umask);
/// mkstemp creates its files 0600.
mode_t newFileMode() {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

void syncDirectoryOf(const std::string &path) {
  int directory = open(directoryOf(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (directory >= 0) {
    fsync(directory);
    close(directory);
  }
}

/// Blocks SIGINT and SIGTERM while alive, so that a commit is not cut in
/// half by a second interrupt (which exits at once); they are delivered
/// when it ends.
class InterruptsDeferred {
public:
  InterruptsDeferred() {
    sigset_t deferred;
    sigemptyset(&deferred);
    sigaddset(&deferred, SIGINT);
    sigaddset(&deferred, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &deferred, &previous);
  }
  ~InterruptsDeferred() { pthread_sigmask(SIG_SETMASK, &previous, nullptr); }

private:
  sigset_t previous;
};

/// The previous content of a destination, kept under a hard link while
/// the new one is renamed over it.
struct Backup {
  std::string destination, path;
  bool existed = false;
  int registration = -1;

  /// Puts the previous content back (or removes a destination that did not
  /// exist); false when that is impossible.
  bool restore() {
    if (!path.empty()) {
      bool restored = rename(path.c_str(), destination.c_str()) == 0;
      if (restored)
        path.clear();
      return restored;
    }
    return !existed && unlink(destination.c_str()) == 0;
  }
  void remove() {
    if (!path.empty())
      unlink(path.c_str());
    unregisterTemporary(registration);
  }
};

Backup backUp(const std::string &destination) {
  Backup backup;
  backup.destination = destination;
  struct stat info;
  backup.existed = lstat(destination.c_str(), &info) == 0;
  if (!backup.existed)
    return backup;
  // A fresh unique name, then the old content linked under it. Without
  // hard links (some file systems) the destination has no backup.
  Expected<TemporaryFile> name = createTemporaryFile(destination);
  if (!name.ok())
    return backup;
  unlink(name->path.c_str());
  close(name->fd);
  if (link(destination.c_str(), name->path.c_str()) == 0) {
    backup.path = name->path;
    backup.registration = name->registration;
  } else {
    unregisterTemporary(name->registration);
  }
  return backup;
}
} // namespace

void mpt::runtime::setFileFaultHook(FileFaultHook hook) { faultHook = hook; }

Expected<std::vector<uint8_t>> mpt::runtime::readFile(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::error(systemError("cannot open", path));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return Status::error("cannot read '" + path + "': not a regular file");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t count = read(fd, bytes.data() + done, bytes.size() - done);
    if (count < 0 && errno == EINTR)
      continue;
    if (count <= 0) {
      Status error = Status::error(systemError("cannot read", path));
      close(fd);
      return error;
    }
    done += static_cast<size_t>(count);
  }
  close(fd);
  return bytes;
}

Expected<uint64_t> mpt::runtime::fileSize(const std::string &path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0)
    return Status::error(systemError("cannot open", path));
  if (!S_ISREG(info.st_mode))
    return Status::error("cannot read '" + path + "': not a regular file");
  return static_cast<uint64_t>(info.st_size);
}

Status mpt::runtime::checkOutputPath(const std::string &path) {
  if (path.empty() || path.back() == '/')
    return Status::error("'" + path + "' is not a file name");
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode))
    return Status::error("cannot write '" + path +
                         "': it exists and is not a regular file");
  std::string directory = directoryOf(path);
  if (stat(directory.c_str(), &info) != 0)
    return Status::error("cannot write '" + path + "': directory '" +
                         directory + "' does not exist");
  if (!S_ISDIR(info.st_mode))
    return Status::error("cannot write '" + path + "': '" + directory +
                         "' is not a directory");
  if (access(directory.c_str(), W_OK | X_OK) != 0)
    return Status::error("cannot write '" + path + "': directory '" +
                         directory + "' is not writable");
  return Status::success();
}

Expected<AtomicFile> AtomicFile::create(const std::string &path) {
  if (Status status = checkOutputPath(path); !status.ok())
    return status;
  if (injectedFault(FileOperation::Create, path))
    return Status::error(
        systemError("cannot create a temporary file for", path));
  Expected<TemporaryFile> file = createTemporaryFile(path);
  if (!file.ok())
    return file.takeError();
  fchmod(file->fd, newFileMode());
  return AtomicFile(path, std::move(file->path), file->fd, file->registration);
}

AtomicFile::AtomicFile(AtomicFile &&other) noexcept
    : destination(std::move(other.destination)),
      temporary(std::move(other.temporary)), fd(other.fd),
      registration(other.registration) {
  other.fd = -1;
  other.registration = -1;
  other.temporary.clear();
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  // Removed while still locked, so no cleaner takes it for stale first.
  if (!temporary.empty())
    unlink(temporary.c_str());
  if (fd >= 0)
    close(fd);
  release();
}

void AtomicFile::release() {
  fd = -1;
  temporary.clear();
  unregisterTemporary(registration);
  registration = -1;
}

Status AtomicFile::write(const void *data, size_t size) {
  if (fd < 0)
    return Status::error("cannot write '" + destination +
                         "': an earlier write failed");
  const auto *bytes = static_cast<const uint8_t *>(data);
  while (size > 0) {
    ssize_t count = injectedFault(FileOperation::Write, destination)
                        ? -1
                        : ::write(fd, bytes, size);
    if (count < 0 && errno == EINTR)
      continue;
    if (count < 0) {
      Status error = Status::error(systemError("cannot write", destination));
      discard();
      return error;
    }
    bytes += count;
    size -= static_cast<size_t>(count);
  }
  return Status::success();
}

Status AtomicFile::sync() {
  if (fd < 0)
    return Status::error("cannot write '" + destination +
                         "': an earlier write failed");
  if (injectedFault(FileOperation::Sync, destination) || fsync(fd) != 0) {
    Status error = Status::error(systemError("cannot write", destination));
    discard();
    return error;
  }
  return Status::success();
}

Status AtomicFile::publish() {
  if (injectedFault(FileOperation::Rename, destination) ||
      rename(temporary.c_str(), destination.c_str()) != 0) {
    Status error = Status::error(systemError("cannot replace", destination));
    discard();
    return error;
  }
  // The lock goes with the descriptor, once the name is the destination's.
  close(fd);
  release();
  // The rename is durable only once the directory entry is on disk.
  syncDirectoryOf(destination);
  return Status::success();
}

Status AtomicFile::commit() {
  if (Status status = sync(); !status.ok())
    return status;
  InterruptsDeferred deferred;
  return publish();
}

Status mpt::runtime::commitAll(std::vector<AtomicFile *> files) {
  auto discardAll = [&] {
    for (AtomicFile *file : files)
      file->discard();
  };
  for (AtomicFile *file : files)
    if (Status status = file->sync(); !status.ok()) {
      discardAll();
      return status;
    }

  InterruptsDeferred deferred;
  std::vector<Backup> backups;
  for (AtomicFile *file : files)
    backups.push_back(backUp(file->path()));
  for (size_t i = 0, e = files.size(); i < e; ++i) {
    Status status = files[i]->publish();
    if (status.ok())
      continue;
    std::string lost;
    for (size_t j = 0; j < i; ++j)
      if (!backups[j].restore())
        lost += (lost.empty() ? "'" : ", '") + backups[j].destination + "'";
    discardAll();
    for (Backup &backup : backups)
      backup.remove();
    if (lost.empty())
      return status;
    return Status::error(status.message() + "; " + lost +
                         " had already been replaced and could not be "
                         "restored");
  }
  for (Backup &backup : backups)
    backup.remove();
  return Status::success();
}

Status mpt::runtime::writeFileAtomically(const std::string &path,
                                         const void *data, size_t size) {
  Expected<AtomicFile> file = AtomicFile::create(path);
  if (!file.ok())
    return file.takeError();
  if (Status status = file->write(data, size); !status.ok())
    return status;
  return file->commit();
}
