//===- HostTensor.cpp - Owned, aligned host buffers -----------------------===//

#include "mpt/Runtime/HostTensor.h"
#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/Sizes.h"

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace mpt::runtime;

namespace {
[[noreturn]] void outOfMemory(size_t bytes) {
  // No std::string: the heap may be exhausted.
  char message[128];
  std::snprintf(message, sizeof(message),
                "out of memory: cannot allocate a buffer of %zu bytes", bytes);
  exitWithError(message);
}
} // namespace

HostBuffer::HostBuffer(size_t bytes) : bytes(bytes) {
  // aligned_alloc wants a size that is a multiple of the alignment, and a
  // non-null pointer even for empty tensors keeps the step ABI simple.
  size_t rounded;
  if (__builtin_add_overflow(bytes, kAlignment - 1, &rounded))
    outOfMemory(bytes);
  rounded = rounded / kAlignment * kAlignment;
  if (rounded == 0)
    rounded = kAlignment;
  auto *pointer =
      static_cast<uint8_t *>(std::aligned_alloc(kAlignment, rounded));
  // Sizes come from verified signatures and files, and the run's memory
  // was estimated before anything was allocated: this is a genuine
  // out-of-memory condition, which the runtime cannot recover from.
  if (!pointer)
    outOfMemory(bytes);
  std::memset(pointer, 0, rounded);
  storage.reset(pointer);
}

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape)
    : dtype(dtype), shape(std::move(shape)) {
  std::optional<int64_t> bytes = tensorByteSize(this->shape, dtype);
  if (!bytes)
    exitWithError(("internal error: a tensor of type " + typeString() +
                   " cannot exist; its size overflows")
                      .c_str());
  buffer = HostBuffer(static_cast<size_t>(*bytes));
}

int64_t HostTensor::numElements() const {
  std::optional<int64_t> count = elementCount(shape);
  if (!count)
    exitWithError(("internal error: the element count of a tensor of type " +
                   typeString() + " overflows")
                      .c_str());
  return *count;
}

std::string HostTensor::typeString() const {
  if (shape.empty())
    return dtypeName(dtype);
  return formatShape(shape.data(), shape.size()) + "x" + dtypeName(dtype);
}

std::string mpt::runtime::formatElementIndex(const std::vector<int64_t> &shape,
                                             int64_t index) {
  std::vector<int64_t> coords(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    coords[d] = index % shape[d];
    index /= shape[d];
  }
  std::string text = "[";
  for (size_t d = 0; d < coords.size(); ++d)
    text += (d ? ", " : "") + std::to_string(coords[d]);
  return text + "]";
}

std::string NonfiniteElement::describe(const std::vector<int64_t> &shape,
                                       DType type) const {
  char number[32];
  std::snprintf(number, sizeof(number), "%g", value);
  std::string where = "element " + std::to_string(index);
  if (!shape.empty())
    where += " (" + formatElementIndex(shape, index) + ")";
  if (overflows)
    return where + " = " + number + " overflows " + dtypeName(type);
  return where + " is " + number;
}

std::optional<NonfiniteElement>
mpt::runtime::findNonfinite(const HostTensor &tensor, DType type) {
  if (!isFloatDType(tensor.dtype))
    return std::nullopt;
  alignas(8) uint8_t rounded[8];
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i) {
    double value = tensor.load(i);
    if (!std::isfinite(value))
      return NonfiniteElement{i, value, false};
    storeElement(type, rounded, value);
    if (!std::isfinite(loadElement(type, rounded)))
      return NonfiniteElement{i, value, true};
  }
  return std::nullopt;
}
