//===- GradOpsToLinalg.cpp - Derivative ops to linalg ---------------------===//
//
// The `*_grad` ops that reverse-mode differentiation emits for forward ops
// whose adjoint has no short form in the other ops. Like their forward
// ops, they compute in f32 for f16/bf16 operands and round once.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;

namespace {

struct ReluGradOpLowering : OpConversionPattern<ReluGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReluGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // output > 0 ? output_grad : 0; selecting keeps the op exact in any
    // precision.
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        ValueRange{adaptor.getOutput(), adaptor.getOutputGrad()},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value zero = floatConstant(b, loc, args[0].getType(), 0.0);
          Value active = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OGT, args[0], zero);
          return arith::SelectOp::create(b, loc, active, args[1], zero);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GeluGradOpLowering : OpConversionPattern<GeluGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GeluGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = getElementTypeOrSelf(op.getType());
    FloatType type = computeTypeOf(element);
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        ValueRange{adaptor.getInput(), adaptor.getOutputGrad()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          auto constant = [&](double value) {
            return floatConstant(b, loc, type, value);
          };
          auto mul = [&](Value lhs, Value rhs) -> Value {
            return arith::MulFOp::create(b, loc, lhs, rhs);
          };
          auto add = [&](Value lhs, Value rhs) -> Value {
            return arith::AddFOp::create(b, loc, lhs, rhs);
          };
          Value x = convertFloat(b, loc, args[0], type);
          Value dy = convertFloat(b, loc, args[1], type);
          const double a = 0.044715, c = std::sqrt(2.0 / M_PI);
          // t = tanh(c (x + a x^3))
          Value x2 = mul(x, x);
          Value t = math::TanhOp::create(
              b, loc, mul(constant(c), add(x, mul(constant(a), mul(x2, x)))));
          // 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3a x^2)
          Value half = constant(0.5), one = constant(1.0);
          Value slope = mul(
              mul(mul(half, x),
                  arith::SubFOp::create(b, loc, one, mul(t, t)).getResult()),
              mul(constant(c), add(one, mul(constant(3.0 * a), x2))));
          Value derivative = add(mul(half, add(one, t)), slope);
          return convertFloat(b, loc, mul(dy, derivative), element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LayerNormGradOpLowering : OpConversionPattern<LayerNormGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LayerNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value input = adaptor.getInput(), outputGrad = adaptor.getOutputGrad();
    Value gamma = adaptor.getGamma();
    auto type = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> shape = type.getShape();
    unsigned rank = shape.size();
    int64_t last = rank - 1;
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap rowMap = dropDimsMap(ctx, rank, {last});
    AffineMap featureMap = trailingMap(ctx, rank, 1);
    RowStatistics stats = buildRowStatistics(rewriter, loc, input,
                                             op.getEpsilon().convertToDouble());

    // g = dy * gamma and xhat = (x - mean) * rstd, in the compute type.
    auto scaledGrad = [&](OpBuilder &b, Location nestedLoc, Value dy,
                          Value gammaElement) -> Value {
      return arith::MulFOp::create(
          b, nestedLoc, convertFloat(b, nestedLoc, dy, accType),
          convertFloat(b, nestedLoc, gammaElement, accType));
    };
    auto normalized = [&](OpBuilder &b, Location nestedLoc, Value x, Value mean,
                          Value invStd) -> Value {
      Value centered = arith::SubFOp::create(
          b, nestedLoc, convertFloat(b, nestedLoc, x, accType), mean);
      return arith::MulFOp::create(b, nestedLoc, centered, invStd);
    };
    Value zero = floatConstant(rewriter, loc, accType, 0.0);
    Value sumGrad = buildReduction(
        rewriter, loc, shape, {last}, ValueRange{outputGrad, gamma},
        {identity, featureMap}, zero,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          return arith::AddFOp::create(
              b, nestedLoc, scaledGrad(b, nestedLoc, args[0], args[1]),
              args[2]);
        });
    Value sumGradXhat = buildReduction(
        rewriter, loc, shape, {last},
        ValueRange{outputGrad, gamma, input, stats.mean, stats.invStd},
        {identity, featureMap, identity, rowMap, rowMap}, zero,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          Value product = arith::MulFOp::create(
              b, nestedLoc, scaledGrad(b, nestedLoc, args[0], args[1]),
              normalized(b, nestedLoc, args[2], args[3], args[4]));
          return arith::AddFOp::create(b, nestedLoc, product, args[5]);
        });

    // rstd * (g - sum(g) / D - xhat * sum(g * xhat) / D)
    Value count = floatConstant(rewriter, loc, accType, shape.back());
    Value init = emptyTensor(rewriter, loc, shape, element);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto result = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{outputGrad, gamma, input, stats.mean, stats.invStd, sumGrad,
                   sumGradXhat},
        ValueRange{init},
        ArrayRef<AffineMap>{identity, featureMap, identity, rowMap, rowMap,
                            rowMap, rowMap, identity},
        iterators, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value g = scaledGrad(b, nestedLoc, args[0], args[1]);
          Value xhat = normalized(b, nestedLoc, args[2], args[3], args[4]);
          Value meanGrad = arith::DivFOp::create(b, nestedLoc, args[5], count);
          Value meanGradXhat =
              arith::DivFOp::create(b, nestedLoc, args[6], count);
          Value centered = arith::SubFOp::create(
              b, nestedLoc,
              arith::SubFOp::create(b, nestedLoc, g, meanGrad).getResult(),
              arith::MulFOp::create(b, nestedLoc, xhat, meanGradXhat)
                  .getResult());
          Value dx = arith::MulFOp::create(b, nestedLoc, args[4], centered);
          linalg::YieldOp::create(b, nestedLoc,
                                  convertFloat(b, nestedLoc, dx, element));
        });
    rewriter.replaceOp(op, result.getResult(0));
    return success();
  }
};

} // namespace

void mlir::mpt::populateGradOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReluGradOpLowering, GeluGradOpLowering, LayerNormGradOpLowering>(
      patterns.getContext());
}
