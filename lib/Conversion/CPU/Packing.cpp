//===- Packing.cpp - GEMM operands packed into panels ---------------------===//
//
// Packing copies each operand of a GEMM into panels that its kernel reads
// contiguously, whatever the operand's layout, transposition or element
// type, and views the result as register tiles.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

Value cpu::packOperand(OpBuilder &b, Location loc, Gemm &gemm,
                       OpOperand &operand, unsigned rowDim, int64_t tile,
                       KernelKind kind) {
  AffineMap map = gemm.op.getMatchingIndexingMap(&operand);
  auto type = cast<RankedTensorType>(operand.get().getType());

  // Which operand dim is which loop: the outer dims of the panels are
  // (batch?, row, k), the inner ones (row, k?) tiles of the same dims.
  std::optional<int64_t> batchPosition;
  int64_t rowPosition = 0, kPosition = 0;
  for (auto [position, expr] : llvm::enumerate(map.getResults())) {
    unsigned loopDim = cast<AffineDimExpr>(expr).getPosition();
    if (loopDim == rowDim)
      rowPosition = position;
    else if (loopDim == gemm.k)
      kPosition = position;
    else
      batchPosition = position;
  }
  SmallVector<int64_t> outerOrder;
  if (batchPosition)
    outerOrder.push_back(*batchPosition);
  outerOrder.append({rowPosition, kPosition});
  SmallVector<int64_t> innerPositions = {rowPosition};
  SmallVector<OpFoldResult> innerTiles = {b.getIndexAttr(tile)};
  if (kind.kPairs > 1) {
    innerPositions.push_back(kPosition);
    innerTiles.push_back(b.getIndexAttr(kind.kPairs));
  }
  Value packedInit = linalg::PackOp::createDestinationTensor(
      b, loc, operand.get(), innerTiles, innerPositions, outerOrder);
  Value packed =
      linalg::PackOp::create(b, loc, operand.get(), packedInit, innerPositions,
                             innerTiles,
                             /*paddingValue=*/std::nullopt, outerOrder)
          .getResult();
  if (type.getElementType() == kind.elementType)
    return packed;

  // Widened by an elementwise op on the panels, into which
  // --mpt-cpu-vectorize fuses the copy of the pack.
  auto packedType = cast<RankedTensorType>(packed.getType());
  unsigned rank = packedType.getRank();
  Value init =
      tensor::EmptyOp::create(b, loc, packedType.getShape(), kind.elementType);
  SmallVector<AffineMap> maps(
      2, AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{packed},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(nested, nestedLoc,
                                       arith::ExtFOp::create(nested, nestedLoc,
                                                             kind.elementType,
                                                             args[0])
                                           .getResult());
             })
      .getResult(0);
}

TiledResult cpu::tileResult(Gemm &gemm, int64_t mr, int64_t nr) {
  TiledResult tiled;
  if (gemm.batch) {
    tiled.shape.push_back(gemm.sizes[*gemm.batch]);
    tiled.reassociation.push_back({0});
  }
  int64_t base = tiled.shape.size();
  tiled.shape.append(
      {gemm.sizes[gemm.m] / mr, mr, gemm.sizes[gemm.n] / nr, nr});
  tiled.reassociation.push_back({base, base + 1});
  tiled.reassociation.push_back({base + 2, base + 3});
  return tiled;
}

PackedGemm cpu::buildPackedGemm(OpBuilder &b, Location loc, Gemm &gemm,
                                int64_t mr, int64_t nr, KernelKind kind) {
  MLIRContext *ctx = b.getContext();
  OpOperand *lhs = gemm.op.getDpsInputOperand(0);
  OpOperand *rhs = gemm.op.getDpsInputOperand(1);
  Value packedLhs = packOperand(b, loc, gemm, *lhs, gemm.m, mr, kind);
  Value packedRhs = packOperand(b, loc, gemm, *rhs, gemm.n, nr, kind);

  // The accumulator, with m and n each split in two.
  OpOperand *init = gemm.op.getDpsInitOperand(0);
  auto initType = cast<RankedTensorType>(init->get().getType());
  bool batched = gemm.batch.has_value();
  auto [accShape, reassociation] = tileResult(gemm, mr, nr);
  unsigned base = batched ? 1 : 0;
  auto accType = RankedTensorType::get(accShape, initType.getElementType());
  PackedGemm packed;
  Value acc;
  if (auto fill = init->get().getDefiningOp<linalg::FillOp>()) {
    // A fill of its own, which the kernels then make redundant, of the
    // tensor the original fill writes: the result lands where the caller
    // of a kernel expects it.
    packed.fillValue = fill.getInputs()[0];
    packed.fill = linalg::FillOp::create(
        b, loc, ValueRange{packed.fillValue},
        ValueRange{tensor::ExpandShapeOp::create(
            b, loc, accType, fill.getDpsInits()[0], reassociation)});
    acc = packed.fill.getResult(0);
  } else {
    acc = tensor::ExpandShapeOp::create(b, loc, accType, init->get(),
                                        reassociation);
  }

  // Loops: (batch?, i, j, k, kk?, ii, jj).
  bool pairs = kind.kPairs > 1;
  unsigned rank = base + (pairs ? 6 : 5);
  auto dim = [&](unsigned position) { return getAffineDimExpr(position, ctx); };
  AffineExpr i = dim(base), j = dim(base + 1), k = dim(base + 2);
  AffineExpr ii = dim(rank - 2), jj = dim(rank - 1);
  auto withBatch = [&](bool hasBatch, ArrayRef<AffineExpr> exprs) {
    SmallVector<AffineExpr> all;
    if (hasBatch)
      all.push_back(dim(0));
    llvm::append_range(all, exprs);
    return AffineMap::get(rank, 0, all, ctx);
  };
  auto operandHasBatch = [&](Value packed) {
    return cast<RankedTensorType>(packed.getType()).getRank() ==
           (pairs ? 5 : 4);
  };
  SmallVector<AffineExpr> lhsExprs = {i, k, ii}, rhsExprs = {j, k, jj};
  if (pairs) {
    lhsExprs.push_back(dim(base + 3));
    rhsExprs.push_back(dim(base + 3));
  }
  SmallVector<AffineMap> maps = {
      withBatch(operandHasBatch(packedLhs), lhsExprs),
      withBatch(operandHasBatch(packedRhs), rhsExprs),
      withBatch(batched, {i, ii, j, jj})};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[base + 2] = utils::IteratorType::reduction;
  if (pairs)
    iterators[base + 3] = utils::IteratorType::reduction;
  Type accElement = initType.getElementType();
  packed.op = linalg::GenericOp::create(
      b, loc, TypeRange{accType}, ValueRange{packedLhs, packedRhs},
      ValueRange{acc}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        auto widen = [&](Value value) -> Value {
          if (value.getType() == accElement)
            return value;
          return arith::ExtFOp::create(nested, nestedLoc, accElement, value);
        };
        Value product = arith::MulFOp::create(nested, nestedLoc, widen(args[0]),
                                              widen(args[1]));
        linalg::YieldOp::create(
            nested, nestedLoc,
            arith::AddFOp::create(nested, nestedLoc, args[2], product)
                .getResult());
      });
  packed.result = tensor::CollapseShapeOp::create(
      b, loc, initType, packed.op.getResult(0), reassociation);
  return packed;
}
