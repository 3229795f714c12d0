//===- Npy.h - NumPy .npy reader --------------------------------*- C++ -*-===//
//
// Reads the NumPy format (versions 1.0, 2.0 and 3.0): the magic
// "\x93NUMPY", a version, a little-endian header length (2 bytes in 1.0,
// 4 bytes after), and a Python dict literal with exactly the keys 'descr',
// 'fortran_order' and 'shape', followed by the raw C-order data.
// Supported descrs: [<>=|] with b1, i1, i2, i4, i8, u1, f2, f4, f8 (big
// endian data is byte-swapped). Everything else is rejected with the
// reason: structured or object dtypes, Fortran order, a truncated or
// malformed header, and data that is shorter or longer than the shape says.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_NPY_H
#define MPT_RUNTIME_NPY_H

#include "mpt/Runtime/HostTensor.h"
#include "mpt/Runtime/Status.h"

#include <string>

namespace mpt {
namespace runtime {

/// Reads a whole .npy file; errors start with `path: `.
Expected<HostTensor> readNpy(const std::string &path);

/// Parses .npy bytes (`bytes` need not outlive the result).
Expected<HostTensor> parseNpy(const uint8_t *bytes, size_t size);

/// What a .npy file holds, as its header declares it.
struct NpyArrayInfo {
  DType dtype;
  std::vector<int64_t> shape;
};
/// Reads the header of a .npy file only: what loading it will allocate,
/// known before its data is read.
Expected<NpyArrayInfo> readNpyInfo(const std::string &path);

/// Formats a shape as NumPy prints it: (), (3,), (3, 4).
std::string formatPythonShape(const std::vector<int64_t> &shape);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_NPY_H
