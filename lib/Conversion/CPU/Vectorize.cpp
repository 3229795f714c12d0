//===- Vectorize.cpp - Tile and vectorize the remaining linalg ops --------===//
//
// Everything but the packed GEMMs is memory bound: elementwise chains,
// reductions, transposes, packing copies and small contractions. Each op is
// tiled so that its innermost non-unit loop becomes one vector of a few
// registers, vectorized, and its accumulators are hoisted out of reduction
// loops so that they stay in registers; a reduction into fewer elements than
// a vector carries a vector of partial results through its loops. Packs
// (`linalg.pack`) first become the transposing copies they are.
//
//===----------------------------------------------------------------------===//

#include "ReductionAccumulators.h"
#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_VECTORIZE
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The parallel loop of more than one iteration that walks the contiguous
/// (last) dim of `op`'s largest input, if any.
std::optional<unsigned> contiguousParallelLoop(linalg::LinalgOp op,
                                               ArrayRef<int64_t> ranges) {
  OpOperand *largest = nullptr;
  int64_t largestElements = 0;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (type && type.getRank() > 0 && type.hasStaticShape() &&
        type.getNumElements() > largestElements) {
      largest = input;
      largestElements = type.getNumElements();
    }
  }
  if (!largest)
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(
      op.getMatchingIndexingMap(largest).getResults().back());
  if (!last || ranges[last.getPosition()] <= 1 ||
      op.getIteratorTypesArray()[last.getPosition()] !=
          utils::IteratorType::parallel)
    return std::nullopt;
  return last.getPosition();
}

/// The tile sizes that make one loop of `op` one vector of at most
/// `vectorBytes` bytes of its widest element type, and every other loop a
/// scalar loop: the innermost loop of more than one iteration, unless that
/// is a reduction and a parallel loop walks the largest input contiguously
/// (the rhs of a matrix-vector product `A^T v`), which is then the vector,
/// so that the reduction is a chain of vector updates rather than a
/// horizontal reduction of strided gathers. Empty when the op has no loop
/// worth a vector.
SmallVector<int64_t> vectorTileSizes(linalg::LinalgOp op, int64_t vectorBytes) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || ShapedType::isDynamicShape(ranges))
    return {};
  unsigned elementBytes = 1;
  for (Value operand : op->getOperands())
    elementBytes = std::max(
        elementBytes,
        (getElementTypeOrSelf(operand.getType()).getIntOrFloatBitWidth() + 7) /
            8);
  auto innermost = llvm::find_if(llvm::reverse(ranges),
                                 [](int64_t range) { return range > 1; });
  if (innermost == ranges.rend())
    return {};
  unsigned dim = std::distance(innermost, ranges.rend()) - 1;
  if (op.getIteratorTypesArray()[dim] == utils::IteratorType::reduction)
    dim = contiguousParallelLoop(op, ranges).value_or(dim);
  int64_t width = vectorBytes / elementBytes;
  while (ranges[dim] % width != 0)
    width /= 2;
  SmallVector<int64_t> sizes(ranges.size(), 1);
  sizes[dim] = width;
  return sizes;
}

/// True when an indexing map of `op` divides a loop index or takes its
/// remainder. Tiling computes the slice of an operand from the map's values
/// at the first and the last iteration of a tile, which is the range the
/// tile reads only when the map grows with every index; `d floordiv 3` and
/// `d mod 3` do not (a tile of 4 iterations from 4 touches rows 1 and 2 and
/// all three columns, where the endpoints give one row and one column).
bool dividesLoopIndices(linalg::LinalgOp op) {
  return llvm::any_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return llvm::any_of(map.getResults(), [](AffineExpr result) {
      bool divides = false;
      result.walk([&](AffineExpr expr) {
        divides |= expr.getKind() == AffineExprKind::FloorDiv ||
                   expr.getKind() == AffineExprKind::CeilDiv ||
                   expr.getKind() == AffineExprKind::Mod;
      });
      return divides;
    });
  });
}

/// Rewrites `pack` as a transposing copy (upstream's lowerPack: a reshape
/// of its source and a `linalg.transpose`, here as a generic) and fuses the
/// copy into its user when that is its only one and elementwise, such as
/// the widening of GEMM panels: the panels are then written once, in their
/// final type.
LogicalResult lowerPackToCopy(RewriterBase &rewriter, linalg::PackOp pack) {
  FailureOr<linalg::LowerPackResult> lowered =
      linalg::lowerPack(rewriter, pack, /*lowerPadLikeWithInsertSlice=*/false);
  if (failed(lowered))
    return pack.emitOpError(
        "could not be lowered to a copy; expected a pack of a tensor with "
        "static inner tiles");
  // A pack whose tiles divide its source needs no padding.
  tensor::PadOp pad = lowered->padOp;
  if (pad.getSourceType() == pad.getResultType())
    rewriter.replaceOp(pad, pad.getSource());
  rewriter.setInsertionPoint(lowered->transposeOp);
  FailureOr<linalg::GenericOp> copy =
      linalg::generalizeNamedOp(rewriter, lowered->transposeOp);
  if (failed(copy))
    return lowered->transposeOp.emitOpError("could not be generalized");
  Value packed = copy->getResult(0);
  if (!packed.hasOneUse())
    return success();
  OpOperand &use = *packed.use_begin();
  auto user = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!user || !linalg::areElementwiseOpsFusable(&use))
    return success();
  rewriter.setInsertionPoint(user);
  FailureOr<linalg::ElementwiseOpFusionResult> fused =
      linalg::fuseElementwiseOps(rewriter, &use);
  if (failed(fused))
    return success();
  for (auto [original, replacement] : fused->replacements)
    rewriter.replaceAllUsesWith(original, replacement);
  rewriter.eraseOp(user);
  rewriter.eraseOp(*copy);
  return success();
}

struct VectorizePass : mpt::impl::VectorizeBase<VectorizePass> {
  using VectorizeBase::VectorizeBase;

  /// Splits the outermost parallel loop of a large op into `parallelChunks`
  /// (or fewer, to divide it evenly) iterations of an `scf.forall`, which
  /// the pipeline runs on threads; returns the op inside it, or `op` itself
  /// when it is too small to be worth a thread.
  linalg::LinalgOp distribute(RewriterBase &rewriter, linalg::LinalgOp op) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (ranges.empty() || ShapedType::isDynamicShape(ranges) ||
        ShapedType::getNumElements(ranges) < minParallelElements)
      return op;
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    auto outer =
        llvm::find_if(llvm::seq<unsigned>(0, ranges.size()), [&](unsigned dim) {
          return iterators[dim] == utils::IteratorType::parallel &&
                 ranges[dim] > 1;
        });
    if (outer == llvm::seq<unsigned>(0, ranges.size()).end())
      return op;
    unsigned dim = *outer;
    int64_t chunks = std::min<int64_t>(parallelChunks, ranges[dim]);
    while (ranges[dim] % chunks != 0)
      --chunks;
    if (chunks < 2)
      return op;
    SmallVector<int64_t> sizes(ranges.size(), 0);
    sizes[dim] = ranges[dim] / chunks;
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes))
        .setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled))
      return op;
    rewriter.replaceOp(op, tiled->replacements);
    return cast<linalg::LinalgOp>(tiled->tiledOps.back());
  }

  /// Makes the loop of the tile that is a vector (`sizes` greater than 1)
  /// its last: the vectorizer gives vectors the shape of the loops, and a
  /// vector with trailing unit dims (`vector<64x1xf32>`) lowers to an array
  /// of one-element vectors, that is, to scalar code.
  FailureOr<Operation *> moveVectorLoopInnermost(RewriterBase &rewriter,
                                                 Operation *tile,
                                                 ArrayRef<int64_t> sizes) {
    auto vectorLoop =
        llvm::find_if(sizes, [](int64_t size) { return size > 1; });
    unsigned dim = std::distance(sizes.begin(), vectorLoop);
    if (vectorLoop == sizes.end() || dim + 1 == sizes.size())
      return tile;
    rewriter.setInsertionPoint(tile);
    auto generic = dyn_cast<linalg::GenericOp>(tile);
    if (!generic) {
      FailureOr<linalg::GenericOp> generalized =
          linalg::generalizeNamedOp(rewriter, cast<linalg::LinalgOp>(tile));
      if (failed(generalized))
        return rewriter.notifyMatchFailure(tile, "could not be generalized");
      generic = *generalized;
    }
    SmallVector<unsigned> order;
    for (unsigned loop = 0; loop < sizes.size(); ++loop)
      if (loop != dim)
        order.push_back(loop);
    order.push_back(dim);
    FailureOr<linalg::GenericOp> interchanged =
        linalg::interchangeGenericOp(rewriter, generic, order);
    if (failed(interchanged))
      return rewriter.notifyMatchFailure(tile, "could not be interchanged");
    return interchanged->getOperation();
  }

  /// Tiles `op` to one vector per iteration and vectorizes the tile; fails,
  /// with the reason, when it does not vectorize, which leaves the op to
  /// scalar loops.
  LogicalResult tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op) {
    if (dividesLoopIndices(op))
      return rewriter.notifyMatchFailure(
          op, "an indexing map divides a loop index or takes its remainder "
              "(floordiv, ceildiv, mod): tiles of its loops are no slices of "
              "the operand, so it stays whole, for scalar loops");
    op = distribute(rewriter, op);
    SmallVector<int64_t> sizes = vectorTileSizes(op, vectorBytes);
    if (sizes.empty())
      return rewriter.notifyMatchFailure(
          op, "no static loop of more than one iteration to vectorize");
    Operation *tile = op;
    if (op.getStaticLoopRanges() != ArrayRef<int64_t>(sizes)) {
      // Reduction loops innermost, so that an accumulator tile stays the
      // same across them and can live in registers.
      SmallVector<int64_t> order;
      for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
        if (iterator == utils::IteratorType::parallel)
          order.push_back(dim);
      for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
        if (iterator == utils::IteratorType::reduction)
          order.push_back(dim);
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes))
          .setInterchange(order);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        return failure();
      rewriter.replaceOp(op, tiled->replacements);
      tile = tiled->tiledOps.back();
    }
    if (FailureOr<Operation *> moved =
            moveVectorLoopInnermost(rewriter, tile, sizes);
        succeeded(moved))
      tile = *moved;
    else
      return failure();
    if (failed(linalg::vectorizeOpPrecondition(tile)))
      return rewriter.notifyMatchFailure(tile, "the tile does not vectorize");
    rewriter.setInsertionPoint(tile);
    FailureOr<linalg::VectorizationResult> vectorized =
        linalg::vectorize(rewriter, tile);
    if (failed(vectorized))
      return failure();
    rewriter.replaceOp(tile, vectorized->replacements);
    return success();
  }

  /// Keeps the accumulators of reduction loops in registers: a read of the
  /// loop-carried tensor before the body and a write after it become the
  /// loop's vector iteration argument.
  LogicalResult hoistAccumulators(RewriterBase &rewriter) {
    // Hoisting a slice of the loop-carried tensor exposes the vector
    // transfers on that slice, hoisted in a second round once the loop no
    // longer carries the whole tensor.
    RewritePatternSet loopCleanups(&getContext());
    scf::ForOp::getCanonicalizationPatterns(loopCleanups, &getContext());
    FrozenRewritePatternSet frozenCleanups(std::move(loopCleanups));
    for (unsigned round = 0; round < 2; ++round) {
      SmallVector<scf::ForOp> loops;
      getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
      for (scf::ForOp loop : loops)
        hoistLoopInvariantSubsets(
            rewriter, cast<LoopLikeOpInterface>(loop.getOperation()));
      if (failed(applyPatternsGreedily(getOperation(), frozenCleanups)))
        return failure();
    }
    return success();
  }

  /// Keeps the partial results of reductions into a smaller accumulator in
  /// vectors across their loops, reduced horizontally once after them, and
  /// turns reductions of unit dims into elementwise ops.
  LogicalResult carryPartialReductions() {
    RewritePatternSet patterns(&getContext());
    cpu::populateReductionAccumulatorPatterns(patterns);
    scf::ForOp::getCanonicalizationPatterns(patterns, &getContext());
    vector::ExtractOp::getCanonicalizationPatterns(patterns, &getContext());
    vector::BroadcastOp::getCanonicalizationPatterns(patterns, &getContext());
    // A reduction of unit dims only (the k of a matrix-vector product
    // vectorized along its rows) is an elementwise combine: as such, it does
    // not become a `vector.contract` with a unit reduction, which lowers to
    // scalar code.
    vector::MultiDimReductionOp::getCanonicalizationPatterns(patterns,
                                                             &getContext());
    return applyPatternsGreedily(getOperation(), std::move(patterns));
  }

  /// Turns multiply-reduce chains into `vector.contract`, sinks elementwise
  /// ops below broadcasts and transposes, and replaces transcendental
  /// functions on vectors by polynomial approximations, which vectorize
  /// where libm calls would not.
  LogicalResult simplifyVectors() {
    RewritePatternSet patterns(&getContext());
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateSinkVectorOpsPatterns(patterns);
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return name == math::TanhOp::getOperationName() ||
             name == math::ExpOp::getOperationName() ||
             name == math::LogOp::getOperationName();
    });
    return applyPatternsGreedily(getOperation(), std::move(patterns));
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::PackOp> packs;
    getOperation().walk([&](linalg::PackOp pack) { packs.push_back(pack); });
    for (linalg::PackOp pack : packs)
      if (failed(lowerPackToCopy(rewriter, pack)))
        return signalPassFailure();

    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    // An op that does not vectorize is still correct as scalar loops.
    for (linalg::LinalgOp op : ops)
      (void)tileAndVectorize(rewriter, op);
    if (failed(hoistAccumulators(rewriter)) ||
        failed(carryPartialReductions()) || failed(simplifyVectors()))
      return signalPassFailure();
  }
};

} // namespace
