//===- LoweringUtils.cpp - Builders shared by the mpt lowerings -----------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;
using namespace mlir::mpt;

FloatType mlir::mpt::computeTypeOf(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (element.isF64())
    return cast<FloatType>(element);
  return Float32Type::get(type.getContext());
}

Value mlir::mpt::floatConstant(OpBuilder &b, Location loc, Type type,
                               double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value mlir::mpt::convertFloat(OpBuilder &b, Location loc, Value value,
                              Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth < toWidth)
    return arith::ExtFOp::create(b, loc, to, value);
  if (fromWidth > toWidth)
    return arith::TruncFOp::create(b, loc, to, value);
  Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
  return arith::TruncFOp::create(b, loc, to, wide);
}

Value mlir::mpt::emptyTensor(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value mlir::mpt::filledTensor(OpBuilder &b, Location loc,
                              ArrayRef<int64_t> shape, Value value) {
  Value empty = emptyTensor(b, loc, shape, value.getType());
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

AffineMap mlir::mpt::trailingMap(MLIRContext *ctx, unsigned rank,
                                 unsigned operandRank) {
  return AffineMap::getMinorIdentityMap(rank, operandRank, ctx);
}

AffineMap mlir::mpt::broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                  ArrayRef<int64_t> operandShape) {
  size_t offset = shape.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [dim, size] : llvm::enumerate(operandShape))
    exprs.push_back(size == 1 && shape[offset + dim] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(offset + dim, ctx));
  return AffineMap::get(shape.size(), 0, exprs, ctx);
}

AffineMap mlir::mpt::dropDimsMap(MLIRContext *ctx, unsigned rank,
                                 ArrayRef<int64_t> droppedDims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned dim = 0; dim < rank; ++dim)
    if (!llvm::is_contained(droppedDims, dim))
      exprs.push_back(getAffineDimExpr(dim, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

SmallVector<int64_t> mlir::mpt::dropShapeDims(ArrayRef<int64_t> shape,
                                              ArrayRef<int64_t> dims) {
  SmallVector<int64_t> kept;
  for (auto [dim, size] : llvm::enumerate(shape))
    if (!llvm::is_contained(dims, static_cast<int64_t>(dim)))
      kept.push_back(size);
  return kept;
}

SmallVector<Value> mlir::mpt::buildElementwise(OpBuilder &b, Location loc,
                                               TypeRange resultTypes,
                                               ValueRange inputs,
                                               GenericBodyBuilder body) {
  auto shape = cast<RankedTensorType>(resultTypes.front()).getShape();
  unsigned rank = shape.size();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(
        ctx, shape, cast<RankedTensorType>(input.getType()).getShape()));
  SmallVector<Value> inits;
  for (Type type : resultTypes) {
    inits.push_back(emptyTensor(b, loc, shape, getElementTypeOrSelf(type)));
    maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  }
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, inits, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        SmallVector<Value> results =
            body(nested, nestedLoc, args.take_front(inputs.size()));
        linalg::YieldOp::create(nested, nestedLoc, results);
      });
  return SmallVector<Value>(generic.getResults());
}

Value mlir::mpt::buildElementwise(OpBuilder &b, Location loc, Type resultType,
                                  ValueRange inputs, ScalarBodyBuilder body) {
  return buildElementwise(
             b, loc, TypeRange{resultType}, inputs,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               return SmallVector<Value>{body(nested, nestedLoc, args)};
             })
      .front();
}

Value mlir::mpt::buildReduction(OpBuilder &b, Location loc,
                                ArrayRef<int64_t> shape,
                                ArrayRef<int64_t> reducedDims,
                                ValueRange inputs,
                                ArrayRef<AffineMap> inputMaps, Value init,
                                ScalarBodyBuilder body) {
  unsigned rank = shape.size();
  MLIRContext *ctx = b.getContext();
  Value acc = filledTensor(b, loc, dropShapeDims(shape, reducedDims), init);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(dropDimsMap(ctx, rank, reducedDims));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  for (int64_t dim : reducedDims)
    iterators[dim] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, inputs, ValueRange{acc}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                body(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

/// Collapses all dims of `value` into one (a rank-0 tensor expands to one
/// element).
static Value flatten(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == 1)
    return value;
  auto flatType =
      RankedTensorType::get({type.getNumElements()}, type.getElementType());
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, flatType, value,
                                         ArrayRef<ReassociationIndices>{});
  ReassociationIndices all =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::CollapseShapeOp::create(b, loc, flatType, value,
                                         ArrayRef<ReassociationIndices>{all});
}

/// The inverse of `flatten`: gives the flat `value` the shape of `type`.
static Value unflatten(OpBuilder &b, Location loc, Value value,
                       RankedTensorType type) {
  if (type.getRank() == 1)
    return value;
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, value,
                                           ArrayRef<ReassociationIndices>{});
  ReassociationIndices all =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::ExpandShapeOp::create(b, loc, type, value,
                                       ArrayRef<ReassociationIndices>{all});
}

Value mlir::mpt::reshapeTensor(OpBuilder &b, Location loc, Value value,
                               RankedTensorType type) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source == type)
    return value;
  if (source.getRank() != type.getRank() && source.getRank() > 0 &&
      type.getRank() > 0) {
    if (std::optional<SmallVector<ReassociationIndices>> reassociation =
            getReassociationIndicesForReshape(source, type)) {
      if (source.getRank() > type.getRank())
        return tensor::CollapseShapeOp::create(b, loc, type, value,
                                               *reassociation);
      return tensor::ExpandShapeOp::create(b, loc, type, value, *reassociation);
    }
  }
  return unflatten(b, loc, flatten(b, loc, value), type);
}

Value mlir::mpt::convertTensor(OpBuilder &b, Location loc, Value value,
                               Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == elementType)
    return value;
  return buildElementwise(
      b, loc, type.clone(elementType), value,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return convertFloat(nested, nestedLoc, args[0], elementType);
      });
}

RowStatistics mlir::mpt::buildRowStatistics(OpBuilder &b, Location loc,
                                            Value input, double epsilon) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  ArrayRef<int64_t> shape = type.getShape();
  unsigned rank = shape.size();
  int64_t last = rank - 1;
  FloatType accType = computeTypeOf(type);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rowMap = dropDimsMap(ctx, rank, {last});
  Value zero = floatConstant(b, loc, accType, 0.0);
  Value count = floatConstant(b, loc, accType, shape.back());
  auto rowType = RankedTensorType::get(shape.drop_back(), accType);

  Value sum = buildReduction(
      b, loc, shape, {last}, input, {identity}, zero,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::AddFOp::create(
            nb, nl, convertFloat(nb, nl, args[0], accType), args[1]);
      });
  Value mean = buildElementwise(
      b, loc, rowType, sum,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, nl, args[0], count);
      });
  Value squares = buildReduction(
      b, loc, shape, {last}, ValueRange{input, mean}, {identity, rowMap}, zero,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value d = arith::SubFOp::create(
            nb, nl, convertFloat(nb, nl, args[0], accType), args[1]);
        return arith::AddFOp::create(
            nb, nl, arith::MulFOp::create(nb, nl, d, d), args[2]);
      });
  Value eps = floatConstant(b, loc, accType, epsilon);
  Value invStd = buildElementwise(
      b, loc, rowType, squares,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value var = arith::DivFOp::create(nb, nl, args[0], count);
        return math::RsqrtOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, var, eps).getResult());
      });
  return {mean, invStd};
}
