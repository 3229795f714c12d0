//===- TensorOpsToLinalg.cpp - mpt tensor ops to linalg -------------------===//
//
// The forward ops of a step (and the tensor ops that the backward pass
// reuses): elementwise math, reductions, layout ops, the loss and casts
// (contractions and normalisations have files of their own). One pattern
// per op, or per family of ops that differ only in their scalar formula.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;

namespace {

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

/// The scalar formula of a unary op, in the type of its argument, and
/// whether f16/bf16 operands are widened to f32 for it (transcendental
/// functions are; exact ones such as relu need not be).
template <typename OpTy> struct UnaryFormula;

template <> struct UnaryFormula<ReluOp> {
  static constexpr bool kWidens = false;
  static Value build(OpBuilder &b, Location loc, Value x) {
    return arith::MaximumFOp::create(b, loc, x,
                                     floatConstant(b, loc, x.getType(), 0.0));
  }
};

template <> struct UnaryFormula<GeluOp> {
  static constexpr bool kWidens = true;
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  static Value build(OpBuilder &b, Location loc, Value x) {
    Type type = x.getType();
    Value x3 = arith::MulFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x, x).getResult());
    Value inner = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, floatConstant(b, loc, type, 0.044715), x3)
            .getResult());
    Value scaled = arith::MulFOp::create(
        b, loc, floatConstant(b, loc, type, std::sqrt(2.0 / M_PI)), inner);
    Value onePlus =
        arith::AddFOp::create(b, loc, floatConstant(b, loc, type, 1.0),
                              math::TanhOp::create(b, loc, scaled).getResult());
    Value half =
        arith::MulFOp::create(b, loc, floatConstant(b, loc, type, 0.5), x);
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
};

/// The math dialect's function of the same name, in f32 or wider.
template <typename MathOpTy> struct MathFormula {
  static constexpr bool kWidens = true;
  static Value build(OpBuilder &b, Location loc, Value x) {
    return MathOpTy::create(b, loc, x);
  }
};

template <> struct UnaryFormula<TanhOp> : MathFormula<math::TanhOp> {};

template <> struct UnaryFormula<SigmoidOp> {
  static constexpr bool kWidens = true;
  // 1 / (1 + exp(-x))
  static Value build(OpBuilder &b, Location loc, Value x) {
    Value one = floatConstant(b, loc, x.getType(), 1.0);
    Value expNeg = math::ExpOp::create(
        b, loc, arith::NegFOp::create(b, loc, x).getResult());
    return arith::DivFOp::create(
        b, loc, one, arith::AddFOp::create(b, loc, one, expNeg).getResult());
  }
};

template <> struct UnaryFormula<SqrtOp> : MathFormula<math::SqrtOp> {};

template <> struct UnaryFormula<ExpOp> : MathFormula<math::ExpOp> {};

template <> struct UnaryFormula<LogOp> : MathFormula<math::LogOp> {};

template <> struct UnaryFormula<SinOp> : MathFormula<math::SinOp> {};

template <> struct UnaryFormula<CosOp> : MathFormula<math::CosOp> {};

template <> struct UnaryFormula<AtanOp> : MathFormula<math::AtanOp> {};

template <> struct UnaryFormula<AsinOp> : MathFormula<math::AsinOp> {};

template <> struct UnaryFormula<AcosOp> : MathFormula<math::AcosOp> {};

template <> struct UnaryFormula<TanOp> : MathFormula<math::TanOp> {};

template <> struct UnaryFormula<FloorOp> : MathFormula<math::FloorOp> {};

template <> struct UnaryFormula<CeilOp> : MathFormula<math::CeilOp> {};

template <> struct UnaryFormula<RoundOp> : MathFormula<math::RoundEvenOp> {};

template <typename OpTy> struct UnaryOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using Formula = UnaryFormula<OpTy>;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = op.getType();
    Type element = getElementTypeOrSelf(resultType);
    Type computeType = Formula::kWidens ? computeTypeOf(element) : element;
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value x = convertFloat(b, loc, args[0], computeType);
          return convertFloat(b, loc, Formula::build(b, loc, x), element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Elementwise binary ops with trailing broadcast
//===----------------------------------------------------------------------===//

template <typename OpTy, typename ArithOpTy>
struct BinaryOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // An f16/bf16 add, sub, mul or div is correctly rounded in its own type
    // (LLVM evaluates it exactly in f32 and rounds once), so the op
    // computes in its element type.
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        ValueRange{adaptor.getLhs(), adaptor.getRhs()},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return ArithOpTy::create(b, loc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// Sum over the reduced dims in the compute type, then (for a mean)
/// division by their element count, rounding once to the result type.
template <typename OpTy, bool kMean>
struct ReduceOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    RankedTensorType inputType = tensorTypeOf(input);
    ArrayRef<int64_t> shape = inputType.getShape();
    Type element = inputType.getElementType();
    FloatType accType = computeTypeOf(element);
    SmallVector<int64_t> dims = op.getReducedDims();

    Value sum = buildReduction(
        rewriter, loc, shape, dims, input,
        {AffineMap::getMultiDimIdentityMap(shape.size(), ctx)},
        floatConstant(rewriter, loc, accType, 0.0),
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          return arith::AddFOp::create(
              b, nestedLoc, convertFloat(b, nestedLoc, args[0], accType),
              args[1]);
        });
    Value result = sum;
    if (kMean || accType != element) {
      int64_t count = 1;
      for (int64_t dim : dims)
        count *= shape[dim];
      result = buildElementwise(
          rewriter, loc,
          RankedTensorType::get(dropShapeDims(shape, dims), element), sum,
          [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
            Value value = args[0];
            if (kMean)
              value = arith::DivFOp::create(
                  b, nestedLoc, value,
                  floatConstant(b, nestedLoc, accType, count));
            return convertFloat(b, nestedLoc, value, element);
          });
    }
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, result, op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Layout ops
//===----------------------------------------------------------------------===//

struct TransposeOpLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value init = emptyTensor(rewriter, op.getLoc(), type.getShape(),
                             type.getElementType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getPermutation())
                               .getResult());
    return success();
  }
};

struct ReshapeOpLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(),
                                         adaptor.getInput(), op.getType()));
    return success();
  }
};

/// A step function trains: it reads the training value. (The evaluation
/// function chose the other when it was built.)
struct ModeSelectOpLowering : OpConversionPattern<ModeSelectOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ModeSelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getTrain());
    return success();
  }
};

struct BroadcastOpLowering : OpConversionPattern<BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value init = emptyTensor(rewriter, op.getLoc(), type.getShape(),
                             type.getElementType());
    rewriter.replaceOp(op, linalg::BroadcastOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getDims())
                               .getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Loss and casts
//===----------------------------------------------------------------------===//

struct MSELossOpLowering : OpConversionPattern<MSELossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MSELossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value prediction = adaptor.getPrediction(), target = adaptor.getTarget();
    RankedTensorType type = tensorTypeOf(prediction);
    ArrayRef<int64_t> shape = type.getShape();
    // f32, unless an operand is f64.
    FloatType accType = computeTypeOf(type.getElementType());
    if (computeTypeOf(tensorTypeOf(target)).getWidth() > accType.getWidth())
      accType = computeTypeOf(tensorTypeOf(target));
    AffineMap identity = AffineMap::getMultiDimIdentityMap(shape.size(), ctx);
    SmallVector<int64_t> allDims =
        llvm::to_vector(llvm::seq<int64_t>(0, shape.size()));

    Value sum = buildReduction(
        rewriter, loc, shape, allDims, ValueRange{prediction, target},
        {identity, identity}, floatConstant(rewriter, loc, accType, 0.0),
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          Value diff = arith::SubFOp::create(
              b, nestedLoc, convertFloat(b, nestedLoc, args[0], accType),
              convertFloat(b, nestedLoc, args[1], accType));
          return arith::AddFOp::create(
              b, nestedLoc, arith::MulFOp::create(b, nestedLoc, diff, diff),
              args[2]);
        });
    Value total = tensor::ExtractOp::create(rewriter, loc, sum, ValueRange{});
    Value mean = arith::DivFOp::create(
        rewriter, loc, total,
        floatConstant(rewriter, loc, accType, type.getNumElements()));
    rewriter.replaceOp(
        op, convertFloat(rewriter, loc, mean, rewriter.getF32Type()));
    return success();
  }
};

struct CastOpLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type target = getElementTypeOrSelf(op.getType());
    Value input = adaptor.getInput();
    rewriter.replaceOp(
        op, isa<RankedTensorType>(input.getType())
                ? convertTensor(rewriter, op.getLoc(), input, target)
                : convertFloat(rewriter, op.getLoc(), input, target));
    return success();
  }
};

} // namespace

void mlir::mpt::populateTensorOpsToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      UnaryOpLowering<ReluOp>, UnaryOpLowering<GeluOp>, UnaryOpLowering<TanhOp>,
      UnaryOpLowering<SigmoidOp>, UnaryOpLowering<SqrtOp>,
      UnaryOpLowering<ExpOp>, UnaryOpLowering<SinOp>, UnaryOpLowering<CosOp>,
      UnaryOpLowering<LogOp>, UnaryOpLowering<AtanOp>, UnaryOpLowering<AsinOp>,
      UnaryOpLowering<AcosOp>, UnaryOpLowering<TanOp>, UnaryOpLowering<FloorOp>,
      UnaryOpLowering<CeilOp>, UnaryOpLowering<RoundOp>>(ctx);
  patterns.add<BinaryOpLowering<AddOp, arith::AddFOp>,
               BinaryOpLowering<SubOp, arith::SubFOp>,
               BinaryOpLowering<MulOp, arith::MulFOp>,
               BinaryOpLowering<DivOp, arith::DivFOp>>(ctx);
  patterns.add<ReduceOpLowering<ReduceSumOp, false>,
               ReduceOpLowering<ReduceMeanOp, true>, TransposeOpLowering,
               ReshapeOpLowering, ModeSelectOpLowering, BroadcastOpLowering,
               MSELossOpLowering, CastOpLowering>(ctx);
}
