//===- MmaSyncGemm.cpp - GEMM tiles on tensor cores -----------------------===//
//
// f16/bf16 contractions on sm_80 and newer: 8 warps compute a 128x128 tile
// of the output with `mma.sync.aligned.m16n8k16`, f32 accumulators in
// registers, from 32-deep k-tiles of both operands in shared memory.
//
// The k-tiles flow through a pipeline of kStages buffers per operand
// (StagedTiles.cpp): `cp.async` copies run kStages - 1 tiles ahead of the
// tile the warps multiply, which they read with `ldmatrix`. One barrier per
// k-tile orders both: at iteration kt every thread has waited for its own
// copies of tile kt (`cp.async.wait_group kStages - 2`: of the kStages - 1 +
// kt groups it committed, all but the last kStages - 2 are complete, and
// group kt holds tile kt), so after the barrier tile kt is complete and
// visible; and every thread has finished multiplying tile kt - 1, whose
// buffer the copies of tile kt + kStages - 1 issued next reuse.
//
// The results leave through shared memory too: each warp writes its f32
// accumulators there, one 16-row slice at a time, and reads them back four
// consecutive columns per lane, so that the epilogue reads and writes rows
// of 16-byte (f32) or 8-byte (f16/bf16) vectors, whole 32-byte sectors,
// instead of 4- or 2-byte elements.
//
// The kernel is written here rather than through upstream's path to tensor
// cores (`convert-vector-to-gpu` to `nvgpu.mma.sync`, then
// `convert-nvgpu-to-nvvm`) because that path cannot do the job in MLIR 22:
// `nvgpu.mma.sync` has no bf16 operands, and it starts from vector
// contractions on whole tiles, which leave no place for the fused
// prologue and epilogue (GemmFusion.cpp) or the zero-filled edge tiles.
// `nvvm.mma.sync` takes the fragments as the PTX ISA lays them out, so the
// lane arithmetic below follows the ISA's fragment tables.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

namespace mma {
constexpr int64_t kTileM = 128, kTileN = 128, kTileK = 32;
/// k-tiles of each operand in shared memory at once.
constexpr int64_t kStages = 4;
/// The shape of one `mma.sync`.
constexpr int64_t kInstrM = 16, kInstrN = 8, kInstrK = 16;
/// 2x4 warps, each computing a 64x32 piece of the tile.
constexpr int64_t kWarpsM = 2, kWarpsN = 4, kThreadsPerWarp = 32;
constexpr int64_t kWarps = kWarpsM * kWarpsN;
constexpr int64_t kThreads = kWarps * kThreadsPerWarp;
constexpr int64_t kWarpTileM = kTileM / kWarpsM, kWarpTileN = kTileN / kWarpsN;
constexpr int64_t kFragmentsM = kWarpTileM / kInstrM;
constexpr int64_t kFragmentsN = kWarpTileN / kInstrN;
static_assert(kWarpTileN == kWarpResultCols && kInstrM == kWarpResultRows,
              "a warp's results leave one 16-row slice at a time");
} // namespace mma

/// The results a lane stores at once: 16 bytes of f32.
constexpr int64_t kStoreWidth = 4;

/// The position of a lane within an `mma.sync` fragment: lane = 4 * group +
/// thread, per the PTX ISA's fragment layouts for m16n8k16.
struct LanePosition {
  Value group, thread;
};

/// The kernel's dynamic shared memory: kStages k-tiles of each operand,
/// reused by the results once the last k-tile is done.
int64_t sharedMemoryBytes(const StagedTile &lhs, const StagedTile &rhs,
                          int64_t elementBytes) {
  using namespace mma;
  int64_t tiles =
      kStages * (lhs.stageElements() + rhs.stageElements()) * elementBytes;
  int64_t results = kWarps * kWarpResultSliceElements * 4;
  return std::max(tiles, results);
}

} // namespace

Value gpu_kernels::sharedView(OpBuilder &b, Location loc, Value dynamicShared,
                              int64_t offset, int64_t bytes, Type element) {
  int64_t count = bytes * 8 / element.getIntOrFloatBitWidth();
  auto type = MemRefType::get({count}, element, MemRefLayoutAttrInterface(),
                              workgroupMemory(b.getContext()));
  return memref::ViewOp::create(b, loc, type, dynamicShared,
                                indexConstant(b, loc, offset), ValueRange{});
}

void gpu_kernels::storeWarpResults(OpBuilder &b, Location loc, Gemm &gemm,
                                   const TileOrigin &origin, Value results,
                                   Value slice, Value laneId,
                                   ArrayRef<Value> fragments, Value row0,
                                   Value col0) {
  constexpr int64_t kThreadsPerWarp = 32, kFragmentCols = 8;
  Type outType = gemm.elementType(gemm.out);
  Value group =
      arith::DivUIOp::create(b, loc, laneId, indexConstant(b, loc, 4));
  Value thread =
      arith::RemUIOp::create(b, loc, laneId, indexConstant(b, loc, 4));
  Value allLanes = arith::ConstantIntOp::create(b, loc, b.getI32Type(), -1);
  Type f32 = b.getF32Type();
  auto pairType = VectorType::get({2}, f32);
  auto rowType = VectorType::get({kStoreWidth}, f32);
  // Lane (g, t) holds rows g and g + 8, columns 2t and 2t + 1 of each
  // fragment.
  for (auto [j, fragment] : llvm::enumerate(fragments))
    for (int64_t half = 0; half < 2; ++half) {
      Value pair = vector::FromElementsOp::create(
          b, loc, pairType,
          ValueRange{vector::ExtractOp::create(b, loc, fragment,
                                               ArrayRef<int64_t>{2 * half}),
                     vector::ExtractOp::create(
                         b, loc, fragment, ArrayRef<int64_t>{2 * half + 1})});
      Value row = addIndexConstant(b, loc, group, 8 * half);
      Value col = addIndexConstant(b, loc, mulIndexConstant(b, loc, thread, 2),
                                   kFragmentCols * j);
      Value offset = addIndex(
          b, loc, slice,
          addIndex(b, loc, mulIndexConstant(b, loc, row, kWarpResultPitch),
                   col));
      vector::StoreOp::create(b, loc, pair, results, ValueRange{offset},
                              /*nontemporal=*/false, vectorAlignment(pairType));
    }
  NVVM::SyncWarpOp::create(b, loc, allLanes);
  // Lane l reads columns 4 (l % 8) .. + 3 of rows l / 8 + 4q: a row of
  // 32 f32 per 8 lanes.
  constexpr int64_t kLanesPerRow = kWarpResultCols / kStoreWidth;
  for (int64_t q = 0; q < kWarpResultRows * kLanesPerRow / kThreadsPerWarp;
       ++q) {
    Value row = addIndexConstant(
        b, loc,
        arith::DivUIOp::create(b, loc, laneId,
                               indexConstant(b, loc, kLanesPerRow)),
        q * kThreadsPerWarp / kLanesPerRow);
    Value col = mulIndexConstant(
        b, loc,
        arith::RemUIOp::create(b, loc, laneId,
                               indexConstant(b, loc, kLanesPerRow)),
        kStoreWidth);
    Value offset = addIndex(
        b, loc, slice,
        addIndex(b, loc, mulIndexConstant(b, loc, row, kWarpResultPitch), col));
    Value loaded =
        vector::LoadOp::create(b, loc, rowType, results, ValueRange{offset},
                               /*nontemporal=*/false, vectorAlignment(rowType));
    SmallVector<Value> values;
    for (int64_t e = 0; e < kStoreWidth; ++e) {
      Value value =
          vector::ExtractOp::create(b, loc, loaded, ArrayRef<int64_t>{e});
      if (outType != f32)
        value = arith::TruncFOp::create(b, loc, outType, value);
      values.push_back(value);
    }
    Value outRow = addIndex(b, loc, origin.m, addIndex(b, loc, row0, row));
    Value outCol = addIndex(b, loc, origin.n, addIndex(b, loc, col0, col));
    storeResults(b, loc, gemm, origin, outRow, outCol, values);
  }
  // The next slice overwrites this one.
  NVVM::SyncWarpOp::create(b, loc, allLanes);
}

void gpu_kernels::buildMmaSyncGemm(KernelBuilder &kernels, OpBuilder &b,
                                   Gemm &gemm) {
  using namespace mma;
  Location loc = gemm.op.getLoc();
  Type operandType = gemm.elementType(gemm.lhs);
  Type outType = gemm.elementType(gemm.out);
  Type f32 = b.getF32Type();
  int64_t elementBytes = operandType.getIntOrFloatBitWidth() / 8;
  StagedTile lhs = makeStagedTile(gemm, gemm.lhs, gemm.m, kTileM, kTileK);
  StagedTile rhs = makeStagedTile(gemm, gemm.rhs, gemm.n, kTileN, kTileK);
  int64_t lhsBytes = kStages * lhs.stageElements() * elementBytes;
  int64_t rhsBytes = kStages * rhs.stageElements() * elementBytes;
  GemmLaunch kernel =
      launchTiles(kernels, b, loc, gemm, "gemm_mma", kTileM, kTileN, kThreads,
                  {}, sharedMemoryBytes(lhs, rhs, elementBytes));
  const TileOrigin &origin = kernel.origin;
  Value dynamicShared = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(),
                      workgroupMemory(b.getContext())));
  lhs.buffer = sharedView(b, loc, dynamicShared, 0, lhsBytes, operandType);
  rhs.buffer =
      sharedView(b, loc, dynamicShared, lhsBytes, rhsBytes, operandType);

  Value tid = kernel.tid;
  Value warp = arith::DivUIOp::create(b, loc, tid,
                                      indexConstant(b, loc, kThreadsPerWarp));
  Value laneId = arith::RemUIOp::create(b, loc, tid,
                                        indexConstant(b, loc, kThreadsPerWarp));
  LanePosition lane{
      arith::DivUIOp::create(b, loc, laneId, indexConstant(b, loc, 4)),
      arith::RemUIOp::create(b, loc, laneId, indexConstant(b, loc, 4))};
  // This warp's piece of the tile, relative to the tile.
  Value warpM = mulIndexConstant(
      b, loc,
      arith::DivUIOp::create(b, loc, warp, indexConstant(b, loc, kWarpsN)),
      kWarpTileM);
  Value warpN = mulIndexConstant(
      b, loc,
      arith::RemUIOp::create(b, loc, warp, indexConstant(b, loc, kWarpsN)),
      kWarpTileN);
  Value sizeM = gemm.size(gemm.m), sizeN = gemm.size(gemm.n);

  // Accumulator element e of fragment (i, j) holds row g + 8 (e / 2),
  // column 2t + e % 2 of the fragment.
  auto accumulatorAt = [&](int64_t i, int64_t j, int64_t e) {
    Value row = addIndex(b, loc, origin.m,
                         addIndex(b, loc, warpM,
                                  addIndexConstant(b, loc, lane.group,
                                                   kInstrM * i + 8 * (e / 2))));
    Value col =
        addIndex(b, loc, origin.n,
                 addIndex(b, loc, warpN,
                          addIndexConstant(
                              b, loc, mulIndexConstant(b, loc, lane.thread, 2),
                              kInstrN * j + e % 2)));
    Value inBounds =
        arith::AndIOp::create(b, loc, indexLessThan(b, loc, row, sizeM),
                              indexLessThan(b, loc, col, sizeN));
    return std::make_tuple(row, col, inBounds);
  };

  auto accType = VectorType::get({4}, f32);
  SmallVector<Value> accumulators;
  for (int64_t i = 0; i < kFragmentsM; ++i)
    for (int64_t j = 0; j < kFragmentsN; ++j) {
      SmallVector<Value> elements;
      for (int64_t e = 0; e < 4; ++e) {
        auto [row, col, inBounds] = accumulatorAt(i, j, e);
        SmallVector<Value> ivs =
            gemmIndices(b, loc, gemm, origin, row, col, Value());
        Value init = initialValue(b, loc, gemm, ivs, inBounds);
        if (outType != f32)
          init = arith::ExtFOp::create(b, loc, f32, init);
        elements.push_back(init);
      }
      accumulators.push_back(
          vector::FromElementsOp::create(b, loc, accType, elements));
    }

  StagedPipeline pipeline = makeStagedPipeline(b, loc, gemm, origin, lhs, rhs,
                                               tid, kThreads, kTileK, kStages);
  pipeline.copyFirstTiles(b, loc);

  auto ptxType =
      operandType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  auto kLoop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), pipeline.tiles,
      indexConstant(b, loc, 1), accumulators,
      [&](OpBuilder &b, Location loc, Value kt, ValueRange accs) {
        NVVM::CpAsyncWaitGroupOp::create(b, loc, kStages - 2);
        gpu::BarrierOp::create(b, loc);
        pipeline.copyTile(b, loc, addIndexConstant(b, loc, kt, kStages - 1));
        Value stage = pipeline.stageOf(b, loc, kt);
        SmallVector<Value> next(accs);
        for (int64_t ks = 0; ks < kTileK; ks += kInstrK) {
          Value k0 = indexConstant(b, loc, ks);
          // A: one x4 load per 16x16 fragment, matrices (rows, k) = (0, 0),
          // (8, 0), (0, 8), (8, 8): the registers a0..a3 of mma.sync.
          SmallVector<SmallVector<Value>> lhsFragments, rhsFragments;
          for (int64_t i = 0; i < kFragmentsM; ++i)
            lhsFragments.push_back(
                loadFragments(b, loc, lhs, stage,
                              addIndexConstant(b, loc, warpM, kInstrM * i), k0,
                              laneId, /*outerFirst=*/true));
          // B: one x4 load per two 8-column fragments, matrices (columns,
          // k) = (0, 0), (0, 8), (8, 0), (8, 8): b0, b1 of each.
          for (int64_t j = 0; j < kFragmentsN; j += 2) {
            SmallVector<Value> pair =
                loadFragments(b, loc, rhs, stage,
                              addIndexConstant(b, loc, warpN, kInstrN * j), k0,
                              laneId, /*outerFirst=*/false);
            rhsFragments.push_back({pair[0], pair[1]});
            rhsFragments.push_back({pair[2], pair[3]});
          }
          for (int64_t i = 0; i < kFragmentsM; ++i)
            for (int64_t j = 0; j < kFragmentsN; ++j) {
              Value &acc = next[i * kFragmentsN + j];
              SmallVector<Value> c;
              for (int64_t e = 0; e < 4; ++e)
                c.push_back(vector::ExtractOp::create(b, loc, acc,
                                                      ArrayRef<int64_t>{e}));
              auto mmaOp = NVVM::MmaOp::create(
                  b, loc, resultType, lhsFragments[i], rhsFragments[j], c,
                  {kInstrM, kInstrN, kInstrK}, /*b1Op=*/std::nullopt,
                  /*intOverflow=*/std::nullopt,
                  std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
                  std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                                 NVVM::MMALayout::col});
              SmallVector<Value> d;
              for (int64_t e = 0; e < 4; ++e)
                d.push_back(LLVM::ExtractValueOp::create(b, loc, mmaOp, e));
              acc = vector::FromElementsOp::create(b, loc, accType, d);
            }
        }
        scf::YieldOp::create(b, loc, next);
      });
  // The results reuse the operand buffers: no copy may still be in flight,
  // and every warp must be done reading them.
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
  gpu::BarrierOp::create(b, loc);
  Value results = sharedView(b, loc, dynamicShared, 0,
                             kWarps * kWarpResultSliceElements * 4, f32);
  Value slice = mulIndexConstant(b, loc, warp, kWarpResultSliceElements);
  for (int64_t i = 0; i < kFragmentsM; ++i) {
    SmallVector<Value> fragments;
    for (int64_t j = 0; j < kFragmentsN; ++j)
      fragments.push_back(kLoop.getResult(i * kFragmentsN + j));
    storeWarpResults(b, loc, gemm, origin, results, slice, laneId, fragments,
                     addIndexConstant(b, loc, warpM, kInstrM * i), warpN);
  }
}
