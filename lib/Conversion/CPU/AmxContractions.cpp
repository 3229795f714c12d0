//===- AmxContractions.cpp - bf16 GEMMs on AMX tiles ----------------------===//
//
// The AMX kernel of --mpt-cpu-vectorize-contractions for bf16 x bf16 -> f32
// contractions. AMX multiplies a 16 x 32 bf16 tile of the lhs by a 16 x 32
// bf16 tile of the rhs in the VNNI layout (16 pairs of k by 16 columns, the
// two k of a pair side by side) into a 16 x 16 f32 tile, 16K flops per
// instruction.
//
// 1. Pack: the lhs into blocks of 32 rows by 32 k ([M/32][K/32][32][32]),
//    so that each half of a block is one contiguous tile, and the rhs into
//    panels of 32 columns in the VNNI layout ([N/32][K/2][32][2], the
//    panels of the dot-product kernel, PanelCopies.cpp).
// 2. Loop over 32 x 32 blocks of the result (an scf.forall over rhs panels,
//    outer, then lhs blocks), each accumulated in four f32 tiles over the
//    whole (unrolled) k loop: two lhs and two rhs tile loads feed four
//    multiplications, so the eight tile registers are all in use.
// 3. The tiles are stored to a stack buffer and added to the accumulator's
//    initial value (a fill or the bias row, made in registers) with vector
//    ops, which keeps the result a tensor: the tile ops only touch memory.
//    A result that is only rounded to bf16 is rounded there, as the FMA
//    kernels do (GemmResults.cpp): the f32 result is never stored.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

/// Rows and columns of a result block (two by two accumulator tiles).
constexpr int64_t kBlock = 32;
/// Rows of every tile, and f32 columns of an accumulator tile.
constexpr int64_t kTileRows = 16;
/// bf16 k values in a row of an lhs tile (64 bytes).
constexpr int64_t kTileK = 32;

/// The buffer of a read-only tensor panel, with the static strides of its
/// packed layout and the offset of the block it starts at.
Value panelBuffer(OpBuilder &b, Location loc, Value panel) {
  auto type = cast<RankedTensorType>(panel.getType());
  SmallVector<int64_t> strides(type.getRank(), 1);
  for (int64_t dim = type.getRank() - 2; dim >= 0; --dim)
    strides[dim] = strides[dim + 1] * type.getDimSize(dim + 1);
  auto layout =
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
  auto bufferType =
      MemRefType::get(type.getShape(), type.getElementType(), layout);
  return bufferization::ToBufferOp::create(b, loc, bufferType, panel,
                                           /*read_only=*/true);
}

/// Multiplies the lhs block `A[K/32][32][32]` by the rhs panel
/// `B[K/2][64]` on AMX tiles and returns the 32 rows of the product as
/// vectors. The tiles go through a stack buffer scoped to the block.
SmallVector<Value> multiplyBlock(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs, int64_t kTiles) {
  Type bf16 = b.getBF16Type(), f32 = b.getF32Type();
  auto index = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  auto rowType = VectorType::get({kBlock}, f32);
  auto inputTile = amx::TileType::get({kTileRows, kTileK}, bf16);
  auto accTile = amx::TileType::get({kTileRows, kTileRows}, f32);
  SmallVector<Type> rowTypes(kBlock, rowType);
  auto scope = memref::AllocaScopeOp::create(b, loc, rowTypes);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&scope.getBodyRegion().emplaceBlock());

  Value lhsStride = index(kTileK), rhsStride = index(2 * kBlock);
  Value acc[2][2];
  for (auto &row : acc)
    for (Value &tile : row)
      tile = amx::TileZeroOp::create(b, loc, accTile);
  // Unrolled: tiles are not values that loops can carry.
  for (int64_t kTile = 0; kTile < kTiles; ++kTile) {
    Value lhsTiles[2], rhsTiles[2];
    for (int64_t half = 0; half < 2; ++half) {
      lhsTiles[half] = amx::TileLoadOp::create(
          b, loc, inputTile, lhs,
          ValueRange{index(kTile), index(half * kTileRows), index(0)},
          lhsStride);
      rhsTiles[half] = amx::TileLoadOp::create(
          b, loc, inputTile, rhs,
          ValueRange{index(kTile * kTileRows), index(half * kTileK)},
          rhsStride);
    }
    for (int64_t row = 0; row < 2; ++row)
      for (int64_t col = 0; col < 2; ++col)
        acc[row][col] = amx::TileMulFOp::create(b, loc, accTile, lhsTiles[row],
                                                rhsTiles[col], acc[row][col]);
  }

  Value staging =
      memref::AllocaOp::create(b, loc, MemRefType::get({kBlock, kBlock}, f32),
                               ValueRange{}, b.getI64IntegerAttr(64));
  for (int64_t row = 0; row < 2; ++row)
    for (int64_t col = 0; col < 2; ++col)
      amx::TileStoreOp::create(
          b, loc, staging,
          ValueRange{index(row * kTileRows), index(col * kTileRows)},
          acc[row][col], /*stride=*/Value());
  SmallVector<Value> rows;
  for (int64_t row = 0; row < kBlock; ++row)
    rows.push_back(vector::LoadOp::create(b, loc, rowType, staging,
                                          ValueRange{index(row), index(0)}));
  memref::AllocaScopeReturnOp::create(b, loc, rows);
  return llvm::to_vector(llvm::map_range(
      scope.getResults(), [](OpResult result) -> Value { return result; }));
}

} // namespace

bool cpu::isAMXGemm(Gemm &gemm, int64_t maxKTiles) {
  if (gemm.batch)
    return false;
  for (Value input : gemm.op.getDpsInputs())
    if (!getElementTypeOrSelf(input.getType()).isBF16())
      return false;
  // The result must be C[m][n] to be written in row blocks.
  AffineMap resultMap = gemm.op.getIndexingMapsArray().back();
  if (resultMap.getResult(0) !=
          getAffineDimExpr(gemm.m, resultMap.getContext()) ||
      resultMap.getResult(1) !=
          getAffineDimExpr(gemm.n, resultMap.getContext()))
    return false;
  int64_t m = gemm.sizes[gemm.m], n = gemm.sizes[gemm.n];
  int64_t k = gemm.sizes[gemm.k];
  return m % kBlock == 0 && n % kBlock == 0 && k % kTileK == 0 &&
         k / kTileK <= maxKTiles;
}

void cpu::rewriteAsAMXGemm(RewriterBase &b, Gemm &gemm,
                           arith::TruncFOp rounding) {
  Location loc = gemm.op.getLoc();
  b.setInsertionPoint(gemm.op);
  Type bf16 = b.getBF16Type();
  int64_t m = gemm.sizes[gemm.m], n = gemm.sizes[gemm.n];
  int64_t k = gemm.sizes[gemm.k];
  auto index = [&](OpBuilder &builder, int64_t value) -> OpFoldResult {
    return builder.getIndexAttr(value);
  };

  Value lhs = packOperand(b, loc, gemm, *gemm.op.getDpsInputOperand(0), gemm.m,
                          kBlock, bf16, kTileK);
  // The VNNI layout is the dot-product kernel's rhs panels, each k pair row
  // one row of 64 bf16: copied by vectors, rounding a weight cast once per
  // step while copying it, so that the rounded copy never exists.
  Value rhs = emitPanels(b, loc, gemm, *gemm.op.getDpsInputOperand(1), gemm.n,
                         kBlock, bf16, /*kPairs=*/2);

  // Every block is overwritten, so an accumulator that starts as a fill or
  // a bias broadcast need not be written: its start is added in registers.
  AccumulatorStart start = findAccumulatorStart(gemm);
  GemmDestination destination = gemmDestination(b, loc, gemm, start, rounding);
  Value init = destination.tensor
                   ? destination.tensor
                   : tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m, n},
                                             destination.elementType)
                         .getResult();

  auto loop = scf::ForallOp::create(
      b, loc,
      ArrayRef<OpFoldResult>{index(b, n / kBlock), index(b, m / kBlock)},
      ValueRange{init}, /*mapping=*/std::nullopt,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value j = args[0], i = args[1], out = args[2];
        auto one = index(nested, 1), zero = index(nested, 0);
        auto lhsType =
            RankedTensorType::get({k / kTileK, kBlock, kTileK}, bf16);
        Value lhsBlock = tensor::ExtractSliceOp::create(
            nested, nestedLoc, lhsType, lhs,
            ArrayRef<OpFoldResult>{i, zero, zero, zero},
            ArrayRef<OpFoldResult>{one, index(nested, k / kTileK),
                                   index(nested, kBlock),
                                   index(nested, kTileK)},
            ArrayRef<OpFoldResult>{one, one, one, one});
        auto rhsType = RankedTensorType::get({k / 2, 2 * kBlock}, bf16);
        Value rhsPanel = tensor::ExtractSliceOp::create(
            nested, nestedLoc, rhsType, rhs,
            ArrayRef<OpFoldResult>{j, zero, zero},
            ArrayRef<OpFoldResult>{one, index(nested, k / 2),
                                   index(nested, 2 * kBlock)},
            ArrayRef<OpFoldResult>{one, one, one});
        SmallVector<Value> rows = multiplyBlock(
            nested, nestedLoc, panelBuffer(nested, nestedLoc, lhsBlock),
            panelBuffer(nested, nestedLoc, rhsPanel), k / kTileK);

        AffineExpr blockStart = nested.getAffineDimExpr(0) * kBlock;
        Value row0 =
            affine::makeComposedAffineApply(nested, nestedLoc, blockStart, {i});
        Value col0 =
            affine::makeComposedAffineApply(nested, nestedLoc, blockStart, {j});
        SmallVector<OpFoldResult> offsets = {row0, col0};
        SmallVector<OpFoldResult> sizes = {index(nested, kBlock),
                                           index(nested, kBlock)};
        SmallVector<OpFoldResult> strides = {one, one};
        Value block = tensor::ExtractSliceOp::create(nested, nestedLoc, out,
                                                     offsets, sizes, strides);
        auto rowType = cast<VectorType>(rows.front().getType());
        Value c0 = arith::ConstantIndexOp::create(nested, nestedLoc, 0);
        Value startRow;
        if (!start.readsTile()) {
          startRow = emitRowStart(nested, nestedLoc, start, j, kBlock);
          if (!isa<VectorType>(startRow.getType()))
            startRow = vector::BroadcastOp::create(nested, nestedLoc, rowType,
                                                   startRow);
        }
        for (auto [row, product] : llvm::enumerate(rows)) {
          Value r = arith::ConstantIndexOp::create(nested, nestedLoc, row);
          Value rowStart =
              startRow
                  ? startRow
                  : vector::TransferReadOp::create(
                        nested, nestedLoc, rowType, block, ValueRange{r, c0},
                        /*padding=*/std::nullopt, ArrayRef<bool>{true})
                        .getResult();
          Value sum =
              arith::AddFOp::create(nested, nestedLoc, rowStart, product);
          if (rounding)
            sum = arith::TruncFOp::create(
                nested, nestedLoc, rowType.clone(rounding.getType()), sum);
          block = vector::TransferWriteOp::create(nested, nestedLoc, sum, block,
                                                  ValueRange{r, c0},
                                                  ArrayRef<bool>{true})
                      .getResult();
        }
        auto terminator = scf::InParallelOp::create(nested, nestedLoc);
        OpBuilder::InsertionGuard guard(nested);
        nested.setInsertionPointToStart(terminator.getBody());
        tensor::ParallelInsertSliceOp::create(nested, nestedLoc, block, out,
                                              offsets, sizes, strides);
      });
  replaceGemm(b, gemm, loop.getResult(0), rounding, destination);
}
