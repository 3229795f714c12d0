//===- Safetensors.h - safetensors reader and writer ------------*- C++ -*-===//
//
// The safetensors format: an 8-byte little-endian header size N, N bytes of
// UTF-8 JSON, then the tensor data. The JSON maps each tensor name to
// {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]} (offsets
// relative to the data section; the tensors tile it without gaps or
// overlaps) and may hold "__metadata__", a map of strings to strings.
// Files written here are read by Python's `safetensors` package and back.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_SAFETENSORS_H
#define MPT_RUNTIME_SAFETENSORS_H

#include "mpt/Runtime/FileIO.h"
#include "mpt/Runtime/HostTensor.h"
#include "mpt/Runtime/Status.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mpt {
namespace runtime {

struct NamedTensor {
  std::string name;
  HostTensor tensor;
};

/// Tensors to write, by reference: a writer needs no copy of the state.
struct SafetensorsView {
  std::vector<std::pair<std::string, const HostTensor *>> tensors;
  std::map<std::string, std::string> metadata;
};

struct SafetensorsFile {
  std::vector<NamedTensor> tensors;
  std::map<std::string, std::string> metadata;

  const NamedTensor *find(const std::string &name) const;
  SafetensorsView view() const;
};

Expected<SafetensorsFile> parseSafetensors(const uint8_t *bytes, size_t size);
/// Reads a whole file; errors start with `path: `.
Expected<SafetensorsFile> readSafetensors(const std::string &path);

/// Writes the tensors of `view` to `file`, without copying them, placing
/// tensors with larger elements first so that every tensor's data is
/// aligned to its element size; the caller commits the file.
Status writeSafetensors(AtomicFile &file, const SafetensorsView &view);
/// Writes `file` to `path` atomically (see AtomicFile).
Status writeSafetensors(const std::string &path, const SafetensorsFile &file);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_SAFETENSORS_H
