//===- Sizes.cpp - Checked size arithmetic --------------------------------===//

#include "mpt/Runtime/Sizes.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

using namespace mpt::runtime;

std::optional<int64_t> mpt::runtime::checkedMul(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_mul_overflow(a, b, &result))
    return std::nullopt;
  return result;
}

std::optional<int64_t> mpt::runtime::checkedAdd(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_add_overflow(a, b, &result))
    return std::nullopt;
  return result;
}

uint64_t mpt::runtime::saturatingAdd(uint64_t a, uint64_t b) {
  uint64_t result;
  return __builtin_add_overflow(a, b, &result) ? UINT64_MAX : result;
}

uint64_t mpt::runtime::saturatingMul(uint64_t a, uint64_t b) {
  uint64_t result;
  return __builtin_mul_overflow(a, b, &result) ? UINT64_MAX : result;
}

std::optional<int64_t>
mpt::runtime::elementCount(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    std::optional<int64_t> product =
        dim < 0 ? std::nullopt : checkedMul(count, dim);
    if (!product)
      return std::nullopt;
    count = *product;
  }
  return count;
}

std::optional<int64_t>
mpt::runtime::tensorByteSize(const std::vector<int64_t> &shape, DType dtype) {
  std::optional<int64_t> count = elementCount(shape);
  if (!count)
    return std::nullopt;
  return checkedMul(*count, static_cast<int64_t>(dtypeSize(dtype)));
}

double
mpt::runtime::approximateElementCount(const std::vector<int64_t> &shape) {
  double count = 1;
  for (int64_t dim : shape)
    count *= static_cast<double>(dim);
  return count;
}

std::string mpt::runtime::formatByteSize(uint64_t bytes) {
  static const char *const kUnits[] = {"KiB", "MiB", "GiB",
                                       "TiB", "PiB", "EiB"};
  if (bytes < 1024)
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  double scaled = static_cast<double>(bytes);
  size_t unit = 0;
  for (scaled /= 1024; scaled >= 1024 && unit + 1 < 6; scaled /= 1024)
    ++unit;
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f %s", scaled, kUnits[unit]);
  return text;
}

std::string mpt::runtime::formatExactByteSize(uint64_t bytes) {
  if (bytes < 1024)
    return formatByteSize(bytes);
  return std::to_string(bytes) + " bytes (" + formatByteSize(bytes) + ")";
}

std::string mpt::runtime::formatApproximateByteSize(double bytes) {
  if (bytes < 1.8e19)
    return formatExactByteSize(static_cast<uint64_t>(bytes));
  char text[48];
  std::snprintf(text, sizeof(text), "%.3g bytes", bytes);
  return text;
}

Expected<uint64_t> mpt::runtime::parseByteSize(const std::string &text) {
  auto invalid = [&] {
    return Status::error("expects a byte count such as 4096, 512M or 64G, "
                         "got '" +
                         text + "'");
  };
  if (text.empty() || text[0] < '0' || text[0] > '9')
    return invalid();
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (errno == ERANGE)
    return invalid();
  unsigned shift = 0;
  std::string suffix = end;
  if (suffix == "K")
    shift = 10;
  else if (suffix == "M")
    shift = 20;
  else if (suffix == "G")
    shift = 30;
  else if (suffix == "T")
    shift = 40;
  else if (!suffix.empty())
    return invalid();
  if (shift && value > (UINT64_MAX >> shift))
    return invalid();
  return static_cast<uint64_t>(value) << shift;
}
