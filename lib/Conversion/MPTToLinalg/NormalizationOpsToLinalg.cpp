//===- NormalizationOpsToLinalg.cpp - softmax and layer norm to linalg ----===//
//
// Softmax and layer norm compute in f32 (f64 for f64) from stable
// formulations: the max is subtracted before exp, the variance is taken
// around the mean in a second pass. They round once, at the end.
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

//===----------------------------------------------------------------------===//
// Normalisations
//===----------------------------------------------------------------------===//

struct SoftmaxOpLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value input = adaptor.getInput();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> shape = type.getShape();
    unsigned rank = shape.size();
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    int64_t axis = op.getNormalizedAxis();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap rowMap = dropDimsMap(ctx, rank, {axis});

    // exp(x - max(x)) / sum(exp(x - max(x))) never overflows.
    Value negInf = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getFloatAttr(accType,
                              APFloat::getInf(accType.getFloatSemantics(),
                                              /*Negative=*/true)));
    Value rowMax = buildReduction(
        rewriter, loc, shape, {axis}, input, {identity}, negInf,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          return arith::MaximumFOp::create(
              b, nestedLoc, convertFloat(b, nestedLoc, args[0], accType),
              args[1]);
        });
    auto shiftedExp = [&](OpBuilder &b, Location nestedLoc, Value x,
                          Value max) -> Value {
      Value shifted = arith::SubFOp::create(
          b, nestedLoc, convertFloat(b, nestedLoc, x, accType), max);
      return math::ExpOp::create(b, nestedLoc, shifted);
    };
    Value rowSum = buildReduction(
        rewriter, loc, shape, {axis}, ValueRange{input, rowMax},
        {identity, rowMap}, floatConstant(rewriter, loc, accType, 0.0),
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          return arith::AddFOp::create(
              b, nestedLoc, shiftedExp(b, nestedLoc, args[0], args[1]),
              args[2]);
        });
    Value init = emptyTensor(rewriter, loc, shape, element);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto result = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input, rowMax, rowSum},
        ValueRange{init},
        ArrayRef<AffineMap>{identity, rowMap, rowMap, identity}, iterators,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value probability = arith::DivFOp::create(
              b, nestedLoc, shiftedExp(b, nestedLoc, args[0], args[1]),
              args[2]);
          linalg::YieldOp::create(
              b, nestedLoc, convertFloat(b, nestedLoc, probability, element));
        });
    rewriter.replaceOp(op, result.getResult(0));
    return success();
  }
};

struct LayerNormOpLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value input = adaptor.getInput();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> shape = type.getShape();
    unsigned rank = shape.size();
    int64_t last = rank - 1;
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap rowMap = dropDimsMap(ctx, rank, {last});
    RowStatistics stats = buildRowStatistics(rewriter, loc, input,
                                             op.getEpsilon().convertToDouble());
    auto centered = [&](OpBuilder &b, Location nestedLoc, Value x,
                        Value mean) -> Value {
      return arith::SubFOp::create(
          b, nestedLoc, convertFloat(b, nestedLoc, x, accType), mean);
    };
    AffineMap featureMap = trailingMap(ctx, rank, 1);
    Value init = emptyTensor(rewriter, loc, shape, element);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto result = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{input, stats.mean, stats.invStd, adaptor.getGamma(),
                   adaptor.getBeta()},
        ValueRange{init},
        ArrayRef<AffineMap>{identity, rowMap, rowMap, featureMap, featureMap,
                            identity},
        iterators, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value normalized = arith::MulFOp::create(
              b, nestedLoc, centered(b, nestedLoc, args[0], args[1]), args[2]);
          Value gamma = convertFloat(b, nestedLoc, args[3], accType);
          Value beta = convertFloat(b, nestedLoc, args[4], accType);
          Value y = arith::AddFOp::create(
              b, nestedLoc,
              arith::MulFOp::create(b, nestedLoc, normalized, gamma), beta);
          linalg::YieldOp::create(b, nestedLoc,
                                  convertFloat(b, nestedLoc, y, element));
        });
    rewriter.replaceOp(op, result.getResult(0));
    return success();
  }
};

} // namespace

void mlir::mpt::populateNormalizationOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SoftmaxOpLowering, LayerNormOpLowering>(patterns.getContext());
}
