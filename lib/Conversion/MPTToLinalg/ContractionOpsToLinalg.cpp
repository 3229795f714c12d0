//===- ContractionOpsToLinalg.cpp - mpt matmuls to linalg -----------------===//
//
// `mpt.matmul` and `mpt.linear` become `linalg.matmul` or
// `linalg.batch_matmul` with f16/bf16 operands and an f32 (f64 for f64)
// accumulator; transpositions and a shared rhs are indexing maps.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

/// Emits `acc += op(lhs) · op(rhs)` as `linalg.matmul` (rank-2 `acc`) or
/// `linalg.batch_matmul` (rank 3), with transposes and a rank-2 `rhs`
/// shared by every batch expressed as indexing maps. The operands keep
/// their element type; the op widens them to the accumulator's.
Value buildContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                       Value acc, bool transposeLhs, bool transposeRhs) {
  MLIRContext *ctx = b.getContext();
  bool batched = tensorTypeOf(acc).getRank() == 3;
  bool sharedRhs = batched && tensorTypeOf(rhs).getRank() == 2;
  unsigned numDims = batched ? 4 : 3;
  // Loop dims: (batch,) m, n, k.
  AffineExpr batch = getAffineDimExpr(0, ctx);
  unsigned first = batched ? 1 : 0;
  AffineExpr m = getAffineDimExpr(first, ctx);
  AffineExpr n = getAffineDimExpr(first + 1, ctx);
  AffineExpr k = getAffineDimExpr(first + 2, ctx);
  auto map = [&](bool withBatch, AffineExpr row, AffineExpr col) {
    SmallVector<AffineExpr> exprs;
    if (withBatch)
      exprs.push_back(batch);
    exprs.append({row, col});
    return AffineMap::get(numDims, 0, exprs, ctx);
  };
  SmallVector<NamedAttribute> attrs;
  if (transposeLhs || transposeRhs || sharedRhs) {
    SmallVector<Attribute> maps = {
        AffineMapAttr::get(transposeLhs ? map(batched, k, m)
                                        : map(batched, m, k)),
        AffineMapAttr::get(transposeRhs ? map(!sharedRhs && batched, n, k)
                                        : map(!sharedRhs && batched, k, n)),
        AffineMapAttr::get(map(batched, m, n))};
    attrs.push_back(b.getNamedAttr("indexing_maps", ArrayAttr::get(ctx, maps)));
  }
  if (batched)
    return linalg::BatchMatmulOp::create(b, loc, TypeRange{acc.getType()},
                                         ValueRange{lhs, rhs}, ValueRange{acc},
                                         attrs)
        .getResult(0);
  return linalg::MatmulOp::create(b, loc, TypeRange{acc.getType()},
                                  ValueRange{lhs, rhs}, ValueRange{acc}, attrs)
      .getResult(0);
}

struct MatmulOpLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    RankedTensorType lhsType = tensorTypeOf(lhs), rhsType = tensorTypeOf(rhs);
    RankedTensorType resultType = op.getType();
    Type accType = computeTypeOf(resultType);
    bool transposeLhs = op.getTransposeLhs(),
         transposeRhs = op.getTransposeRhs();
    ArrayRef<int64_t> batchShape = lhsType.getShape().drop_back(2);
    int64_t batch = ShapedType::getNumElements(batchShape);
    int64_t m = resultType.getShape().drop_back().back();
    int64_t n = resultType.getShape().back();

    Value product;
    if (batchShape.empty()) {
      product = buildContraction(
          rewriter, loc, lhs, rhs,
          filledTensor(rewriter, loc, {m, n},
                       floatConstant(rewriter, loc, accType, 0.0)),
          transposeLhs, transposeRhs);
    } else if (rhsType.getRank() == 2 && !transposeLhs) {
      // A matrix shared by every batch: one GEMM over the stacked rows.
      Value rows = reshapeTensor(
          rewriter, loc, lhs,
          RankedTensorType::get({batch * m, lhsType.getShape().back()},
                                lhsType.getElementType()));
      product = buildContraction(
          rewriter, loc, rows, rhs,
          filledTensor(rewriter, loc, {batch * m, n},
                       floatConstant(rewriter, loc, accType, 0.0)),
          /*transposeLhs=*/false, transposeRhs);
    } else {
      auto flatBatch = [&](Value value) {
        RankedTensorType type = tensorTypeOf(value);
        if (type.getRank() == 2)
          return value;
        ArrayRef<int64_t> matrix = type.getShape().take_back(2);
        return reshapeTensor(
            rewriter, loc, value,
            RankedTensorType::get({batch, matrix[0], matrix[1]},
                                  type.getElementType()));
      };
      product = buildContraction(
          rewriter, loc, flatBatch(lhs), flatBatch(rhs),
          filledTensor(rewriter, loc, {batch, m, n},
                       floatConstant(rewriter, loc, accType, 0.0)),
          transposeLhs, transposeRhs);
    }
    product =
        convertTensor(rewriter, loc, product, resultType.getElementType());
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, product, resultType));
    return success();
  }
};

struct LinearOpLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType inputType = tensorTypeOf(adaptor.getInput());
    RankedTensorType resultType = op.getType();
    Type accType = computeTypeOf(resultType);
    int64_t k = inputType.getShape().back();
    int64_t n = resultType.getShape().back();
    int64_t rows = inputType.getNumElements() / k;

    Value input = reshapeTensor(
        rewriter, loc, adaptor.getInput(),
        RankedTensorType::get({rows, k}, inputType.getElementType()));
    // The accumulator starts from the bias, so that the bias is added in
    // the accumulator type and the result rounds once.
    Value acc;
    if (Value bias = adaptor.getBias())
      acc = buildElementwise(
          rewriter, loc, RankedTensorType::get({rows, n}, accType), bias,
          [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
            return convertFloat(b, nestedLoc, args[0], accType);
          });
    else
      acc = filledTensor(rewriter, loc, {rows, n},
                         floatConstant(rewriter, loc, accType, 0.0));
    Value product =
        buildContraction(rewriter, loc, input, adaptor.getWeight(), acc,
                         /*transposeLhs=*/false, /*transposeRhs=*/false);
    product =
        convertTensor(rewriter, loc, product, resultType.getElementType());
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, product, resultType));
    return success();
  }
};

} // namespace

void mlir::mpt::populateContractionOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatmulOpLowering, LinearOpLowering>(patterns.getContext());
}
