//===- RandomOpsToLinalg.cpp - Dropout and random numbers to linalg ------===//
//
// Each random op is one elementwise generic: each element hashes its
// row-major position with a key made of the op's seed and step
// (SplitMix64's finalizer, a bijection of 64-bit integers whose outputs
// pass statistical tests for consecutive inputs) and reads the hash's top
// 24 bits as a uniform number in [0, 1). Dropout keeps the element when
// that number is at least `p` and scales the kept elements by 1 / (1 - p);
// random_uniform scales it to [low, high); random_normal draws two (from
// positions 2i and 2i + 1) and applies the Box-Muller transform. In f32
// (f64 for f64), rounding once. The bits come from integer arithmetic
// only, so the CPU and the GPU draw the same numbers.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// 64-bit integer arithmetic for the hash.
struct Hash {
  OpBuilder &b;
  Location loc;

  Value constant(uint64_t value) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(),
                                        static_cast<int64_t>(value));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, uint64_t y) {
    return arith::MulIOp::create(b, loc, x, constant(y));
  }
  Value xorShift(Value x, unsigned shift) {
    return arith::XOrIOp::create(
        b, loc, x, arith::ShRUIOp::create(b, loc, x, constant(shift)));
  }
  /// SplitMix64's output function of `x`.
  Value mix(Value x) {
    x = mul(xorShift(x, 30), 0xBF58476D1CE4E5B9ULL);
    x = mul(xorShift(x, 27), 0x94D049BB133111EBULL);
    return xorShift(x, 31);
  }
  /// The state of SplitMix64 after `x` + 1 increments.
  Value step(Value x) { return add(x, constant(0x9E3779B97F4A7C15ULL)); }
};

/// The key of a random op: the seed in the high half, the step counter (0
/// without one) in the low half, mixed once so that neighbouring keys
/// start far apart.
Value randomKey(OpBuilder &b, Location loc, Value stepCounter, int64_t seed) {
  Hash hash{b, loc};
  Value step = stepCounter
                   ? arith::ExtUIOp::create(b, loc, b.getI64Type(), stepCounter)
                         .getResult()
                   : hash.constant(0);
  return hash.mix(hash.step(
      hash.add(hash.constant(static_cast<uint64_t>(seed) << 32), step)));
}

/// The row-major position of the element a generic over `shape` computes.
Value elementPosition(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  Hash h{b, loc};
  Value position = h.constant(0);
  for (auto [dim, size] : llvm::enumerate(shape)) {
    Value index = arith::IndexCastUIOp::create(
        b, loc, b.getI64Type(), linalg::IndexOp::create(b, loc, dim));
    position = h.add(h.mul(position, size), index);
  }
  return position;
}

/// The uniform number in [0, 1) (24 bits; in (0, 1] with `nonzero`) that
/// `key` draws at `position`.
Value uniformAt(OpBuilder &b, Location loc, Value key, Value position,
                FloatType type, bool nonzero = false) {
  Hash h{b, loc};
  Value bits = h.mix(h.step(h.add(key, position)));
  Value top = arith::ShRUIOp::create(b, loc, bits, h.constant(40));
  if (nonzero)
    top = h.add(top, h.constant(1));
  return arith::MulFOp::create(b, loc,
                               arith::UIToFPOp::create(b, loc, type, top),
                               floatConstant(b, loc, type, 0x1p-24));
}

/// A sampler of one distribution: the number drawn for the element at
/// `position` from the uniform numbers of `key`, in `type`, before the
/// scaling to the op's parameters (`sample * a + b`).
using Sampler = Value (*)(OpBuilder &b, Location loc, Value key, Value position,
                          FloatType type);

Value sampleUniform(OpBuilder &b, Location loc, Value key, Value position,
                    FloatType type) {
  return uniformAt(b, loc, key, position, type);
}

/// The Box-Muller transform of the uniform numbers at positions 2i and
/// 2i + 1: sqrt(-2 log u1) cos(2 pi u2), u1 in (0, 1].
Value sampleNormal(OpBuilder &b, Location loc, Value key, Value position,
                   FloatType type) {
  Hash h{b, loc};
  Value first = h.mul(position, 2);
  Value u1 = uniformAt(b, loc, key, first, type, /*nonzero=*/true);
  Value u2 = uniformAt(b, loc, key, h.add(first, h.constant(1)), type);
  Value radius = math::SqrtOp::create(
      b, loc,
      arith::MulFOp::create(b, loc, math::LogOp::create(b, loc, u1),
                            floatConstant(b, loc, type, -2.0)));
  Value angle = math::CosOp::create(
      b, loc,
      arith::MulFOp::create(b, loc, u2, floatConstant(b, loc, type, 2 * M_PI)));
  return arith::MulFOp::create(b, loc, radius, angle);
}

/// The generic of no inputs that fills `op`'s result with `sample * scale +
/// shift`, in f32 (f64 for f64) before one rounding.
template <typename OpT>
Value buildSamples(ConversionPatternRewriter &rewriter, OpT op, Value step,
                   Sampler sample, double scale, double shift) {
  Location loc = op.getLoc();
  RankedTensorType type = op.getType();
  Type element = type.getElementType();
  FloatType computeType = computeTypeOf(element);
  Value key = randomKey(rewriter, loc, step, op.getSeed());
  return buildElementwise(
      rewriter, loc, type, ValueRange{},
      [&](OpBuilder &b, Location nl, ValueRange) -> Value {
        Value x = sample(b, nl, key, elementPosition(b, nl, type.getShape()),
                         computeType);
        Value value = arith::AddFOp::create(
            b, nl,
            arith::MulFOp::create(b, nl, x,
                                  floatConstant(b, nl, computeType, scale)),
            floatConstant(b, nl, computeType, shift));
        return convertFloat(b, nl, value, element);
      });
}

struct RandomUniformOpLowering : OpConversionPattern<RandomUniformOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RandomUniformOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double low = op.getLow().convertToDouble();
    double high = op.getHigh().convertToDouble();
    rewriter.replaceOp(op, buildSamples(rewriter, op, adaptor.getStep(),
                                        sampleUniform, high - low, low));
    return success();
  }
};

struct RandomNormalOpLowering : OpConversionPattern<RandomNormalOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RandomNormalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildSamples(rewriter, op, adaptor.getStep(),
                                        sampleNormal,
                                        op.getScale().convertToDouble(),
                                        op.getMean().convertToDouble()));
    return success();
  }
};

struct DropoutOpLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    FloatType computeType = computeTypeOf(element);
    double p = op.getP().convertToDouble();

    Value key = randomKey(rewriter, loc, adaptor.getStep(), op.getSeed());

    ArrayRef<int64_t> shape = type.getShape();
    rewriter.replaceOp(
        op, buildElementwise(
                rewriter, loc, type, adaptor.getInput(),
                [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
                  Value uniform = uniformAt(
                      b, nl, key, elementPosition(b, nl, shape), computeType);
                  Value keep = arith::CmpFOp::create(
                      b, nl, arith::CmpFPredicate::OGE, uniform,
                      floatConstant(b, nl, computeType, p));
                  Value scaled = arith::MulFOp::create(
                      b, nl, convertFloat(b, nl, args[0], computeType),
                      floatConstant(b, nl, computeType, 1.0 / (1.0 - p)));
                  Value zero = floatConstant(b, nl, computeType, 0.0);
                  return convertFloat(
                      b, nl, arith::SelectOp::create(b, nl, keep, scaled, zero),
                      element);
                }));
    return success();
  }
};

} // namespace

void mlir::mpt::populateRandomOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<DropoutOpLowering, RandomUniformOpLowering, RandomNormalOpLowering>(
          patterns.getContext());
}
