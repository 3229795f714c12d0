//===- ReductionAccumulators.cpp - Vector accumulators of reductions ------===//
//
// A reduction whose accumulator has fewer elements than the vector it
// reduces (an `all_finite` flag, a row of a matrix-vector product) is
// vectorized as one horizontal `vector.multi_reduction` into the
// loop-carried accumulator per iteration: a chain of shuffles (a serial
// chain of mask shifts for i1, of adds for f32) on every vector. Here such
// a loop carries a whole vector of partial results instead, combined
// element by element, and reduces it horizontally once, after the loop.
//
//===----------------------------------------------------------------------===//

#include "ReductionAccumulators.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Utils/VectorUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The value that leaves every element unchanged when combined with it by
/// `kind`, as a splat of `type`; null for the kinds whose identity depends
/// on the signedness or width of an integer type (min, max).
TypedAttr neutralElement(vector::CombiningKind kind, VectorType type) {
  Type element = type.getElementType();
  auto splat = [&](Attribute value) -> TypedAttr {
    return DenseElementsAttr::get(type, value);
  };
  auto floatType = dyn_cast<FloatType>(element);
  switch (kind) {
  case vector::CombiningKind::ADD:
  case vector::CombiningKind::OR:
  case vector::CombiningKind::XOR:
    return splat(OpBuilder(type.getContext()).getZeroAttr(element));
  case vector::CombiningKind::MUL:
    return floatType ? splat(FloatAttr::get(element, 1.0))
                     : splat(IntegerAttr::get(element, 1));
  case vector::CombiningKind::AND:
    return floatType ? nullptr
                     : splat(IntegerAttr::get(
                           element,
                           APInt::getAllOnes(element.getIntOrFloatBitWidth())));
  case vector::CombiningKind::MAXIMUMF:
  case vector::CombiningKind::MAXNUMF:
    return floatType
               ? splat(FloatAttr::get(
                     element,
                     APFloat::getInf(floatType.getFloatSemantics(), true)))
               : nullptr;
  case vector::CombiningKind::MINIMUMF:
  case vector::CombiningKind::MINNUMF:
    return floatType
               ? splat(FloatAttr::get(
                     element,
                     APFloat::getInf(floatType.getFloatSemantics(), false)))
               : nullptr;
  default:
    return nullptr;
  }
}

/// Rewrites an `scf.for` whose iteration argument only feeds, as the
/// accumulator (directly or as the element of a 0-d vector), one
/// `vector.multi_reduction` whose result (broadcast back to a 0-d vector)
/// the loop yields: the loop carries the reduced vector's partial results
/// instead, and the multi_reduction runs once after it, from the loop's
/// initial accumulator. The source of the reduction does not read the
/// accumulator, so each element's partial result is the same reduction
/// reassociated: exact for integers and min/max, a different rounding
/// order for float sums and products.
struct CarryPartialReductions : OpRewritePattern<scf::ForOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(scf::ForOp loop,
                                PatternRewriter &rewriter) const override {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (auto [position, arg] : llvm::enumerate(loop.getRegionIterArgs())) {
      if (!isa<VectorType>(arg.getType()) || !arg.hasOneUse())
        continue;
      Operation *user = *arg.user_begin();
      auto extract = dyn_cast<vector::ExtractOp>(user);
      Value accumulator = arg;
      if (extract) {
        if (!extract.getStaticPosition().empty() ||
            !extract.getResult().hasOneUse())
          continue;
        accumulator = extract.getResult();
        user = *accumulator.user_begin();
      }
      auto reduction = dyn_cast<vector::MultiDimReductionOp>(user);
      if (!reduction || reduction.getAcc() != accumulator ||
          !reduction.getResult().hasOneUse() ||
          reduction->getParentOp() != loop)
        continue;
      Value reduced = reduction.getResult();
      Operation *yielded = *reduced.user_begin();
      auto broadcast = dyn_cast<vector::BroadcastOp>(yielded);
      if (broadcast) {
        if (!broadcast.getResult().hasOneUse() ||
            broadcast.getType() != arg.getType())
          continue;
        yielded = *broadcast.getResult().user_begin();
        reduced = broadcast.getResult();
      }
      if (yielded != yield || yield.getOperand(position) != reduced ||
          (extract != nullptr) != (broadcast != nullptr))
        continue;
      // Reducing only unit dims is no horizontal reduction.
      VectorType sourceType = reduction.getSourceVectorType();
      if (llvm::none_of(
              llvm::zip(reduction.getReductionMask(), sourceType.getShape()),
              [](auto dim) {
                return std::get<0>(dim) && std::get<1>(dim) > 1;
              }))
        continue;
      TypedAttr neutral = neutralElement(reduction.getKind(), sourceType);
      if (!neutral)
        continue;
      rewrite(loop, position, reduction, neutral, rewriter);
      return success();
    }
    return rewriter.notifyMatchFailure(
        loop, "no iteration argument is only the accumulator of a "
              "horizontal reduction");
  }

  static void rewrite(scf::ForOp loop, unsigned position,
                      vector::MultiDimReductionOp reduction, TypedAttr neutral,
                      PatternRewriter &rewriter) {
    Location loc = reduction.getLoc();
    vector::CombiningKind kind = reduction.getKind();
    SmallVector<bool> mask = reduction.getReductionMask();
    rewriter.setInsertionPoint(loop);
    Value partialsInit = arith::ConstantOp::create(rewriter, loc, neutral);
    auto combine = [&](OpBuilder &b, Location nestedLoc,
                       ArrayRef<BlockArgument> newArgs) -> SmallVector<Value> {
      return {vector::makeArithReduction(b, nestedLoc, kind,
                                         reduction.getSource(), newArgs[0])};
    };
    FailureOr<LoopLikeOpInterface> replaced =
        cast<LoopLikeOpInterface>(loop.getOperation())
            .replaceWithAdditionalYields(rewriter, ValueRange{partialsInit},
                                         /*replaceInitOperandUsesInLoop=*/false,
                                         combine);
    auto newLoop = cast<scf::ForOp>(replaced->getOperation());
    // The old accumulator passes through the loop unchanged; it is reduced
    // into once, after the loop.
    auto yield = cast<scf::YieldOp>(newLoop.getBody()->getTerminator());
    BlockArgument oldArg = newLoop.getRegionIterArgs()[position];
    Value passthrough = yield.getOperand(position);
    rewriter.modifyOpInPlace(yield,
                             [&] { yield.setOperand(position, oldArg); });
    Operation *tail = passthrough.getDefiningOp();
    if (tail != reduction)
      rewriter.eraseOp(tail);
    Operation *head = reduction.getAcc().getDefiningOp();
    rewriter.eraseOp(reduction);
    if (head)
      rewriter.eraseOp(head);

    rewriter.setInsertionPointAfter(newLoop);
    Value initial = newLoop.getInitArgs()[position];
    Value accumulator = initial;
    if (head)
      accumulator = vector::ExtractOp::create(rewriter, loc, initial,
                                              ArrayRef<int64_t>{});
    Value result = vector::MultiDimReductionOp::create(
        rewriter, loc, newLoop.getResults().back(), accumulator, mask, kind);
    if (head)
      result =
          vector::BroadcastOp::create(rewriter, loc, initial.getType(), result);
    rewriter.replaceAllUsesWith(newLoop.getResult(position), result);
  }
};

} // namespace

void mpt::cpu::populateReductionAccumulatorPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CarryPartialReductions>(patterns.getContext());
}
