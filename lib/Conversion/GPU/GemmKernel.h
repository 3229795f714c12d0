//===- GemmKernel.h - The parts of a tiled GEMM kernel ----------*- C++ -*-===//
//
// A contraction becomes one tiled GEMM kernel (GemmKernels.cpp), built from
// the elementwise neighbours it absorbs (GemmFusion.cpp), its launch and the
// cooperative copies of operand tiles into shared memory (GemmTiles.cpp,
// through registers; StagedTiles.cpp, the tensor-core pipeline's cp.async
// copies and ldmatrix loads), and the arithmetic of a tile, on the ordinary
// cores (SimtGemm.cpp) or on tensor cores (MmaSyncGemm.cpp; WgmmaGemm.cpp,
// warpgroup MMA on sm_90a).
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

/// `op` as a GEMM: a contraction on buffers with one m, n and k loop.
FailureOr<Gemm> matchGemm(RewriterBase &rewriter, linalg::LinalgOp op);

/// Where a block's tile sits in the iteration space.
struct TileOrigin {
  SmallVector<Value> batchIvs;
  Value m, n;
};

/// A GEMM kernel being built: its launch, the origin of the tile the block
/// computes, and the thread's index in the block.
struct GemmLaunch {
  gpu::LaunchOp launch;
  TileOrigin origin;
  Value tid;
};

/// The loop indices of `gemm` at (m, n, k) within the batch of `origin`; a
/// null index (one the caller's use does not depend on) is 0.
SmallVector<Value> gemmIndices(OpBuilder &b, Location loc, Gemm &gemm,
                               const TileOrigin &origin, Value m, Value n,
                               Value k);

/// Loads `operand` at loop point `ivs` when `inBounds`, zero otherwise.
Value loadOrZero(OpBuilder &b, Location loc, Gemm &gemm, OpOperand *operand,
                 ValueRange ivs, Value inBounds);

/// Whether the innermost (contiguous) dimension of `operand` is loop `dim`.
bool isContiguousAlong(Gemm &gemm, OpOperand *operand, unsigned dim);

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

/// Stores the final outputs `values` of the output elements (m = `row`, n =
/// `col` + i) of the tile at `origin`, skipping those outside the output.
/// `col` is a multiple of `values.size()`. The buffers the epilogue reads and
/// writes along n are read and written in vectors when each of them holds
/// whole vectors along n (see isVectorAccess), element by element otherwise.
void storeResults(OpBuilder &b, Location loc, Gemm &gemm,
                  const TileOrigin &origin, Value row, Value col,
                  ArrayRef<Value> values);

//===----------------------------------------------------------------------===//
// Launches and operand tiles staged through registers (GemmTiles.cpp)
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
/// output (and per batch), with the static shared-memory buffers
/// `sharedTiles` and `dynamicSharedBytes` of dynamic shared memory. Grid x
/// walks N, y walks M and z the batches; a grid dimension the hardware
/// cannot make as large as needed (y and z stop at 65535) is walked by a
/// loop over the block's tiles instead. `b` is left where the block computes
/// the tile at the returned origin.
GemmLaunch launchTiles(KernelBuilder &kernels, OpBuilder &b, Location loc,
                       Gemm &gemm, StringRef kind, int64_t tileM, int64_t tileN,
                       int64_t threads, TypeRange sharedTiles,
                       int64_t dynamicSharedBytes = 0);

/// The threads of the block copy `copy` cooperatively, consecutive threads
/// taking consecutive elements (or 16-byte vectors of them) along the
/// operand's contiguous dimension; elements outside the operand are zero.
void emitTileCopy(OpBuilder &b, Location loc, Gemm &gemm,
                  const TileOrigin &origin, const TileCopy &copy, Value tid,
                  int64_t threads);

//===----------------------------------------------------------------------===//
// Operand tiles in a multi-stage pipeline (StagedTiles.cpp)
//===----------------------------------------------------------------------===//

/// How a staged tile's elements are arranged in shared memory.
enum class TileLayout {
  /// Rows of the tile one after the other, the 16-byte chunks of each row
  /// permuted so that neither the copies nor `ldmatrix` conflict on banks.
  PermutedRows,
  /// The no-swizzle canonical layout of `wgmma` operands: core matrices of 8
  /// lines of 16 bytes, each line along the tile's contiguous dimension,
  /// consecutive along m or n (`strideBytes` apart), then along k
  /// (`leadingBytes` apart); see coreMatrixStrides.
  CoreMatrices,
};

/// One operand's k-tiles in shared memory, `stages` of them, each stored in
/// the operand's own layout: `rows` along the loop dim `rowDim`, strided in
/// the operand, and `cols` along `colDim`, contiguous in the operand
/// (or k, when the operand is contiguous along neither of the tile's dims).
/// `layout` says where each element goes (see stagedTileOffset).
struct StagedTile {
  OpOperand *operand;
  unsigned rowDim, colDim;
  int64_t rows, cols;
  /// Whether colDim is k: the tile is stored as `mma.sync` reads it.
  bool alongK;
  /// The elements 16 bytes hold.
  int64_t chunk;
  /// Elements a thread copies at once: a 16-byte vector with `cp.async`
  /// when the operand holds whole vectors along colDim, else 1, through
  /// registers.
  int64_t copyWidth;
  TileLayout layout = TileLayout::PermutedRows;
  /// memref<stages * rows * cols x element, workgroup>.
  Value buffer;

  int64_t stageElements() const { return rows * cols; }
};

/// The tile of `operand` spanning `extent` along loop `outerDim` (m or n)
/// and `kExtent` along k, in `buffer` (set by the caller).
StagedTile makeStagedTile(Gemm &gemm, OpOperand *operand, unsigned outerDim,
                          int64_t extent, int64_t kExtent,
                          TileLayout layout = TileLayout::PermutedRows);

/// The element of `tile`'s `stage` at (row, col). With PermutedRows, after
/// the permutation of 16-byte chunks: chunk c of row r is stored in place of
/// chunk c ^ s(r), where s(r) takes 8 different values on any 8 consecutive
/// rows that start at a multiple of 8, modulo the 128 bytes that span all 32
/// banks. With CoreMatrices, in its core matrix (see TileLayout).
Value stagedTileOffset(OpBuilder &b, Location loc, const StagedTile &tile,
                       Value stage, Value row, Value col);

/// The byte distances between the core matrices of a CoreMatrices tile: a
/// matrix descriptor's leading (along k) and stride (along m or n) byte
/// offsets.
struct CoreMatrixStrides {
  int64_t leadingBytes, strideBytes;
};
CoreMatrixStrides coreMatrixStrides(const StagedTile &tile);

/// Starts the copy of the operand's elements (rowDim = rowBase + r, colDim =
/// colBase + c) into `stage` of `tile`, shared by the block's `threads`
/// threads: `cp.async` 16-byte copies (zero-filled outside the operand)
/// that complete at a later `cp.async.wait_group`, or, when the operand
/// cannot be copied in vectors, loads and stores through registers.
void emitStagedTileCopy(OpBuilder &b, Location loc, Gemm &gemm,
                        const TileOrigin &origin, const StagedTile &tile,
                        Value rowBase, Value colBase, Value stage, Value tid,
                        int64_t threads);

/// The multi-stage copies of a tensor-core GEMM's k-tiles: k-tile t of both
/// operands goes to stage t % stages of their tiles, and the copies of each
/// k-tile are committed as one `cp.async` group, empty past the last
/// k-tile, so that group g always holds k-tile g.
struct StagedPipeline {
  Gemm &gemm;
  const TileOrigin &origin;
  const StagedTile &lhs, &rhs;
  Value tid;
  int64_t threads, tileK, stages;
  /// The number of k-tiles of the GEMM.
  Value tiles;

  /// The stage that holds k-tile `tile`.
  Value stageOf(OpBuilder &b, Location loc, Value tile) const;
  /// Starts the copies of k-tile `tile`, if the GEMM has it, and commits
  /// them as one group.
  void copyTile(OpBuilder &b, Location loc, Value tile) const;
  /// Starts the copies of the first stages - 1 k-tiles.
  void copyFirstTiles(OpBuilder &b, Location loc) const;
};

/// The pipeline of `lhs` and `rhs`, copied by the block's `threads` threads
/// in k-tiles of `tileK`, `stages` at once.
StagedPipeline makeStagedPipeline(OpBuilder &b, Location loc, Gemm &gemm,
                                  const TileOrigin &origin,
                                  const StagedTile &lhs, const StagedTile &rhs,
                                  Value tid, int64_t threads, int64_t tileK,
                                  int64_t stages);

/// The four 32-bit fragment registers a warp's `ldmatrix.x4` reads from
/// `stage` of `tile`: 8x8 matrix q spans (outer0 + outerOffset(q), k0 +
/// kOffset(q)) in the tile's (outer, k) coordinates, where with
/// `outerFirst` outerOffset(q) = 8 (q % 2) and kOffset(q) = 8 (q / 2), and
/// the other way round without. A tile stored along k is read as it is, one
/// stored along outer with `ldmatrix.trans`: either way lane 4g + t receives
/// the elements (outer g, k 2t and 2t + 1) of each matrix, the layout of
/// `mma.sync` fragments.
SmallVector<Value> loadFragments(OpBuilder &b, Location loc,
                                 const StagedTile &tile, Value stage,
                                 Value outer0, Value k0, Value laneId,
                                 bool outerFirst);

//===----------------------------------------------------------------------===//
// The arithmetic of a tile
//===----------------------------------------------------------------------===//

/// 64x64 tiles on the ordinary cores, each multiply-add evaluated with the
/// op's own body (SimtGemm.cpp).
void buildSimtGemm(KernelBuilder &kernels, OpBuilder &b, Gemm &gemm);

/// 128x128 tiles on tensor cores with `mma.sync.m16n8k16`, accumulating in
/// f32 (MmaSyncGemm.cpp).
void buildMmaSyncGemm(KernelBuilder &kernels, OpBuilder &b, Gemm &gemm);

/// 128x128 tiles on sm_90a's tensor cores with `wgmma.mma_async.m64n128k16`
/// from shared memory, accumulating in f32 (WgmmaGemm.cpp).
void buildWgmmaGemm(KernelBuilder &kernels, OpBuilder &b, Gemm &gemm);

/// A view of `bytes` bytes of the kernel's dynamic shared memory, from byte
/// `offset`, as a 1-D buffer of `element`.
Value sharedView(OpBuilder &b, Location loc, Value dynamicShared,
                 int64_t offset, int64_t bytes, Type element);

/// A warp's results leave through its slice of shared memory, 16 rows by 32
/// columns of f32 at a time, rows padded to kWarpResultPitch so that the
/// 8-byte writes of each half-warp cover all 32 banks once.
constexpr int64_t kWarpResultRows = 16, kWarpResultCols = 32;
constexpr int64_t kWarpResultPitch = kWarpResultCols + 8;
constexpr int64_t kWarpResultSliceElements = kWarpResultRows * kWarpResultPitch;

/// Stores the 16x32 results a warp holds in `fragments`, four vector<4xf32>
/// in the layout of `mma.sync.m16n8` accumulators (lane 4g + t holds rows g
/// and g + 8, columns 2t and 2t + 1 of each 16x8 fragment; fragment j spans
/// columns 8j..8j + 7), at rows `row0`.. and columns `col0`.. of the tile at
/// `origin`. They pass through `slice` (an element offset into `results`, the
/// f32 view of shared memory) so that each lane then stores 4 consecutive
/// columns at once (storeResults).
void storeWarpResults(OpBuilder &b, Location loc, Gemm &gemm,
                      const TileOrigin &origin, Value results, Value slice,
                      Value laneId, ArrayRef<Value> fragments, Value row0,
                      Value col0);

//===----------------------------------------------------------------------===//
// Library GEMMs (LibraryGemm.cpp)
//===----------------------------------------------------------------------===//

/// Replaces `op`, when cuBLASLt can compute it, by a call to the runtime's
/// `mptCublasLtMatmul` or `mptCublasLtMatmulEpilogue` (stream-ordered
/// calls, see GPUStreamOrderedCalls), with its zero fill or broadcast bias
/// and the neighbour cuBLASLt's epilogue computes (LibraryEpilogues.cpp);
/// returns the ops the call absorbed (`op` excluded), in an order they can
/// be erased in. Fails, without changing anything, for any other op.
FailureOr<SmallVector<Operation *>> buildLibraryGemm(RewriterBase &rewriter,
                                                     linalg::LinalgOp op);

/// What cuBLASLt's epilogue computes for a library GEMM besides the
/// product (and bias), and the ops of the step it replaces.
struct LibraryEpilogue {
  /// An MptMatmulEpilogue code (mpt/Runtime/CUDA.h).
  int32_t code;
  /// The buffer the product's result goes to, after the activation: the
  /// output of the elementwise op it replaces; null for the GEMM's output.
  Value result;
  /// The buffer of the epilogue's second result: the GELU's input (the
  /// GEMM's output) or the bias gradient; null when none.
  Value second;
  /// The ops the epilogue replaces, in an order they can be erased in.
  SmallVector<Operation *> absorbed;
};

/// The bias gradient beside a library GEMM with transpositions
/// (`transposeLhs`, `transposeRhs`): the sum over k of an operand computed
/// by the next op that is not an allocation or the zero fill of its result,
/// which cuBLASLt's BGRADA (rhs, not transposed) or BGRADB (lhs,
/// transposed) compute. Moves the allocation of that sum before the GEMM.
std::optional<LibraryEpilogue>
findLibraryBiasGradient(Gemm &gemm, bool transposeLhs, bool transposeRhs);

/// The activation of a library GEMM's result that cuBLASLt's epilogue can
/// compute when the product does not accumulate into its output: the next
/// op that is not an allocation, elementwise over the output, computing
/// ReLU (NaN to 0) or the tanh GELU, possibly rounded to the operands'
/// type (or only rounding). Moves the allocation of its output before the
/// GEMM. `n` is the GEMM's n and `biasType` the type cuBLASLt reads its
/// bias in (which is the result's), or null without a bias.
std::optional<LibraryEpilogue> findLibraryActivation(Gemm &gemm, int64_t n,
                                                     Type biasType);

/// When one op after a library GEMM with an f32 output reads that output
/// (or a reshape of it), only to round it to `rounded`, the operands' type,
/// and nothing else reads it: makes cuBLASLt write the rounded result
/// (MptMatmulEpilogueNone) into a new buffer of that type, which the op
/// reads instead, without its roundings. The f32 output goes away.
std::optional<LibraryEpilogue> roundInLibrary(RewriterBase &rewriter,
                                              Gemm &gemm, Type rounded);

/// With a bias-gradient `epilogue` of a GEMM with an f32 output: when both
/// the product and the bias gradient are read only rounded to `rounded`,
/// the operands' type (as a mixed-precision step reads a weight gradient
/// and its bias gradient), each as roundInLibrary says, makes cuBLASLt
/// write both rounded (its bias gradient has the output's type) into new
/// buffers of that type. Returns whether it did.
bool roundBiasGradientInLibrary(RewriterBase &rewriter, Gemm &gemm,
                                LibraryEpilogue &epilogue, Type rounded);

/// The buffer whose address `value` is (through
/// `memref.extract_aligned_pointer_as_index` and integer casts), or null.
Value addressedBuffer(Value value);

} // namespace gpu_kernels
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_GPU_GEMMKERNEL_H
