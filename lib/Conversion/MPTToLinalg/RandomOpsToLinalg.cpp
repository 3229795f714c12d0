//===- RandomOpsToLinalg.cpp - mpt.dropout to linalg ----------------------===//
//
// Dropout as one elementwise generic: each element hashes its row-major
// position with a key made of the op's seed and step (SplitMix64's
// finalizer, a bijection of 64-bit integers whose outputs pass statistical
// tests for consecutive inputs), keeps the element when the hash's top 24
// bits, read as a uniform number in [0, 1), are at least `p`, and scales
// the kept elements by 1 / (1 - p) in f32 (f64 for f64), rounding once.
// Only integer arithmetic, so the CPU and the GPU draw the same masks.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

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

    // The key: the seed in the high half, the step counter in the low half,
    // mixed once so that neighbouring keys start far apart.
    Hash hash{rewriter, loc};
    Value step =
        adaptor.getStep()
            ? arith::ExtUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                     adaptor.getStep())
                  .getResult()
            : hash.constant(0);
    Value key = hash.mix(hash.step(hash.add(
        hash.constant(static_cast<uint64_t>(op.getSeed()) << 32), step)));

    ArrayRef<int64_t> shape = type.getShape();
    rewriter.replaceOp(
        op,
        buildElementwise(
            rewriter, loc, type, adaptor.getInput(),
            [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
              Hash h{b, nl};
              // The row-major position of the element.
              Value position = h.constant(0);
              for (auto [dim, size] : llvm::enumerate(shape)) {
                Value index = arith::IndexCastUIOp::create(
                    b, nl, b.getI64Type(), linalg::IndexOp::create(b, nl, dim));
                position = h.add(h.mul(position, size), index);
              }
              Value bits = h.mix(h.step(h.add(key, position)));
              Value top = arith::ShRUIOp::create(b, nl, bits, h.constant(40));
              Value uniform = arith::MulFOp::create(
                  b, nl, arith::UIToFPOp::create(b, nl, computeType, top),
                  floatConstant(b, nl, computeType, 0x1p-24));
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
  patterns.add<DropoutOpLowering>(patterns.getContext());
}
