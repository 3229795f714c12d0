//===- HostTensor.cpp - Owned, aligned host buffers -----------------------===//

#include "mpt/Runtime/HostTensor.h"

#include <cstdio>
#include <cstring>

using namespace mpt::runtime;

HostBuffer::HostBuffer(size_t bytes) : bytes(bytes) {
  // aligned_alloc wants a size that is a multiple of the alignment, and a
  // non-null pointer even for empty tensors keeps the step ABI simple.
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0)
    rounded = kAlignment;
  auto *pointer =
      static_cast<uint8_t *>(std::aligned_alloc(kAlignment, rounded));
  if (!pointer) {
    // Sizes come from verified signatures and files, so this is a genuine
    // out-of-memory condition, which the runtime cannot recover from.
    std::fprintf(stderr, "mpt runtime: out of memory allocating %zu bytes\n",
                 bytes);
    std::abort();
  }
  std::memset(pointer, 0, rounded);
  storage.reset(pointer);
}

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape)
    : dtype(dtype), shape(std::move(shape)) {
  buffer = HostBuffer(static_cast<size_t>(numElements()) * dtypeSize(dtype));
}

int64_t HostTensor::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

std::string HostTensor::typeString() const {
  if (shape.empty())
    return dtypeName(dtype);
  return formatShape(shape.data(), shape.size()) + "x" + dtypeName(dtype);
}
