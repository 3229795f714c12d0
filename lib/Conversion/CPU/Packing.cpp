//===- Packing.cpp - GEMM operands packed by linalg.pack ------------------===//
//
// Panels as upstream `linalg.pack` ops, which --mpt-cpu-vectorize lowers to
// transposing copies: the layouts of the AMX kernel, and of the operands
// whose order PanelCopies.cpp does not take. Also the view of the result
// as register tiles.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

Value cpu::packOperand(OpBuilder &b, Location loc, Gemm &gemm,
                       OpOperand &operand, unsigned rowDim, int64_t tile,
                       Type element, int64_t kPairs) {
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
  if (kPairs > 1) {
    innerPositions.push_back(kPosition);
    innerTiles.push_back(b.getIndexAttr(kPairs));
  }
  Value packedInit = linalg::PackOp::createDestinationTensor(
      b, loc, operand.get(), innerTiles, innerPositions, outerOrder);
  Value packed =
      linalg::PackOp::create(b, loc, operand.get(), packedInit, innerPositions,
                             innerTiles,
                             /*paddingValue=*/std::nullopt, outerOrder)
          .getResult();
  if (type.getElementType() == element)
    return packed;

  // Widened by an elementwise op on the panels, into which
  // --mpt-cpu-vectorize fuses the copy of the pack.
  auto packedType = cast<RankedTensorType>(packed.getType());
  unsigned rank = packedType.getRank();
  Value init = tensor::EmptyOp::create(b, loc, packedType.getShape(), element);
  SmallVector<AffineMap> maps(
      2, AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{packed},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(
                   nested, nestedLoc,
                   arith::ExtFOp::create(nested, nestedLoc, element, args[0])
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
