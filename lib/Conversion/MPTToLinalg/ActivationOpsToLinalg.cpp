//===- ActivationOpsToLinalg.cpp - Piecewise activations to linalg --------===//
//
// The activations of MPTActivationOps.td, their derivative ops, and the
// comparisons and selects of MPTMaskOps.td as elementwise generics. Each
// computes in f32 (f64 for f64), or in integers for integer operands, and
// rounds once to its type; the formulas
// follow PyTorch's kernels, including the value taken at each kink, so that
// a model trains as it does in PyTorch.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// Scalar arithmetic in one float type.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type type;

  Value constant(double value) { return floatConstant(b, loc, type, value); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value log(Value x) { return math::LogOp::create(b, loc, x); }
  /// NaN-propagating maximum and minimum, as PyTorch's clamp.
  Value max(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) {
    return arith::MinimumFOp::create(b, loc, x, y);
  }
  /// `x predicate y`, false when either is NaN (ordered predicates).
  Value compare(arith::CmpFPredicate predicate, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, predicate, x, y);
  }
  Value greater(Value x, double y) {
    return compare(arith::CmpFPredicate::OGT, x, constant(y));
  }
  Value less(Value x, double y) {
    return compare(arith::CmpFPredicate::OLT, x, constant(y));
  }
  Value both(Value p, Value q) { return arith::AndIOp::create(b, loc, p, q); }
  Value select(Value condition, Value x, Value y) {
    return arith::SelectOp::create(b, loc, condition, x, y);
  }
  /// exp(x) - 1 without cancellation near 0 (Kahan): with u = exp(x),
  /// (u - 1) x / log(u), whose rounding errors cancel; x where u rounds to
  /// 1, and -1 where u - 1 does.
  Value expm1(Value x) {
    Value u = exp(x);
    Value uMinusOne = sub(u, constant(1.0));
    Value accurate = div(mul(uMinusOne, x), log(u));
    Value one = compare(arith::CmpFPredicate::OEQ, u, constant(1.0));
    Value minusOne =
        compare(arith::CmpFPredicate::OEQ, uMinusOne, constant(-1.0));
    return select(one, x, select(minusOne, constant(-1.0), accurate));
  }
  /// log(1 + x) without losing x next to 1 (Kahan): with u = 1 + x,
  /// log(u) x / (u - 1); x where u rounds to 1.
  Value log1p(Value x) {
    Value u = add(constant(1.0), x);
    Value accurate = div(mul(log(u), x), sub(u, constant(1.0)));
    return select(compare(arith::CmpFPredicate::OEQ, u, constant(1.0)), x,
                  accurate);
  }
};

/// Above this, PyTorch's softplus is x and its derivative 1 (its default
/// threshold, which ONNX's Softplus does not carry).
constexpr double kSoftplusThreshold = 20.0;

double valueOf(FloatAttr attr) { return attr.getValueAsDouble(); }

// The forward ops: `a` holds the input, widened.

Value formula(LeakyReluOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0];
  return s.select(s.greater(x, 0.0), x,
                  s.mul(x, s.constant(valueOf(op.getAlphaAttr()))));
}

/// `x input_scale`, with no multiplication for the common 1.
template <typename OpTy> Value scaledInput(OpTy op, Scalar &s, Value x) {
  double inputScale = valueOf(op.getInputScaleAttr());
  return inputScale == 1.0 ? x : s.mul(x, s.constant(inputScale));
}

Value formula(EluOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0];
  double alpha = valueOf(op.getAlphaAttr()), scale = valueOf(op.getScaleAttr());
  return s.select(
      s.greater(x, 0.0), s.mul(x, s.constant(scale)),
      s.mul(s.expm1(scaledInput(op, s, x)), s.constant(alpha * scale)));
}

Value formula(SoftplusOp, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0];
  return s.select(s.greater(x, kSoftplusThreshold), x, s.log1p(s.exp(x)));
}

Value formula(AbsOp, Scalar &s, ArrayRef<Value> a) {
  return math::AbsFOp::create(s.b, s.loc, a[0]);
}

Value formula(ClampOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0];
  if (FloatAttr min = op.getMinAttr())
    x = s.max(x, s.constant(valueOf(min)));
  if (FloatAttr max = op.getMaxAttr())
    x = s.min(x, s.constant(valueOf(max)));
  return x;
}

Value formula(HardSigmoidOp op, Scalar &s, ArrayRef<Value> a) {
  Value z = s.add(s.mul(s.constant(valueOf(op.getAlphaAttr())), a[0]),
                  s.constant(valueOf(op.getBetaAttr())));
  return s.max(s.constant(0.0), s.min(s.constant(1.0), z));
}

Value formula(HardSwishOp, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0];
  Value gate =
      s.min(s.max(s.add(x, s.constant(3.0)), s.constant(0.0)), s.constant(6.0));
  return s.div(s.mul(x, gate), s.constant(6.0));
}

/// Whether `x` lies in [-lambd, lambd] (false for NaN).
template <typename OpTy> Value insideShrink(OpTy op, Scalar &s, Value x) {
  Value lambd = s.constant(valueOf(op.getLambdAttr()));
  return s.both(s.compare(arith::CmpFPredicate::OGE, x,
                          arith::NegFOp::create(s.b, s.loc, lambd)),
                s.compare(arith::CmpFPredicate::OLE, x, lambd));
}

Value formula(ShrinkOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0];
  Value bias = s.constant(valueOf(op.getBiasAttr()));
  // Outside the interval: x - bias above it, x + bias below it or NaN.
  Value outside = s.select(s.greater(x, valueOf(op.getLambdAttr())),
                           s.sub(x, bias), s.add(x, bias));
  return s.select(insideShrink(op, s, x), s.constant(0.0), outside);
}

Value formula(SignOp, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0];
  return s.select(s.greater(x, 0.0), s.constant(1.0),
                  s.select(s.less(x, 0.0), s.constant(-1.0), x));
}

// The mask ops: a comparison yields 1 or 0; a select reads a nonzero (or
// NaN) condition as true.

/// The arith predicates of a comparison: of floats (ordered, false for
/// NaN, except `ne`) and of signed integers.
struct Predicates {
  arith::CmpFPredicate onFloats;
  arith::CmpIPredicate onIntegers;
};

Predicates predicatesOf(ComparePredicate predicate) {
  switch (predicate) {
  case ComparePredicate::GT:
    return {arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt};
  case ComparePredicate::GE:
    return {arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge};
  case ComparePredicate::LT:
    return {arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt};
  case ComparePredicate::LE:
    return {arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle};
  case ComparePredicate::EQ:
    return {arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq};
  case ComparePredicate::NE:
    return {arith::CmpFPredicate::UNE, arith::CmpIPredicate::ne};
  }
  llvm_unreachable("unknown comparison");
}

Value formula(CompareOp op, Scalar &s, ArrayRef<Value> a) {
  return s.select(
      s.compare(predicatesOf(op.getPredicate()).onFloats, a[0], a[1]),
      s.constant(1.0), s.constant(0.0));
}

Value formula(SelectOp, Scalar &s, ArrayRef<Value> a) {
  return s.select(s.compare(arith::CmpFPredicate::UNE, a[0], s.constant(0.0)),
                  a[1], a[2]);
}

// The derivative ops: `a` holds the input and the output's cotangent,
// widened.

Value formula(LeakyReluGradOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  return s.select(s.greater(x, 0.0), dy,
                  s.mul(dy, s.constant(valueOf(op.getAlphaAttr()))));
}

Value formula(EluGradOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  double alpha = valueOf(op.getAlphaAttr()), scale = valueOf(op.getScaleAttr());
  double inputScale = valueOf(op.getInputScaleAttr());
  return s.select(s.greater(x, 0.0), s.mul(dy, s.constant(scale)),
                  s.mul(s.mul(dy, s.constant(alpha * scale * inputScale)),
                        s.exp(scaledInput(op, s, x))));
}

Value formula(SoftplusGradOp, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  Value z = s.exp(x);
  return s.select(s.greater(x, kSoftplusThreshold), dy,
                  s.div(s.mul(dy, z), s.add(z, s.constant(1.0))));
}

Value formula(AbsGradOp, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  Value zero = s.constant(0.0);
  return s.select(
      s.greater(x, 0.0), dy,
      s.select(s.less(x, 0.0), arith::NegFOp::create(s.b, s.loc, dy), zero));
}

Value formula(ClampGradOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  // PyTorch's hardtanh: strictly inside the bounds, and not NaN.
  Value inside = s.compare(arith::CmpFPredicate::OEQ, x, x);
  if (FloatAttr min = op.getMinAttr())
    inside = s.both(inside, s.greater(x, valueOf(min)));
  if (FloatAttr max = op.getMaxAttr())
    inside = s.both(inside, s.less(x, valueOf(max)));
  return s.select(inside, dy, s.constant(0.0));
}

Value formula(HardSigmoidGradOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  double alpha = valueOf(op.getAlphaAttr());
  Value z =
      s.add(s.mul(s.constant(alpha), x), s.constant(valueOf(op.getBetaAttr())));
  Value inside = s.both(s.greater(z, 0.0), s.less(z, 1.0));
  return s.select(inside, s.mul(dy, s.constant(alpha)), s.constant(0.0));
}

Value formula(HardSwishGradOp, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  Value ramp = s.mul(dy, s.add(s.div(x, s.constant(3.0)), s.constant(0.5)));
  Value belowTop = s.compare(arith::CmpFPredicate::OLE, x, s.constant(3.0));
  return s.select(s.less(x, -3.0), s.constant(0.0),
                  s.select(belowTop, ramp, dy));
}

Value formula(ShrinkGradOp op, Scalar &s, ArrayRef<Value> a) {
  Value x = a[0], dy = a[1];
  return s.select(insideShrink(op, s, x), s.constant(0.0), dy);
}

/// An activation or its derivative op: `formula` in the compute type of
/// its element type, over its widened operands, rounded once.
template <typename OpTy> struct ActivationLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = op->getResult(0).getType();
    Type element = getElementTypeOrSelf(resultType);
    FloatType computeType = computeTypeOf(element);
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Scalar scalar{b, loc, computeType};
          SmallVector<Value> widened;
          for (Value arg : args)
            widened.push_back(convertFloat(b, loc, arg, computeType));
          return convertFloat(b, loc, formula(op, scalar, widened), element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A comparison of integers: signed `cmpi`, and 1 or 0 in the mask's type.
struct IndexCompareLowering : OpConversionPattern<IndexCompareOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IndexCompareOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = getElementTypeOrSelf(op.getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value holds = arith::CmpIOp::create(
              b, loc, predicatesOf(op.getPredicate()).onIntegers, args[0],
              args[1]);
          return arith::SelectOp::create(b, loc, holds,
                                         floatConstant(b, loc, element, 1.0),
                                         floatConstant(b, loc, element, 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Signed integer arithmetic; a division (or remainder) by 0 gives 0 and
/// one by -1 is a negation (0), so that no input traps.
struct IndexArithLowering : OpConversionPattern<IndexArithOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IndexArithOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = getElementTypeOrSelf(op.getType());
    IndexArithKind kind = op.getKind();
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value lhs = args[0], rhs = args[1];
          switch (kind) {
          case IndexArithKind::Add:
            return arith::AddIOp::create(b, loc, lhs, rhs);
          case IndexArithKind::Sub:
            return arith::SubIOp::create(b, loc, lhs, rhs);
          case IndexArithKind::Mul:
            return arith::MulIOp::create(b, loc, lhs, rhs);
          case IndexArithKind::Max:
            return arith::MaxSIOp::create(b, loc, lhs, rhs);
          case IndexArithKind::Min:
            return arith::MinSIOp::create(b, loc, lhs, rhs);
          case IndexArithKind::Div:
          case IndexArithKind::Mod:
            break;
          }
          auto constant = [&](int64_t value) {
            return arith::ConstantOp::create(b, loc,
                                             b.getIntegerAttr(element, value));
          };
          Value zero = constant(0), one = constant(1);
          auto equals = [&](Value v, Value c) {
            return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                         c);
          };
          Value byZero = equals(rhs, zero);
          Value byMinusOne = equals(rhs, constant(-1));
          Value special = arith::OrIOp::create(b, loc, byZero, byMinusOne);
          Value divisor = arith::SelectOp::create(b, loc, special, one, rhs);
          Value value;
          Value whenMinusOne;
          if (kind == IndexArithKind::Div) {
            value = arith::DivSIOp::create(b, loc, lhs, divisor);
            whenMinusOne = arith::SubIOp::create(b, loc, zero, lhs);
          } else {
            // The remainder takes the divisor's sign.
            Value rem = arith::RemSIOp::create(b, loc, lhs, divisor);
            Value remNegative = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::slt, rem, zero);
            Value divisorNegative = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::slt, divisor, zero);
            Value differ = arith::AndIOp::create(
                b, loc,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem,
                                      zero),
                arith::XOrIOp::create(b, loc, remNegative, divisorNegative));
            value = arith::SelectOp::create(
                b, loc, differ, arith::AddIOp::create(b, loc, rem, divisor),
                rem);
            whenMinusOne = zero;
          }
          value =
              arith::SelectOp::create(b, loc, byMinusOne, whenMinusOne, value);
          return arith::SelectOp::create(b, loc, byZero, zero, value);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mpt::populateActivationOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<
      ActivationLowering<LeakyReluOp>, ActivationLowering<EluOp>,
      ActivationLowering<SoftplusOp>, ActivationLowering<AbsOp>,
      ActivationLowering<ClampOp>, ActivationLowering<HardSigmoidOp>,
      ActivationLowering<HardSwishOp>, ActivationLowering<ShrinkOp>,
      ActivationLowering<SignOp>, ActivationLowering<CompareOp>,
      ActivationLowering<SelectOp>, ActivationLowering<LeakyReluGradOp>,
      ActivationLowering<EluGradOp>, ActivationLowering<SoftplusGradOp>,
      ActivationLowering<AbsGradOp>, ActivationLowering<ClampGradOp>,
      ActivationLowering<HardSigmoidGradOp>,
      ActivationLowering<HardSwishGradOp>, ActivationLowering<ShrinkGradOp>,
      IndexCompareLowering, IndexArithLowering>(patterns.getContext());
}
