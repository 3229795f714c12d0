//===- RoundedGemm.cpp - Where a GEMM's accumulators start and end -------===//
//
// A block kernel keeps its accumulators in registers; what it must read
// from memory at the start and write at the end is decided here.
//
// - Start: an accumulator that is a fill or a bias broadcast over the rows
//   is made in registers (the fill value, or the bias row of the block's
//   columns), so that neither the fill nor the broadcast bias is ever
//   written to memory.
// - End: contractions on f16/bf16 accumulate in f32, and their result is
//   then rounded by an elementwise op. When that op is the only user of
//   the f32 result and reads it only through an `arith.truncf`, the kernel
//   rounds each register block as it stores it: the f32 result never
//   leaves registers, and the rounded values are the same.
// - After: an elementwise op that only widens 16-bit values (a rounded
//   gradient cast back to f32, unscaled) and feeds several other ops is
//   recomputed in each of them instead of stored: the f32 copy would take
//   twice the memory of what it is computed from, for a few instructions.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

/// `value` seen through the reshapes that only regroup its rows, keeping
/// its last dim as it is (a [batch][seq][n] fill or bias broadcast
/// collapsed into the [batch * seq][n] accumulator of a GEMM): every row of
/// the source is a row of `value`.
Value sourceOfRowReshapes(Value value) {
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

AccumulatorStart cpu::findAccumulatorStart(linalg::LinalgOp op, bool batched) {
  AccumulatorStart start;
  if (auto fill = sourceOfRowReshapes(op.getDpsInitOperand(0)->get())
                      .getDefiningOp<linalg::FillOp>())
    start.fillValue = fill.getInputs()[0];
  else
    start.rowStart = findRowStart(op, batched);
  return start;
}

AccumulatorStart cpu::findAccumulatorStart(Gemm &gemm) {
  return findAccumulatorStart(gemm.op, gemm.batch.has_value());
}

Value cpu::emitRowStart(OpBuilder &b, Location loc, AccumulatorStart start,
                        Value column, int64_t nr) {
  if (!start.rowStart)
    return start.fillValue;
  Value offset = arith::MulIOp::create(
      b, loc, column, arith::ConstantIndexOp::create(b, loc, nr));
  IRMapping vectors;
  for (OpOperand *input : start.rowStart.getDpsInputOperands()) {
    Type element = getElementTypeOrSelf(input->get().getType());
    vectors.map(start.rowStart.getMatchingBlockArgument(input),
                vector::TransferReadOp::create(
                    b, loc, VectorType::get({nr}, element), input->get(),
                    ValueRange{offset}, /*padding=*/std::nullopt,
                    ArrayRef<bool>{true}));
  }
  for (Operation &op : start.rowStart.getBody()->without_terminator()) {
    Operation *vectorOp = b.clone(op, vectors);
    for (Value result : vectorOp->getResults())
      result.setType(VectorType::get({nr}, result.getType()));
  }
  return vectors.lookup(
      start.rowStart.getBody()->getTerminator()->getOperand(0));
}

arith::TruncFOp cpu::findRounding(Gemm &gemm) {
  return findRounding(gemm.op, gemm.batch.has_value());
}

arith::TruncFOp cpu::findRounding(linalg::LinalgOp op, bool batched) {
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

Value cpu::startDestination(RewriterBase &rewriter, Value init) {
  SmallVector<Operation *> reshapes;
  Value start = init;
  while (start != sourceOfRowReshapes(start)) {
    reshapes.push_back(start.getDefiningOp());
    start = reshapes.back()->getOperand(0);
  }
  auto startOp = start.getDefiningOp<DestinationStyleOpInterface>();
  if (!startOp || startOp.getNumDpsInits() != 1)
    return init;
  Value destination = startOp.getDpsInits()[0];
  for (Operation *reshape : llvm::reverse(reshapes)) {
    IRMapping mapping;
    mapping.map(reshape->getOperand(0), destination);
    destination = rewriter.clone(*reshape, mapping)->getResult(0);
  }
  return destination;
}

SmallVector<Operation *> cpu::reshapesToReader(Value result) {
  SmallVector<Operation *> reshapes;
  while (result.hasOneUse() &&
         isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(
             *result.user_begin())) {
    reshapes.push_back(*result.user_begin());
    result = reshapes.back()->getResult(0);
  }
  return reshapes;
}

namespace {

/// True when `op` is elementwise and computes a wider float tensor from
/// 16-bit ones (and rank-0 scalars) with no side effects: storing its
/// result costs more memory than recomputing it where it is used.
bool isWidening(linalg::GenericOp op) {
  if (op->getNumResults() != 1 || op.getNumReductionLoops() != 0 ||
      !op.getIndexingMapsArray().back().isIdentity())
    return false;
  unsigned resultWidth =
      getElementTypeOrSelf(op->getResult(0).getType()).getIntOrFloatBitWidth();
  bool widens = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type)
      return false;
    if (type.getRank() == 0)
      continue;
    if (!op.getMatchingIndexingMap(input).isIdentity() ||
        !isa<FloatType>(type.getElementType()) ||
        type.getElementType().getIntOrFloatBitWidth() >= resultWidth)
      return false;
    widens = true;
  }
  return widens && llvm::all_of(op.getBody()->without_terminator(),
                                [](Operation &bodyOp) {
                                  return isMemoryEffectFree(&bodyOp) &&
                                         bodyOp.getNumRegions() == 0;
                                });
}

/// True when `op` is a contraction with both m and n dims, which the GEMM
/// kernels take; a dot product along rows or a matrix-vector product is a
/// reduction of the vectorizer like any other.
bool isGemm(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op))
    return false;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  return succeeded(dims) && !dims->m.empty() && !dims->n.empty();
}

} // namespace

void cpu::rematerializeWidenings(RewriterBase &rewriter, Operation *root) {
  SmallVector<linalg::GenericOp> widenings;
  root->walk([&](linalg::GenericOp op) {
    Value result = op->getResult(0);
    if (!isWidening(op) || result.use_empty())
      return;
    // Each reader fuses one use; a reader with several would keep reading
    // the stored copy, and a reader that is itself a widening could be
    // erased before its turn.
    SmallPtrSet<Operation *, 4> readers(result.user_begin(), result.user_end());
    if (readers.size() != static_cast<size_t>(std::distance(result.use_begin(),
                                                            result.use_end())))
      return;
    if (llvm::all_of(result.getUses(), [](OpOperand &use) {
          auto reader = dyn_cast<linalg::GenericOp>(use.getOwner());
          // A GEMM reads the 16-bit source itself (its panel copies widen
          // in registers) once its producer is outlined with it; fused,
          // its body would no longer be a multiply-add.
          return linalg::areElementwiseOpsFusable(&use) && reader &&
                 !isWidening(reader) && !isGemm(reader);
        }))
      widenings.push_back(op);
  });
  for (linalg::GenericOp widening : widenings) {
    SmallVector<OpOperand *> uses = llvm::map_to_vector(
        widening->getResult(0).getUses(), [](OpOperand &use) { return &use; });
    for (OpOperand *use : uses) {
      // A copy of its own for each user, which fusion then consumes whole
      // (fusing a value with other users would keep it as a result).
      Operation *consumer = use->getOwner();
      rewriter.setInsertionPoint(widening);
      Operation *copy = rewriter.clone(*widening);
      rewriter.modifyOpInPlace(consumer, [&] { use->set(copy->getResult(0)); });
      rewriter.setInsertionPoint(consumer);
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, use);
      if (failed(fused)) {
        rewriter.modifyOpInPlace(consumer,
                                 [&] { use->set(widening->getResult(0)); });
        rewriter.eraseOp(copy);
        continue;
      }
      for (auto [original, replacement] : fused->replacements)
        if (original.getDefiningOp() == consumer)
          rewriter.replaceAllUsesWith(original, replacement);
      rewriter.eraseOp(consumer);
      rewriter.eraseOp(copy);
    }
    if (widening->use_empty())
      rewriter.eraseOp(widening);
  }
}
