//===- StructuredBuilders.cpp - Builders of the network-op lowerings ------===//

#include "StructuredBuilders.h"
#include "mpt/Dialect/MPT/IR/Window.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mpt;

Value mlir::mpt::buildMappedElementwise(OpBuilder &b, Location loc,
                                        RankedTensorType resultType,
                                        ValueRange inputs,
                                        ArrayRef<AffineMap> inputMaps,
                                        ScalarBodyBuilder body) {
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  Value init =
      emptyTensor(b, loc, resultType.getShape(), resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(
                   nested, nestedLoc,
                   body(nested, nestedLoc, args.drop_back()));
             })
      .getResult(0);
}

static SmallVector<Value> loopIndices(OpBuilder &b, Location loc,
                                      unsigned count) {
  SmallVector<Value> indices;
  for (unsigned dim = 0; dim < count; ++dim)
    indices.push_back(linalg::IndexOp::create(b, loc, dim));
  return indices;
}

Value mlir::mpt::buildIndexedElementwise(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         IndexedBodyBuilder body) {
  unsigned rank = resultType.getRank();
  Value init =
      emptyTensor(b, loc, resultType.getShape(), resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
             AffineMap::getMultiDimIdentityMap(rank, b.getContext()), iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange) {
               SmallVector<Value> indices =
                   loopIndices(nested, nestedLoc, rank);
               linalg::YieldOp::create(
                   nested, nestedLoc,
                   body(nested, nestedLoc, indices, ValueRange{}));
             })
      .getResult(0);
}

Value mlir::mpt::buildIndexedReduction(OpBuilder &b, Location loc,
                                       ArrayRef<int64_t> outputShape,
                                       ArrayRef<int64_t> reducedShape,
                                       Value init, IndexedBodyBuilder body) {
  MLIRContext *ctx = b.getContext();
  unsigned numOutput = outputShape.size();
  unsigned numDims = numOutput + reducedShape.size();
  Value acc = filledTensor(b, loc, outputShape, init);
  // The reduced dims appear in no indexing map but this one: an operand of
  // their shape, whose elements are never read, gives linalg their sizes
  // (as upstream's named pooling ops do with their window operand).
  Value sizes = emptyTensor(b, loc, reducedShape, b.getI8Type());
  SmallVector<AffineExpr> reduced, kept;
  for (unsigned dim = 0; dim < numDims; ++dim)
    (dim < numOutput ? kept : reduced).push_back(getAffineDimExpr(dim, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(numDims, 0, reduced, ctx),
                                 AffineMap::get(numDims, 0, kept, ctx)};
  SmallVector<utils::IteratorType> iterators(numDims,
                                             utils::IteratorType::parallel);
  for (unsigned dim = numOutput; dim < numDims; ++dim)
    iterators[dim] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, TypeRange{acc.getType()}, ValueRange{sizes},
             ValueRange{acc}, maps, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               SmallVector<Value> indices =
                   loopIndices(nested, nestedLoc, numDims);
               linalg::YieldOp::create(
                   nested, nestedLoc,
                   body(nested, nestedLoc, indices, args.take_back()));
             })
      .getResult(0);
}

CheckedIndex mlir::mpt::checkIndex(OpBuilder &b, Location loc, Value index,
                                   int64_t size) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value aboveZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index, zero);
  Value belowSize =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index,
                            arith::ConstantIndexOp::create(b, loc, size));
  Value valid = arith::AndIOp::create(b, loc, aboveZero, belowSize);
  return {arith::SelectOp::create(b, loc, valid, index, zero), valid};
}

CheckedIndex mlir::mpt::strideIndex(OpBuilder &b, Location loc, Value shifted,
                                    int64_t stride, int64_t size) {
  if (stride == 1)
    return checkIndex(b, loc, shifted, size);
  Value strideValue = arith::ConstantIndexOp::create(b, loc, stride);
  Value onGrid = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      arith::RemSIOp::create(b, loc, shifted, strideValue),
      arith::ConstantIndexOp::create(b, loc, 0));
  CheckedIndex quotient = checkIndex(
      b, loc, arith::DivSIOp::create(b, loc, shifted, strideValue), size);
  return {quotient.index,
          arith::AndIOp::create(b, loc, quotient.valid, onGrid)};
}

CheckedIndex mlir::mpt::windowOutputIndex(OpBuilder &b, Location loc,
                                          Value position, Value kernelIndex,
                                          const Window2D &window, int dim,
                                          int64_t outputSize) {
  Value padded = arith::AddIOp::create(
      b, loc, position,
      arith::ConstantIndexOp::create(b, loc, window.padBegin[dim]));
  Value offset = arith::MulIOp::create(
      b, loc, kernelIndex,
      arith::ConstantIndexOp::create(b, loc, window.dilations[dim]));
  return strideIndex(b, loc, arith::SubIOp::create(b, loc, padded, offset),
                     window.strides[dim], outputSize);
}

Value mlir::mpt::allOf(OpBuilder &b, Location loc, ArrayRef<Value> flags) {
  Value all = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  for (Value flag : flags)
    all = arith::AndIOp::create(b, loc, all, flag);
  return all;
}

Value mlir::mpt::padSpatialDims(OpBuilder &b, Location loc, Value input,
                                const Window2D &window, Value padValue) {
  if (!window.hasPadding())
    return input;
  RankedTensorType type = tensorTypeOf(input);
  ArrayRef<int64_t> shape = type.getShape();
  auto paddedType =
      type.clone({shape[0], shape[1], window.paddedSize(0, shape[2]),
                  window.paddedSize(1, shape[3])});
  return buildIndexedElementwise(
      b, loc, paddedType,
      [&](OpBuilder &nb, Location nl, ArrayRef<Value> idx, ValueRange) {
        auto unpadded = [&](Value index, int64_t padding) -> Value {
          return arith::SubIOp::create(
              nb, nl, index, arith::ConstantIndexOp::create(nb, nl, padding));
        };
        CheckedIndex h =
            checkIndex(nb, nl, unpadded(idx[2], window.padBegin[0]), shape[2]);
        CheckedIndex w =
            checkIndex(nb, nl, unpadded(idx[3], window.padBegin[1]), shape[3]);
        Value element = tensor::ExtractOp::create(
            nb, nl, input, ValueRange{idx[0], idx[1], h.index, w.index});
        return arith::SelectOp::create(
            nb, nl, allOf(nb, nl, {h.valid, w.valid}), element, padValue);
      });
}

Value mlir::mpt::buildGemm(OpBuilder &b, Location loc, Value lhs, Value rhs,
                           Value acc, bool transposeLhs, bool transposeRhs) {
  MLIRContext *ctx = b.getContext();
  bool batched = tensorTypeOf(acc).getRank() == 3;
  unsigned numDims = batched ? 4 : 3;
  unsigned first = batched ? 1 : 0;
  AffineExpr m = getAffineDimExpr(first, ctx);
  AffineExpr n = getAffineDimExpr(first + 1, ctx);
  AffineExpr k = getAffineDimExpr(first + 2, ctx);
  auto map = [&](AffineExpr row, AffineExpr col) {
    SmallVector<AffineExpr> exprs;
    if (batched)
      exprs.push_back(getAffineDimExpr(0, ctx));
    exprs.append({row, col});
    return AffineMapAttr::get(AffineMap::get(numDims, 0, exprs, ctx));
  };
  SmallVector<NamedAttribute> attrs;
  if (transposeLhs || transposeRhs) {
    SmallVector<Attribute> maps = {transposeLhs ? map(k, m) : map(m, k),
                                   transposeRhs ? map(n, k) : map(k, n),
                                   map(m, n)};
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
