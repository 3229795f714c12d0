//===- SimtGemm.cpp - GEMM tiles on the ordinary cores --------------------===//
//
// The GEMM of every contraction that tensor cores cannot run (f32 operands,
// an older chip, tensor cores turned off): 256 threads compute a 64x64 tile
// of the output, 4x4 outputs each, from 16-deep k-tiles of both operands in
// shared memory. Each multiply-add is the op's own body, so any
// contraction body (and any element types) works.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {
namespace simt {
constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 16;
/// 16x16 threads, each computing the 4x4 outputs (ty + 16i, tx + 16j), so
/// that a warp's shared-memory reads are conflict-free.
constexpr int64_t kThreadsX = 16, kThreadsY = 16;
constexpr int64_t kThreads = kThreadsX * kThreadsY;
constexpr int64_t kPerThreadM = kTileM / kThreadsY;
constexpr int64_t kPerThreadN = kTileN / kThreadsX;
} // namespace simt
} // namespace

void gpu_kernels::buildSimtGemm(KernelBuilder &kernels, OpBuilder &b,
                                Gemm &gemm) {
  using namespace simt;
  Location loc = gemm.op.getLoc();
  MLIRContext *ctx = b.getContext();
  auto lhsTileType =
      MemRefType::get({kTileK, kTileM}, gemm.elementType(gemm.lhs),
                      MemRefLayoutAttrInterface(), workgroupMemory(ctx));
  auto rhsTileType =
      MemRefType::get({kTileK, kTileN}, gemm.elementType(gemm.rhs),
                      MemRefLayoutAttrInterface(), workgroupMemory(ctx));
  gpu::LaunchOp launch =
      launchTiles(kernels, b, loc, gemm, "gemm", kTileM, kTileN, kThreads,
                  {lhsTileType, rhsTileType});
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];
  TileOrigin origin = tileOrigin(b, loc, gemm, launch, kTileM, kTileN);
  Value tid = launch.getThreadIds().x;
  Value tx =
      arith::RemUIOp::create(b, loc, tid, indexConstant(b, loc, kThreadsX));
  Value ty =
      arith::DivUIOp::create(b, loc, tid, indexConstant(b, loc, kThreadsX));
  Value sizeM = gemm.size(gemm.m), sizeN = gemm.size(gemm.n);

  // Output (i, j) of this thread, its position and whether it exists.
  auto outputAt = [&](int64_t i, int64_t j) {
    Value row =
        addIndex(b, loc, origin.m, addIndexConstant(b, loc, ty, kThreadsY * i));
    Value col =
        addIndex(b, loc, origin.n, addIndexConstant(b, loc, tx, kThreadsX * j));
    Value inBounds =
        arith::AndIOp::create(b, loc, indexLessThan(b, loc, row, sizeM),
                              indexLessThan(b, loc, col, sizeN));
    return std::make_tuple(row, col, inBounds);
  };

  SmallVector<Value> accumulators;
  for (int64_t i = 0; i < kPerThreadM; ++i)
    for (int64_t j = 0; j < kPerThreadN; ++j) {
      auto [row, col, inBounds] = outputAt(i, j);
      SmallVector<Value> ivs =
          gemmIndices(b, loc, gemm, origin, row, col, Value());
      accumulators.push_back(initialValue(b, loc, gemm, ivs, inBounds));
    }

  BlockArgument lhsArg = gemm.op.getMatchingBlockArgument(gemm.lhs);
  BlockArgument rhsArg = gemm.op.getMatchingBlockArgument(gemm.rhs);
  Value yielded = gemm.op.getBlock()->getTerminator()->getOperand(0);
  auto kLoop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), gemm.size(gemm.k),
      indexConstant(b, loc, kTileK), accumulators,
      [&](OpBuilder &b, Location loc, Value k0, ValueRange accs) {
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.lhs, gemm.k, gemm.m, k0, origin.m, kTileK, kTileM, lhsTile},
            tid, kThreads);
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.rhs, gemm.k, gemm.n, k0, origin.n, kTileK, kTileN, rhsTile},
            tid, kThreads);
        gpu::BarrierOp::create(b, loc);
        auto inner = scf::ForOp::create(
            b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, kTileK),
            indexConstant(b, loc, 1), accs,
            [&](OpBuilder &b, Location loc, Value kk, ValueRange accs) {
              SmallVector<Value> lhs, rhs;
              for (int64_t i = 0; i < kPerThreadM; ++i)
                lhs.push_back(memref::LoadOp::create(
                    b, loc, lhsTile,
                    ValueRange{kk,
                               addIndexConstant(b, loc, ty, kThreadsY * i)}));
              for (int64_t j = 0; j < kPerThreadN; ++j)
                rhs.push_back(memref::LoadOp::create(
                    b, loc, rhsTile,
                    ValueRange{kk,
                               addIndexConstant(b, loc, tx, kThreadsX * j)}));
              SmallVector<Value> next;
              for (int64_t i = 0; i < kPerThreadM; ++i)
                for (int64_t j = 0; j < kPerThreadN; ++j) {
                  IRMapping mapping;
                  mapping.map(lhsArg, lhs[i]);
                  mapping.map(rhsArg, rhs[j]);
                  SmallVector<Value> ivs =
                      gemmIndices(b, loc, gemm, origin, Value(), Value(),
                                  addIndex(b, loc, k0, kk));
                  cloneBody(b, loc, gemm.op, ivs, accs[i * kPerThreadN + j],
                            mapping);
                  next.push_back(mapping.lookupOrDefault(yielded));
                }
              scf::YieldOp::create(b, loc, next);
            });
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, inner.getResults());
      });

  for (int64_t i = 0; i < kPerThreadM; ++i)
    for (int64_t j = 0; j < kPerThreadN; ++j) {
      Value row, col, inBounds;
      std::tie(row, col, inBounds) = outputAt(i, j);
      emitIf(b, loc, inBounds, [&](OpBuilder &b) {
        SmallVector<Value> ivs =
            gemmIndices(b, loc, gemm, origin, row, col, Value());
        storeResult(b, loc, gemm, ivs, kLoop.getResult(i * kPerThreadN + j));
      });
    }
}
