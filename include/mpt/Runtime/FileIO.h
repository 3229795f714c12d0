//===- FileIO.h - Whole-file reads and atomic writes ------------*- C++ -*-===//
//
// Outputs are never left half written: an AtomicFile writes to a temporary
// file in the destination's directory, and commit() flushes it to disk,
// renames it over the destination and syncs the directory. A file that is
// not committed is removed, so a failure leaves the destination exactly as
// it was (absent, or the previous complete version).
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
  /// Makes the written bytes the content of `path`.
  Status commit();
  /// Removes the temporary file; `path` is left untouched.
  void discard();

  const std::string &path() const { return destination; }

private:
  AtomicFile(std::string destination, std::string temporary, int fd)
      : destination(std::move(destination)), temporary(std::move(temporary)),
        fd(fd) {}

  std::string destination, temporary;
  int fd = -1;
};

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

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_FILEIO_H
