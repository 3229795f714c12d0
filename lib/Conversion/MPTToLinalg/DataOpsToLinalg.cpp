//===- DataOpsToLinalg.cpp - Concat, slice and gather to linalg -----------===//
//
// Data movement as gathers: every result element is read with
// `tensor.extract` at coordinates computed from its indices, into a fresh
// tensor. The derivative of a gather is a reduction over the index
// positions that compares each index with the row it accumulates. Integer
// data becomes floats elementwise.
//
//===----------------------------------------------------------------------===//

#include "StructuredBuilders.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;

namespace {

RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// The most inputs one concatenation reads: each result element selects
/// among the elements of all of them, so a concatenation of more inputs
/// (the stacked states of an unrolled loop) is built as a tree of
/// concatenations of at most this many.
constexpr size_t kConcatFanIn = 8;

/// The concatenation of `inputs` along `axis`: each result element reads
/// the input whose part of the axis holds it.
Value buildConcat(OpBuilder &b, Location loc, ValueRange inputs, int64_t axis) {
  auto partType = [&](ValueRange parts) {
    SmallVector<int64_t> shape(tensorTypeOf(parts.front()).getShape());
    shape[axis] = 0;
    for (Value part : parts)
      shape[axis] += tensorTypeOf(part).getDimSize(axis);
    return RankedTensorType::get(shape,
                                 tensorTypeOf(parts.front()).getElementType());
  };
  if (inputs.size() > kConcatFanIn) {
    SmallVector<Value> groups;
    for (size_t start = 0; start < inputs.size(); start += kConcatFanIn)
      groups.push_back(buildConcat(
          b, loc,
          inputs.slice(start, std::min(kConcatFanIn, inputs.size() - start)),
          axis));
    return buildConcat(b, loc, groups, axis);
  }
  return buildIndexedElementwise(
      b, loc, partType(inputs),
      [&](OpBuilder &b, Location nl, ArrayRef<Value> idx, ValueRange) -> Value {
        Value element;
        int64_t offset = 0;
        for (Value input : inputs) {
          int64_t size = tensorTypeOf(input).getDimSize(axis);
          SmallVector<Value> coords(idx);
          CheckedIndex part =
              checkIndex(b, nl,
                         arith::SubIOp::create(
                             b, nl, idx[axis],
                             arith::ConstantIndexOp::create(b, nl, offset)),
                         size);
          coords[axis] = part.index;
          Value candidate = tensor::ExtractOp::create(b, nl, input, coords);
          element = element ? arith::SelectOp::create(b, nl, part.valid,
                                                      candidate, element)
                            : candidate;
          offset += size;
        }
        return element;
      });
}

struct ConcatOpLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       buildConcat(rewriter, op.getLoc(), adaptor.getInputs(),
                                   op.getNormalizedAxis()));
    return success();
  }
};

struct SliceOpLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ArrayRef<int64_t> offsets = op.getOffsets(), strides = op.getStrides();
    Value input = adaptor.getInput();
    Value result = buildIndexedElementwise(
        rewriter, op.getLoc(), op.getType(),
        [&](OpBuilder &b, Location nl, ArrayRef<Value> idx,
            ValueRange) -> Value {
          SmallVector<Value> coords;
          for (auto [dim, index] : llvm::enumerate(idx))
            coords.push_back(arith::AddIOp::create(
                b, nl,
                arith::MulIOp::create(
                    b, nl, index,
                    arith::ConstantIndexOp::create(b, nl, strides[dim])),
                arith::ConstantIndexOp::create(b, nl, offsets[dim])));
          return tensor::ExtractOp::create(b, nl, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Each input element reads the cotangent element it was sliced into, or
/// is zero outside the box.
struct SliceGradOpLowering : OpConversionPattern<SliceGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> offsets = op.getOffsets(), strides = op.getStrides();
    Value outputGrad = adaptor.getOutputGrad();
    ArrayRef<int64_t> boxShape = tensorTypeOf(outputGrad).getShape();
    Value result = buildIndexedElementwise(
        rewriter, op.getLoc(), type,
        [&](OpBuilder &b, Location nl, ArrayRef<Value> idx,
            ValueRange) -> Value {
          SmallVector<Value> coords, valid;
          for (auto [dim, index] : llvm::enumerate(idx)) {
            Value shifted = arith::SubIOp::create(
                b, nl, index,
                arith::ConstantIndexOp::create(b, nl, offsets[dim]));
            CheckedIndex inBox =
                strideIndex(b, nl, shifted, strides[dim], boxShape[dim]);
            coords.push_back(inBox.index);
            valid.push_back(inBox.valid);
          }
          Value element = tensor::ExtractOp::create(b, nl, outputGrad, coords);
          return arith::SelectOp::create(
              b, nl, allOf(b, nl, valid), element,
              floatConstant(b, nl, type.getElementType(), 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The index element `raw` as an `index` counted from the start of a dim of
/// `size`, and whether it lies in `[-size, size)`.
std::pair<Value, Value> normalizeIndex(OpBuilder &b, Location loc, Value raw,
                                       int64_t size) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value sizeValue = arith::ConstantIndexOp::create(b, loc, size);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::SelectOp::create(
      b, loc, negative, arith::AddIOp::create(b, loc, index, sizeValue), index);
  Value aboveZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, wrapped, zero);
  Value belowSize = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                          wrapped, sizeValue);
  Value valid = arith::AndIOp::create(b, loc, aboveZero, belowSize);
  return {arith::SelectOp::create(b, loc, valid, wrapped, zero), valid};
}

/// The element of `table` at `coords` where `valid`, else zero: what a
/// gather reads for an index in or out of range.
Value readOrZero(OpBuilder &b, Location loc, Value table,
                 ArrayRef<Value> coords, Value valid) {
  Value element = tensor::ExtractOp::create(b, loc, table, coords);
  return arith::SelectOp::create(b, loc, valid, element,
                                 floatConstant(b, loc, element.getType(), 0.0));
}

/// The body of a gather's derivative: the accumulator `args[2]` plus the
/// cotangent `args[1]` (in `accType`) when the index `args[0]`, into a dim
/// of `size`, points at the element's own position along `axis`.
Value addWhereIndexed(OpBuilder &b, Location loc, ValueRange args, int64_t size,
                      int64_t axis, FloatType accType) {
  auto [row, valid] = normalizeIndex(b, loc, args[0], size);
  Value here = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, row,
                                     linalg::IndexOp::create(b, loc, axis));
  Value take = arith::AndIOp::create(b, loc, here, valid);
  Value share = arith::SelectOp::create(b, loc, take,
                                        convertFloat(b, loc, args[1], accType),
                                        floatConstant(b, loc, accType, 0.0));
  return arith::AddFOp::create(b, loc, args[2], share);
}

struct GatherOpLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value table = adaptor.getInput();
    RankedTensorType tableType = tensorTypeOf(table);
    RankedTensorType type = op.getType();
    int64_t axis = op.getNormalizedAxis();
    int64_t indexRank = tensorTypeOf(op.getIndices()).getRank();
    int64_t rank = type.getRank();
    // Result dims: [axis) prefix, indexRank index dims, then the suffix.
    SmallVector<AffineExpr> indexDims;
    for (int64_t dim = axis; dim < axis + indexRank; ++dim)
      indexDims.push_back(getAffineDimExpr(dim, ctx));
    AffineMap indexMap = AffineMap::get(rank, 0, indexDims, ctx);
    int64_t rows = tableType.getDimSize(axis);
    Value result = buildMappedElementwise(
        rewriter, loc, type, adaptor.getIndices(), indexMap,
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          auto [row, valid] = normalizeIndex(b, nl, args[0], rows);
          SmallVector<Value> coords;
          for (int64_t dim = 0; dim < axis; ++dim)
            coords.push_back(linalg::IndexOp::create(b, nl, dim));
          coords.push_back(row);
          for (int64_t dim = axis + indexRank; dim < rank; ++dim)
            coords.push_back(linalg::IndexOp::create(b, nl, dim));
          return readOrZero(b, nl, table, coords, valid);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherGradOpLowering : OpConversionPattern<GatherGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    auto axis = static_cast<int64_t>(op.getAxis());
    ArrayRef<int64_t> indexShape = tensorTypeOf(op.getIndices()).getShape();
    int64_t rank = type.getRank();
    int64_t indexRank = indexShape.size();
    // Iteration space: the result dims, then the index dims (reduced).
    SmallVector<int64_t> space(type.getShape());
    space.append(indexShape.begin(), indexShape.end());
    unsigned numDims = space.size();
    SmallVector<AffineExpr> indexDims, gradDims;
    for (int64_t dim = 0; dim < indexRank; ++dim)
      indexDims.push_back(getAffineDimExpr(rank + dim, ctx));
    for (int64_t dim = 0; dim < axis; ++dim)
      gradDims.push_back(getAffineDimExpr(dim, ctx));
    gradDims.append(indexDims);
    for (int64_t dim = axis + 1; dim < rank; ++dim)
      gradDims.push_back(getAffineDimExpr(dim, ctx));
    SmallVector<int64_t> reduced = llvm::to_vector(
        llvm::seq<int64_t>(rank, static_cast<int64_t>(numDims)));
    int64_t rows = type.getDimSize(axis);
    Value sums = buildReduction(
        rewriter, loc, space, reduced,
        ValueRange{adaptor.getIndices(), adaptor.getOutputGrad()},
        {AffineMap::get(numDims, 0, indexDims, ctx),
         AffineMap::get(numDims, 0, gradDims, ctx)},
        floatConstant(rewriter, loc, accType, 0.0),
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          return addWhereIndexed(b, nl, args, rows, axis, accType);
        });
    rewriter.replaceOp(op, convertTensor(rewriter, loc, sums, element));
    return success();
  }
};

/// Signed integers to the compute type of the result (f32, or f64), then
/// rounded to the result's type.
struct IndexToFloatOpLowering : OpConversionPattern<IndexToFloatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IndexToFloatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = getElementTypeOrSelf(op.getType());
    FloatType computeType = computeTypeOf(element);
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value wide = arith::SIToFPOp::create(b, loc, computeType, args[0]);
          return convertFloat(b, loc, wide, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Integers sign-extended or truncated to the result's width; floats
/// widened to their compute type (f32, or f64), rounded toward zero,
/// saturated at the result type's bounds, NaN to 0.
struct IndexCastOpLowering : OpConversionPattern<IndexCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IndexCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto element = cast<IntegerType>(getElementTypeOrSelf(op.getType()));
    unsigned width = element.getWidth();
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          if (auto from = dyn_cast<IntegerType>(x.getType())) {
            if (from.getWidth() < width)
              return arith::ExtSIOp::create(b, loc, element, x);
            if (from.getWidth() > width)
              return arith::TruncIOp::create(b, loc, element, x);
            return x;
          }
          FloatType computeType = computeTypeOf(x.getType());
          Value wide = convertFloat(b, loc, x, computeType);
          auto integer = [&](const APInt &value) -> Value {
            return arith::ConstantOp::create(b, loc,
                                             b.getIntegerAttr(element, value));
          };
          // 2^(width - 1) is exact in f32 and f64.
          double bound = std::ldexp(1.0, width - 1);
          auto compare = [&](arith::CmpFPredicate predicate, Value rhs) {
            return arith::CmpFOp::create(b, loc, predicate, wide, rhs);
          };
          Value tooLarge = compare(arith::CmpFPredicate::OGE,
                                   floatConstant(b, loc, computeType, bound));
          Value tooSmall = compare(arith::CmpFPredicate::OLT,
                                   floatConstant(b, loc, computeType, -bound));
          Value outside = arith::OrIOp::create(
              b, loc, arith::OrIOp::create(b, loc, tooLarge, tooSmall),
              compare(arith::CmpFPredicate::UNO, wide));
          // fptosi is undefined outside the range: convert 0 there instead.
          Value inRange = arith::SelectOp::create(
              b, loc, outside, floatConstant(b, loc, computeType, 0.0), wide);
          Value converted = arith::FPToSIOp::create(b, loc, element, inRange);
          converted = arith::SelectOp::create(
              b, loc, tooLarge, integer(APInt::getSignedMaxValue(width)),
              converted);
          return arith::SelectOp::create(
              b, loc, tooSmall, integer(APInt::getSignedMinValue(width)),
              converted);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The map from an iteration space of `rank + 1` dims (a tensor's dims,
/// then one more) that reads the tensor with its dim `axis` replaced by
/// that last dim.
AffineMap axisFromLastDim(MLIRContext *ctx, int64_t rank, int64_t axis) {
  SmallVector<AffineExpr> exprs;
  for (int64_t dim = 0; dim < rank; ++dim)
    exprs.push_back(getAffineDimExpr(dim == axis ? rank : dim, ctx));
  return AffineMap::get(rank + 1, 0, exprs, ctx);
}

/// Each result element reads the input element its index points to along
/// the axis, at its own coordinates elsewhere.
struct GatherElementsOpLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value input = adaptor.getInput();
    int64_t axis = op.getNormalizedAxis(), rank = type.getRank();
    int64_t size = tensorTypeOf(input).getDimSize(axis);
    Value result = buildMappedElementwise(
        rewriter, op.getLoc(), type, adaptor.getIndices(),
        rewriter.getMultiDimIdentityMap(rank),
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          auto [row, valid] = normalizeIndex(b, nl, args[0], size);
          SmallVector<Value> coords;
          for (int64_t dim = 0; dim < rank; ++dim)
            coords.push_back(dim == axis ? row
                                         : linalg::IndexOp::create(b, nl, dim));
          return readOrZero(b, nl, input, coords, valid);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A reduction over the index positions along the axis: every input
/// element sums the cotangents whose index points at it.
struct GatherElementsGradOpLowering
    : OpConversionPattern<GatherElementsGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherElementsGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    FloatType accType = computeTypeOf(element);
    auto axis = static_cast<int64_t>(op.getAxis());
    int64_t rank = type.getRank();
    int64_t positions = tensorTypeOf(op.getIndices()).getDimSize(axis);
    // Iteration space: the result dims, then the index positions (reduced).
    SmallVector<int64_t> space(type.getShape());
    space.push_back(positions);
    AffineMap read = axisFromLastDim(getContext(), rank, axis);
    Value sums = buildReduction(
        rewriter, loc, space, {rank},
        ValueRange{adaptor.getIndices(), adaptor.getOutputGrad()}, {read, read},
        floatConstant(rewriter, loc, accType, 0.0),
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          return addWhereIndexed(b, nl, args, type.getDimSize(axis), axis,
                                 accType);
        });
    rewriter.replaceOp(op, convertTensor(rewriter, loc, sums, element));
    return success();
  }
};

/// Whether `a` comes before `b` in the order of mpt.top_k: larger (or
/// smaller) first, a NaN larger than every number.
Value precedes(OpBuilder &b, Location loc, Value a, Value c, bool largest) {
  auto isNaN = [&](Value v) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
  };
  Value aNaN = isNaN(a), cNaN = isNaN(c);
  Value one = arith::ConstantIntOp::create(b, loc, 1, 1);
  if (largest) {
    Value greater =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a, c);
    Value nanFirst = arith::AndIOp::create(
        b, loc, aNaN, arith::XOrIOp::create(b, loc, cNaN, one));
    return arith::OrIOp::create(b, loc, greater, nanFirst);
  }
  Value less = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a, c);
  Value nanLast = arith::AndIOp::create(
      b, loc, cNaN, arith::XOrIOp::create(b, loc, aNaN, one));
  return arith::OrIOp::create(b, loc, less, nanLast);
}

/// Two counting reductions, parallel over every element, with no sort: the
/// place of each element in the order (how many elements precede it:
/// those before it in value, and equal ones at a lower index), then, for
/// each of the first k places, the index of the element that holds it.
struct TopKOpLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value input = adaptor.getInput();
    RankedTensorType inputType = tensorTypeOf(input);
    FloatType computeType = computeTypeOf(inputType.getElementType());
    int64_t axis = op.getNormalizedAxis(), rank = inputType.getRank();
    int64_t size = inputType.getDimSize(axis);
    Type indexType = op.getType().getElementType();
    bool largest = op.getLargest();
    SmallVector<AffineExpr> ownDims;
    for (int64_t dim = 0; dim < rank; ++dim)
      ownDims.push_back(getAffineDimExpr(dim, ctx));
    AffineMap own = AffineMap::get(rank + 1, 0, ownDims, ctx);
    AffineMap other = axisFromLastDim(ctx, rank, axis);
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getIntegerAttr(indexType, 0));
    auto position = [](OpBuilder &b, Location nl, int64_t dim, Type type) {
      return arith::IndexCastOp::create(b, nl, type,
                                        linalg::IndexOp::create(b, nl, dim));
    };

    SmallVector<int64_t> space(inputType.getShape());
    space.push_back(size);
    Value places = buildReduction(
        rewriter, loc, space, {rank}, ValueRange{input, input}, {own, other},
        zero, [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          Value mine = convertFloat(b, nl, args[0], computeType);
          Value theirs = convertFloat(b, nl, args[1], computeType);
          Value before = precedes(b, nl, theirs, mine, largest);
          Value after = precedes(b, nl, mine, theirs, largest);
          Value earlier =
              arith::CmpIOp::create(b, nl, arith::CmpIPredicate::ult,
                                    linalg::IndexOp::create(b, nl, rank),
                                    linalg::IndexOp::create(b, nl, axis));
          Value one = arith::ConstantIntOp::create(b, nl, 1, 1);
          Value tie = arith::AndIOp::create(
              b, nl, arith::XOrIOp::create(b, nl, before, one),
              arith::XOrIOp::create(b, nl, after, one));
          Value counts = arith::OrIOp::create(
              b, nl, before, arith::AndIOp::create(b, nl, tie, earlier));
          Value next = arith::AddIOp::create(
              b, nl, args[2],
              arith::ConstantOp::create(b, nl, b.getIntegerAttr(indexType, 1)));
          return arith::SelectOp::create(b, nl, counts, next, args[2]);
        });

    // Places are a permutation along the axis: exactly one element holds
    // each place.
    SmallVector<int64_t> picks(op.getType().getShape());
    picks.push_back(size);
    Value indices = buildReduction(
        rewriter, loc, picks, {rank}, ValueRange{places}, {other}, zero,
        [&](OpBuilder &b, Location nl, ValueRange args) -> Value {
          Value here =
              arith::CmpIOp::create(b, nl, arith::CmpIPredicate::eq, args[0],
                                    position(b, nl, axis, indexType));
          return arith::SelectOp::create(
              b, nl, here, position(b, nl, rank, indexType), args[1]);
        });
    rewriter.replaceOp(op, indices);
    return success();
  }
};

} // namespace

void mlir::mpt::populateDataOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConcatOpLowering, SliceOpLowering, SliceGradOpLowering,
               GatherOpLowering, GatherGradOpLowering, IndexToFloatOpLowering,
               IndexCastOpLowering, GatherElementsOpLowering,
               GatherElementsGradOpLowering, TopKOpLowering>(
      patterns.getContext());
}
