//===- RoundedGemm.cpp - GEMMs that round their result in registers -------===//
//
// Contractions on f16/bf16 accumulate in f32, and their result is then
// rounded by an elementwise op. When that op is the only user of the f32
// result and reads it only through an `arith.truncf`, the FMA kernel
// rounds each register tile as it stores it: the f32 result never leaves
// registers, and the rounded values are the same.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

/// The elementwise generic that computes the start of `gemm`'s accumulator
/// from vectors along n only (a bias broadcast over the rows), when there is
/// one and the gemm has no batch dim: the kernel can compute each tile's
/// start row in registers.
linalg::GenericOp findRowStart(Gemm &gemm) {
  auto start =
      gemm.op.getDpsInitOperand(0)->get().getDefiningOp<linalg::GenericOp>();
  if (gemm.batch || !start || start.getNumDpsInits() != 1 ||
      start.getNumReductionLoops() != 0 ||
      !start.getIndexingMapsArray().back().isIdentity() ||
      !start.getMatchingBlockArgument(start.getDpsInitOperand(0)).use_empty())
    return {};
  MLIRContext *ctx = gemm.op.getContext();
  AffineMap alongN = AffineMap::get(2, 0, getAffineDimExpr(1, ctx));
  for (OpOperand *input : start.getDpsInputOperands())
    if (start.getMatchingIndexingMap(input) != alongN)
      return {};
  // Each op becomes its vector form: no regions, and no scalar operands
  // from outside the body.
  Block *body = start.getBody();
  if (body->getTerminator()->getOperand(0).getParentBlock() != body)
    return {};
  for (Operation &op : body->without_terminator())
    if (op.getNumRegions() != 0 ||
        !OpTrait::hasElementwiseMappableTraits(&op) ||
        llvm::any_of(op.getOperands(), [&](Value operand) {
          return operand.getParentBlock() != body;
        }))
      return {};
  return start;
}

/// The start of `gemm`'s accumulator in the rounded kernel of the block of
/// columns `column`: the fill value, or the row computed by the `start`
/// generic (see findRowStart) on vectors of `nr` elements.
Value emitRowStart(OpBuilder &b, Location loc, Gemm &gemm,
                   linalg::GenericOp start, Value column, int64_t nr) {
  if (!start)
    return gemm.op.getDpsInitOperand(0)
        ->get()
        .getDefiningOp<linalg::FillOp>()
        .getInputs()[0];
  Value offset = arith::MulIOp::create(
      b, loc, column, arith::ConstantIndexOp::create(b, loc, nr));
  IRMapping vectors;
  for (OpOperand *input : start.getDpsInputOperands()) {
    Type element = getElementTypeOrSelf(input->get().getType());
    vectors.map(start.getMatchingBlockArgument(input),
                vector::TransferReadOp::create(
                    b, loc, VectorType::get({nr}, element), input->get(),
                    ValueRange{offset}, /*padding=*/std::nullopt,
                    ArrayRef<bool>{true}));
  }
  for (Operation &op : start.getBody()->without_terminator()) {
    Operation *vectorOp = b.clone(op, vectors);
    for (Value result : vectorOp->getResults())
      result.setType(VectorType::get({nr}, result.getType()));
  }
  return vectors.lookup(start.getBody()->getTerminator()->getOperand(0));
}

} // namespace

arith::TruncFOp cpu::findRounding(Gemm &gemm) {
  Value result = gemm.op->getResult(0);
  if ((!gemm.op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>() &&
       !findRowStart(gemm)) ||
      !result.hasOneUse())
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

void cpu::rewriteAsRoundedGemm(RewriterBase &rewriter, Gemm &gemm,
                               arith::TruncFOp rounding, int64_t mr, int64_t nr,
                               KernelKind kind) {
  Location loc = gemm.op.getLoc();
  rewriter.setInsertionPoint(gemm.op);
  Value lhs = packOperand(rewriter, loc, gemm, *gemm.op.getDpsInputOperand(0),
                          gemm.m, mr, kind);
  Value rhs = packOperand(rewriter, loc, gemm, *gemm.op.getDpsInputOperand(1),
                          gemm.n, nr, kind);
  linalg::GenericOp rowStart = findRowStart(gemm);

  // One MR x NR block per iteration, over rhs panels then lhs panels as in
  // the unrounded kernel.
  auto [shape, reassociation] = tileResult(gemm, mr, nr);
  bool batched = gemm.batch.has_value();
  SmallVector<OpFoldResult> bounds;
  if (batched)
    bounds.push_back(rewriter.getIndexAttr(shape[0]));
  bounds.push_back(rewriter.getIndexAttr(shape[batched + 2]));
  bounds.push_back(rewriter.getIndexAttr(shape[batched]));
  Type rounded = rounding.getType();
  auto forall = scf::ForallOp::create(
      rewriter, loc, bounds,
      ValueRange{tensor::EmptyOp::create(rewriter, loc, shape, rounded)},
      std::nullopt);
  SmallVector<Value> ivs = forall.getInductionVars();
  Value batchIv = batched ? ivs[0] : Value(), j = ivs[batched],
        i = ivs[batched + 1];
  OpFoldResult zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
  // The slice at `positions` (each of size one) of `source`, whole elsewhere.
  auto slice = [&](Value source,
                   ArrayRef<std::pair<int64_t, Value>> positions) {
    auto type = cast<RankedTensorType>(source.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), zero),
        strides(type.getRank(), one), sizes;
    for (int64_t size : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    for (auto [position, value] : positions) {
      offsets[position] = value;
      sizes[position] = one;
    }
    return std::make_tuple(offsets, sizes, strides);
  };
  // A panel `[batch?][rows / tile][k][tile]` of row block `row`.
  auto panel = [&](Value packed, Value row) -> Value {
    int64_t first = cast<RankedTensorType>(packed.getType()).getRank() - 3;
    SmallVector<std::pair<int64_t, Value>> positions = {{first, row}};
    if (first)
      positions.push_back({0, batchIv});
    auto [offsets, sizes, strides] = slice(packed, positions);
    return tensor::ExtractSliceOp::create(rewriter, loc, packed, offsets, sizes,
                                          strides);
  };

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(forall.getTerminator());
  Value result = forall.getRegionIterArgs()[0];
  SmallVector<std::pair<int64_t, Value>> positions = {{batched, i},
                                                      {batched + 2, j}};
  if (batched)
    positions.push_back({0, batchIv});
  auto [offsets, sizes, strides] = slice(result, positions);
  Value block =
      emitFMAKernel(rewriter, loc, panel(lhs, i), panel(rhs, j),
                    tensor::ExtractSliceOp::create(rewriter, loc, result,
                                                   offsets, sizes, strides),
                    mr, nr, emitRowStart(rewriter, loc, gemm, rowStart, j, nr));
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(rewriter, loc, block, result, offsets,
                                        sizes, strides);

  rewriter.setInsertionPointAfter(forall);
  Value collapsed = tensor::CollapseShapeOp::create(
      rewriter, loc, forall.getResult(0), reassociation);
  OpOperand &use = *gemm.op->getResult(0).use_begin();
  auto consumer = cast<linalg::GenericOp>(use.getOwner());
  BlockArgument arg = consumer.getMatchingBlockArgument(&use);
  rewriter.modifyOpInPlace(consumer, [&] {
    use.set(collapsed);
    arg.setType(rounded);
  });
  rewriter.replaceOp(rounding, arg);
  rewriter.eraseOp(gemm.op);
}
