//===- GemmKernel.h - The parts of a tiled GEMM kernel ----------*- C++ -*-===//
//
// A contraction becomes one tiled GEMM kernel (GemmKernels.cpp), built from
// the elementwise neighbours it absorbs (GemmFusion.cpp), the cooperative
// copies of operand tiles into shared memory (GemmTiles.cpp), and the
// arithmetic of a tile, on the ordinary cores (SimtGemm.cpp) or on tensor
// cores (MmaSyncGemm.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_CONVERSION_GPU_GEMMKERNEL_H
#define MPT_LIB_CONVERSION_GPU_GEMMKERNEL_H

#include "KernelBuilder.h"

namespace mlir {
namespace mpt {
namespace gpu_kernels {

/// A contraction with one M, one N and one K loop, and any batch loops.
struct Gemm {
  linalg::LinalgOp op;
  unsigned m, n, k;
  SmallVector<unsigned> batch;
  OpOperand *lhs, *rhs, *out;
  /// Elementwise ops fused into the kernel (null when none): the one that
  /// computes the initial output (a fill, a broadcast bias) and the one that
  /// consumes the result (a cast, an activation); see findFusableNeighbours.
  linalg::LinalgOp prologue, epilogue;
  /// Loop sizes, on the host.
  SmallVector<Value> sizes;

  Value size(unsigned dim) const { return sizes[dim]; }
  Type elementType(OpOperand *operand) const {
    return getElementTypeOrSelf(operand->get().getType());
  }
};

/// Where a block's tile sits in the iteration space.
struct TileOrigin {
  SmallVector<Value> batchIvs;
  Value m, n;
};

/// The loop indices of `gemm` at (m, n, k) within the batch of `origin`; a
/// null index (one the caller's use does not depend on) is 0.
SmallVector<Value> gemmIndices(OpBuilder &b, Location loc, Gemm &gemm,
                               const TileOrigin &origin, Value m, Value n,
                               Value k);

/// Loads `operand` at loop point `ivs` when `inBounds`, zero otherwise.
Value loadOrZero(OpBuilder &b, Location loc, Gemm &gemm, OpOperand *operand,
                 ValueRange ivs, Value inBounds);

//===----------------------------------------------------------------------===//
// Fused neighbours (GemmFusion.cpp)
//===----------------------------------------------------------------------===//

/// Finds the prologue and epilogue of `gemm` (see Gemm) that the kernel can
/// run in place of their own kernels, and records them in `gemm`.
void findFusableNeighbours(Gemm &gemm);

/// Moves the allocations of the epilogue's outputs made between the GEMM
/// and the epilogue to before the GEMM, whose kernel now writes them.
void hoistEpilogueAllocations(Gemm &gemm);

/// The initial output value at loop point `ivs` (zero outside the output):
/// the prologue's result there, or the output buffer's value.
Value initialValue(OpBuilder &b, Location loc, Gemm &gemm, ValueRange ivs,
                   Value inBounds);

/// Stores the final output `value` at loop point `ivs`: through the
/// epilogue when there is one, into the output buffer otherwise.
void storeResult(OpBuilder &b, Location loc, Gemm &gemm, ValueRange ivs,
                 Value value);

//===----------------------------------------------------------------------===//
// Operand tiles (GemmTiles.cpp)
//===----------------------------------------------------------------------===//

/// One operand tile to stage in shared memory: `tile[r][c]` receives the
/// operand at loop dims (rowDim = rowBase + r, colDim = colBase + c).
struct TileCopy {
  OpOperand *operand;
  unsigned rowDim, colDim;
  Value rowBase, colBase;
  int64_t rows, cols;
  Value tile;
};

/// The address space of shared memory.
Attribute workgroupMemory(MLIRContext *ctx);

/// Launches one block of `threads` threads per `tileM` x `tileN` tile of the
/// output (and per batch), with the shared-memory tiles `sharedTiles`.
gpu::LaunchOp launchTiles(KernelBuilder &kernels, OpBuilder &b, Location loc,
                          Gemm &gemm, StringRef kind, int64_t tileM,
                          int64_t tileN, int64_t threads,
                          TypeRange sharedTiles);

/// Sets up a block's tile origin: batch from blockIdx.z, M from blockIdx.y,
/// N from blockIdx.x.
TileOrigin tileOrigin(OpBuilder &b, Location loc, Gemm &gemm,
                      gpu::LaunchOp launch, int64_t tileM, int64_t tileN);

/// The threads of the block copy `copy` cooperatively, consecutive threads
/// taking consecutive elements (or 16-byte vectors of them) along the
/// operand's contiguous dimension; elements outside the operand are zero.
void emitTileCopy(OpBuilder &b, Location loc, Gemm &gemm,
                  const TileOrigin &origin, const TileCopy &copy, Value tid,
                  int64_t threads);

//===----------------------------------------------------------------------===//
// The arithmetic of a tile
//===----------------------------------------------------------------------===//

/// 64x64 tiles on the ordinary cores, each multiply-add evaluated with the
/// op's own body (SimtGemm.cpp).
void buildSimtGemm(KernelBuilder &kernels, OpBuilder &b, Gemm &gemm);

/// 128x128 tiles on tensor cores with `mma.sync.m16n8k16`, accumulating in
/// f32 (MmaSyncGemm.cpp).
void buildMmaSyncGemm(KernelBuilder &kernels, OpBuilder &b, Gemm &gemm);

} // namespace gpu_kernels
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_GPU_GEMMKERNEL_H
