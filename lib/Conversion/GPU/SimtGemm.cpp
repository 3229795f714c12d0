//===- SimtGemm.cpp - GEMM tiles on the ordinary cores --------------------===//
//
// The GEMM of every contraction that tensor cores cannot run (f32 operands,
// an older chip, tensor cores turned off): 256 threads compute a 64x64 tile
// of the output, 4x4 outputs each, from 16-deep k-tiles of both operands in
// shared memory. Each multiply-add is the op's own body, so any
// contraction body (and any element types) works; a floating-point body
// `acc + a * b` becomes one fused multiply-add (`math.fma`, FFMA), rounded
// once instead of twice.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

#include "mlir/Dialect/Math/IR/Math.h"

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

/// Rewrites `sum`, what a copy of a contraction body yields, from `acc +
/// a * b` (arith.addf of an arith.mulf used only there, either operand
/// order) into `math.fma(a, b, acc)`, and returns it; returns `sum` itself
/// when it has another form. The fused form rounds the product and the sum
/// once, as the CPU's FMA kernels do, and takes one instruction instead of
/// two.
Value fuseMultiplyAdd(OpBuilder &b, Value sum) {
  auto add = sum.getDefiningOp<arith::AddFOp>();
  if (!add)
    return sum;
  for (unsigned i = 0; i < 2; ++i) {
    auto mul = add->getOperand(i).getDefiningOp<arith::MulFOp>();
    if (!mul || !mul->hasOneUse())
      continue;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(add);
    Value fused = math::FmaOp::create(b, add.getLoc(), mul.getLhs(),
                                      mul.getRhs(), add->getOperand(1 - i));
    add.erase();
    mul.erase();
    return fused;
  }
  return sum;
}

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
  GemmLaunch kernel = launchTiles(kernels, b, loc, gemm, "gemm", kTileM, kTileN,
                                  kThreads, {lhsTileType, rhsTileType});
  Value lhsTile = kernel.launch.getWorkgroupAttributions()[0];
  Value rhsTile = kernel.launch.getWorkgroupAttributions()[1];
  const TileOrigin &origin = kernel.origin;
  Value tid = kernel.tid;
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
                  next.push_back(
                      fuseMultiplyAdd(b, mapping.lookupOrDefault(yielded)));
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
