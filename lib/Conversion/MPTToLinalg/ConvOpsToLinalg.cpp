//===- ConvOpsToLinalg.cpp - mpt.conv2d and its derivatives to linalg -----===//
//
// A convolution is an im2col copy and one GEMM per group, so the CPU runs it
// on the same packed GEMM kernels as matmul and linear:
//
//   cols[g, (n, y, x), (c, i, j)] = padded[n, g, c, y * sh + i * dh, x * sw + j
//   * dw] out[g, (n, y, x), f] = sum_k cols[g, (n, y, x), k] * weight[g, f, k]
//
// with groups of one dropping the g dim, so that the GEMM is a plain
// `linalg.matmul`. The weight gradient is `dy^T cols` per group and the
// input gradient `dy weight` per group followed by col2im, written as a
// gather: each input element sums the column entries that read it.
// Products accumulate in f32 (f64 for f64) and every op rounds once.
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

/// The sizes of one convolution, from its input, weight and attributes.
struct ConvGeometry {
  Window2D window;
  int64_t n, c, h, w, f, groups, oh, ow;
  int64_t cg() const { return c / groups; }
  int64_t fg() const { return f / groups; }
  int64_t kh() const { return window.kernel[0]; }
  int64_t kw() const { return window.kernel[1]; }
  /// Rows of the GEMM: one per output pixel of every image.
  int64_t m() const { return n * oh * ow; }
  /// Columns of the im2col matrix: one per weight element of a group.
  int64_t kg() const { return cg() * kh() * kw(); }
  /// The shape of a per-group matrix, without the group dim for one group.
  SmallVector<int64_t> grouped(int64_t rows, int64_t cols) const {
    if (groups == 1)
      return {rows, cols};
    return {groups, rows, cols};
  }

  template <typename OpT>
  static ConvGeometry get(OpT op, ArrayRef<int64_t> input,
                          ArrayRef<int64_t> weight) {
    ConvGeometry g;
    g.window = Window2D::get(weight.take_back(2), op.getStrides(),
                             op.getPadding(), op.getDilations());
    g.n = input[0];
    g.c = input[1];
    g.h = input[2];
    g.w = input[3];
    g.f = weight[0];
    g.groups = static_cast<int64_t>(op.getGroups());
    g.oh = g.window.outputSize(0, g.h);
    g.ow = g.window.outputSize(1, g.w);
    return g;
  }
};

AffineMap mapOf(MLIRContext *ctx, unsigned numDims,
                ArrayRef<AffineExpr> results) {
  return AffineMap::get(numDims, 0, results, ctx);
}

/// `cols` ([G,] M x Kg) of `input`, in its element type.
Value buildIm2Col(OpBuilder &b, Location loc, Value input,
                  const ConvGeometry &g) {
  MLIRContext *ctx = b.getContext();
  Type element = cast<RankedTensorType>(input.getType()).getElementType();
  Value padded = padSpatialDims(b, loc, input, g.window,
                                floatConstant(b, loc, element, 0.0));
  int64_t hp = g.window.paddedSize(0, g.h), wp = g.window.paddedSize(1, g.w);
  Value grouped = reshapeTensor(
      b, loc, padded,
      RankedTensorType::get({g.n, g.groups, g.cg(), hp, wp}, element));
  // Loop dims (g, n, y, x, c, i, j).
  SmallVector<AffineExpr> d;
  for (unsigned dim = 0; dim < 7; ++dim)
    d.push_back(getAffineDimExpr(dim, ctx));
  const Window2D &win = g.window;
  AffineMap read =
      mapOf(ctx, 7,
            {d[1], d[0], d[4], d[2] * win.strides[0] + d[5] * win.dilations[0],
             d[3] * win.strides[1] + d[6] * win.dilations[1]});
  auto colsType = RankedTensorType::get(
      {g.groups, g.n, g.oh, g.ow, g.cg(), g.kh(), g.kw()}, element);
  Value cols = buildMappedElementwise(
      b, loc, colsType, grouped, read,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  return reshapeTensor(
      b, loc, cols, RankedTensorType::get(g.grouped(g.m(), g.kg()), element));
}

/// The weight (F x Cg x KH x KW) as [G,] Fg x Kg.
Value weightMatrix(OpBuilder &b, Location loc, Value weight,
                   const ConvGeometry &g) {
  Type element = cast<RankedTensorType>(weight.getType()).getElementType();
  return reshapeTensor(
      b, loc, weight,
      RankedTensorType::get(g.grouped(g.fg(), g.kg()), element));
}

/// The output cotangent (N x F x OH x OW) as [G,] M x Fg.
Value outputGradMatrix(OpBuilder &b, Location loc, Value outputGrad,
                       const ConvGeometry &g) {
  MLIRContext *ctx = b.getContext();
  Type element = cast<RankedTensorType>(outputGrad.getType()).getElementType();
  Value grouped = reshapeTensor(
      b, loc, outputGrad,
      RankedTensorType::get({g.n, g.groups, g.fg(), g.oh, g.ow}, element));
  // Loop dims (g, n, y, x, f) read (n, g, f, y, x).
  SmallVector<AffineExpr> d;
  for (unsigned dim = 0; dim < 5; ++dim)
    d.push_back(getAffineDimExpr(dim, ctx));
  Value transposed = buildMappedElementwise(
      b, loc,
      RankedTensorType::get({g.groups, g.n, g.oh, g.ow, g.fg()}, element),
      grouped, mapOf(ctx, 5, {d[1], d[0], d[4], d[2], d[3]}),
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  return reshapeTensor(
      b, loc, transposed,
      RankedTensorType::get(g.grouped(g.m(), g.fg()), element));
}

struct Conv2DOpLowering : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    FloatType accType = computeTypeOf(element);
    ConvGeometry g = ConvGeometry::get(op, op.getInput().getType().getShape(),
                                       op.getWeight().getType().getShape());

    Value cols = buildIm2Col(rewriter, loc, adaptor.getInput(), g);
    Value weight = weightMatrix(rewriter, loc, adaptor.getWeight(), g);
    // The accumulator starts from the bias, added in the accumulator type.
    auto accTensorType =
        RankedTensorType::get(g.grouped(g.m(), g.fg()), accType);
    Value acc;
    if (Value bias = adaptor.getBias()) {
      unsigned rank = accTensorType.getRank();
      SmallVector<AffineExpr> biasDims;
      if (g.groups != 1)
        biasDims.push_back(getAffineDimExpr(0, ctx));
      biasDims.push_back(getAffineDimExpr(rank - 1, ctx));
      Value groupedBias = reshapeTensor(
          rewriter, loc, bias,
          RankedTensorType::get(g.groups == 1
                                    ? SmallVector<int64_t>{g.f}
                                    : SmallVector<int64_t>{g.groups, g.fg()},
                                element));
      acc = buildMappedElementwise(
          rewriter, loc, accTensorType, groupedBias, mapOf(ctx, rank, biasDims),
          [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
            return convertFloat(b, nestedLoc, args[0], accType);
          });
    } else {
      acc = filledTensor(rewriter, loc, accTensorType.getShape(),
                         floatConstant(rewriter, loc, accType, 0.0));
    }
    Value product = buildGemm(rewriter, loc, cols, weight, acc,
                              /*transposeLhs=*/false, /*transposeRhs=*/true);

    // [G, N, OH, OW, Fg] back to NCHW, rounding once.
    Value pixels = reshapeTensor(
        rewriter, loc, product,
        RankedTensorType::get({g.groups, g.n, g.oh, g.ow, g.fg()}, accType));
    SmallVector<AffineExpr> d;
    for (unsigned dim = 0; dim < 5; ++dim)
      d.push_back(getAffineDimExpr(dim, ctx));
    Value nchw = buildMappedElementwise(
        rewriter, loc,
        RankedTensorType::get({g.n, g.groups, g.fg(), g.oh, g.ow}, element),
        pixels, mapOf(ctx, 5, {d[1], d[0], d[3], d[4], d[2]}),
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          return convertFloat(b, nestedLoc, args[0], element);
        });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, nchw, resultType));
    return success();
  }
};

struct Conv2DWeightGradOpLowering : OpConversionPattern<Conv2DWeightGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DWeightGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    FloatType accType = computeTypeOf(element);
    ConvGeometry g = ConvGeometry::get(
        op, cast<RankedTensorType>(op.getInput().getType()).getShape(),
        resultType.getShape());
    Value cols = buildIm2Col(rewriter, loc, adaptor.getInput(), g);
    Value outputGrad =
        outputGradMatrix(rewriter, loc, adaptor.getOutputGrad(), g);
    Value acc = filledTensor(rewriter, loc, g.grouped(g.fg(), g.kg()),
                             floatConstant(rewriter, loc, accType, 0.0));
    Value product = buildGemm(rewriter, loc, outputGrad, cols, acc,
                              /*transposeLhs=*/true, /*transposeRhs=*/false);
    product = convertTensor(rewriter, loc, product, element);
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, product, resultType));
    return success();
  }
};

struct Conv2DInputGradOpLowering : OpConversionPattern<Conv2DInputGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    FloatType accType = computeTypeOf(element);
    ConvGeometry g = ConvGeometry::get(
        op, resultType.getShape(),
        cast<RankedTensorType>(op.getWeight().getType()).getShape());
    const Window2D &win = g.window;

    Value outputGrad =
        outputGradMatrix(rewriter, loc, adaptor.getOutputGrad(), g);
    Value weight = weightMatrix(rewriter, loc, adaptor.getWeight(), g);
    Value acc = filledTensor(rewriter, loc, g.grouped(g.m(), g.kg()),
                             floatConstant(rewriter, loc, accType, 0.0));
    Value colsGrad = buildGemm(rewriter, loc, outputGrad, weight, acc,
                               /*transposeLhs=*/false, /*transposeRhs=*/false);
    colsGrad = reshapeTensor(
        rewriter, loc, colsGrad,
        RankedTensorType::get(
            {g.groups, g.n, g.oh, g.ow, g.cg(), g.kh(), g.kw()}, accType));

    // col2im, as a gather: input element (n, g, c, h, w) sums the column
    // entries (g, n, y, x, c, i, j) of the outputs whose window reads it.
    Value zero = floatConstant(rewriter, loc, accType, 0.0);
    Value sums = buildIndexedReduction(
        rewriter, loc, {g.n, g.groups, g.cg(), g.h, g.w}, {g.kh(), g.kw()},
        zero,
        [&](OpBuilder &b, Location nl, ArrayRef<Value> idx,
            ValueRange acc) -> Value {
          CheckedIndex y =
              windowOutputIndex(b, nl, idx[3], idx[5], win, 0, g.oh);
          CheckedIndex x =
              windowOutputIndex(b, nl, idx[4], idx[6], win, 1, g.ow);
          Value entry = tensor::ExtractOp::create(
              b, nl, colsGrad,
              ValueRange{idx[1], idx[0], y.index, x.index, idx[2], idx[5],
                         idx[6]});
          Value share = arith::SelectOp::create(
              b, nl, allOf(b, nl, {y.valid, x.valid}), entry, zero);
          return arith::AddFOp::create(b, nl, acc[0], share);
        });
    Value inputGrad = convertTensor(rewriter, loc, sums, element);
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, inputGrad, resultType));
    return success();
  }
};

} // namespace

void mlir::mpt::populateConvOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DOpLowering, Conv2DWeightGradOpLowering,
               Conv2DInputGradOpLowering>(patterns.getContext());
}
