//===- Window.h - Geometry of 2-D convolution and pooling windows -*- C++
//-*-===//
//
// The sizes that mpt.conv2d, the pooling ops and their derivative ops share:
// kernel, strides, dilations and padding of a 2-D window over the last two
// dims of an NCHW tensor. The verifiers and the lowerings read them from
// here, so both agree on the output size.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_DIALECT_MPT_IR_WINDOW_H
#define MPT_DIALECT_MPT_IR_WINDOW_H

#include "llvm/ADT/ArrayRef.h"

#include <array>
#include <cstdint>

namespace mlir {
namespace mpt {

struct Window2D {
  std::array<int64_t, 2> kernel, strides, dilations, padBegin, padEnd;

  /// `padding` is [top, left, bottom, right], ONNX's `pads` order.
  static Window2D get(llvm::ArrayRef<int64_t> kernel,
                      llvm::ArrayRef<int64_t> strides,
                      llvm::ArrayRef<int64_t> padding,
                      llvm::ArrayRef<int64_t> dilations) {
    Window2D window;
    for (int dim = 0; dim < 2; ++dim) {
      window.kernel[dim] = kernel[dim];
      window.strides[dim] = strides[dim];
      window.dilations[dim] = dilations[dim];
      window.padBegin[dim] = padding[dim];
      window.padEnd[dim] = padding[dim + 2];
    }
    return window;
  }

  /// The extent of the dilated kernel along spatial dim `dim` (0: H, 1: W).
  int64_t extent(int dim) const {
    return dilations[dim] * (kernel[dim] - 1) + 1;
  }
  /// The padded input size along `dim`.
  int64_t paddedSize(int dim, int64_t inputSize) const {
    return inputSize + padBegin[dim] + padEnd[dim];
  }
  /// The number of window positions along `dim` (0 when the window does not
  /// fit).
  int64_t outputSize(int dim, int64_t inputSize) const {
    int64_t room = paddedSize(dim, inputSize) - extent(dim);
    return room < 0 ? 0 : room / strides[dim] + 1;
  }
  bool hasPadding() const {
    return padBegin[0] || padBegin[1] || padEnd[0] || padEnd[1];
  }
};

} // namespace mpt
} // namespace mlir

#endif // MPT_DIALECT_MPT_IR_WINDOW_H
