//===- HostTensor.h - Owned, aligned host buffers ---------------*- C++ -*-===//

#ifndef MPT_RUNTIME_HOSTTENSOR_H
#define MPT_RUNTIME_HOSTTENSOR_H

#include "mpt/Runtime/DType.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

/// A zero-initialised byte buffer aligned to 64 bytes (a cache line, and
/// enough for any vector load the compiled code may use on it).
class HostBuffer {
public:
  static constexpr size_t kAlignment = 64;

  HostBuffer() = default;
  explicit HostBuffer(size_t bytes);

  uint8_t *data() { return storage.get(); }
  const uint8_t *data() const { return storage.get(); }
  size_t size() const { return bytes; }

private:
  struct Free {
    void operator()(uint8_t *pointer) const { std::free(pointer); }
  };
  std::unique_ptr<uint8_t, Free> storage;
  size_t bytes = 0;
};

/// A dense row-major tensor in host memory.
struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  HostBuffer buffer;

  HostTensor() = default;
  HostTensor(DType dtype, std::vector<int64_t> shape);

  int64_t numElements() const;
  std::string typeString() const;
  double load(int64_t index) const {
    return loadElement(dtype, buffer.data() + index * dtypeSize(dtype));
  }
  void store(int64_t index, double value) {
    storeElement(dtype, buffer.data() + index * dtypeSize(dtype), value);
  }
};

/// `[3, 7]`: the multi-index of flat element `index` of `shape`.
std::string formatElementIndex(const std::vector<int64_t> &shape,
                               int64_t index);

/// An element that is not finite, or that is finite but overflows to
/// infinity once rounded to another type.
struct NonfiniteElement {
  int64_t index;
  double value;
  bool overflows;

  /// `element 17 ([0, 17]) is nan`, `element 3 ([3]) = 1e+300 overflows
  /// f32`, for a tensor of `shape` rounded to `type`.
  std::string describe(const std::vector<int64_t> &shape, DType type) const;
};
/// The first element of `tensor` that is not finite as it is or once
/// stored as `type`; nullopt when every element is finite.
std::optional<NonfiniteElement> findNonfinite(const HostTensor &tensor,
                                              DType type);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_HOSTTENSOR_H
