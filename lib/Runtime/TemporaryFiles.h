//===- TemporaryFiles.h - The temporaries of atomic writes ------*- C++ -*-===//
//
// Internal to the runtime: how temporary files are named, created, locked
// and registered (see FileIO.h for the rules).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_RUNTIME_TEMPORARYFILES_H
#define MPT_LIB_RUNTIME_TEMPORARYFILES_H

#include "mpt/Runtime/Status.h"

#include <string>

namespace mpt {
namespace runtime {

std::string directoryOf(const std::string &path);
std::string baseNameOf(const std::string &path);

/// A temporary file next to `destination`, created, locked and registered.
struct TemporaryFile {
  std::string path;
  int fd = -1;
  int registration = -1;
};
Expected<TemporaryFile> createTemporaryFile(const std::string &destination);

/// Enters `path` in the process's registry of temporaries; returns its
/// slot, or -1 when the registry is full (the file is then only removed
/// by the code that created it).
int registerTemporary(const std::string &path);
void unregisterTemporary(int slot);

} // namespace runtime
} // namespace mpt

#endif // MPT_LIB_RUNTIME_TEMPORARYFILES_H
