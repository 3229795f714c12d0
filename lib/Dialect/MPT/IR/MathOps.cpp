//===- MathOps.cpp - Verifiers of erf, pow, reduce_max, log-softmax, CE ---===//

#include "VerifierUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::detail;

LogicalResult PowOp::verify() {
  return verifyBroadcastBinary(*this, getLhs(), getRhs());
}

//===----------------------------------------------------------------------===//
// ReduceMaxOp and ReduceMaxGradOp
//===----------------------------------------------------------------------===//

/// `dims` sorted, or every dim of a tensor of `rank` when absent.
static SmallVector<int64_t> sortedDims(std::optional<ArrayRef<int64_t>> dims,
                                       int64_t rank) {
  if (!dims)
    return llvm::to_vector(llvm::seq<int64_t>(0, rank));
  SmallVector<int64_t> sorted(*dims);
  llvm::sort(sorted);
  return sorted;
}

SmallVector<int64_t> ReduceMaxOp::getReducedDims() {
  return sortedDims(getDims(), getInput().getType().getRank());
}

LogicalResult ReduceMaxOp::verify() {
  if (failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  FailureOr<SmallVector<int64_t>> expected = reducedShape(
      *this, getInput().getType().getShape(), getReducedDims(), getKeepDims());
  if (failed(expected))
    return failure();
  return verifyResultShape(*this, *expected);
}

LogicalResult ReduceMaxGradOp::verify() {
  if (failed(verifySameElementType(*this, "output", getOutput(), "input",
                                   getInput())))
    return failure();
  ArrayRef<int64_t> input = tensorType(getInput()).getShape();
  FailureOr<SmallVector<int64_t>> expected = reducedShape(
      *this, input, sortedDims(getDims(), input.size()), getKeepDims());
  if (failed(expected))
    return failure();
  ArrayRef<int64_t> found = tensorType(getOutput()).getShape();
  if (found != ArrayRef<int64_t>(*expected))
    return emitOpError() << "output shape " << ShapeText{found} << " must be "
                         << ShapeText{*expected} << " (the reduced input)";
  return success();
}

//===----------------------------------------------------------------------===//
// LogSoftmaxOp
//===----------------------------------------------------------------------===//

int64_t LogSoftmaxOp::getNormalizedAxis() {
  int64_t axis = getAxis();
  return axis < 0 ? axis + getInput().getType().getRank() : axis;
}

LogicalResult LogSoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (rank < 1)
    return emitOpError() << "input must have rank >= 1, found rank 0";
  // The I64 attribute reads back unsigned; negative axes count from the end.
  return normalizeAxis(*this, static_cast<int64_t>(getAxis()), rank);
}

//===----------------------------------------------------------------------===//
// CrossEntropyLossOp and CrossEntropyLossGradOp
//===----------------------------------------------------------------------===//

/// Logits `N x C`; a target of `N` class indices or `N x C` probabilities
/// of the logits' element type.
static LogicalResult verifyCrossEntropyOperands(Operation *op, Value logits,
                                                Value target) {
  ArrayRef<int64_t> shape = tensorType(logits).getShape();
  if (shape.size() != 2)
    return op->emitOpError()
           << "logits must have rank 2 (N x C), found rank " << shape.size();
  RankedTensorType targetType = tensorType(target);
  if (isa<IntegerType>(targetType.getElementType())) {
    if (targetType.getShape() != shape.take_front())
      return op->emitOpError()
             << "class-index target shape " << ShapeText{targetType.getShape()}
             << " must be [" << shape[0] << "] (one index per logits row)";
    return success();
  }
  if (failed(verifySameElementType(op, "target", target, "logits", logits)))
    return failure();
  if (targetType.getShape() != shape)
    return op->emitOpError()
           << "probability target shape " << ShapeText{targetType.getShape()}
           << " must match logits shape " << ShapeText{shape};
  return success();
}

LogicalResult CrossEntropyLossOp::verify() {
  return verifyCrossEntropyOperands(*this, getLogits(), getTarget());
}

LogicalResult CrossEntropyLossGradOp::verify() {
  return verifyCrossEntropyOperands(*this, getLogits(), getTarget());
}
