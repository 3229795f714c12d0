//===- MathOpsToLinalg.cpp - Erf, pow, max, log-softmax, CE to linalg -----===//
//
// Erf is expanded here into arith and math.exp, which both back ends lower
// (neither has an erf of its own): a series for small |x| and a continued
// fraction for erfc elsewhere, with enough terms for the compute type. The
// statistics of log-softmax and cross-entropy are those of mpt.softmax: a
// max, then a sum of exp(x - max), in f32 (f64 for f64).
//
//===----------------------------------------------------------------------===//

#include "StructuredBuilders.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;

namespace {

RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

//===----------------------------------------------------------------------===//
// Erf and pow
//===----------------------------------------------------------------------===//

/// erf(x) in the float type of `x`. For |x| < T the series
///   erf(a) = 2/sqrt(pi) exp(-a^2) sum_n a (2a^2)^n / (1 * 3 * ... * (2n+1)),
/// whose terms are all positive (no cancellation); beyond it
///   erfc(a) = exp(-a^2) / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / ...)))
/// (Laplace's continued fraction, evaluated bottom-up). With the terms below
/// the relative error is under 5e-7 in f32 and 2e-15 in f64 for all x.
Value buildErf(OpBuilder &b, Location loc, Value x) {
  auto type = cast<FloatType>(x.getType());
  bool isF64 = type.isF64();
  double threshold = isF64 ? 2.5 : 2.0;
  int seriesTerms = isF64 ? 40 : 20;
  int fractionTerms = isF64 ? 40 : 12;
  auto constant = [&](double value) {
    return floatConstant(b, loc, type, value);
  };
  auto mul = [&](Value l, Value r) -> Value {
    return arith::MulFOp::create(b, loc, l, r);
  };
  auto add = [&](Value l, Value r) -> Value {
    return arith::AddFOp::create(b, loc, l, r);
  };
  Value a = math::AbsFOp::create(b, loc, x);
  Value a2 = mul(a, a);
  Value gauss = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a2));

  Value term = a, sum = a;
  Value twoA2 = mul(a2, constant(2.0));
  for (int n = 1; n <= seriesTerms; ++n) {
    term = mul(mul(term, twoA2), constant(1.0 / (2 * n + 1)));
    sum = add(sum, term);
  }
  Value series = mul(mul(gauss, sum), constant(2.0 / std::sqrt(M_PI)));

  Value fraction = a;
  for (int k = fractionTerms; k >= 1; --k)
    fraction =
        add(a, arith::DivFOp::create(b, loc, constant(k / 2.0), fraction));
  Value erfc = arith::DivFOp::create(b, loc, gauss,
                                     mul(fraction, constant(std::sqrt(M_PI))));
  Value tail = arith::SubFOp::create(b, loc, constant(1.0), erfc);

  Value small = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a,
                                      constant(threshold));
  Value magnitude = arith::SelectOp::create(b, loc, small, series, tail);
  return math::CopySignOp::create(b, loc, magnitude, x);
}

struct ErfOpLowering : OpConversionPattern<ErfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ErfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = op.getType().getElementType();
    Type computeType = computeTypeOf(element);
    rewriter.replaceOp(
        op, buildElementwise(
                rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
                [&](OpBuilder &b, Location loc, ValueRange args) {
                  Value x = convertFloat(b, loc, args[0], computeType);
                  return convertFloat(b, loc, buildErf(b, loc, x), element);
                }));
    return success();
  }
};

struct PowOpLowering : OpConversionPattern<PowOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PowOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = op.getType().getElementType();
    Type computeType = computeTypeOf(element);
    rewriter.replaceOp(
        op, buildElementwise(rewriter, op.getLoc(), op.getType(),
                             ValueRange{adaptor.getLhs(), adaptor.getRhs()},
                             [&](OpBuilder &b, Location loc, ValueRange args) {
                               Value power = math::PowFOp::create(
                                   b, loc,
                                   convertFloat(b, loc, args[0], computeType),
                                   convertFloat(b, loc, args[1], computeType));
                               return convertFloat(b, loc, power, element);
                             }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Reduce max
//===----------------------------------------------------------------------===//

Value negativeInfinity(OpBuilder &b, Location loc, Type type) {
  auto floatType = cast<FloatType>(type);
  return arith::ConstantOp::create(
      b, loc,
      b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                /*Negative=*/true)));
}

/// The maximum of `input` over `dims`, in its element type (the maximum is
/// exact), with the reduced dims dropped.
Value buildMax(OpBuilder &b, Location loc, Value input,
               ArrayRef<int64_t> dims) {
  RankedTensorType type = tensorTypeOf(input);
  return buildReduction(
      b, loc, type.getShape(), dims, input,
      {AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext())},
      negativeInfinity(b, loc, type.getElementType()),
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::MaximumFOp::create(nb, nl, args[0], args[1]);
      });
}

struct ReduceMaxOpLowering : OpConversionPattern<ReduceMaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReduceMaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value max = buildMax(rewriter, op.getLoc(), adaptor.getInput(),
                         op.getReducedDims());
    rewriter.replaceOp(op,
                       reshapeTensor(rewriter, op.getLoc(), max, op.getType()));
    return success();
  }
};

/// dx = x == max ? dy / count : 0, with count the number of elements of the
/// group that equal its maximum.
struct ReduceMaxGradOpLowering : OpConversionPattern<ReduceMaxGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReduceMaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = tensorTypeOf(op.getInput());
    ArrayRef<int64_t> shape = type.getShape();
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    unsigned rank = shape.size();
    SmallVector<int64_t> dims =
        op.getDims() ? SmallVector<int64_t>(*op.getDims())
                     : llvm::to_vector(llvm::seq<int64_t>(0, rank));
    llvm::sort(dims);
    SmallVector<int64_t> kept = dropShapeDims(shape, dims);
    auto dropped = [&](Value value) {
      RankedTensorType valueType = tensorTypeOf(value);
      return reshapeTensor(
          rewriter, loc, value,
          RankedTensorType::get(kept, valueType.getElementType()));
    };
    Value max = dropped(adaptor.getOutput());
    Value outputGrad = dropped(adaptor.getOutputGrad());
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap groupMap = dropDimsMap(ctx, rank, dims);
    Value zero = floatConstant(rewriter, loc, accType, 0.0);
    Value one = floatConstant(rewriter, loc, accType, 1.0);
    Value counts = buildReduction(
        rewriter, loc, shape, dims, ValueRange{adaptor.getInput(), max},
        {identity, groupMap}, zero,
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          Value isMax = arith::CmpFOp::create(b, nl, arith::CmpFPredicate::OEQ,
                                              args[0], args[1]);
          return arith::AddFOp::create(
              b, nl, args[2], arith::SelectOp::create(b, nl, isMax, one, zero));
        });
    Value result = buildMappedElementwise(
        rewriter, loc, type,
        ValueRange{adaptor.getInput(), max, outputGrad, counts},
        {identity, groupMap, groupMap, groupMap},
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          Value isMax = arith::CmpFOp::create(b, nl, arith::CmpFPredicate::OEQ,
                                              args[0], args[1]);
          Value share = arith::DivFOp::create(
              b, nl, convertFloat(b, nl, args[2], accType), args[3]);
          Value grad = arith::SelectOp::create(b, nl, isMax, share, zero);
          return convertFloat(b, nl, grad, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Log-softmax and cross-entropy
//===----------------------------------------------------------------------===//

/// log(sum(exp(x))) along `axis` in `accType`, as its two terms max and
/// log(sum(exp(x - max))), the axis dropped. Readers subtract them from x
/// one at a time, as (x - max) - logSum: x - max is exact for the largest
/// x, so a log-probability near 0 keeps its digits, where x - (max +
/// logSum) would round it to the spacing of max.
struct LogSumExp {
  Value max, logSum;
};
LogSumExp buildLogSumExp(OpBuilder &b, Location loc, Value input, int64_t axis,
                         FloatType accType) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorTypeOf(input);
  ArrayRef<int64_t> shape = type.getShape();
  unsigned rank = shape.size();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rowMap = dropDimsMap(ctx, rank, {axis});
  Value max = buildReduction(
      b, loc, shape, {axis}, input, {identity},
      negativeInfinity(b, loc, accType),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::MaximumFOp::create(
            nb, nl, convertFloat(nb, nl, args[0], accType), args[1]);
      });
  Value sum = buildReduction(
      b, loc, shape, {axis}, ValueRange{input, max}, {identity, rowMap},
      floatConstant(b, loc, accType, 0.0),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value shifted = arith::SubFOp::create(
            nb, nl, convertFloat(nb, nl, args[0], accType), args[1]);
        return arith::AddFOp::create(
            nb, nl, math::ExpOp::create(nb, nl, shifted), args[2]);
      });
  Value logSum = buildElementwise(
      b, loc, RankedTensorType::get(dropShapeDims(shape, {axis}), accType),
      ValueRange{sum}, [](OpBuilder &nb, Location nl, ValueRange args) {
        return math::LogOp::create(nb, nl, args[0]);
      });
  return {max, logSum};
}

/// x - max - logSum, of x in `accType`.
Value logProbability(OpBuilder &b, Location loc, Value x, Value max,
                     Value logSum) {
  return arith::SubFOp::create(b, loc, arith::SubFOp::create(b, loc, x, max),
                               logSum);
}

struct LogSoftmaxOpLowering : OpConversionPattern<LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LogSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    int64_t axis = op.getNormalizedAxis();
    unsigned rank = type.getRank();
    LogSumExp lse =
        buildLogSumExp(rewriter, loc, adaptor.getInput(), axis, accType);
    AffineMap rowMap = dropDimsMap(ctx, rank, {axis});
    Value result = buildMappedElementwise(
        rewriter, loc, type,
        ValueRange{adaptor.getInput(), lse.max, lse.logSum},
        {AffineMap::getMultiDimIdentityMap(rank, ctx), rowMap, rowMap},
        [&](OpBuilder &b, Location nl, ValueRange args) {
          Value y = logProbability(b, nl, convertFloat(b, nl, args[0], accType),
                                   args[1], args[2]);
          return convertFloat(b, nl, y, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The weight of logit (n, c) in the loss: the probability target element,
/// or 1 where an integer target names class c.
Value targetWeight(OpBuilder &b, Location loc, Value target,
                   FloatType accType) {
  if (isa<FloatType>(target.getType()))
    return convertFloat(b, loc, target, accType);
  Value cls = arith::IndexCastOp::create(b, loc, b.getIndexType(), target);
  Value here = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, cls,
                                     linalg::IndexOp::create(b, loc, 1));
  return arith::SelectOp::create(b, loc, here,
                                 floatConstant(b, loc, accType, 1.0),
                                 floatConstant(b, loc, accType, 0.0));
}

/// How the target is read over the (n, c) space.
AffineMap targetMap(MLIRContext *ctx, Value target) {
  if (tensorTypeOf(target).getRank() == 1)
    return AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  return AffineMap::getMultiDimIdentityMap(2, ctx);
}

FloatType crossEntropyComputeType(Value logits) {
  return computeTypeOf(tensorTypeOf(logits).getElementType());
}

/// loss = sum_{n,c} w[n, c] -(x[n, c] - max[n] - logSum[n]) / N.
struct CrossEntropyLossOpLowering : OpConversionPattern<CrossEntropyLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CrossEntropyLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value logits = adaptor.getLogits(), target = adaptor.getTarget();
    ArrayRef<int64_t> shape = tensorTypeOf(logits).getShape();
    FloatType accType = crossEntropyComputeType(logits);
    LogSumExp lse = buildLogSumExp(rewriter, loc, logits, 1, accType);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap rowMap = dropDimsMap(ctx, 2, {1});
    Value total = buildReduction(
        rewriter, loc, shape, {0, 1},
        ValueRange{logits, lse.max, lse.logSum, target},
        {identity, rowMap, rowMap, targetMap(ctx, target)},
        floatConstant(rewriter, loc, accType, 0.0),
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          Value nll = arith::NegFOp::create(
              b, nl,
              logProbability(b, nl, convertFloat(b, nl, args[0], accType),
                             args[1], args[2]));
          Value weighted = arith::MulFOp::create(
              b, nl, targetWeight(b, nl, args[3], accType), nll);
          return arith::AddFOp::create(b, nl, args[4], weighted);
        });
    Value sum = tensor::ExtractOp::create(rewriter, loc, total, ValueRange{});
    Value mean = arith::DivFOp::create(
        rewriter, loc, sum, floatConstant(rewriter, loc, accType, shape[0]));
    rewriter.replaceOp(
        op, convertFloat(rewriter, loc, mean, rewriter.getF32Type()));
    return success();
  }
};

/// dx[n, c] = dL / N (exp(x[n, c] - max[n] - logSum[n]) W[n] - w[n, c])
/// with W[n] the row sum of the target weights.
struct CrossEntropyLossGradOpLowering
    : OpConversionPattern<CrossEntropyLossGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CrossEntropyLossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value logits = adaptor.getLogits(), target = adaptor.getTarget();
    auto type = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> shape = type.getShape();
    Type element = type.getElementType();
    FloatType accType = crossEntropyComputeType(logits);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap rowMap = dropDimsMap(ctx, 2, {1});
    AffineMap readTarget = targetMap(ctx, target);
    LogSumExp lse = buildLogSumExp(rewriter, loc, logits, 1, accType);
    // The logits only give linalg the size of the class dim, which a class
    // index target does not have.
    Value weights = buildReduction(
        rewriter, loc, shape, {1}, ValueRange{target, logits},
        {readTarget, identity}, floatConstant(rewriter, loc, accType, 0.0),
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          return arith::AddFOp::create(b, nl, args[2],
                                       targetWeight(b, nl, args[0], accType));
        });
    Value scale = arith::DivFOp::create(
        rewriter, loc,
        convertFloat(rewriter, loc, adaptor.getLossGrad(), accType),
        floatConstant(rewriter, loc, accType, shape[0]));
    Value result = buildMappedElementwise(
        rewriter, loc, type,
        ValueRange{logits, lse.max, lse.logSum, weights, target},
        {identity, rowMap, rowMap, rowMap, readTarget},
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          Value probability = math::ExpOp::create(
              b, nl,
              logProbability(b, nl, convertFloat(b, nl, args[0], accType),
                             args[1], args[2]));
          Value grad = arith::SubFOp::create(
              b, nl, arith::MulFOp::create(b, nl, probability, args[3]),
              targetWeight(b, nl, args[4], accType));
          return convertFloat(b, nl, arith::MulFOp::create(b, nl, grad, scale),
                              element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mpt::populateMathOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ErfOpLowering, PowOpLowering, ReduceMaxOpLowering,
               ReduceMaxGradOpLowering, LogSoftmaxOpLowering,
               CrossEntropyLossOpLowering, CrossEntropyLossGradOpLowering>(
      patterns.getContext());
}
