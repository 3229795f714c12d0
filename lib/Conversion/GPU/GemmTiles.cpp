//===- GemmTiles.cpp - Operand tiles of a GEMM in shared memory -----------===//
//
// Each block of a GEMM kernel stages a tile of both operands in shared
// memory per k-step, so that every element read from device memory is used
// by many threads. Tiles are loaded along each operand's contiguous
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

/// Whether the innermost (contiguous) dimension of `operand` is loop `dim`.
bool isContiguousAlong(Gemm &gemm, OpOperand *operand, unsigned dim) {
  AffineMap map = gemm.op.getMatchingIndexingMap(operand);
  auto innermost = dyn_cast<AffineDimExpr>(map.getResults().back());
  return innermost && innermost.getPosition() == dim;
}

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

} // namespace

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

TileOrigin gpu_kernels::tileOrigin(OpBuilder &b, Location loc, Gemm &gemm,
                                   gpu::LaunchOp launch, int64_t tileM,
                                   int64_t tileN) {
  TileOrigin origin;
  SmallVector<Value> batchSizes = llvm::map_to_vector(
      gemm.batch, [&](unsigned dim) { return gemm.size(dim); });
  origin.batchIvs = delinearize(b, loc, launch.getBlockIds().z, batchSizes);
  origin.m = mulIndexConstant(b, loc, launch.getBlockIds().y, tileM);
  origin.n = mulIndexConstant(b, loc, launch.getBlockIds().x, tileN);
  return origin;
}

gpu::LaunchOp gpu_kernels::launchTiles(KernelBuilder &kernels, OpBuilder &b,
                                       Location loc, Gemm &gemm, StringRef kind,
                                       int64_t tileM, int64_t tileN,
                                       int64_t threads, TypeRange sharedTiles) {
  SmallVector<Value> batchSizes = llvm::map_to_vector(
      gemm.batch, [&](unsigned dim) { return gemm.size(dim); });
  Value gridX =
      ceilDiv(b, loc, gemm.size(gemm.n), indexConstant(b, loc, tileN));
  Value gridY =
      ceilDiv(b, loc, gemm.size(gemm.m), indexConstant(b, loc, tileM));
  Value gridZ = product(b, loc, batchSizes);
  return kernels.launch(b, loc, kind, {gridX, gridY, gridZ},
                        {indexConstant(b, loc, threads)}, sharedTiles);
}
