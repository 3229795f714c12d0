//===- MmaSyncGemm.cpp - GEMM tiles on tensor cores -----------------------===//
//
// f16/bf16 contractions on sm_80 and newer: 8 warps compute a 128x128 tile
// of the output with `mma.sync.aligned.m16n8k16`, f32 accumulators in
// registers, from 32-deep k-tiles of both operands in shared memory.
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
/// Shared-memory rows are padded so that the eight rows a fragment load
/// touches fall in different banks.
constexpr int64_t kPaddedK = kTileK + 8;
/// The shape of one `mma.sync`.
constexpr int64_t kInstrM = 16, kInstrN = 8, kInstrK = 16;
/// 2x4 warps, each computing a 64x32 piece of the tile.
constexpr int64_t kWarpsM = 2, kWarpsN = 4, kWarpSize = 32;
constexpr int64_t kThreads = kWarpsM * kWarpsN * kWarpSize;
constexpr int64_t kWarpTileM = kTileM / kWarpsM, kWarpTileN = kTileN / kWarpsN;
constexpr int64_t kFragmentsM = kWarpTileM / kInstrM;
constexpr int64_t kFragmentsN = kWarpTileN / kInstrN;
} // namespace mma

/// The position of a lane within an `mma.sync` fragment: lane = 4 * group +
/// thread, per the PTX ISA's fragment layouts for m16n8k16.
struct LanePosition {
  Value group, thread;
};

/// Loads the two consecutive k-elements at tile[row][col] as one 32-bit
/// register of the fragment: a vector<2xf16>, or an i32 for bf16.
Value loadPair(OpBuilder &b, Location loc, Value tile, Value row, Value col) {
  Type element = cast<MemRefType>(tile.getType()).getElementType();
  Value pair = vector::LoadOp::create(b, loc, VectorType::get({2}, element),
                                      tile, ValueRange{row, col});
  if (element.isF16())
    return pair;
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), pair);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

/// The accumulator element `e` (0-3) of a lane holds row `group + 8 * (e /
/// 2)`, column `2 * thread + e % 2` of the 16x8 fragment.
std::pair<Value, Value> accumulatorPosition(OpBuilder &b, Location loc,
                                            const LanePosition &lane,
                                            Value rowBase, Value colBase,
                                            int64_t e) {
  Value row = addIndex(b, loc, rowBase,
                       addIndexConstant(b, loc, lane.group, 8 * (e / 2)));
  Value col =
      addIndex(b, loc, colBase,
               addIndexConstant(
                   b, loc, mulIndexConstant(b, loc, lane.thread, 2), e % 2));
  return {row, col};
}

} // namespace

void gpu_kernels::buildMmaSyncGemm(KernelBuilder &kernels, OpBuilder &b,
                                   Gemm &gemm) {
  using namespace mma;
  Location loc = gemm.op.getLoc();
  MLIRContext *ctx = b.getContext();
  Type operandType = gemm.elementType(gemm.lhs);
  Type outType = gemm.elementType(gemm.out);
  Type f32 = b.getF32Type();
  auto tileType =
      MemRefType::get({kTileM, kPaddedK}, operandType,
                      MemRefLayoutAttrInterface(), workgroupMemory(ctx));
  gpu::LaunchOp launch = launchTiles(kernels, b, loc, gemm, "gemm_mma", kTileM,
                                     kTileN, kThreads, {tileType, tileType});
  // lhsTile[m][k] and rhsTile[n][k]: both k-contiguous, as the row-major A
  // and column-major B fragments want them.
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];
  TileOrigin origin = tileOrigin(b, loc, gemm, launch, kTileM, kTileN);
  Value tid = launch.getThreadIds().x;
  Value warp =
      arith::DivUIOp::create(b, loc, tid, indexConstant(b, loc, kWarpSize));
  Value laneId =
      arith::RemUIOp::create(b, loc, tid, indexConstant(b, loc, kWarpSize));
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

  // Accumulator element (i, j, e) of this lane in the output.
  auto outputAt = [&](int64_t i, int64_t j, int64_t e) {
    Value rowBase = addIndex(b, loc, origin.m,
                             addIndexConstant(b, loc, warpM, kInstrM * i));
    Value colBase = addIndex(b, loc, origin.n,
                             addIndexConstant(b, loc, warpN, kInstrN * j));
    auto [row, col] = accumulatorPosition(b, loc, lane, rowBase, colBase, e);
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
        auto [row, col, inBounds] = outputAt(i, j, e);
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

  auto ptxType =
      operandType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
  auto resultType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  auto kLoop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), gemm.size(gemm.k),
      indexConstant(b, loc, kTileK), accumulators,
      [&](OpBuilder &b, Location loc, Value k0, ValueRange accs) {
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.lhs, gemm.m, gemm.k, origin.m, k0, kTileM, kTileK, lhsTile},
            tid, kThreads);
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.rhs, gemm.n, gemm.k, origin.n, k0, kTileN, kTileK, rhsTile},
            tid, kThreads);
        gpu::BarrierOp::create(b, loc);
        SmallVector<Value> next(accs);
        for (int64_t ks = 0; ks < kTileK; ks += kInstrK) {
          // A fragment registers: (g, 2t), (g + 8, 2t), (g, 2t + 8),
          // (g + 8, 2t + 8); B: (k = 2t, n = g), (k = 2t + 8, n = g).
          Value col = addIndexConstant(
              b, loc, mulIndexConstant(b, loc, lane.thread, 2), ks);
          Value col8 = addIndexConstant(b, loc, col, 8);
          SmallVector<SmallVector<Value>> lhsFragments, rhsFragments;
          for (int64_t i = 0; i < kFragmentsM; ++i) {
            Value row =
                addIndex(b, loc, warpM,
                         addIndexConstant(b, loc, lane.group, kInstrM * i));
            Value row8 = addIndexConstant(b, loc, row, 8);
            lhsFragments.push_back({loadPair(b, loc, lhsTile, row, col),
                                    loadPair(b, loc, lhsTile, row8, col),
                                    loadPair(b, loc, lhsTile, row, col8),
                                    loadPair(b, loc, lhsTile, row8, col8)});
          }
          for (int64_t j = 0; j < kFragmentsN; ++j) {
            Value row =
                addIndex(b, loc, warpN,
                         addIndexConstant(b, loc, lane.group, kInstrN * j));
            rhsFragments.push_back({loadPair(b, loc, rhsTile, row, col),
                                    loadPair(b, loc, rhsTile, row, col8)});
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
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, next);
      });

  for (int64_t i = 0; i < kFragmentsM; ++i)
    for (int64_t j = 0; j < kFragmentsN; ++j)
      for (int64_t e = 0; e < 4; ++e) {
        Value row, col, inBounds;
        std::tie(row, col, inBounds) = outputAt(i, j, e);
        emitIf(b, loc, inBounds, [&](OpBuilder &b) {
          Value value = vector::ExtractOp::create(
              b, loc, kLoop.getResult(i * kFragmentsN + j),
              ArrayRef<int64_t>{e});
          if (outType != f32)
            value = arith::TruncFOp::create(b, loc, outType, value);
          SmallVector<Value> ivs =
              gemmIndices(b, loc, gemm, origin, row, col, Value());
          storeResult(b, loc, gemm, ivs, value);
        });
      }
}
