//===- WgmmaGemm.cpp - GEMM tiles on sm_90a's warpgroup MMA ---------------===//
//
// f16/bf16 contractions on sm_90a: two warpgroups (4 warps each) compute a
// 128x128 tile of the output, each its 64 rows with
// `wgmma.mma_async.sync.aligned.m64n128k16`, f32 accumulators in registers
// (64 per thread), reading both operands from shared memory through matrix
// descriptors.
//
// The k-tiles flow through the same kind of pipeline as the `mma.sync`
// kernel's (MmaSyncGemm.cpp): `cp.async` copies kStages - 1 tiles ahead, one
// barrier per k-tile; but the tiles are stored in the canonical layout
// without swizzle that descriptors describe (TileLayout::CoreMatrices), and
// each k-tile takes these steps:
//
// 1. `cp.async.wait_group kStages - 2`: this thread's copies of tile kt are
//    complete;
// 2. `fence.proxy.async.shared::cta`: they were written through the generic
//    proxy, and `wgmma` reads through the async proxy;
// 3. a barrier: every thread's copies of tile kt are complete and visible,
//    and every warpgroup is done with tile kt - 1 (step 6), whose buffer the
//    copies of tile kt + kStages - 1 issued next reuse;
// 4. `wgmma.fence`: the accumulators, last written by other instructions
//    (the initial values, the previous iteration), are ordered before the
//    `wgmma` that read them;
// 5. one `wgmma.mma_async` per 16-deep slice of the tile, then
//    `wgmma.commit_group`;
// 6. `wgmma.wait_group 0`: the products are in the accumulators and the
//    tile's shared memory is no longer read.
//
// A descriptor (PTX ISA, "Matrix Descriptor Format") holds the start address
// (bits 0-13, bytes / 16 within the shared window), the leading byte offset
// (bits 16-29: between core matrices along k), the stride byte offset (bits
// 32-45: between core matrices along m or n), a base offset (bits 49-51, for
// swizzled layouts only) and the swizzle mode (bits 62-63, 0: none). An
// operand stored along k is K-major (no transposition), one stored along m
// or n is MN-major (transposed): `layoutA` row and `layoutB` col mean
// K-major.
//
// The accumulators of warp w of a warpgroup hold rows 16w..16w + 15 of the
// warpgroup's 64, and lane 4g + t holds in register i row g + 8 ((i % 4) /
// 2), column 8 (i / 4) + 2t + i % 2 (PTX ISA, "Register Fragments", wgmma
// D): each 8 columns are one `mma.sync.m16n8` accumulator fragment, so the
// results leave as the `mma.sync` kernel's do (storeWarpResults).
//
// Nothing here has run on a GPU: ptxas accepts any descriptor, so the
// layout, the offsets and the accumulator mapping are modelled on the host
// and checked against the ISA's tables
// (test/Conversion/GPU/Inputs/wgmma-layout.py), and the instructions in
// the PTX and SASS by the tests.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

namespace wg {
constexpr int64_t kTileM = 128, kTileN = 128, kTileK = 32;
/// k-tiles of each operand in shared memory at once.
constexpr int64_t kStages = 4;
/// The shape of one `wgmma.mma_async`.
constexpr int64_t kInstrM = 64, kInstrN = kTileN, kInstrK = 16;
constexpr int64_t kWarpgroups = kTileM / kInstrM;
constexpr int64_t kWarpsPerWarpgroup = 4, kThreadsPerWarp = 32;
constexpr int64_t kWarps = kWarpgroups * kWarpsPerWarpgroup;
constexpr int64_t kThreads = kWarps * kThreadsPerWarp;
/// f32 accumulators per thread: 64x128 per warpgroup of 128 threads.
constexpr int64_t kAccumulators =
    kInstrM * kInstrN / (kWarpsPerWarpgroup * kThreadsPerWarp);
/// Accumulators per 8 columns (one `mma.sync.m16n8` fragment).
constexpr int64_t kFragmentElements = 4, kFragmentCols = 8;
/// Rows of a warpgroup's accumulators each warp holds.
constexpr int64_t kRowsPerWarp = kInstrM / kWarpsPerWarpgroup;
static_assert(kRowsPerWarp == kWarpResultRows,
              "a warp's results leave one 16-row slice at a time");
} // namespace wg

/// Bits of a matrix descriptor (PTX ISA, "Matrix Descriptor Format").
constexpr int64_t kDescriptorAddressMask = 0x3FFFF;
constexpr int64_t kDescriptorUnitShift = 4;
constexpr int64_t kLeadingOffsetBit = 16, kStrideOffsetBit = 32;

/// The fields of a descriptor of `tile` other than its start address: the
/// leading and stride byte offsets, no swizzle, base offset 0.
int64_t descriptorConstantBits(const StagedTile &tile) {
  CoreMatrixStrides strides = coreMatrixStrides(tile);
  return (strides.leadingBytes >> kDescriptorUnitShift) << kLeadingOffsetBit |
         (strides.strideBytes >> kDescriptorUnitShift) << kStrideOffsetBit;
}

/// The descriptor of the matrix of `tile`'s `stage` whose first element is
/// (outer, k), a core matrix's first element, in a tile that starts at byte
/// `tileByte` of shared memory (an i64 address in the shared window).
Value descriptor(OpBuilder &b, Location loc, const StagedTile &tile,
                 Value tileByte, Value stage, Value outer, Value k) {
  Value row = tile.alongK ? outer : k;
  Value col = tile.alongK ? k : outer;
  Value element = stagedTileOffset(b, loc, tile, stage, row, col);
  int64_t elementBytes =
      cast<MemRefType>(tile.buffer.getType()).getElementTypeBitWidth() / 8;
  Type i64 = b.getI64Type();
  Value byte = arith::AddIOp::create(
      b, loc, tileByte,
      arith::IndexCastUIOp::create(
          b, loc, i64, mulIndexConstant(b, loc, element, elementBytes)));
  auto constant = [&](int64_t value) {
    return arith::ConstantIntOp::create(b, loc, i64, value);
  };
  Value address = arith::ShRUIOp::create(
      b, loc,
      arith::AndIOp::create(b, loc, byte, constant(kDescriptorAddressMask)),
      constant(kDescriptorUnitShift));
  return arith::OrIOp::create(b, loc, address,
                              constant(descriptorConstantBits(tile)));
}

} // namespace

void gpu_kernels::buildWgmmaGemm(KernelBuilder &kernels, OpBuilder &b,
                                 Gemm &gemm) {
  using namespace wg;
  Location loc = gemm.op.getLoc();
  MLIRContext *ctx = b.getContext();
  Type operandType = gemm.elementType(gemm.lhs);
  Type outType = gemm.elementType(gemm.out);
  Type f32 = b.getF32Type();
  int64_t elementBytes = operandType.getIntOrFloatBitWidth() / 8;
  StagedTile lhs = makeStagedTile(gemm, gemm.lhs, gemm.m, kTileM, kTileK,
                                  TileLayout::CoreMatrices);
  StagedTile rhs = makeStagedTile(gemm, gemm.rhs, gemm.n, kTileN, kTileK,
                                  TileLayout::CoreMatrices);
  int64_t lhsBytes = kStages * lhs.stageElements() * elementBytes;
  int64_t rhsBytes = kStages * rhs.stageElements() * elementBytes;
  int64_t resultBytes = kWarps * kWarpResultSliceElements * 4;
  GemmLaunch kernel =
      launchTiles(kernels, b, loc, gemm, "gemm_wgmma", kTileM, kTileN, kThreads,
                  {}, std::max(lhsBytes + rhsBytes, resultBytes));
  const TileOrigin &origin = kernel.origin;
  Value dynamicShared = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroupMemory(ctx)));
  lhs.buffer = sharedView(b, loc, dynamicShared, 0, lhsBytes, operandType);
  rhs.buffer =
      sharedView(b, loc, dynamicShared, lhsBytes, rhsBytes, operandType);
  Type i64 = b.getI64Type();
  Value sharedBase = arith::IndexCastUIOp::create(
      b, loc, i64,
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dynamicShared));
  Value lhsByte = sharedBase;
  Value rhsByte = arith::AddIOp::create(
      b, loc, sharedBase, arith::ConstantIntOp::create(b, loc, i64, lhsBytes));

  Value tid = kernel.tid;
  Value warp = arith::DivUIOp::create(b, loc, tid,
                                      indexConstant(b, loc, kThreadsPerWarp));
  Value laneId = arith::RemUIOp::create(b, loc, tid,
                                        indexConstant(b, loc, kThreadsPerWarp));
  Value warpgroup = arith::DivUIOp::create(
      b, loc, warp, indexConstant(b, loc, kWarpsPerWarpgroup));
  Value warpInGroup = arith::RemUIOp::create(
      b, loc, warp, indexConstant(b, loc, kWarpsPerWarpgroup));
  // The first row of this warpgroup's and of this warp's accumulators,
  // relative to the tile.
  Value warpgroupM = mulIndexConstant(b, loc, warpgroup, kInstrM);
  Value warpM = addIndex(b, loc, warpgroupM,
                         mulIndexConstant(b, loc, warpInGroup, kRowsPerWarp));
  Value group =
      arith::DivUIOp::create(b, loc, laneId, indexConstant(b, loc, 4));
  Value thread =
      arith::RemUIOp::create(b, loc, laneId, indexConstant(b, loc, 4));
  Value sizeM = gemm.size(gemm.m), sizeN = gemm.size(gemm.n);

  // The initial values, register by register, in the wgmma D layout.
  auto accType = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(kAccumulators, f32));
  Value accumulators = LLVM::UndefOp::create(b, loc, accType);
  for (int64_t i = 0; i < kAccumulators; ++i) {
    Value row =
        addIndex(b, loc, origin.m,
                 addIndex(b, loc, warpM,
                          addIndexConstant(b, loc, group, 8 * ((i % 4) / 2))));
    Value col =
        addIndex(b, loc, origin.n,
                 addIndexConstant(b, loc, mulIndexConstant(b, loc, thread, 2),
                                  kFragmentCols * (i / 4) + i % 2));
    Value inBounds =
        arith::AndIOp::create(b, loc, indexLessThan(b, loc, row, sizeM),
                              indexLessThan(b, loc, col, sizeN));
    SmallVector<Value> ivs =
        gemmIndices(b, loc, gemm, origin, row, col, Value());
    Value init = initialValue(b, loc, gemm, ivs, inBounds);
    if (outType != f32)
      init = arith::ExtFOp::create(b, loc, f32, init);
    accumulators = LLVM::InsertValueOp::create(b, loc, accumulators, init,
                                               ArrayRef<int64_t>{i});
  }

  StagedPipeline pipeline = makeStagedPipeline(b, loc, gemm, origin, lhs, rhs,
                                               tid, kThreads, kTileK, kStages);
  pipeline.copyFirstTiles(b, loc);

  auto ptxType =
      operandType.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
  auto layoutOf = [](const StagedTile &tile, NVVM::MMALayout kMajor,
                     NVVM::MMALayout mnMajor) {
    return tile.alongK ? kMajor : mnMajor;
  };
  NVVM::MMALayout lhsLayout =
      layoutOf(lhs, NVVM::MMALayout::row, NVVM::MMALayout::col);
  NVVM::MMALayout rhsLayout =
      layoutOf(rhs, NVVM::MMALayout::col, NVVM::MMALayout::row);
  auto shape = NVVM::MMAShapeAttr::get(ctx, kInstrM, kInstrN, kInstrK);
  auto kLoop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), pipeline.tiles,
      indexConstant(b, loc, 1), ValueRange{accumulators},
      [&](OpBuilder &b, Location loc, Value kt, ValueRange accs) {
        NVVM::CpAsyncWaitGroupOp::create(b, loc, kStages - 2);
        NVVM::FenceProxyOp::create(
            b, loc,
            NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
            NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
        gpu::BarrierOp::create(b, loc);
        pipeline.copyTile(b, loc, addIndexConstant(b, loc, kt, kStages - 1));
        Value stage = pipeline.stageOf(b, loc, kt);
        Value acc = accs.front();
        NVVM::WgmmaFenceAlignedOp::create(b, loc);
        for (int64_t ks = 0; ks < kTileK; ks += kInstrK) {
          Value k0 = indexConstant(b, loc, ks);
          Value lhsDescriptor =
              descriptor(b, loc, lhs, lhsByte, stage, warpgroupM, k0);
          Value rhsDescriptor = descriptor(b, loc, rhs, rhsByte, stage,
                                           indexConstant(b, loc, 0), k0);
          acc = NVVM::WgmmaMmaAsyncOp::create(
              b, loc, accType, acc, lhsDescriptor, rhsDescriptor, shape,
              ptxType, ptxType, NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
              NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, lhsLayout,
              rhsLayout,
              /*satfinite=*/nullptr);
        }
        NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
        NVVM::WgmmaWaitGroupSyncOp::create(b, loc, b.getI64IntegerAttr(0));
        scf::YieldOp::create(b, loc, acc);
      });
  // The results reuse the operand buffers: no copy may still be in flight,
  // and every warpgroup must be done reading them.
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
  gpu::BarrierOp::create(b, loc);
  Value results = sharedView(b, loc, dynamicShared, 0, resultBytes, f32);
  Value slice = mulIndexConstant(b, loc, warp, kWarpResultSliceElements);
  auto fragmentType = VectorType::get({kFragmentElements}, f32);
  Value acc = kLoop.getResult(0);
  int64_t fragmentsPerSlice = kWarpResultCols / kFragmentCols;
  for (int64_t col0 = 0; col0 < kInstrN; col0 += kWarpResultCols) {
    SmallVector<Value> fragments;
    for (int64_t j = 0; j < fragmentsPerSlice; ++j) {
      int64_t first = (col0 / kFragmentCols + j) * kFragmentElements;
      SmallVector<Value> elements;
      for (int64_t e = 0; e < kFragmentElements; ++e)
        elements.push_back(
            LLVM::ExtractValueOp::create(b, loc, acc, first + e));
      fragments.push_back(
          vector::FromElementsOp::create(b, loc, fragmentType, elements));
    }
    storeWarpResults(b, loc, gemm, origin, results, slice, laneId, fragments,
                     warpM, indexConstant(b, loc, col0));
  }
}
