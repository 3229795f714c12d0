//===- DataOps.cpp - Verifiers of concat, slice and gather ----------------===//

#include "VerifierUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::detail;

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

int64_t ConcatOp::getNormalizedAxis() {
  int64_t axis = getAxis();
  return axis < 0 ? axis + getType().getRank() : axis;
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input, found none";
  Value first = getInputs().front();
  ArrayRef<int64_t> firstShape = tensorType(first).getShape();
  FailureOr<int64_t> axis =
      normalizeAxis(*this, static_cast<int64_t>(getAxis()), firstShape.size());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> expected(firstShape);
  expected[*axis] = 0;
  for (auto [index, input] : llvm::enumerate(getInputs())) {
    if (failed(verifySameElementType(*this, "input", input, "input #0", first)))
      return failure();
    ArrayRef<int64_t> shape = tensorType(input).getShape();
    bool compatible = shape.size() == firstShape.size();
    for (size_t dim = 0; compatible && dim < shape.size(); ++dim)
      compatible =
          static_cast<int64_t>(dim) == *axis || shape[dim] == firstShape[dim];
    if (!compatible)
      return emitOpError() << "input #" << index << " shape "
                           << ShapeText{shape} << " must match input #0 shape "
                           << ShapeText{firstShape} << " except in dim "
                           << *axis;
    expected[*axis] += shape[*axis];
  }
  if (failed(verifySameElementType(*this, "result", getResult(), "input #0",
                                   first)))
    return failure();
  return verifyResultShape(*this, expected);
}

//===----------------------------------------------------------------------===//
// SliceOp and SliceGradOp
//===----------------------------------------------------------------------===//

/// Checks that a box of `sizes` at `offsets` with `strides` lies in a tensor
/// of shape `full`.
static LogicalResult verifyBox(Operation *op, ArrayRef<int64_t> full,
                               ArrayRef<int64_t> sizes,
                               ArrayRef<int64_t> offsets,
                               ArrayRef<int64_t> strides) {
  if (sizes.size() != full.size())
    return op->emitOpError() << "slice has rank " << sizes.size()
                             << ", expected the rank of the sliced tensor ("
                             << full.size() << ")";
  if (offsets.size() != full.size() || strides.size() != full.size())
    return op->emitOpError()
           << "offsets and strides must have one entry per dim (" << full.size()
           << "), found " << offsets.size() << " and " << strides.size();
  for (size_t dim = 0; dim < full.size(); ++dim) {
    if (strides[dim] < 1)
      return op->emitOpError()
             << "strides " << ShapeText{strides} << " must be >= 1";
    int64_t last = offsets[dim] + (sizes[dim] - 1) * strides[dim];
    if (offsets[dim] < 0 || (sizes[dim] > 0 && last >= full[dim]))
      return op->emitOpError()
             << "slice of size " << sizes[dim] << " at offset " << offsets[dim]
             << " with stride " << strides[dim] << " must lie inside dim "
             << dim << " of size " << full[dim];
  }
  return success();
}

LogicalResult SliceOp::verify() {
  if (failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  return verifyBox(*this, getInput().getType().getShape(), getType().getShape(),
                   getOffsets(), getStrides());
}

LogicalResult SliceGradOp::verify() {
  if (failed(verifySameElementType(*this, "input_grad", getInputGrad(),
                                   "output_grad", getOutputGrad())))
    return failure();
  return verifyBox(*this, tensorType(getInputGrad()).getShape(),
                   tensorType(getOutputGrad()).getShape(), getOffsets(),
                   getStrides());
}

//===----------------------------------------------------------------------===//
// GatherOp and GatherGradOp
//===----------------------------------------------------------------------===//

/// `axis` counted from the start of a tensor of `rank` (a verified axis).
static int64_t nonNegativeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

/// The shape `P x I x S` of gathering `indices` from `input` along `axis`.
static SmallVector<int64_t> gatheredShape(ArrayRef<int64_t> input,
                                          ArrayRef<int64_t> indices,
                                          int64_t axis) {
  SmallVector<int64_t> shape(input.take_front(axis));
  shape.append(indices.begin(), indices.end());
  shape.append(input.begin() + axis + 1, input.end());
  return shape;
}

int64_t GatherOp::getNormalizedAxis() {
  return nonNegativeAxis(getAxis(), getInput().getType().getRank());
}

/// What every gather verifies first: the result has the input's element
/// type and `axis` is one of the input's dims; returns the axis counted
/// from the start.
static FailureOr<int64_t> verifyGatherAxis(Operation *op, Value input,
                                           Value result, int64_t axis) {
  if (failed(verifySameElementType(op, "result", result, "input", input)))
    return failure();
  return normalizeAxis(op, axis, tensorType(input).getRank());
}

LogicalResult GatherOp::verify() {
  ArrayRef<int64_t> input = getInput().getType().getShape();
  FailureOr<int64_t> axis = verifyGatherAxis(*this, getInput(), getResult(),
                                             static_cast<int64_t>(getAxis()));
  if (failed(axis))
    return failure();
  return verifyResultShape(
      *this, gatheredShape(input, tensorType(getIndices()).getShape(), *axis));
}

LogicalResult GatherGradOp::verify() {
  if (failed(verifySameElementType(*this, "input_grad", getInputGrad(),
                                   "output_grad", getOutputGrad())))
    return failure();
  ArrayRef<int64_t> input = tensorType(getInputGrad()).getShape();
  auto axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= static_cast<int64_t>(input.size()))
    return emitOpError() << "axis " << axis << " must be in [0, "
                         << input.size() << ") (the input_grad rank)";
  SmallVector<int64_t> expected =
      gatheredShape(input, tensorType(getIndices()).getShape(), axis);
  ArrayRef<int64_t> found = tensorType(getOutputGrad()).getShape();
  if (found != ArrayRef<int64_t>(expected))
    return emitOpError() << "output_grad shape " << ShapeText{found}
                         << " must be " << ShapeText{expected}
                         << " (the gathered shape)";
  return success();
}

//===----------------------------------------------------------------------===//
// GatherElementsOp, GatherElementsGradOp and TopKOp
//===----------------------------------------------------------------------===//

/// The indices of an element gather along `axis` of `input`: the same rank,
/// the same dims but the axis.
static LogicalResult verifyElementIndices(Operation *op, StringRef inputName,
                                          ArrayRef<int64_t> input,
                                          ArrayRef<int64_t> indices,
                                          int64_t axis) {
  if (indices.size() != input.size())
    return op->emitOpError()
           << "indices have rank " << indices.size() << " but " << inputName
           << " has rank " << input.size() << "; they must be equal";
  for (auto [dim, size] : llvm::enumerate(indices))
    if (static_cast<int64_t>(dim) != axis && size != input[dim])
      return op->emitOpError()
             << "indices shape " << ShapeText{indices} << " and " << inputName
             << " shape " << ShapeText{input} << " must agree on dim " << dim
             << " (every dim but the axis, " << axis << ")";
  return success();
}

int64_t GatherElementsOp::getNormalizedAxis() {
  return nonNegativeAxis(getAxis(), getInput().getType().getRank());
}

LogicalResult GatherElementsOp::verify() {
  ArrayRef<int64_t> input = getInput().getType().getShape();
  FailureOr<int64_t> axis = verifyGatherAxis(*this, getInput(), getResult(),
                                             static_cast<int64_t>(getAxis()));
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> indices = tensorType(getIndices()).getShape();
  if (failed(verifyElementIndices(*this, "input", input, indices, *axis)))
    return failure();
  return verifyResultShape(*this, indices);
}

LogicalResult GatherElementsGradOp::verify() {
  if (failed(verifySameElementType(*this, "input_grad", getInputGrad(),
                                   "output_grad", getOutputGrad())))
    return failure();
  ArrayRef<int64_t> input = tensorType(getInputGrad()).getShape();
  auto axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= static_cast<int64_t>(input.size()))
    return emitOpError() << "axis " << axis << " must be in [0, "
                         << input.size() << ") (the input_grad rank)";
  ArrayRef<int64_t> indices = tensorType(getIndices()).getShape();
  if (failed(verifyElementIndices(*this, "input_grad", input, indices, axis)))
    return failure();
  ArrayRef<int64_t> found = tensorType(getOutputGrad()).getShape();
  if (found != indices)
    return emitOpError() << "output_grad shape " << ShapeText{found}
                         << " must be the indices shape " << ShapeText{indices};
  return success();
}

int64_t TopKOp::getNormalizedAxis() {
  return nonNegativeAxis(getAxis(), getInput().getType().getRank());
}

LogicalResult TopKOp::verify() {
  ArrayRef<int64_t> input = getInput().getType().getShape();
  FailureOr<int64_t> axis =
      normalizeAxis(*this, static_cast<int64_t>(getAxis()), input.size());
  if (failed(axis))
    return failure();
  int64_t k = static_cast<int64_t>(getK()), size = input[*axis];
  if (k < 1 || k > size)
    return emitOpError() << "k = " << k << " must be in [1, " << size
                         << "] (the input's size along axis " << *axis << ")";
  SmallVector<int64_t> expected(input);
  expected[*axis] = k;
  return verifyResultShape(*this, expected);
}
