//===- RoundedResults.cpp - Contractions whose kernels round --------------===//
//
// What a contraction's kernel can compute in registers instead of reading
// or writing memory: the start of its accumulators (a fill, a bias
// broadcast over the rows) and the rounding of its result to 16 bits by its
// only reader.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/TensorRewrites.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mpt;

Value mpt::sourceOfRowReshapes(Value value) {
  while (Operation *op = value.getDefiningOp()) {
    SmallVector<ReassociationIndices> groups;
    Value source;
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
      groups = collapse.getReassociationIndices();
      source = collapse.getSrc();
    } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
      groups = expand.getReassociationIndices();
      source = expand.getSrc();
    } else {
      break;
    }
    if (groups.empty() || groups.back().size() != 1)
      break;
    value = source;
  }
  return value;
}

namespace {

/// The elementwise generic that computes the start of the accumulator of
/// contraction `op` from vectors along n only (a bias broadcast over the
/// rows), when there is one and `op` has no batch dim: the kernel can
/// compute each tile's start row in registers.
linalg::GenericOp findRowStart(linalg::LinalgOp op, bool batched) {
  auto start = sourceOfRowReshapes(op.getDpsInitOperand(0)->get())
                   .getDefiningOp<linalg::GenericOp>();
  if (batched || !start || start.getNumDpsInits() != 1 ||
      start.getNumReductionLoops() != 0 ||
      !start.getIndexingMapsArray().back().isIdentity() ||
      !start.getMatchingBlockArgument(start.getDpsInitOperand(0)).use_empty())
    return {};
  MLIRContext *ctx = op.getContext();
  unsigned rank = start.getNumLoops();
  AffineMap alongN = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
  for (OpOperand *input : start.getDpsInputOperands())
    if (start.getMatchingIndexingMap(input) != alongN)
      return {};
  // Each op becomes its vector form: no regions, and no scalar operands
  // from outside the body.
  Block *body = start.getBody();
  if (body->getTerminator()->getOperand(0).getParentBlock() != body)
    return {};
  for (Operation &bodyOp : body->without_terminator())
    if (bodyOp.getNumRegions() != 0 ||
        !OpTrait::hasElementwiseMappableTraits(&bodyOp) ||
        llvm::any_of(bodyOp.getOperands(), [&](Value operand) {
          return operand.getParentBlock() != body;
        }))
      return {};
  return start;
}

} // namespace

AccumulatorStart mpt::findAccumulatorStart(linalg::LinalgOp op, bool batched) {
  AccumulatorStart start;
  if (auto fill = sourceOfRowReshapes(op.getDpsInitOperand(0)->get())
                      .getDefiningOp<linalg::FillOp>())
    start.fillValue = fill.getInputs()[0];
  else
    start.rowStart = findRowStart(op, batched);
  return start;
}

arith::TruncFOp mpt::findRounding(linalg::LinalgOp op, bool batched) {
  Value result = op->getResult(0);
  if (findAccumulatorStart(op, batched).readsTile())
    return {};
  for (Operation *reshape : reshapesToReader(result))
    result = reshape->getResult(0);
  if (!result.hasOneUse())
    return {};
  OpOperand &use = *result.use_begin();
  auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!consumer || !consumer.isDpsInput(&use) ||
      consumer.getNumReductionLoops() != 0)
    return {};
  BlockArgument arg = consumer.getMatchingBlockArgument(&use);
  if (!arg.hasOneUse())
    return {};
  auto rounding = dyn_cast<arith::TruncFOp>(*arg.user_begin());
  if (!rounding || rounding.getRoundingmodeAttr() ||
      !isa<Float16Type, BFloat16Type>(rounding.getType()))
    return {};
  return rounding;
}

SmallVector<Operation *> mpt::reshapesToReader(Value result) {
  SmallVector<Operation *> reshapes;
  while (result.hasOneUse() &&
         isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(
             *result.user_begin())) {
    reshapes.push_back(*result.user_begin());
    result = reshapes.back()->getResult(0);
  }
  return reshapes;
}
