//===- GemmTiles.cpp - GEMM launches and tiles staged through registers ---===//
//
// Each block of a GEMM kernel computes one tile of the output (per loop over
// its tiles when the grid cannot cover them all), staging a tile of both
// operands in shared memory per k-step, so that every element read from
// device memory is used by many threads. Here operand tiles are loaded into
// registers and stored into shared memory, along each operand's contiguous
// dimension, so the loads are coalesced whatever the transposition, and
// zero-filled outside the operand, so sizes need not be multiples of the
// tile.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// The largest grid y and z dimensions.
constexpr int64_t kMaxGridY = 65535, kMaxGridZ = 65535;

/// Bytes one thread loads at once when copying a tile: the widest global
/// load (ld.global.v4.b32).
constexpr int64_t kVectorLoadBytes = 16;

/// Elements of `copy`'s operand that one thread can load at once: a 16-byte
/// vector when the operand is a dense buffer whose rows (along the tile's
/// fast dimension) hold a whole number of vectors, so that every vector of
/// the tile is aligned and either entirely inside the operand or entirely
/// outside; 1 otherwise.
int64_t vectorWidth(Gemm &gemm, const TileCopy &copy, bool alongCols,
                    int64_t threads) {
  auto type = cast<MemRefType>(copy.operand->get().getType());
  int64_t elementBytes =
      llvm::divideCeil(type.getElementTypeBitWidth(), int64_t(8));
  int64_t width = kVectorLoadBytes / elementBytes;
  int64_t fastExtent = alongCols ? copy.cols : copy.rows;
  if (!type.getLayout().isIdentity() || !type.hasStaticShape() ||
      type.getRank() == 0 || type.getShape().back() % width != 0 ||
      fastExtent % width != 0 || (copy.rows * copy.cols) % (threads * width))
    return 1;
  return width;
}

/// The grid size for `count` blocks along a dimension of at most `limit`.
Value clampedGridSize(OpBuilder &b, Location loc, Value count, int64_t limit) {
  if (std::optional<int64_t> known = getConstantIntValue(count))
    return indexConstant(b, loc, std::min(*known, limit));
  return arith::MinUIOp::create(b, loc, count, indexConstant(b, loc, limit));
}

/// Whether `count` blocks may not fit a grid dimension of at most `limit`.
bool mayExceed(Value count, int64_t limit) {
  std::optional<int64_t> known = getConstantIntValue(count);
  return !known || *known > limit;
}

/// The index of the block's tile along a grid dimension of `count` tiles:
/// its block id, or, when the grid may be smaller than `count`, the
/// induction variable of a loop from the block id to `count` by the grid
/// size, with `b` moved into it.
Value tileIndex(OpBuilder &b, Location loc, Value blockId, Value gridSize,
                Value count, int64_t limit) {
  if (!mayExceed(count, limit))
    return blockId;
  auto loop = scf::ForOp::create(b, loc, blockId, count, gridSize);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  // The next tile of the block reuses its shared memory: every thread must
  // be done with this one first.
  gpu::BarrierOp::create(b, loc);
  b.setInsertionPoint(loop.getBody(), loop.getBody()->begin());
  return loop.getInductionVar();
}

} // namespace

bool gpu_kernels::isContiguousAlong(Gemm &gemm, OpOperand *operand,
                                    unsigned dim) {
  AffineMap map = gemm.op.getMatchingIndexingMap(operand);
  if (map.getNumResults() == 0)
    return false;
  auto innermost = dyn_cast<AffineDimExpr>(map.getResults().back());
  return innermost && innermost.getPosition() == dim;
}

Attribute gpu_kernels::workgroupMemory(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
}

void gpu_kernels::emitTileCopy(OpBuilder &b, Location loc, Gemm &gemm,
                               const TileOrigin &origin, const TileCopy &copy,
                               Value tid, int64_t threads) {
  bool alongCols = isContiguousAlong(gemm, copy.operand, copy.colDim);
  int64_t width = vectorWidth(gemm, copy, alongCols, threads);
  int64_t fastExtent = alongCols ? copy.cols : copy.rows;
  Value rowLimit = gemm.size(copy.rowDim);
  Value colLimit = gemm.size(copy.colDim);
  Type element = gemm.elementType(copy.operand);
  auto vectorType = VectorType::get({width}, element);
  for (int64_t first = 0; first < copy.rows * copy.cols;
       first += threads * width) {
    // Element `e` of the tile, in the operand's memory order.
    Value e = mulIndexConstant(
        b, loc, addIndexConstant(b, loc, tid, first / width), width);
    Value fast =
        arith::RemUIOp::create(b, loc, e, indexConstant(b, loc, fastExtent));
    Value slow =
        arith::DivUIOp::create(b, loc, e, indexConstant(b, loc, fastExtent));
    Value r = alongCols ? slow : fast;
    Value c = alongCols ? fast : slow;
    Value row = addIndex(b, loc, copy.rowBase, r);
    Value col = addIndex(b, loc, copy.colBase, c);
    SmallVector<Value> ivs =
        gemmIndices(b, loc, gemm, origin, Value(), Value(), Value());
    ivs[copy.rowDim] = row;
    ivs[copy.colDim] = col;
    Value inBounds =
        arith::AndIOp::create(b, loc, indexLessThan(b, loc, row, rowLimit),
                              indexLessThan(b, loc, col, colLimit));
    if (width == 1) {
      Value value = loadOrZero(b, loc, gemm, copy.operand, ivs, inBounds);
      memref::StoreOp::create(b, loc, value, copy.tile, ValueRange{r, c});
      continue;
    }
    auto ifOp = scf::IfOp::create(
        b, loc, inBounds,
        [&](OpBuilder &then, Location l) {
          Value loaded = vector::LoadOp::create(
              then, l, vectorType, copy.operand->get(),
              applyMap(then, l, gemm.op.getMatchingIndexingMap(copy.operand),
                       ivs),
              /*nontemporal=*/false, llvm::MaybeAlign(kVectorLoadBytes));
          scf::YieldOp::create(then, l, loaded);
        },
        [&](OpBuilder &otherwise, Location l) {
          Value zeros = arith::ConstantOp::create(
              otherwise, l, otherwise.getZeroAttr(vectorType));
          scf::YieldOp::create(otherwise, l, zeros);
        });
    Value loaded = ifOp.getResult(0);
    if (alongCols) {
      vector::StoreOp::create(b, loc, loaded, copy.tile, ValueRange{r, c});
      continue;
    }
    // The tile is transposed with respect to the operand: one element per
    // row of the tile.
    for (int64_t i = 0; i < width; ++i) {
      Value value =
          vector::ExtractOp::create(b, loc, loaded, ArrayRef<int64_t>{i});
      memref::StoreOp::create(b, loc, value, copy.tile,
                              ValueRange{addIndexConstant(b, loc, r, i), c});
    }
  }
}

GemmLaunch gpu_kernels::launchTiles(KernelBuilder &kernels, OpBuilder &b,
                                    Location loc, Gemm &gemm, StringRef kind,
                                    int64_t tileM, int64_t tileN,
                                    int64_t threads, TypeRange sharedTiles,
                                    int64_t dynamicSharedBytes) {
  SmallVector<Value> batchSizes = llvm::map_to_vector(
      gemm.batch, [&](unsigned dim) { return gemm.size(dim); });
  Value tilesN =
      ceilDiv(b, loc, gemm.size(gemm.n), indexConstant(b, loc, tileN));
  Value tilesM =
      ceilDiv(b, loc, gemm.size(gemm.m), indexConstant(b, loc, tileM));
  Value batches = product(b, loc, batchSizes);
  GemmLaunch kernel;
  kernel.launch = kernels.launch(
      b, loc, kind,
      {tilesN, clampedGridSize(b, loc, tilesM, kMaxGridY),
       clampedGridSize(b, loc, batches, kMaxGridZ)},
      {indexConstant(b, loc, threads)}, sharedTiles, dynamicSharedBytes);
  gpu::KernelDim3 blockIds = kernel.launch.getBlockIds();
  gpu::KernelDim3 gridSize = kernel.launch.getGridSize();
  Value batch = tileIndex(b, loc, blockIds.z, gridSize.z, batches, kMaxGridZ);
  Value tileRow = tileIndex(b, loc, blockIds.y, gridSize.y, tilesM, kMaxGridY);
  kernel.origin.batchIvs = delinearize(b, loc, batch, batchSizes);
  kernel.origin.m = mulIndexConstant(b, loc, tileRow, tileM);
  kernel.origin.n = mulIndexConstant(b, loc, blockIds.x, tileN);
  kernel.tid = kernel.launch.getThreadIds().x;
  return kernel;
}
