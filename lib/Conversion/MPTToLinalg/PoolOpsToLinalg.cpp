//===- PoolOpsToLinalg.cpp - Pooling and its derivatives to linalg --------===//
//
// Pooling is a reduction over the window dims (i, j) of an iteration space
// (n, c, y, x, i, j) that reads the padded input at
// (n, c, y * sh + i * dh - pt, x * sw + j * dw - pl). The derivatives are
// gathers: each input element sums the shares of the windows that read it.
//
//===----------------------------------------------------------------------===//

#include "StructuredBuilders.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Dialect/MPT/IR/Window.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

SmallVector<AffineExpr> dimExprs(MLIRContext *ctx, unsigned count) {
  SmallVector<AffineExpr> dims;
  for (unsigned dim = 0; dim < count; ++dim)
    dims.push_back(getAffineDimExpr(dim, ctx));
  return dims;
}

/// The map from (n, c, y, x, i, j) to the padded input element that window
/// position (i, j) of output (y, x) reads.
AffineMap windowReadMap(MLIRContext *ctx, const Window2D &w) {
  SmallVector<AffineExpr> d = dimExprs(ctx, 6);
  return AffineMap::get(6, 0,
                        {d[0], d[1],
                         d[2] * w.strides[0] + d[4] * w.dilations[0],
                         d[3] * w.strides[1] + d[5] * w.dilations[1]},
                        ctx);
}

/// Reduces the padded input over every window into an N x C x OH x OW
/// tensor of `init`'s type; `body` gets the extra inputs' elements (read
/// through `extraMaps` over the 6-D space), the window element and the
/// accumulator.
Value reduceWindows(OpBuilder &b, Location loc, Value padded, const Window2D &w,
                    ArrayRef<int64_t> outputShape, Value init,
                    ValueRange extraInputs, ArrayRef<AffineMap> extraMaps,
                    ScalarBodyBuilder body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> space(outputShape);
  space.append({w.kernel[0], w.kernel[1]});
  SmallVector<Value> inputs(extraInputs);
  inputs.push_back(padded);
  // The window dims appear only inside sums in the read map; an operand of
  // the window's shape (whose elements are never read) gives linalg their
  // sizes, as in upstream's named pooling ops.
  inputs.push_back(
      emptyTensor(b, loc, {w.kernel[0], w.kernel[1]}, b.getI8Type()));
  SmallVector<AffineMap> maps(extraMaps);
  maps.push_back(windowReadMap(ctx, w));
  maps.push_back(AffineMap::get(
      6, 0, {getAffineDimExpr(4, ctx), getAffineDimExpr(5, ctx)}, ctx));
  return buildReduction(b, loc, space, {4, 5}, inputs, maps, init,
                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                          SmallVector<Value> used(args.drop_back(2));
                          used.push_back(args.back());
                          return body(nb, nl, used);
                        });
}

/// The gradient of a pooled NCHW input of `inputShape`: every input element
/// sums `share(n, c, y, x, i, j)` over the windows (y, x) that read it
/// through their element (i, j), in the accumulator type, rounded once.
using ShareBuilder =
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value> window)>;
Value gatherWindowShares(OpBuilder &b, Location loc,
                         ArrayRef<int64_t> inputShape,
                         ArrayRef<int64_t> outputShape, const Window2D &w,
                         Type element, ShareBuilder share) {
  FloatType accType = computeTypeOf(element);
  Value zero = floatConstant(b, loc, accType, 0.0);
  Value sums = buildIndexedReduction(
      b, loc, inputShape, {w.kernel[0], w.kernel[1]}, zero,
      [&](OpBuilder &nb, Location nl, ArrayRef<Value> idx,
          ValueRange acc) -> Value {
        CheckedIndex y =
            windowOutputIndex(nb, nl, idx[2], idx[4], w, 0, outputShape[2]);
        CheckedIndex x =
            windowOutputIndex(nb, nl, idx[3], idx[5], w, 1, outputShape[3]);
        Value value =
            share(nb, nl, {idx[0], idx[1], y.index, x.index, idx[4], idx[5]});
        Value taken = arith::SelectOp::create(
            nb, nl, allOf(nb, nl, {y.valid, x.valid}), value, zero);
        return arith::AddFOp::create(nb, nl, acc[0], taken);
      });
  return convertTensor(b, loc, sums, element);
}

//===----------------------------------------------------------------------===//
// Max pooling
//===----------------------------------------------------------------------===//

Value negativeInfinity(OpBuilder &b, Location loc, Type type) {
  auto floatType = cast<FloatType>(type);
  return arith::ConstantOp::create(
      b, loc,
      b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                /*Negative=*/true)));
}

template <typename OpT> Window2D maxPoolWindow(OpT op) {
  return Window2D::get(op.getKernel(), op.getStrides(), op.getPadding(),
                       op.getDilations());
}

struct MaxPool2DOpLowering : OpConversionPattern<MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Window2D w = maxPoolWindow(op);
    Type element = op.getType().getElementType();
    // The maximum is exact: it stays in the element type.
    Value lowest = negativeInfinity(rewriter, loc, element);
    Value padded = padSpatialDims(rewriter, loc, adaptor.getInput(), w, lowest);
    Value result = reduceWindows(
        rewriter, loc, padded, w, op.getType().getShape(), lowest, {}, {},
        [](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          return arith::MaximumFOp::create(b, nestedLoc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MaxPool2DGradOpLowering : OpConversionPattern<MaxPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MaxPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Window2D w = maxPoolWindow(op);
    RankedTensorType inputType = tensorTypeOf(op.getInput());
    ArrayRef<int64_t> outputShape = tensorTypeOf(op.getOutput()).getShape();
    Type element = inputType.getElementType();
    Value padded = padSpatialDims(rewriter, loc, adaptor.getInput(), w,
                                  negativeInfinity(rewriter, loc, element));

    // The first window position (i * KW + j) that holds the maximum: a min
    // reduction, so the order in which positions are visited is free.
    Type i32 = rewriter.getI32Type();
    int64_t positions = w.kernel[0] * w.kernel[1];
    SmallVector<AffineExpr> d = dimExprs(ctx, 6);
    AffineMap outputMap = AffineMap::get(6, 0, {d[0], d[1], d[2], d[3]}, ctx);
    Value none = arith::ConstantOp::create(
        rewriter, loc, rewriter.getI32IntegerAttr(positions));
    Value argmax = reduceWindows(
        rewriter, loc, padded, w, outputShape, none, adaptor.getOutput(),
        outputMap, [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          Value i = linalg::IndexOp::create(b, nl, 4);
          Value j = linalg::IndexOp::create(b, nl, 5);
          Value position = arith::AddIOp::create(
              b, nl,
              arith::MulIOp::create(
                  b, nl, i, arith::ConstantIndexOp::create(b, nl, w.kernel[1])),
              j);
          position = arith::IndexCastOp::create(b, nl, i32, position);
          Value isMax = arith::CmpFOp::create(b, nl, arith::CmpFPredicate::OEQ,
                                              args[1], args[0]);
          Value candidate =
              arith::SelectOp::create(b, nl, isMax, position, args[2]);
          return arith::MinSIOp::create(b, nl, candidate, args[2]);
        });

    FloatType accType = computeTypeOf(element);
    Value outputGrad = adaptor.getOutputGrad();
    Value result = gatherWindowShares(
        rewriter, loc, inputType.getShape(), outputShape, w, element,
        [&](OpBuilder &b, Location nl, ArrayRef<Value> window) -> Value {
          ValueRange pixel = ValueRange(window).take_front(4);
          Value first = tensor::ExtractOp::create(b, nl, argmax, pixel);
          Value position = arith::AddIOp::create(
              b, nl,
              arith::MulIOp::create(
                  b, nl, window[4],
                  arith::ConstantIndexOp::create(b, nl, w.kernel[1])),
              window[5]);
          Value here = arith::CmpIOp::create(
              b, nl, arith::CmpIPredicate::eq, first,
              arith::IndexCastOp::create(b, nl, i32, position));
          Value grad = convertFloat(
              b, nl, tensor::ExtractOp::create(b, nl, outputGrad, pixel),
              accType);
          return arith::SelectOp::create(b, nl, here, grad,
                                         floatConstant(b, nl, accType, 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Average pooling
//===----------------------------------------------------------------------===//

template <typename OpT> Window2D avgPoolWindow(OpT op) {
  static constexpr int64_t unitDilations[] = {1, 1};
  return Window2D::get(op.getKernel(), op.getStrides(), op.getPadding(),
                       unitDilations);
}

/// The reciprocal of every window's divisor, as an OH x OW constant of
/// `type`: the kernel area, or with `excludePadding` the number of window
/// elements inside the input.
Value reciprocalCounts(OpBuilder &b, Location loc, const Window2D &w,
                       ArrayRef<int64_t> inputShape,
                       ArrayRef<int64_t> outputShape, bool excludePadding,
                       FloatType type) {
  auto inside = [&](int dim, int64_t out) {
    int64_t begin = out * w.strides[dim] - w.padBegin[dim];
    int64_t end = begin + w.kernel[dim];
    return std::min(end, inputShape[2 + dim]) - std::max(begin, int64_t(0));
  };
  SmallVector<double> values;
  for (int64_t y = 0; y < outputShape[2]; ++y)
    for (int64_t x = 0; x < outputShape[3]; ++x)
      values.push_back(1.0 / static_cast<double>(
                                 excludePadding ? inside(0, y) * inside(1, x)
                                                : w.kernel[0] * w.kernel[1]));
  auto tensorType = RankedTensorType::get(outputShape.drop_front(2), type);
  SmallVector<APFloat> elements;
  for (double value : values) {
    APFloat element(value);
    bool losesInfo = false;
    element.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                    &losesInfo);
    elements.push_back(element);
  }
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tensorType, elements));
}

struct AvgPool2DOpLowering : OpConversionPattern<AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Window2D w = avgPoolWindow(op);
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    ArrayRef<int64_t> inputShape = op.getInput().getType().getShape();
    Value padded = padSpatialDims(rewriter, loc, adaptor.getInput(), w,
                                  floatConstant(rewriter, loc, element, 0.0));
    Value sums = reduceWindows(
        rewriter, loc, padded, w, type.getShape(),
        floatConstant(rewriter, loc, accType, 0.0), {}, {},
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          return arith::AddFOp::create(
              b, nl, convertFloat(b, nl, args[0], accType), args[1]);
        });
    Value scales =
        reciprocalCounts(rewriter, loc, w, inputShape, type.getShape(),
                         !op.getCountIncludePad(), accType);
    SmallVector<AffineExpr> d = dimExprs(ctx, 4);
    Value result = buildMappedElementwise(
        rewriter, loc, type, ValueRange{sums, scales},
        {AffineMap::getMultiDimIdentityMap(4, ctx),
         AffineMap::get(4, 0, {d[2], d[3]}, ctx)},
        [&](OpBuilder &b, Location nl, ValueRange args) {
          return convertFloat(
              b, nl, arith::MulFOp::create(b, nl, args[0], args[1]), element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AvgPool2DGradOpLowering : OpConversionPattern<AvgPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AvgPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Window2D w = avgPoolWindow(op);
    RankedTensorType inputType = tensorTypeOf(op.getInputGrad());
    ArrayRef<int64_t> outputShape = tensorTypeOf(op.getOutputGrad()).getShape();
    Type element = inputType.getElementType();
    FloatType accType = computeTypeOf(element);
    Value scales =
        reciprocalCounts(rewriter, loc, w, inputType.getShape(), outputShape,
                         !op.getCountIncludePad(), accType);
    Value outputGrad = adaptor.getOutputGrad();
    Value result = gatherWindowShares(
        rewriter, loc, inputType.getShape(), outputShape, w, element,
        [&](OpBuilder &b, Location nl, ArrayRef<Value> window) -> Value {
          Value grad = tensor::ExtractOp::create(
              b, nl, outputGrad, ValueRange(window).take_front(4));
          Value scale = tensor::ExtractOp::create(
              b, nl, scales, ValueRange{window[2], window[3]});
          return arith::MulFOp::create(
              b, nl, convertFloat(b, nl, grad, accType), scale);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mpt::populatePoolOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPool2DOpLowering, MaxPool2DGradOpLowering,
               AvgPool2DOpLowering, AvgPool2DGradOpLowering>(
      patterns.getContext());
}
