//===- TemporaryFiles.cpp - The temporaries of atomic writes --------------===//

#include "TemporaryFiles.h"

#include "mpt/Runtime/FileIO.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mpt::runtime;

namespace {
constexpr const char *kTemporaryInfix = ".tmp-";
/// The XXXXXX of mkstemp.
constexpr size_t kSuffixLength = 6;

/// The registry: fixed storage, so that a signal handler can walk it. A
/// run has a handful of outputs, each with a temporary and at most one
/// backup while it commits.
constexpr int kSlots = 64;
enum SlotState { Free, Filling, Live };
struct Slot {
  std::atomic<int> state{Free};
  char path[PATH_MAX];
};
Slot registry[kSlots];

bool sameFile(const struct stat &a, const struct stat &b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool isTemporaryName(const std::string &name, const std::string &prefix) {
  if (name.size() != prefix.size() + kSuffixLength ||
      name.compare(0, prefix.size(), prefix) != 0)
    return false;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return false;
  }
  return true;
}
} // namespace

std::string mpt::runtime::directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string mpt::runtime::baseNameOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

int mpt::runtime::registerTemporary(const std::string &path) {
  if (path.size() >= PATH_MAX)
    return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = Free;
    if (!registry[i].state.compare_exchange_strong(expected, Filling))
      continue;
    std::memcpy(registry[i].path, path.c_str(), path.size() + 1);
    registry[i].state.store(Live);
    return i;
  }
  return -1;
}

void mpt::runtime::unregisterTemporary(int slot) {
  if (slot >= 0)
    registry[slot].state.store(Free);
}

void mpt::runtime::removeTemporaryFiles() {
  for (Slot &slot : registry)
    if (slot.state.load() == Live)
      unlink(slot.path);
}

Expected<TemporaryFile>
mpt::runtime::createTemporaryFile(const std::string &destination) {
  std::string pattern = directoryOf(destination) + "/." +
                        baseNameOf(destination) + kTemporaryInfix + "XXXXXX";
  // A cleaning run may lock a file between its creation and our lock, and
  // then remove it: take another name until ours is locked and in place.
  for (int attempt = 0; attempt < 16; ++attempt) {
    TemporaryFile file;
    file.path = pattern;
    file.fd = mkostemp(file.path.data(), O_CLOEXEC);
    if (file.fd < 0)
      return Status::error("cannot create a temporary file for '" +
                           destination + "': " + std::strerror(errno));
    // On a file system without locks the temporary stays unlocked, which
    // the cleaner also takes for a live one.
    if (flock(file.fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
      close(file.fd);
      continue;
    }
    struct stat opened, named;
    if (fstat(file.fd, &opened) != 0 || stat(file.path.c_str(), &named) != 0 ||
        !sameFile(opened, named)) {
      close(file.fd);
      continue;
    }
    file.registration = registerTemporary(file.path);
    return file;
  }
  return Status::error("cannot create a temporary file for '" + destination +
                       "': another process keeps removing them");
}

std::vector<std::string>
mpt::runtime::removeStaleTemporaries(const std::string &outputPath) {
  std::vector<std::string> removed;
  std::string directory = directoryOf(outputPath);
  std::string prefix = "." + baseNameOf(outputPath) + kTemporaryInfix;
  DIR *entries = opendir(directory.c_str());
  if (!entries)
    return removed;
  while (struct dirent *entry = readdir(entries)) {
    std::string name = entry->d_name;
    if (!isTemporaryName(name, prefix))
      continue;
    std::string path = directory + "/" + name;
    int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      continue;
    struct stat opened, named;
    // Stale: ours to remove (a regular file of this user) and locked by
    // no process; the lock is held while we check it is still the file
    // of that name.
    if (fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) &&
        opened.st_uid == geteuid() && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        stat(path.c_str(), &named) == 0 && sameFile(opened, named) &&
        unlink(path.c_str()) == 0)
      removed.push_back(path);
    close(fd);
  }
  closedir(entries);
  return removed;
}
