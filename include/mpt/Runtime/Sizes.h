//===- Sizes.h - Checked size arithmetic ------------------------*- C++ -*-===//
//
// Every element count and byte size the runtime computes from a shape, a
// file header or a user's number goes through these functions, which
// report an overflow instead of wrapping: a wrapped size would allocate a
// small buffer and let the step write past its end.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_SIZES_H
#define MPT_RUNTIME_SIZES_H

#include "mpt/Runtime/DType.h"
#include "mpt/Runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

/// a * b and a + b, or nullopt when the result does not fit.
std::optional<int64_t> checkedMul(int64_t a, int64_t b);
std::optional<int64_t> checkedAdd(int64_t a, int64_t b);

/// a + b and a * b, stopping at UINT64_MAX: for estimates, where "more
/// than any machine has" is the answer that matters.
uint64_t saturatingAdd(uint64_t a, uint64_t b);
uint64_t saturatingMul(uint64_t a, uint64_t b);

/// The number of elements of a dense tensor of this shape; nullopt when a
/// dim is negative or the product overflows int64.
std::optional<int64_t> elementCount(const std::vector<int64_t> &shape);
/// Its size in bytes; nullopt when that overflows int64 (no 64-bit address
/// space holds such a tensor).
std::optional<int64_t> tensorByteSize(const std::vector<int64_t> &shape,
                                      DType dtype);

/// The product of the dims as a double, for messages about sizes that do
/// not fit 64 bits.
double approximateElementCount(const std::vector<int64_t> &shape);

/// `1.50 KiB`, in binary units up to EiB; `512 bytes` below 1 KiB.
std::string formatByteSize(uint64_t bytes);
/// `1536 bytes (1.50 KiB)`.
std::string formatExactByteSize(uint64_t bytes);
/// The same for a size that may exceed 64 bits: `4.4e+24 bytes`.
std::string formatApproximateByteSize(double bytes);

/// A byte count written as an integer with an optional binary suffix K, M,
/// G or T (KiB, MiB, GiB, TiB): `4096`, `512M`, `64G`.
Expected<uint64_t> parseByteSize(const std::string &text);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_SIZES_H
