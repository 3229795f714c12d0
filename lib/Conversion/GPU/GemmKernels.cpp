//===- GemmKernels.cpp - Tiled GEMMs, on tensor cores when possible -------===//
//
// Contractions (the forward matmuls and the two matmuls per layer of the
// backward pass, each with its own transposition) are the bulk of a training
// step. Each becomes one tiled GEMM kernel: a block computes a tile of the
// output, staging tiles of both operands through shared memory so that each
// element read from device memory is used by many threads.
//
// - f16/bf16 operands on sm_80+: 8 warps compute a 128x128 tile with
//   `mma.sync.m16n8k16` (f32 accumulators in registers, k-steps of 32), or
//   on sm_90a two warpgroups with `wgmma.mma_async.m64n128k16`;
// - anything else: 256 threads compute a 64x64 tile, 4x4 outputs each,
//   evaluating the op's own body for every multiply-add.
//
// This file recognises the contractions and puts the kernel together; the
// parts are declared in GemmKernel.h.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

FailureOr<Gemm> gpu_kernels::matchGemm(RewriterBase &rewriter,
                                       linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op))
    return rewriter.notifyMatchFailure(op, "not a contraction");
  if (!op.hasPureBufferSemantics())
    return rewriter.notifyMatchFailure(op, "not on buffers");
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1)
    return rewriter.notifyMatchFailure(
        op, "expected one m, one n and one k loop (and any batch loops)");
  Gemm gemm;
  gemm.op = op;
  gemm.m = dims->m.front();
  gemm.n = dims->n.front();
  gemm.k = dims->k.front();
  gemm.batch.assign(dims->batch.begin(), dims->batch.end());
  gemm.lhs = op.getDpsInputOperand(0);
  gemm.rhs = op.getDpsInputOperand(1);
  gemm.out = op.getDpsInitOperand(0);
  return gemm;
}

namespace {

/// Whether the f16/bf16 operands of `gemm` fit `mma.sync.m16n8k16`: both
/// operands of the same 16-bit float type, accumulating into f32 or into
/// that type (accumulated in f32 here, then rounded once).
bool fitsMmaSync(Gemm &gemm) {
  Type lhs = gemm.elementType(gemm.lhs);
  Type out = gemm.elementType(gemm.out);
  return (lhs.isF16() || lhs.isBF16()) && lhs == gemm.elementType(gemm.rhs) &&
         (out.isF32() || out == lhs);
}

} // namespace

SmallVector<Value> gpu_kernels::gemmIndices(OpBuilder &b, Location loc,
                                            Gemm &gemm,
                                            const TileOrigin &origin, Value m,
                                            Value n, Value k) {
  SmallVector<Value> ivs(gemm.op.getNumLoops(), indexConstant(b, loc, 0));
  for (auto [dim, iv] : llvm::zip(gemm.batch, origin.batchIvs))
    ivs[dim] = iv;
  for (auto [dim, iv] :
       {std::pair(gemm.m, m), std::pair(gemm.n, n), std::pair(gemm.k, k)})
    if (iv)
      ivs[dim] = iv;
  return ivs;
}

Value gpu_kernels::loadOrZero(OpBuilder &b, Location loc, Gemm &gemm,
                              OpOperand *operand, ValueRange ivs,
                              Value inBounds) {
  Type type = gemm.elementType(operand);
  auto ifOp = scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &then, Location l) {
        Value value = memref::LoadOp::create(
            then, l, operand->get(),
            applyMap(then, l, gemm.op.getMatchingIndexingMap(operand), ivs));
        scf::YieldOp::create(then, l, value);
      },
      [&](OpBuilder &otherwise, Location l) {
        scf::YieldOp::create(otherwise, l, zeroOf(otherwise, l, type));
      });
  return ifOp.getResult(0);
}

FailureOr<SmallVector<Operation *>>
gpu_kernels::buildGemmKernel(KernelBuilder &kernels, RewriterBase &rewriter,
                             linalg::LinalgOp op, bool useTensorCores) {
  FailureOr<Gemm> gemm = matchGemm(rewriter, op);
  if (failed(gemm))
    return failure();
  findFusableNeighbours(*gemm);
  hoistEpilogueAllocations(*gemm);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  gemm->sizes = loopSizes(rewriter, op.getLoc(), op);
  if (useTensorCores && kernels.hasWgmma() && fitsMmaSync(*gemm))
    buildWgmmaGemm(kernels, rewriter, *gemm);
  else if (useTensorCores && kernels.hasMmaSync() && fitsMmaSync(*gemm))
    buildMmaSyncGemm(kernels, rewriter, *gemm);
  else
    buildSimtGemm(kernels, rewriter, *gemm);

  // The fused neighbours are part of the kernel now; without an epilogue
  // reading it, the output buffer is dead too.
  SmallVector<Operation *> absorbed;
  for (linalg::LinalgOp neighbour : {gemm->prologue, gemm->epilogue})
    if (neighbour)
      absorbed.push_back(neighbour);
  if (gemm->epilogue) {
    Operation *alloc = gemm->out->get().getDefiningOp();
    for (Operation *user : alloc->getUsers())
      if (isa<gpu::DeallocOp>(user))
        absorbed.push_back(user);
    absorbed.push_back(alloc);
  }
  return absorbed;
}
