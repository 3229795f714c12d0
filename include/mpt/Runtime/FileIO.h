//===- FileIO.h - Whole-file reads and atomic writes ------------*- C++ -*-===//
//
// Outputs are never left half written: an AtomicFile writes to a temporary
// file in the destination's directory, and commit() flushes it to disk,
// renames it over the destination and syncs the directory. A file that is
// not committed is removed, so a failure leaves the destination exactly as
// it was (absent, or the previous complete version). commitAll() commits
// several files together: all of them or, if any fails, none.
//
// Temporary files are named `.<destination's name>.tmp-XXXXXX`, and the
// process that writes one holds an exclusive flock(2) on it until it is
// renamed or removed. The kernel releases the lock when the process dies,
// even by SIGKILL, so a temporary of this naming that nobody holds locked is
// stale: removeStaleTemporaries() removes those, and only those, next to an
// output about to be written. Every live temporary is also registered in
// the process, so that removeTemporaryFiles() can remove them from a fatal
// error or a signal handler.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_FILEIO_H
#define MPT_RUNTIME_FILEIO_H

#include "mpt/Runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

Expected<std::vector<uint8_t>> readFile(const std::string &path);
/// The size of a regular file, for estimates before it is read.
Expected<uint64_t> fileSize(const std::string &path);

/// Checks, before any work is done, that `path` can become an output:
/// its directory exists and is writable and `path` is not a directory.
Status checkOutputPath(const std::string &path);

class AtomicFile {
public:
  /// Creates the temporary file next to `path`.
  static Expected<AtomicFile> create(const std::string &path);

  AtomicFile(AtomicFile &&other) noexcept;
  AtomicFile &operator=(AtomicFile &&) = delete;
  AtomicFile(const AtomicFile &) = delete;
  ~AtomicFile();

  Status write(const void *data, size_t size);
  Status write(const std::string &text) {
    return write(text.data(), text.size());
  }
  /// Flushes the written bytes to disk; the destination is not touched yet.
  Status sync();
  /// Makes the written bytes the content of `path` (sync(), then publish).
  Status commit();
  /// Removes the temporary file; `path` is left untouched.
  void discard();

  const std::string &path() const { return destination; }
  /// Whether the file is still pending (created, not committed or
  /// discarded).
  bool pending() const { return fd >= 0; }

private:
  friend Status commitAll(std::vector<AtomicFile *> files);
  AtomicFile(std::string destination, std::string temporary, int fd,
             int registration)
      : destination(std::move(destination)), temporary(std::move(temporary)),
        fd(fd), registration(registration) {}

  /// Renames the synced temporary over the destination.
  Status publish();
  /// Forgets the temporary once it was renamed.
  void release();

  std::string destination, temporary;
  int fd = -1;
  /// The slot of the temporary in the process's registry; -1 for none.
  int registration = -1;
};

/// Commits `files` (pending, in distinct destinations) all or none: each is
/// synced first, and if any fails nothing is renamed; then each existing
/// destination is kept under a hard link while the temporaries are renamed
/// over them, so that a failing rename can put back the ones already
/// renamed. On failure every file is discarded; the message names any
/// destination that could not be restored.
Status commitAll(std::vector<AtomicFile *> files);

/// Writes `size` bytes to `path` through an AtomicFile.
Status writeFileAtomically(const std::string &path, const void *data,
                           size_t size);
inline Status writeFileAtomically(const std::string &path,
                                  const std::vector<uint8_t> &bytes) {
  return writeFileAtomically(path, bytes.data(), bytes.size());
}
inline Status writeFileAtomically(const std::string &path,
                                  const std::string &text) {
  return writeFileAtomically(path, text.data(), text.size());
}

/// Removes the stale temporaries of `outputPath` (see above): files in its
/// directory named `.<its name>.tmp-XXXXXX`, owned by this user, that no
/// process holds locked. Returns the paths removed.
std::vector<std::string> removeStaleTemporaries(const std::string &outputPath);

/// Removes every temporary file this process holds (async-signal-safe).
void removeTemporaryFiles();

/// A file operation that fault injection can make fail.
enum class FileOperation { Create, Write, Sync, Rename };
/// Returns the errno with which `operation` on the temporary of
/// `destination` fails, or 0 to let it run. For tests of the failure paths.
using FileFaultHook = int (*)(FileOperation operation,
                              const std::string &destination);
void setFileFaultHook(FileFaultHook hook);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_FILEIO_H
