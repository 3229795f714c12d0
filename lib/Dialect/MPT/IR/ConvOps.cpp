//===- ConvOps.cpp - Verifiers of the convolution and pooling ops ---------===//

#include "VerifierUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Dialect/MPT/IR/Window.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::detail;

/// Checks the window attributes: two positive kernel sizes, strides and
/// dilations, four non-negative paddings.
static LogicalResult verifyWindowAttrs(Operation *op, ArrayRef<int64_t> kernel,
                                       ArrayRef<int64_t> strides,
                                       ArrayRef<int64_t> padding,
                                       ArrayRef<int64_t> dilations) {
  auto check = [&](StringRef name, ArrayRef<int64_t> values, size_t size,
                   int64_t min) -> LogicalResult {
    if (values.size() != size)
      return op->emitOpError() << name << " must have " << size
                               << " entries, found " << values.size();
    for (int64_t value : values)
      if (value < min)
        return op->emitOpError()
               << name << " " << ShapeText{values} << " must be >= " << min;
    return success();
  };
  return success(succeeded(check("kernel", kernel, 2, 1)) &&
                 succeeded(check("strides", strides, 2, 1)) &&
                 succeeded(check("padding", padding, 4, 0)) &&
                 succeeded(check("dilations", dilations, 2, 1)));
}

/// Checks that `value` is a rank-4 NCHW tensor.
static LogicalResult verifyNCHW(Operation *op, StringRef name, Value value) {
  int64_t rank = tensorType(value).getRank();
  if (rank == 4)
    return success();
  return op->emitOpError() << name << " must have rank 4 (NCHW), found rank "
                           << rank;
}

/// The NCHW shape that a window with `window` over `input` produces, with
/// `channels` output channels; fails when the window does not fit.
static FailureOr<SmallVector<int64_t>>
windowOutputShape(Operation *op, ArrayRef<int64_t> input, int64_t channels,
                  const Window2D &window) {
  SmallVector<int64_t> shape = {input[0], channels};
  for (int dim = 0; dim < 2; ++dim) {
    int64_t size = window.outputSize(dim, input[2 + dim]);
    if (size < 1)
      return op->emitOpError()
             << "window of extent " << window.extent(dim) << " does not fit "
             << (dim == 0 ? "height " : "width ") << input[2 + dim]
             << " with padding " << window.padBegin[dim] << " + "
             << window.padEnd[dim];
    shape.push_back(size);
  }
  return shape;
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// The shape rules shared by conv2d and its derivative ops: `input` (NCHW)
/// and `weight` (F x C/G x KH x KW) give the output shape.
static FailureOr<SmallVector<int64_t>>
convOutputShape(Operation *op, ArrayRef<int64_t> input,
                ArrayRef<int64_t> weight, int64_t groups,
                ArrayRef<int64_t> strides, ArrayRef<int64_t> padding,
                ArrayRef<int64_t> dilations) {
  if (weight.size() != 4)
    return op->emitOpError() << "weight must have rank 4 (F x C/groups x KH x "
                                "KW), found rank "
                             << weight.size();
  ArrayRef<int64_t> kernel = weight.take_back(2);
  if (failed(verifyWindowAttrs(op, kernel, strides, padding, dilations)))
    return failure();
  if (groups < 1 || input[1] % groups != 0 || weight[0] % groups != 0)
    return op->emitOpError()
           << "groups (" << groups << ") must be >= 1 and divide the input "
           << "channels (" << input[1] << ") and the output channels ("
           << weight[0] << ")";
  if (weight[1] * groups != input[1])
    return op->emitOpError()
           << "weight dim 1 (" << weight[1] << ") must be the input channels ("
           << input[1] << ") divided by groups (" << groups << ")";
  return windowOutputShape(op, input, weight[0],
                           Window2D::get(kernel, strides, padding, dilations));
}

LogicalResult Conv2DOp::verify() {
  if (failed(verifyNCHW(*this, "input", getInput())) ||
      failed(verifySameElementType(*this, "weight", getWeight(), "input",
                                   getInput())) ||
      failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  ArrayRef<int64_t> weight = tensorType(getWeight()).getShape();
  FailureOr<SmallVector<int64_t>> expected =
      convOutputShape(*this, tensorType(getInput()).getShape(), weight,
                      static_cast<int64_t>(getGroups()), getStrides(),
                      getPadding(), getDilations());
  if (failed(expected))
    return failure();
  if (Value bias = getBias()) {
    if (failed(verifySameElementType(*this, "bias", bias, "input", getInput())))
      return failure();
    ArrayRef<int64_t> biasShape = tensorType(bias).getShape();
    if (biasShape.size() != 1 || biasShape[0] != weight[0])
      return emitOpError() << "bias shape " << ShapeText{biasShape}
                           << " must be [" << weight[0] << "] (weight dim 0)";
  }
  return verifyResultShape(*this, *expected);
}

/// Checks that `outputGrad` has the convolution's output shape, `expected`
/// (a failure when the geometry was already found wrong).
static LogicalResult
verifyOutputGradShape(Operation *op,
                      const FailureOr<SmallVector<int64_t>> &expected,
                      Value outputGrad) {
  if (failed(expected))
    return failure();
  ArrayRef<int64_t> found = tensorType(outputGrad).getShape();
  if (found != ArrayRef<int64_t>(*expected))
    return op->emitOpError()
           << "output_grad shape " << ShapeText{found} << " must be "
           << ShapeText{*expected} << " (the convolution's output)";
  return success();
}

LogicalResult Conv2DInputGradOp::verify() {
  if (failed(verifyNCHW(*this, "input_grad", getInputGrad())) ||
      failed(verifySameElementType(*this, "weight", getWeight(), "output_grad",
                                   getOutputGrad())) ||
      failed(verifySameElementType(*this, "input_grad", getInputGrad(),
                                   "output_grad", getOutputGrad())))
    return failure();
  FailureOr<SmallVector<int64_t>> expected = convOutputShape(
      *this, tensorType(getInputGrad()).getShape(),
      tensorType(getWeight()).getShape(), static_cast<int64_t>(getGroups()),
      getStrides(), getPadding(), getDilations());
  return verifyOutputGradShape(*this, expected, getOutputGrad());
}

LogicalResult Conv2DWeightGradOp::verify() {
  if (failed(verifyNCHW(*this, "input", getInput())) ||
      failed(verifySameElementType(*this, "output_grad", getOutputGrad(),
                                   "input", getInput())) ||
      failed(verifySameElementType(*this, "weight_grad", getWeightGrad(),
                                   "input", getInput())))
    return failure();
  FailureOr<SmallVector<int64_t>> expected = convOutputShape(
      *this, tensorType(getInput()).getShape(),
      tensorType(getWeightGrad()).getShape(), static_cast<int64_t>(getGroups()),
      getStrides(), getPadding(), getDilations());
  return verifyOutputGradShape(*this, expected, getOutputGrad());
}

/// A transposed convolution is the input gradient of the convolution that
/// maps its result back to its input: `weight` is that convolution's
/// (C x F/G x KH x KW), and the result is any size it maps to the input's.
LogicalResult ConvTranspose2DOp::verify() {
  if (failed(verifyNCHW(*this, "input", getInput())) ||
      failed(verifyNCHW(*this, "result", getResult())) ||
      failed(verifySameElementType(*this, "weight", getWeight(), "input",
                                   getInput())) ||
      failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  ArrayRef<int64_t> input = tensorType(getInput()).getShape();
  ArrayRef<int64_t> weight = tensorType(getWeight()).getShape();
  ArrayRef<int64_t> result = tensorType(getResult()).getShape();
  auto groups = static_cast<int64_t>(getGroups());
  if (weight.size() != 4)
    return emitOpError() << "weight must have rank 4 (C x F/groups x KH x KW), "
                            "found rank "
                         << weight.size();
  if (weight[0] != input[1])
    return emitOpError() << "weight dim 0 (" << weight[0]
                         << ") must be the input channels (" << input[1] << ")";
  if (groups < 1 || input[1] % groups != 0)
    return emitOpError() << "groups (" << groups
                         << ") must be >= 1 and divide the input channels ("
                         << input[1] << ")";
  if (result[0] != input[0] || result[1] != weight[1] * groups)
    return emitOpError() << "result shape " << ShapeText{result}
                         << " must have the input's batch (" << input[0]
                         << ") and weight dim 1 times groups ("
                         << weight[1] * groups << ") channels";
  if (Value bias = getBias()) {
    if (failed(verifySameElementType(*this, "bias", bias, "input", getInput())))
      return failure();
    ArrayRef<int64_t> biasShape = tensorType(bias).getShape();
    if (biasShape.size() != 1 || biasShape[0] != result[1])
      return emitOpError() << "bias shape " << ShapeText{biasShape}
                           << " must be [" << result[1]
                           << "] (the result channels)";
  }
  FailureOr<SmallVector<int64_t>> convolved =
      convOutputShape(*this, result, weight, groups, getStrides(), getPadding(),
                      getDilations());
  if (failed(convolved))
    return failure();
  if (ArrayRef<int64_t>(*convolved) == input)
    return success();
  Window2D window = Window2D::get(weight.take_back(2), getStrides(),
                                  getPadding(), getDilations());
  InFlightDiagnostic diag = emitOpError()
                            << "result shape " << ShapeText{result}
                            << " does not fit input shape " << ShapeText{input}
                            << ": each spatial size must be";
  for (int dim = 0; dim < 2; ++dim) {
    int64_t base = (input[2 + dim] - 1) * window.strides[dim] -
                   window.padBegin[dim] - window.padEnd[dim] +
                   window.extent(dim);
    int64_t extra = window.strides[dim] - 1;
    diag << (dim == 0 ? " " : ", ") << base;
    if (extra > 0)
      diag << " to " << base + extra;
  }
  return diag << " ((in - 1) * stride - padding + extent + output_padding, "
                 "0 <= output_padding < stride)";
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Checks the attributes and returns the pooled shape of `input`.
static FailureOr<SmallVector<int64_t>>
poolOutputShape(Operation *op, StringRef name, Value input,
                ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> padding, ArrayRef<int64_t> dilations) {
  if (failed(verifyNCHW(op, name, input)) ||
      failed(verifyWindowAttrs(op, kernel, strides, padding, dilations)))
    return failure();
  ArrayRef<int64_t> shape = tensorType(input).getShape();
  Window2D window = Window2D::get(kernel, strides, padding, dilations);
  // A window made only of padding has no element to pool.
  for (int dim = 0; dim < 2; ++dim)
    if (window.padBegin[dim] >= window.extent(dim) ||
        window.padEnd[dim] >= window.extent(dim))
      return op->emitOpError()
             << "padding " << ShapeText{padding}
             << " must be smaller than the window extent [" << window.extent(0)
             << ", " << window.extent(1) << "]";
  return windowOutputShape(op, shape, shape[1], window);
}

static constexpr int64_t kUnitDilations[] = {1, 1};

/// A forward pooling op: its result is its input pooled, in its type.
template <typename PoolOpT>
static LogicalResult verifyPool(PoolOpT op, ArrayRef<int64_t> dilations) {
  if (failed(verifySameElementType(op, "result", op.getResult(), "input",
                                   op.getInput())))
    return failure();
  FailureOr<SmallVector<int64_t>> expected =
      poolOutputShape(op, "input", op.getInput(), op.getKernel(),
                      op.getStrides(), op.getPadding(), dilations);
  if (failed(expected))
    return failure();
  return verifyResultShape(op, *expected);
}

LogicalResult MaxPool2DOp::verify() {
  return verifyPool(*this, getDilations());
}

LogicalResult AvgPool2DOp::verify() {
  return verifyPool(*this, kUnitDilations);
}

LogicalResult MaxPool2DGradOp::verify() {
  if (failed(verifySameElementType(*this, "output", getOutput(), "input",
                                   getInput())))
    return failure();
  FailureOr<SmallVector<int64_t>> expected =
      poolOutputShape(*this, "input", getInput(), getKernel(), getStrides(),
                      getPadding(), getDilations());
  if (failed(expected))
    return failure();
  ArrayRef<int64_t> found = tensorType(getOutput()).getShape();
  if (found != ArrayRef<int64_t>(*expected))
    return emitOpError() << "output shape " << ShapeText{found} << " must be "
                         << ShapeText{*expected} << " (the pooled input)";
  return success();
}

LogicalResult AvgPool2DGradOp::verify() {
  if (failed(verifySameElementType(*this, "input_grad", getInputGrad(),
                                   "output_grad", getOutputGrad())))
    return failure();
  FailureOr<SmallVector<int64_t>> expected =
      poolOutputShape(*this, "input_grad", getInputGrad(), getKernel(),
                      getStrides(), getPadding(), kUnitDilations);
  if (failed(expected))
    return failure();
  ArrayRef<int64_t> found = tensorType(getOutputGrad()).getShape();
  if (found != ArrayRef<int64_t>(*expected))
    return emitOpError() << "output_grad shape " << ShapeText{found}
                         << " must be " << ShapeText{*expected}
                         << " (the pooled input_grad)";
  return success();
}
