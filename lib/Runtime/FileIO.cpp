//===- FileIO.cpp - Whole-file reads and atomic writes --------------------===//

#include "mpt/Runtime/FileIO.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mpt::runtime;

namespace {
std::string systemError(const std::string &what, const std::string &path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string baseNameOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// The permissions a newly created file gets (0666 minus the umask);
/// mkstemp creates its files 0600.
mode_t newFileMode() {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}
} // namespace

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
  std::string temporary =
      directoryOf(path) + "/." + baseNameOf(path) + ".tmp-XXXXXX";
  int fd = mkstemp(temporary.data());
  if (fd < 0)
    return Status::error(
        systemError("cannot create a temporary file for", path));
  fchmod(fd, newFileMode());
  return AtomicFile(path, std::move(temporary), fd);
}

AtomicFile::AtomicFile(AtomicFile &&other) noexcept
    : destination(std::move(other.destination)),
      temporary(std::move(other.temporary)), fd(other.fd) {
  other.fd = -1;
  other.temporary.clear();
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd >= 0)
    close(fd);
  fd = -1;
  if (!temporary.empty())
    unlink(temporary.c_str());
  temporary.clear();
}

Status AtomicFile::write(const void *data, size_t size) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  while (size > 0) {
    ssize_t count = ::write(fd, bytes, size);
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

Status AtomicFile::commit() {
  if (fd < 0)
    return Status::error("cannot write '" + destination +
                         "': an earlier write failed");
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    Status error = Status::error(systemError("cannot write", destination));
    discard();
    return error;
  }
  fd = -1;
  if (rename(temporary.c_str(), destination.c_str()) != 0) {
    Status error = Status::error(systemError("cannot replace", destination));
    discard();
    return error;
  }
  temporary.clear();
  // The rename is durable only once the directory entry is on disk.
  int directory = open(directoryOf(destination).c_str(), O_RDONLY | O_CLOEXEC);
  if (directory >= 0) {
    fsync(directory);
    close(directory);
  }
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
