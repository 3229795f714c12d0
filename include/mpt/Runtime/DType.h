//===- DType.h - Element types of step buffers ------------------*- C++ -*-===//
//
// The element types a compiled step reads and writes, with their names in
// the three notations the runtime meets: MLIR (`f32`), NumPy (`<f4`) and
// safetensors (`F32`), and exact conversions between them.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_DTYPE_H
#define MPT_RUNTIME_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mpt {
namespace runtime {

enum class DType : uint8_t { F16, BF16, F32, F64, I1, I8, I16, I32, I64, U8 };

/// Bytes per element; i1 takes one byte.
size_t dtypeSize(DType type);
bool isFloatDType(DType type);
/// The MLIR spelling: f16, bf16, f32, f64, i1, i8, i16, i32, i64, ui8.
const char *dtypeName(DType type);
std::optional<DType> parseDType(std::string_view mlirName);
/// The safetensors spelling: F16, BF16, F32, F64, BOOL, I8, ..., U8.
const char *safetensorsDTypeName(DType type);
std::optional<DType> parseSafetensorsDType(std::string_view name);

/// Reads one element as a double (exact for every type but i64 beyond 2^53).
double loadElement(DType type, const void *element);
/// Reads one element of an integer type (i1 .. i64, ui8) exactly.
int64_t loadIntegerElement(DType type, const void *element);
/// Stores `value` into an element of type i32 or i64 if it fits; returns
/// whether it did.
bool storeIntegerElement(DType type, void *element, int64_t value);
/// Stores `value` rounded to the nearest representable element (ties to
/// even for floats; values out of range become infinity, as a cast would).
void storeElement(DType type, void *element, double value);

/// IEEE binary16 and bfloat16 encodings, rounding to nearest even.
uint16_t encodeHalf(double value);
double decodeHalf(uint16_t bits);
uint16_t encodeBFloat16(double value);
double decodeBFloat16(uint16_t bits);

/// Formats a shape as "256x1024" ("scalar" for rank 0).
std::string formatShape(const int64_t *dims, size_t rank);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_DTYPE_H
