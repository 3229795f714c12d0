//===- TrainingOpsToLinalg.cpp - Loss scaling and optimizers to linalg ----===//
//
// The ops that a step function adds around the model: loss scaling, the
// overflow guard, the loss-scale update, and the optimizer updates, whose
// results must be bit-identical to their inputs when the step is skipped.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

Value intConstant(OpBuilder &b, Location loc, Type type, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value infinity(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(
      b, loc,
      b.getFloatAttr(
          type, APFloat::getInf(cast<FloatType>(type).getFloatSemantics())));
}

Value mul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return arith::MulFOp::create(b, loc, lhs, rhs);
}
Value add(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return arith::AddFOp::create(b, loc, lhs, rhs);
}
Value sub(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return arith::SubFOp::create(b, loc, lhs, rhs);
}
Value select(OpBuilder &b, Location loc, Value cond, Value onTrue,
             Value onFalse) {
  return arith::SelectOp::create(b, loc, cond, onTrue, onFalse);
}

/// `grad + weight_decay * param`, or `grad` when there is no decay.
Value decayedGrad(OpBuilder &b, Location loc, Value grad, Value param,
                  const APFloat &weightDecay) {
  if (weightDecay.isZero())
    return grad;
  return add(
      b, loc, grad,
      mul(b, loc,
          floatConstant(b, loc, grad.getType(), weightDecay.convertToDouble()),
          param));
}

//===----------------------------------------------------------------------===//
// Loss scaling and the overflow guard
//===----------------------------------------------------------------------===//

struct ScaleLossOpLowering : OpConversionPattern<ScaleLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ScaleLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, mul(rewriter, op.getLoc(), adaptor.getLoss(), adaptor.getScale()));
    return success();
  }
};

struct UnscaleOpLowering : OpConversionPattern<UnscaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UnscaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value scale = adaptor.getScale();
    // One reciprocal per step, then a multiply per element.
    Value inverse = arith::DivFOp::create(
        rewriter, loc, floatConstant(rewriter, loc, scale.getType(), 1.0),
        scale);
    SmallVector<Value> results;
    for (Value grad : adaptor.getGrads())
      results.push_back(buildElementwise(
          rewriter, loc, grad.getType(), grad,
          [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
            return mul(b, nestedLoc, args[0], inverse);
          }));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AllFiniteOpLowering : OpConversionPattern<AllFiniteOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AllFiniteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Type i1 = rewriter.getI1Type();
    Value falseValue = intConstant(rewriter, loc, i1, 0);
    Value anyNonFinite = falseValue;
    bool first = true;
    for (Value input : adaptor.getInputs()) {
      auto type = cast<RankedTensorType>(input.getType());
      ArrayRef<int64_t> shape = type.getShape();
      Value inf = infinity(rewriter, loc, type.getElementType());
      // `|x| >= inf` in its unordered form is true for +-inf and for NaN,
      // whose comparisons are all unordered: one compare covers both.
      Value found = buildReduction(
          rewriter, loc, shape,
          llvm::to_vector(llvm::seq<int64_t>(0, shape.size())), input,
          {AffineMap::getMultiDimIdentityMap(shape.size(), ctx)}, falseValue,
          [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
            Value magnitude = math::AbsFOp::create(b, nestedLoc, args[0]);
            Value nonFinite = arith::CmpFOp::create(
                b, nestedLoc, arith::CmpFPredicate::UGE, magnitude, inf);
            return arith::OrIOp::create(b, nestedLoc, args[1], nonFinite);
          });
      Value extracted =
          tensor::ExtractOp::create(rewriter, loc, found, ValueRange{});
      anyNonFinite =
          first ? extracted
                : arith::OrIOp::create(rewriter, loc, anyNonFinite, extracted)
                      .getResult();
      first = false;
    }
    rewriter.replaceOp(
        op, arith::XOrIOp::create(rewriter, loc, anyNonFinite,
                                  intConstant(rewriter, loc, i1, 1)));
    return success();
  }
};

/// The dynamic loss-scale rule of mpt.update_loss_scale as selects between
/// the overflow and the finite outcome.
struct UpdateLossScaleOpLowering : OpConversionPattern<UpdateLossScaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UpdateLossScaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    LossScaleAttr config = op.getConfig();
    Value scale = adaptor.getScale(), goodSteps = adaptor.getGoodSteps();
    Value hysteresisLeft = adaptor.getHysteresisLeft();
    Value finite = adaptor.getFinite();
    Type f32 = scale.getType(), i32 = goodSteps.getType(),
         i1 = finite.getType();
    auto f32Constant = [&](const APFloat &value) {
      return floatConstant(b, loc, f32, value.convertToDouble());
    };
    Value zero = intConstant(b, loc, i32, 0), one = intConstant(b, loc, i32, 1);
    Value hysteresis = intConstant(b, loc, i32, config.getHysteresis());
    Value trueValue = intConstant(b, loc, i1, 1);

    // Overflow: tolerated while hysteresis is left, else back off (and
    // collapse when that would go below min_scale). As in DeepSpeed, a
    // back-off does not refill the tolerance: it stays spent until the
    // next growth.
    Value tolerated = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                            hysteresisLeft, one);
    Value minScale = f32Constant(config.getMinScale());
    Value backedOff =
        mul(b, loc, scale, f32Constant(config.getBackoffFactor()));
    Value belowMin = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                           backedOff, minScale);
    Value overflowScale = select(b, loc, tolerated, scale,
                                 select(b, loc, belowMin, minScale, backedOff));
    Value overflowHysteresis =
        select(b, loc, tolerated,
               arith::SubIOp::create(b, loc, hysteresisLeft, one).getResult(),
               hysteresisLeft);
    Value notFinite = arith::XOrIOp::create(b, loc, finite, trueValue);
    Value notTolerated = arith::XOrIOp::create(b, loc, tolerated, trueValue);
    Value collapsed = arith::AndIOp::create(
        b, loc, notFinite,
        arith::AndIOp::create(b, loc, notTolerated, belowMin).getResult());

    // Finite: count the step; grow after growth_interval of them, clamped
    // to max_scale, unless the grown scale is not finite.
    Value nextGood = arith::AddIOp::create(b, loc, goodSteps, one);
    Value grow = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, nextGood,
        intConstant(b, loc, i32, config.getGrowthInterval()));
    Value grown = arith::MinimumFOp::create(
        b, loc, mul(b, loc, scale, f32Constant(config.getGrowthFactor())),
        f32Constant(config.getMaxScale()));
    Value grownIsFinite = arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::OLT,
        math::AbsFOp::create(b, loc, grown).getResult(), infinity(b, loc, f32));
    Value finiteScale = select(
        b, loc, grow, select(b, loc, grownIsFinite, grown, scale), scale);
    Value finiteGood = select(b, loc, grow, zero, nextGood);
    Value finiteHysteresis = select(b, loc, grow, hysteresis, hysteresisLeft);

    rewriter.replaceOp(
        op, {select(b, loc, finite, finiteScale, overflowScale),
             select(b, loc, finite, finiteGood, zero),
             select(b, loc, finite, finiteHysteresis, overflowHysteresis),
             collapsed});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

// Each update is one elementwise generic that computes the new state and
// selects the old one when `skip` is set, so a skipped step rewrites the
// state with its own bits.

struct SGDUpdateOpLowering : OpConversionPattern<SGDUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SGDUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SGDAttr config = op.getConfig();
    Value skip = adaptor.getSkip();
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        ValueRange{adaptor.getParam(), adaptor.getGrad()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value param = args[0];
          Value grad =
              decayedGrad(b, loc, args[1], param, config.getWeightDecay());
          Value lr = floatConstant(b, loc, param.getType(),
                                   config.getLr().convertToDouble());
          Value updated = sub(b, loc, param, mul(b, loc, lr, grad));
          return select(b, loc, skip, param, updated);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MomentumUpdateOpLowering : OpConversionPattern<MomentumUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MomentumUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MomentumAttr config = op.getConfig();
    Value skip = adaptor.getSkip();
    Type type = op.getNewParam().getType();
    SmallVector<Value> results = buildElementwise(
        rewriter, op.getLoc(), TypeRange{type, type},
        ValueRange{adaptor.getParam(), adaptor.getVelocity(),
                   adaptor.getGrad()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value param = args[0], velocity = args[1];
          Type element = param.getType();
          Value grad =
              decayedGrad(b, loc, args[2], param, config.getWeightDecay());
          Value momentum = floatConstant(
              b, loc, element, config.getMomentum().convertToDouble());
          Value lr =
              floatConstant(b, loc, element, config.getLr().convertToDouble());
          Value newVelocity =
              add(b, loc, mul(b, loc, momentum, velocity), grad);
          Value newParam = sub(b, loc, param, mul(b, loc, lr, newVelocity));
          return SmallVector<Value>{
              select(b, loc, skip, param, newParam),
              select(b, loc, skip, velocity, newVelocity)};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AdamUpdateOpLowering : OpConversionPattern<AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    AdamAttr config = op.getConfig();
    Value skip = adaptor.getSkip();
    Type type = op.getNewParam().getType();
    Type element = getElementTypeOrSelf(type);
    double beta1 = config.getBeta1().convertToDouble();
    double beta2 = config.getBeta2().convertToDouble();

    // Bias corrections, once per step and in f64 as torch.optim.Adam does:
    // step_size = lr / (1 - beta1^t), bc2_sqrt = sqrt(1 - beta2^t).
    Type f64 = rewriter.getF64Type();
    Value t = arith::SIToFPOp::create(rewriter, loc, f64, adaptor.getStep());
    Value one = floatConstant(rewriter, loc, f64, 1.0);
    auto correction = [&](double beta) -> Value {
      Value power = math::PowFOp::create(
          rewriter, loc, floatConstant(rewriter, loc, f64, beta), t);
      return sub(rewriter, loc, one, power);
    };
    Value stepSize = convertFloat(
        rewriter, loc,
        arith::DivFOp::create(
            rewriter, loc,
            floatConstant(rewriter, loc, f64, config.getLr().convertToDouble()),
            correction(beta1)),
        element);
    Value correction2Sqrt = convertFloat(
        rewriter, loc, math::SqrtOp::create(rewriter, loc, correction(beta2)),
        element);

    SmallVector<Value> results = buildElementwise(
        rewriter, loc, TypeRange{type, type, type},
        ValueRange{adaptor.getParam(), adaptor.getM(), adaptor.getV(),
                   adaptor.getGrad()},
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value param = args[0], m = args[1], v = args[2];
          auto constant = [&](double value) {
            return floatConstant(b, nestedLoc, element, value);
          };
          Value grad = decayedGrad(b, nestedLoc, args[3], param,
                                   config.getWeightDecay());
          Value newM = add(b, nestedLoc, mul(b, nestedLoc, constant(beta1), m),
                           mul(b, nestedLoc, constant(1.0 - beta1), grad));
          Value newV = add(b, nestedLoc, mul(b, nestedLoc, constant(beta2), v),
                           mul(b, nestedLoc, constant(1.0 - beta2),
                               mul(b, nestedLoc, grad, grad)));
          // p - step_size * m / (sqrt(v) / bc2_sqrt + epsilon)
          Value denominator =
              add(b, nestedLoc,
                  arith::DivFOp::create(
                      b, nestedLoc,
                      math::SqrtOp::create(b, nestedLoc, newV).getResult(),
                      correction2Sqrt),
                  constant(config.getEpsilon().convertToDouble()));
          Value newParam =
              sub(b, nestedLoc, param,
                  mul(b, nestedLoc, stepSize,
                      arith::DivFOp::create(b, nestedLoc, newM, denominator)));
          return SmallVector<Value>{select(b, nestedLoc, skip, param, newParam),
                                    select(b, nestedLoc, skip, m, newM),
                                    select(b, nestedLoc, skip, v, newV)};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::mpt::populateTrainingOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ScaleLossOpLowering, UnscaleOpLowering, AllFiniteOpLowering,
               UpdateLossScaleOpLowering, SGDUpdateOpLowering,
               MomentumUpdateOpLowering, AdamUpdateOpLowering>(
      patterns.getContext());
}
