//===- DType.cpp - Element types of step buffers --------------------------===//

#include "mpt/Runtime/DType.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mpt::runtime;

namespace {
struct DTypeInfo {
  DType type;
  size_t size;
  const char *mlirName;
  const char *safetensorsName;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F16, 2, "f16", "F16"}, {DType::BF16, 2, "bf16", "BF16"},
    {DType::F32, 4, "f32", "F32"}, {DType::F64, 8, "f64", "F64"},
    {DType::I1, 1, "i1", "BOOL"},  {DType::I8, 1, "i8", "I8"},
    {DType::I16, 2, "i16", "I16"}, {DType::I32, 4, "i32", "I32"},
    {DType::I64, 8, "i64", "I64"}, {DType::U8, 1, "ui8", "U8"},
};

const DTypeInfo &info(DType type) { return kDTypes[static_cast<size_t>(type)]; }

/// Rounds a finite or infinite double to a binary format with `manBits`
/// stored mantissa bits and exponent bias `bias`, to nearest even.
uint16_t encodeMinifloat(double value, int manBits, int bias) {
  uint16_t sign = std::signbit(value) ? 1u << 15 : 0;
  uint16_t expAllOnes = static_cast<uint16_t>(((2 * bias + 1) << manBits));
  if (std::isnan(value))
    return sign | expAllOnes | (1u << (manBits - 1));
  double magnitude = std::fabs(value);
  if (std::isinf(magnitude))
    return sign | expAllOnes;
  if (magnitude == 0)
    return sign;
  int minExponent = 1 - bias;
  int exponent;
  std::frexp(magnitude, &exponent);
  --exponent; // magnitude = m * 2^exponent with m in [1, 2)
  // std::nearbyint rounds ties to even in the default rounding mode, and
  // the scalings by powers of two are exact.
  if (exponent < minExponent) {
    // Subnormal: a multiple of 2^(minExponent - manBits). Rounding up to
    // 2^manBits gives the smallest normal number's encoding.
    double units = std::nearbyint(std::ldexp(magnitude, manBits - minExponent));
    return sign | static_cast<uint16_t>(units);
  }
  double units = std::nearbyint(std::ldexp(magnitude, manBits - exponent));
  if (units == std::ldexp(1.0, manBits + 1)) {
    units /= 2;
    ++exponent;
  }
  if (exponent > bias)
    return sign | expAllOnes;
  uint16_t mantissa = static_cast<uint16_t>(units - std::ldexp(1.0, manBits));
  return sign | static_cast<uint16_t>((exponent + bias) << manBits) | mantissa;
}

double decodeMinifloat(uint16_t bits, int manBits, int bias) {
  double sign = bits & 0x8000 ? -1.0 : 1.0;
  int exponentField = (bits & 0x7fff) >> manBits;
  uint16_t mantissa = bits & ((1u << manBits) - 1);
  if (exponentField == 2 * bias + 1)
    return mantissa ? std::nan("") : sign * INFINITY;
  if (exponentField == 0)
    return sign * std::ldexp(mantissa, 1 - bias - manBits);
  return sign * std::ldexp(mantissa + std::ldexp(1.0, manBits),
                           exponentField - bias - manBits);
}

template <typename T> T loadAs(const void *element) {
  T value;
  std::memcpy(&value, element, sizeof(T));
  return value;
}

template <typename T> void storeAs(void *element, T value) {
  std::memcpy(element, &value, sizeof(T));
}

/// Saturating conversion of a double to an integer type (NaN becomes 0).
template <typename T> T clampToInteger(double value) {
  if (std::isnan(value))
    return 0;
  double rounded = std::nearbyint(value);
  if (rounded <= static_cast<double>(std::numeric_limits<T>::min()))
    return std::numeric_limits<T>::min();
  if (rounded >= static_cast<double>(std::numeric_limits<T>::max()))
    return std::numeric_limits<T>::max();
  return static_cast<T>(rounded);
}
} // namespace

size_t mpt::runtime::dtypeSize(DType type) { return info(type).size; }

bool mpt::runtime::isFloatDType(DType type) {
  return type == DType::F16 || type == DType::BF16 || type == DType::F32 ||
         type == DType::F64;
}

const char *mpt::runtime::dtypeName(DType type) { return info(type).mlirName; }

std::optional<DType> mpt::runtime::parseDType(std::string_view mlirName) {
  for (const DTypeInfo &candidate : kDTypes)
    if (mlirName == candidate.mlirName)
      return candidate.type;
  return std::nullopt;
}

const char *mpt::runtime::safetensorsDTypeName(DType type) {
  return info(type).safetensorsName;
}

std::optional<DType>
mpt::runtime::parseSafetensorsDType(std::string_view name) {
  for (const DTypeInfo &candidate : kDTypes)
    if (name == candidate.safetensorsName)
      return candidate.type;
  return std::nullopt;
}

uint16_t mpt::runtime::encodeHalf(double value) {
  return encodeMinifloat(value, 10, 15);
}
double mpt::runtime::decodeHalf(uint16_t bits) {
  return decodeMinifloat(bits, 10, 15);
}
uint16_t mpt::runtime::encodeBFloat16(double value) {
  return encodeMinifloat(value, 7, 127);
}
double mpt::runtime::decodeBFloat16(uint16_t bits) {
  return decodeMinifloat(bits, 7, 127);
}

double mpt::runtime::loadElement(DType type, const void *element) {
  switch (type) {
  case DType::F16:
    return decodeHalf(loadAs<uint16_t>(element));
  case DType::BF16:
    return decodeBFloat16(loadAs<uint16_t>(element));
  case DType::F32:
    return loadAs<float>(element);
  case DType::F64:
    return loadAs<double>(element);
  case DType::I1:
    return loadAs<uint8_t>(element) ? 1.0 : 0.0;
  case DType::I8:
    return loadAs<int8_t>(element);
  case DType::I16:
    return loadAs<int16_t>(element);
  case DType::I32:
    return loadAs<int32_t>(element);
  case DType::I64:
    return static_cast<double>(loadAs<int64_t>(element));
  case DType::U8:
    return loadAs<uint8_t>(element);
  }
  return 0;
}

int64_t mpt::runtime::loadIntegerElement(DType type, const void *element) {
  switch (type) {
  case DType::I1:
  case DType::U8:
    return loadAs<uint8_t>(element);
  case DType::I8:
    return loadAs<int8_t>(element);
  case DType::I16:
    return loadAs<int16_t>(element);
  case DType::I32:
    return loadAs<int32_t>(element);
  case DType::I64:
    return loadAs<int64_t>(element);
  default:
    return static_cast<int64_t>(loadElement(type, element));
  }
}

bool mpt::runtime::storeIntegerElement(DType type, void *element,
                                       int64_t value) {
  if (type == DType::I64) {
    storeAs(element, value);
    return true;
  }
  if (type != DType::I32 || value < std::numeric_limits<int32_t>::min() ||
      value > std::numeric_limits<int32_t>::max())
    return false;
  storeAs(element, static_cast<int32_t>(value));
  return true;
}

void mpt::runtime::storeElement(DType type, void *element, double value) {
  switch (type) {
  case DType::F16:
    return storeAs(element, encodeHalf(value));
  case DType::BF16:
    return storeAs(element, encodeBFloat16(value));
  case DType::F32:
    return storeAs(element, static_cast<float>(value));
  case DType::F64:
    return storeAs(element, value);
  case DType::I1:
    return storeAs<uint8_t>(element, value != 0);
  case DType::I8:
    return storeAs(element, clampToInteger<int8_t>(value));
  case DType::I16:
    return storeAs(element, clampToInteger<int16_t>(value));
  case DType::I32:
    return storeAs(element, clampToInteger<int32_t>(value));
  case DType::I64:
    return storeAs(element, clampToInteger<int64_t>(value));
  case DType::U8:
    return storeAs(element, clampToInteger<uint8_t>(value));
  }
}

std::string mpt::runtime::formatShape(const int64_t *dims, size_t rank) {
  if (rank == 0)
    return "scalar";
  std::string text;
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      text += 'x';
    text += std::to_string(dims[i]);
  }
  return text;
}
