//===- IndexRanges.cpp - Valid indices of the ops that read indices -------===//
//
// IndexingOpInterface of the ops whose integer operands index a dim: the
// gather ops (an index may count from the end) and the cross-entropy ops
// (class labels).
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {
using IndexRange = std::optional<std::pair<int64_t, int64_t>>;

/// Indices into a dim of `size`, counted from either end: [-size, size).
IndexRange fromEitherEnd(int64_t size) {
  return std::make_pair(-size, size - 1);
}

/// Class labels of `logits` (`N x C`): [0, C).
IndexRange classLabels(Value logits) {
  int64_t classes = cast<RankedTensorType>(logits.getType()).getShape().back();
  return std::make_pair(int64_t(0), classes - 1);
}
} // namespace

IndexRange GatherOp::getValidIndexRange(OpOperand &operand) {
  if (operand.get() != getIndices())
    return std::nullopt;
  return fromEitherEnd(getInput().getType().getDimSize(getNormalizedAxis()));
}

IndexRange GatherGradOp::getValidIndexRange(OpOperand &operand) {
  if (operand.get() != getIndices())
    return std::nullopt;
  auto inputGrad = cast<RankedTensorType>(getInputGrad().getType());
  return fromEitherEnd(inputGrad.getDimSize(getAxis()));
}

IndexRange GatherElementsOp::getValidIndexRange(OpOperand &operand) {
  if (operand.get() != getIndices())
    return std::nullopt;
  return fromEitherEnd(getInput().getType().getDimSize(getNormalizedAxis()));
}

IndexRange GatherElementsGradOp::getValidIndexRange(OpOperand &operand) {
  if (operand.get() != getIndices())
    return std::nullopt;
  auto inputGrad = cast<RankedTensorType>(getInputGrad().getType());
  return fromEitherEnd(inputGrad.getDimSize(getAxis()));
}

IndexRange CrossEntropyLossOp::getValidIndexRange(OpOperand &operand) {
  if (operand.get() != getTarget() ||
      !isa<IntegerType>(getElementTypeOrSelf(getTarget())))
    return std::nullopt;
  return classLabels(getLogits());
}

IndexRange CrossEntropyLossGradOp::getValidIndexRange(OpOperand &operand) {
  if (operand.get() != getTarget() ||
      !isa<IntegerType>(getElementTypeOrSelf(getTarget())))
    return std::nullopt;
  return classLabels(getLogits());
}
