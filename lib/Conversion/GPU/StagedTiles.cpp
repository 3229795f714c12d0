//===- StagedTiles.cpp - Operand tiles in a multi-stage pipeline ----------===//
//
// The tensor-core GEMM keeps several k-tiles of each operand in shared
// memory at once: while the warps multiply one, `cp.async` copies the next
// ones from device memory straight into shared memory, without passing
// through registers. A tile is stored as the operand lies in memory (its
// contiguous dimension contiguous in the tile too), so that each thread
// copies whole 16-byte vectors whatever the operand's transposition; the
// warps then read `mma.sync` fragments with `ldmatrix`, transposing with
// `ldmatrix.trans` where the tile is contiguous along m or n rather than k.
//
// Shared memory has 32 banks of 4 bytes: a warp's access is conflict-free
// when its 16-byte pieces fall in distinct 16-byte slots modulo 128 bytes.
// An 8x8 `ldmatrix` matrix is 8 rows of 16 bytes at the same column, which
// with rows of 64 or 256 bytes would hit 2 or 1 distinct slots (4- and
// 8-way conflicts). Permuting the 16-byte chunks of each row by an XOR with
// a function of the row (stagedTileOffset) spreads any 8 consecutive rows
// over 8 slots; the copies, 8 threads writing 8 consecutive chunks, stay
// conflict-free too, since the XOR only permutes chunks within the group of
// 8 (or within a row of fewer) that those threads write.
//
// The `wgmma` GEMM (sm_90a) reads its operands from shared memory itself,
// through matrix descriptors, and needs them in one of the PTX ISA's
// canonical layouts: here the one without swizzle, where each 8x8 core
// matrix (8 lines of 16 bytes along the tile's contiguous dimension) is 128
// contiguous bytes, core matrices along m or n are `strideBytes` apart and
// along k `leadingBytes` apart. The 16-byte lines at the same place of
// consecutive core matrices all fall in the same bank slot, so the threads of
// a warp copy 8 lines of 4 core matrices (the 8 lines in 8 slots, 4 writes
// each, the least 512 bytes need) rather than 32 chunks of one row.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// Bytes of one chunk (a `cp.async` copy, a row of an `ldmatrix` matrix) and
/// of the span of all 32 banks.
constexpr int64_t kChunkBytes = 16, kBankSpanBytes = 128;

/// The value of `x & (2^k - 1)` for a power of two `modulus`.
Value remPowerOfTwo(OpBuilder &b, Location loc, Value x, int64_t modulus) {
  return arith::AndIOp::create(b, loc, x, indexConstant(b, loc, modulus - 1));
}

Value divConstant(OpBuilder &b, Location loc, Value x, int64_t divisor) {
  return arith::DivUIOp::create(b, loc, x, indexConstant(b, loc, divisor));
}

/// The 32-bit register of an `mma.sync` operand that holds `pair`, two
/// 16-bit elements: the vector<2xf16> itself, or an i32 for bf16.
Value fragmentRegister(OpBuilder &b, Location loc, Value pair) {
  auto type = cast<VectorType>(pair.getType());
  if (type.getElementType().isF16())
    return pair;
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), pair);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

} // namespace

StagedTile gpu_kernels::makeStagedTile(Gemm &gemm, OpOperand *operand,
                                       unsigned outerDim, int64_t extent,
                                       int64_t kExtent, TileLayout layout) {
  StagedTile tile;
  tile.operand = operand;
  tile.layout = layout;
  bool alongOuter = isContiguousAlong(gemm, operand, outerDim);
  tile.alongK = !alongOuter;
  tile.rowDim = alongOuter ? gemm.k : outerDim;
  tile.colDim = alongOuter ? outerDim : gemm.k;
  tile.rows = alongOuter ? kExtent : extent;
  tile.cols = alongOuter ? extent : kExtent;
  int64_t elementBytes =
      llvm::divideCeil(gemm.elementType(operand).getIntOrFloatBitWidth(), 8);
  tile.chunk = kChunkBytes / elementBytes;
  AffineMap map = gemm.op.getMatchingIndexingMap(operand);
  tile.copyWidth = isVectorAccess(operand->get(), map, tile.colDim, tile.chunk)
                       ? tile.chunk
                       : 1;
  return tile;
}

namespace {

/// Lines (of 16 bytes) of a core matrix.
constexpr int64_t kCoreMatrixLines = 8;

/// The element of a CoreMatrices tile at (row, col) of `stage`: its core
/// matrix is (outer / outerPerMatrix, k / kPerMatrix), where a line runs
/// along the tile's contiguous dimension (k when `alongK`).
Value coreMatrixOffset(OpBuilder &b, Location loc, const StagedTile &tile,
                       Value stage, Value row, Value col) {
  CoreMatrixStrides strides = coreMatrixStrides(tile);
  int64_t elementBytes = kChunkBytes / tile.chunk;
  Value line = remPowerOfTwo(b, loc, row, kCoreMatrixLines);
  Value within = remPowerOfTwo(b, loc, col, tile.chunk);
  Value rowMatrix = divConstant(b, loc, row, kCoreMatrixLines);
  Value colMatrix = divConstant(b, loc, col, tile.chunk);
  Value outerMatrix = tile.alongK ? rowMatrix : colMatrix;
  Value kMatrix = tile.alongK ? colMatrix : rowMatrix;
  Value matrixStart = addIndex(
      b, loc,
      mulIndexConstant(b, loc, outerMatrix, strides.strideBytes / elementBytes),
      mulIndexConstant(b, loc, kMatrix, strides.leadingBytes / elementBytes));
  Value inMatrix =
      addIndex(b, loc, mulIndexConstant(b, loc, line, tile.chunk), within);
  return addIndex(b, loc, mulIndexConstant(b, loc, stage, tile.stageElements()),
                  addIndex(b, loc, matrixStart, inMatrix));
}

} // namespace

CoreMatrixStrides gpu_kernels::coreMatrixStrides(const StagedTile &tile) {
  // Core matrices are 128 contiguous bytes, consecutive along m or n, so
  // those along k are a whole column of them apart.
  int64_t matrixBytes = kCoreMatrixLines * kChunkBytes;
  int64_t outerExtent = tile.alongK ? tile.rows : tile.cols;
  int64_t outerPerMatrix = tile.alongK ? kCoreMatrixLines : tile.chunk;
  return {outerExtent / outerPerMatrix * matrixBytes, matrixBytes};
}

Value gpu_kernels::stagedTileOffset(OpBuilder &b, Location loc,
                                    const StagedTile &tile, Value stage,
                                    Value row, Value col) {
  if (tile.layout == TileLayout::CoreMatrices)
    return coreMatrixOffset(b, loc, tile, stage, row, col);
  // Chunk c of row r moves to chunk c ^ s(r). With 8 or more chunks per row
  // (a row spans whole multiples of 128 bytes) s(r) = r mod 8; with C < 8
  // chunks, 8 / C consecutive rows share 128 bytes and s(r) = (r / (8 / C))
  // mod C, so that the rows sharing them keep their own slots and the
  // groups of rows that follow get the C permutations in turn.
  int64_t chunksPerRow = tile.cols / tile.chunk;
  int64_t slots = kBankSpanBytes / kChunkBytes;
  Value shift =
      chunksPerRow >= slots
          ? remPowerOfTwo(b, loc, row, slots)
          : remPowerOfTwo(b, loc,
                          divConstant(b, loc, row, slots / chunksPerRow),
                          chunksPerRow);
  Value chunk = divConstant(b, loc, col, tile.chunk);
  Value within = remPowerOfTwo(b, loc, col, tile.chunk);
  Value permuted = arith::XOrIOp::create(b, loc, chunk, shift);
  Value rowStart =
      addIndex(b, loc, mulIndexConstant(b, loc, stage, tile.stageElements()),
               mulIndexConstant(b, loc, row, tile.cols));
  return addIndex(
      b, loc, rowStart,
      addIndex(b, loc, mulIndexConstant(b, loc, permuted, tile.chunk), within));
}

void gpu_kernels::emitStagedTileCopy(OpBuilder &b, Location loc, Gemm &gemm,
                                     const TileOrigin &origin,
                                     const StagedTile &tile, Value rowBase,
                                     Value colBase, Value stage, Value tid,
                                     int64_t threads) {
  int64_t width = tile.copyWidth;
  Value rowLimit = gemm.size(tile.rowDim);
  Value colLimit = gemm.size(tile.colDim);
  AffineMap map = gemm.op.getMatchingIndexingMap(tile.operand);
  // In a CoreMatrices tile, 32 consecutive vectors are 8 lines of 4 core
  // matrices (see the top of the file).
  constexpr int64_t kLinesPerWarp = 8, kMatricesPerWarp = 4;
  int64_t vectorsPerRow = tile.cols / width;
  bool byCoreMatrices = tile.layout == TileLayout::CoreMatrices &&
                        width == tile.chunk && tile.rows % kLinesPerWarp == 0 &&
                        vectorsPerRow % kMatricesPerWarp == 0;
  for (int64_t first = 0; first < tile.stageElements();
       first += threads * width) {
    Value v = addIndexConstant(b, loc, tid, first / width);
    Value r, c;
    if (byCoreMatrices) {
      Value warpPiece =
          divConstant(b, loc, v, kLinesPerWarp * kMatricesPerWarp);
      Value inPiece =
          remPowerOfTwo(b, loc, v, kLinesPerWarp * kMatricesPerWarp);
      int64_t piecesPerRow = vectorsPerRow / kMatricesPerWarp;
      r = addIndex(
          b, loc,
          mulIndexConstant(b, loc, divConstant(b, loc, warpPiece, piecesPerRow),
                           kLinesPerWarp),
          remPowerOfTwo(b, loc, inPiece, kLinesPerWarp));
      Value vectorInRow =
          addIndex(b, loc,
                   mulIndexConstant(b, loc,
                                    arith::RemUIOp::create(
                                        b, loc, warpPiece,
                                        indexConstant(b, loc, piecesPerRow)),
                                    kMatricesPerWarp),
                   divConstant(b, loc, inPiece, kLinesPerWarp));
      c = mulIndexConstant(b, loc, vectorInRow, width);
    } else {
      // Consecutive threads take consecutive vectors of a row.
      Value e = mulIndexConstant(b, loc, v, width);
      r = divConstant(b, loc, e, tile.cols);
      c = arith::RemUIOp::create(b, loc, e, indexConstant(b, loc, tile.cols));
    }
    Value row = addIndex(b, loc, rowBase, r);
    Value col = addIndex(b, loc, colBase, c);
    Value inBounds =
        arith::AndIOp::create(b, loc, indexLessThan(b, loc, row, rowLimit),
                              indexLessThan(b, loc, col, colLimit));
    Value offset = stagedTileOffset(b, loc, tile, stage, r, c);
    SmallVector<Value> ivs =
        gemmIndices(b, loc, gemm, origin, Value(), Value(), Value());
    ivs[tile.rowDim] = row;
    ivs[tile.colDim] = col;
    if (width == 1) {
      Value value = loadOrZero(b, loc, gemm, tile.operand, ivs, inBounds);
      memref::StoreOp::create(b, loc, value, tile.buffer, ValueRange{offset});
      continue;
    }
    // A vector outside the operand reads nothing (its source size is 0) and
    // fills its chunk with zeros; its address is the operand's first
    // element, so that no address outside the operand is ever formed.
    Value zero = indexConstant(b, loc, 0);
    for (Value &iv : ivs)
      iv = arith::SelectOp::create(b, loc, inBounds, iv, zero);
    Value sourceElements = arith::SelectOp::create(
        b, loc, inBounds, indexConstant(b, loc, width), zero);
    nvgpu::DeviceAsyncCopyOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tile.buffer,
        ValueRange{offset}, tile.operand->get(), applyMap(b, loc, map, ivs),
        b.getIndexAttr(width), sourceElements,
        /*bypassL1=*/b.getUnitAttr());
  }
}

StagedPipeline gpu_kernels::makeStagedPipeline(
    OpBuilder &b, Location loc, Gemm &gemm, const TileOrigin &origin,
    const StagedTile &lhs, const StagedTile &rhs, Value tid, int64_t threads,
    int64_t tileK, int64_t stages) {
  Value tiles =
      ceilDiv(b, loc, gemm.size(gemm.k), indexConstant(b, loc, tileK));
  return {gemm, origin, lhs, rhs, tid, threads, tileK, stages, tiles};
}

Value StagedPipeline::stageOf(OpBuilder &b, Location loc, Value tile) const {
  return arith::RemUIOp::create(b, loc, tile, indexConstant(b, loc, stages));
}

void StagedPipeline::copyTile(OpBuilder &b, Location loc, Value tile) const {
  emitIf(b, loc, indexLessThan(b, loc, tile, tiles), [&](OpBuilder &b) {
    Value k0 = mulIndexConstant(b, loc, tile, tileK);
    Value stage = stageOf(b, loc, tile);
    for (auto [staged, outerBase] :
         {std::pair(&lhs, origin.m), std::pair(&rhs, origin.n)}) {
      bool rowsAlongK = staged->rowDim == gemm.k;
      emitStagedTileCopy(b, loc, gemm, origin, *staged,
                         rowsAlongK ? k0 : outerBase,
                         rowsAlongK ? outerBase : k0, stage, tid, threads);
    }
  });
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
}

void StagedPipeline::copyFirstTiles(OpBuilder &b, Location loc) const {
  for (int64_t s = 0; s + 1 < stages; ++s)
    copyTile(b, loc, indexConstant(b, loc, s));
}

SmallVector<Value> gpu_kernels::loadFragments(OpBuilder &b, Location loc,
                                              const StagedTile &tile,
                                              Value stage, Value outer0,
                                              Value k0, Value laneId,
                                              bool outerFirst) {
  // Lane l gives the address of row l % 8 of matrix l / 8.
  Value matrix = divConstant(b, loc, laneId, 8);
  Value rowInMatrix = remPowerOfTwo(b, loc, laneId, 8);
  Value low = mulIndexConstant(b, loc, remPowerOfTwo(b, loc, matrix, 2), 8);
  Value high = mulIndexConstant(b, loc, divConstant(b, loc, matrix, 2), 8);
  Value outer = addIndex(b, loc, outer0, outerFirst ? low : high);
  Value k = addIndex(b, loc, k0, outerFirst ? high : low);
  // A matrix row is 16 bytes along the tile's contiguous dimension.
  Value offset =
      tile.alongK ? stagedTileOffset(b, loc, tile, stage,
                                     addIndex(b, loc, outer, rowInMatrix), k)
                  : stagedTileOffset(b, loc, tile, stage,
                                     addIndex(b, loc, k, rowInMatrix), outer);
  Type element = cast<MemRefType>(tile.buffer.getType()).getElementType();
  Value loaded = nvgpu::LdMatrixOp::create(
      b, loc, VectorType::get({4, 2}, element), tile.buffer, ValueRange{offset},
      /*transpose=*/!tile.alongK, /*numTiles=*/4);
  SmallVector<Value> registers;
  for (int64_t q = 0; q < 4; ++q)
    registers.push_back(fragmentRegister(
        b, loc,
        vector::ExtractOp::create(b, loc, loaded, ArrayRef<int64_t>{q})));
  return registers;
}
