//===- ConvOpsToLinalg.cpp - mpt.conv2d and its derivatives to linalg -----===//
//
// A convolution is an im2col copy and one GEMM per group, so the CPU runs it
// on the same packed GEMM kernels as matmul and linear:
//
//   cols[g, (n, y, x), (c, i, j)] = padded[n, g, c, y * sh + i * dh, x * sw + j
//   * dw] out[g, (n, y, x), f] = sum_k cols[g, (n, y, x), k] * weight[g, f, k]
//
// with groups of one dropping the g dim, so that the GEMM is a plain
// `linalg.matmul`. The weight gradient is `dy cols` per group and the input
// gradient `weight^T dy` per group followed by col2im, written as a gather:
// each input element sums the column entries that read it. The pixels
// (n, y, x) are the columns of the forward and input-gradient GEMMs: the
// CPU's GEMM kernels take n in multiples of 32 and m in multiples of 8, which
// pixels and channels usually are.
//
// Every GEMM operand and result is produced and consumed by a gather that
// computes its coordinates in the matrix layout: a reshape between a GEMM
// and its neighbour would let elementwise fusion fold the reshape into the
// GEMM, which then has several m or k dims and no longer matches the CPU's
// GEMM kernels. Products accumulate in f32 (f64 for f64) and every op rounds
// once.
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

/// Index arithmetic with constants, inside a gather body.
struct IndexMath {
  OpBuilder &b;
  Location loc;
  Value constant(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value div(Value value, int64_t by) {
    return by == 1 ? value
                   : arith::DivSIOp::create(b, loc, value, constant(by));
  }
  Value rem(Value value, int64_t by) {
    return by == 1 ? constant(0)
                   : arith::RemSIOp::create(b, loc, value, constant(by));
  }
  /// `base * scale + offset`.
  Value mulAdd(Value base, int64_t scale, Value offset) {
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, base, constant(scale)), offset);
  }
};

/// Per-group matrix coordinates: (g, row, col), or (row, col) for one group.
struct MatrixIndex {
  Value group, row, col;
};

MatrixIndex matrixIndex(IndexMath &math, const ConvGeometry &g,
                        ArrayRef<Value> idx) {
  if (g.groups == 1)
    return {math.constant(0), idx[0], idx[1]};
  return {idx[0], idx[1], idx[2]};
}

SmallVector<Value> matrixCoords(const ConvGeometry &g, Value group, Value row,
                                Value col) {
  if (g.groups == 1)
    return {row, col};
  return {group, row, col};
}

/// A tensor of `type` whose element at `idx` is `source[coords(idx)]`,
/// converted to `type`'s element type. The coordinates are computed, not
/// read through an affine map: reshapes between the GEMMs and their
/// neighbours would let elementwise fusion fold them into the GEMMs, and
/// `floordiv`/`mod` maps are vectorized as if they were contiguous.
Value gatherInto(
    OpBuilder &b, Location loc, RankedTensorType type, Value source,
    function_ref<SmallVector<Value>(IndexMath &, ArrayRef<Value>)> coords) {
  return buildIndexedElementwise(
      b, loc, type,
      [&](OpBuilder &nb, Location nl, ArrayRef<Value> idx,
          ValueRange) -> Value {
        IndexMath math{nb, nl};
        Value element =
            tensor::ExtractOp::create(nb, nl, source, coords(math, idx));
        return convertFloat(nb, nl, element, type.getElementType());
      });
}

/// `cols` ([G,] M x Kg) of `input`, in its element type.
Value buildIm2Col(OpBuilder &b, Location loc, Value input,
                  const ConvGeometry &g) {
  Type element = cast<RankedTensorType>(input.getType()).getElementType();
  Value padded = padSpatialDims(b, loc, input, g.window,
                                floatConstant(b, loc, element, 0.0));
  const Window2D &win = g.window;
  return gatherInto(
      b, loc, RankedTensorType::get(g.grouped(g.m(), g.kg()), element), padded,
      [&](IndexMath &math, ArrayRef<Value> idx) -> SmallVector<Value> {
        MatrixIndex at = matrixIndex(math, g, idx);
        // row = (n, y, x), col = (c, i, j).
        Value n = math.div(at.row, g.oh * g.ow);
        Value y = math.rem(math.div(at.row, g.ow), g.oh);
        Value x = math.rem(at.row, g.ow);
        Value c = math.div(at.col, g.kh() * g.kw());
        Value i = math.rem(math.div(at.col, g.kw()), g.kh());
        Value j = math.rem(at.col, g.kw());
        Value h =
            math.mulAdd(y, win.strides[0],
                        math.mulAdd(i, win.dilations[0], math.constant(0)));
        Value w =
            math.mulAdd(x, win.strides[1],
                        math.mulAdd(j, win.dilations[1], math.constant(0)));
        return {n, math.mulAdd(at.group, g.cg(), c), h, w};
      });
}

/// The weight (F x Cg x KH x KW) as [G,] Fg x Kg.
Value weightMatrix(OpBuilder &b, Location loc, Value weight,
                   const ConvGeometry &g) {
  Type element = cast<RankedTensorType>(weight.getType()).getElementType();
  return gatherInto(
      b, loc, RankedTensorType::get(g.grouped(g.fg(), g.kg()), element), weight,
      [&](IndexMath &math, ArrayRef<Value> idx) -> SmallVector<Value> {
        MatrixIndex at = matrixIndex(math, g, idx);
        return {math.mulAdd(at.group, g.fg(), at.row),
                math.div(at.col, g.kh() * g.kw()),
                math.rem(math.div(at.col, g.kw()), g.kh()),
                math.rem(at.col, g.kw())};
      });
}

/// The output cotangent (N x F x OH x OW) as [G,] Fg x M.
Value outputGradMatrix(OpBuilder &b, Location loc, Value outputGrad,
                       const ConvGeometry &g) {
  Type element = cast<RankedTensorType>(outputGrad.getType()).getElementType();
  return gatherInto(
      b, loc, RankedTensorType::get(g.grouped(g.fg(), g.m()), element),
      outputGrad,
      [&](IndexMath &math, ArrayRef<Value> idx) -> SmallVector<Value> {
        MatrixIndex at = matrixIndex(math, g, idx);
        return {math.div(at.col, g.oh * g.ow),
                math.mulAdd(at.group, g.fg(), at.row),
                math.rem(math.div(at.col, g.ow), g.oh), math.rem(at.col, g.ow)};
      });
}

struct Conv2DOpLowering : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    FloatType accType = computeTypeOf(element);
    ConvGeometry g = ConvGeometry::get(op, op.getInput().getType().getShape(),
                                       op.getWeight().getType().getShape());

    Value cols = buildIm2Col(rewriter, loc, adaptor.getInput(), g);
    Value weight = weightMatrix(rewriter, loc, adaptor.getWeight(), g);
    // The accumulator starts from the bias, added in the accumulator type.
    auto accTensorType =
        RankedTensorType::get(g.grouped(g.fg(), g.m()), accType);
    Value acc;
    if (Value bias = adaptor.getBias())
      acc = gatherInto(
          rewriter, loc, accTensorType, bias,
          [&](IndexMath &math, ArrayRef<Value> idx) -> SmallVector<Value> {
            MatrixIndex at = matrixIndex(math, g, idx);
            return {math.mulAdd(at.group, g.fg(), at.row)};
          });
    else
      acc = filledTensor(rewriter, loc, accTensorType.getShape(),
                         floatConstant(rewriter, loc, accType, 0.0));
    // out^T = weight cols^T: the output channels are the GEMM's rows and the
    // output pixels, usually the larger dim, its columns.
    Value product = buildGemm(rewriter, loc, weight, cols, acc,
                              /*transposeLhs=*/false, /*transposeRhs=*/true);

    // NCHW element (n, f, y, x) is GEMM element (f / Fg, f % Fg, (n, y, x)),
    // rounded once.
    rewriter.replaceOp(
        op, gatherInto(rewriter, loc, resultType, product,
                       [&](IndexMath &math, ArrayRef<Value> idx) {
                         Value col = math.mulAdd(
                             math.mulAdd(idx[0], g.oh, idx[2]), g.ow, idx[3]);
                         return matrixCoords(g, math.div(idx[1], g.fg()),
                                             math.rem(idx[1], g.fg()), col);
                       }));
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
                              /*transposeLhs=*/false, /*transposeRhs=*/false);
    // Weight element (f, c, i, j) is GEMM element (f / Fg, f % Fg, (c, i, j)),
    // rounded once.
    rewriter.replaceOp(
        op, gatherInto(rewriter, loc, resultType, product,
                       [&](IndexMath &math, ArrayRef<Value> idx) {
                         Value col =
                             math.mulAdd(math.mulAdd(idx[1], g.kh(), idx[2]),
                                         g.kw(), idx[3]);
                         return matrixCoords(g, math.div(idx[0], g.fg()),
                                             math.rem(idx[0], g.fg()), col);
                       }));
    return success();
  }
};

/// The input gradient of the convolution `g` from its output gradient and
/// weight, plus the optional per-channel `bias`, rounded once to
/// `resultType`: `weight^T dy` per group, then col2im.
Value buildTransposedConv(OpBuilder &b, Location loc,
                          RankedTensorType resultType, Value outputGradValue,
                          Value weightValue, Value bias,
                          const ConvGeometry &g) {
  Type element = resultType.getElementType();
  FloatType accType = computeTypeOf(element);
  const Window2D &win = g.window;

  Value outputGrad = outputGradMatrix(b, loc, outputGradValue, g);
  Value weight = weightMatrix(b, loc, weightValue, g);
  // cols_grad^T = weight^T dy: the pixels are the GEMM's columns, as in the
  // forward GEMM.
  Value acc = filledTensor(b, loc, g.grouped(g.kg(), g.m()),
                           floatConstant(b, loc, accType, 0.0));
  Value colsGrad = buildGemm(b, loc, weight, outputGrad, acc,
                             /*transposeLhs=*/true, /*transposeRhs=*/false);

  // col2im, as a gather: input element (n, c, h, w) sums the column entries
  // ((n, y, x), (c % Cg, i, j)) of group c / Cg whose window reads it.
  Value zero = floatConstant(b, loc, accType, 0.0);
  Value sums = buildIndexedReduction(
      b, loc, resultType.getShape(), {g.kh(), g.kw()}, zero,
      [&](OpBuilder &nb, Location nl, ArrayRef<Value> idx,
          ValueRange acc) -> Value {
        IndexMath math{nb, nl};
        CheckedIndex y =
            windowOutputIndex(nb, nl, idx[2], idx[4], win, 0, g.oh);
        CheckedIndex x =
            windowOutputIndex(nb, nl, idx[3], idx[5], win, 1, g.ow);
        Value row =
            math.mulAdd(math.mulAdd(idx[0], g.oh, y.index), g.ow, x.index);
        Value col =
            math.mulAdd(math.mulAdd(math.rem(idx[1], g.cg()), g.kh(), idx[4]),
                        g.kw(), idx[5]);
        SmallVector<Value> coords =
            matrixCoords(g, math.div(idx[1], g.cg()), col, row);
        Value entry = tensor::ExtractOp::create(nb, nl, colsGrad, coords);
        Value share = arith::SelectOp::create(
            nb, nl, allOf(nb, nl, {y.valid, x.valid}), entry, zero);
        return arith::AddFOp::create(nb, nl, acc[0], share);
      });
  if (!bias)
    return convertTensor(b, loc, sums, element);
  // The bias joins the sums in the accumulator type, before the rounding.
  MLIRContext *ctx = b.getContext();
  AffineMap channel = AffineMap::get(4, 0, getAffineDimExpr(1, ctx), ctx);
  return buildMappedElementwise(
      b, loc, resultType, ValueRange{sums, bias},
      {AffineMap::getMultiDimIdentityMap(4, ctx), channel},
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value sum = arith::AddFOp::create(
            nb, nl, args[0], convertFloat(nb, nl, args[1], accType));
        return convertFloat(nb, nl, sum, element);
      });
}

struct Conv2DInputGradOpLowering : OpConversionPattern<Conv2DInputGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    ConvGeometry g = ConvGeometry::get(
        op, resultType.getShape(),
        cast<RankedTensorType>(op.getWeight().getType()).getShape());
    rewriter.replaceOp(op,
                       buildTransposedConv(rewriter, op.getLoc(), resultType,
                                           adaptor.getOutputGrad(),
                                           adaptor.getWeight(), Value(), g));
    return success();
  }
};

/// A transposed convolution is the input gradient of the convolution that
/// maps its result back to its input.
struct ConvTranspose2DOpLowering : OpConversionPattern<ConvTranspose2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvTranspose2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    ConvGeometry g = ConvGeometry::get(op, resultType.getShape(),
                                       op.getWeight().getType().getShape());
    rewriter.replaceOp(op, buildTransposedConv(rewriter, op.getLoc(),
                                               resultType, adaptor.getInput(),
                                               adaptor.getWeight(),
                                               adaptor.getBias(), g));
    return success();
  }
};

} // namespace

void mlir::mpt::populateConvOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DOpLowering, Conv2DWeightGradOpLowering,
               Conv2DInputGradOpLowering, ConvTranspose2DOpLowering>(
      patterns.getContext());
}
