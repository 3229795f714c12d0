//===- LoopKernel.cpp - One thread per output -----------------------------===//
//
// The simplest mapping, and the one every linalg op accepts: each thread
// computes one point of the parallel loops, walking the reduction loops (if
// any) in order. Elementwise ops need nothing else; for reductions it is the
// right mapping when the reduced dimension is short or strided in memory,
// since neighbouring threads then still read neighbouring elements.
//
// The kernel is written as upstream's GPU mapping utilities expect it: an
// `scf.forall` over the blocks (`#gpu.block<x>`) around one over the threads
// of a block (`#gpu.thread<x>`), which they turn into block and thread ids.
// The points of the parallel loops are numbered row-major and dealt out
// `threads` per block, so that neighbouring threads take neighbouring
// points whatever the rank of the op. An elementwise op whose outputs hold
// whole 4-element vectors along the innermost loop takes 4 consecutive
// points per thread, reading and writing 8- or 16-byte vectors.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/GPU/TransformOps/GPUTransformOps.h"
#include "mlir/Dialect/GPU/TransformOps/Utils.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// The points an elementwise thread takes at once, when it can.
constexpr int64_t kPointsPerThread = 4;

/// Runs the reduction loops `dims` of `op` (outermost first) around its body,
/// carrying the output values, and returns their final values. `ivs` holds
/// the parallel indices; the reduction entries are filled in.
SmallVector<Value>
emitReductionLoops(OpBuilder &b, Location loc, linalg::LinalgOp op,
                   SmallVector<Value> &ivs, ArrayRef<unsigned> dims,
                   ArrayRef<Value> sizes, ValueRange carried) {
  if (dims.empty())
    return emitBody(b, loc, op, ivs, carried);
  Value zero = indexConstant(b, loc, 0);
  Value one = indexConstant(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zero, sizes[dims.front()], one, carried,
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange args) {
        ivs[dims.front()] = iv;
        SmallVector<Value> next = emitReductionLoops(
            nested, nestedLoc, op, ivs, dims.drop_front(), sizes, args);
        scf::YieldOp::create(nested, nestedLoc, next);
      });
  return loop.getResults();
}

/// Computes `op` at the point `ivs` of its parallel loops. An elementwise op
/// is its own scalar implementation (TilingInterface's, which loads what the
/// body reads and stores what it yields). A reduction keeps its outputs in
/// registers across the reduced elements instead: the scalar implementation
/// would load and store them in device memory for every element.
LogicalResult emitPoint(OpBuilder &b, Location loc, linalg::LinalgOp op,
                        SmallVector<Value> &ivs, ArrayRef<Value> sizes) {
  SmallVector<unsigned> reductionDims;
  op.getReductionDims(reductionDims);
  if (reductionDims.empty())
    return cast<TilingInterface>(op.getOperation())
        .generateScalarImplementation(b, loc, ivs);
  SmallVector<Value> results = emitReductionLoops(
      b, loc, op, ivs, reductionDims, sizes, loadInits(b, loc, op, ivs));
  storeInits(b, loc, op, ivs, results);
  return success();
}

/// Threads per block for `count` threads of work: the configured block size,
/// or fewer (whole warps) when there is less work than that.
int64_t threadsFor(int64_t count, int64_t blockSize) {
  if (count >= blockSize)
    return blockSize;
  return count <= 1 ? 1 : llvm::alignTo(count, 32);
}

/// An `scf.forall` of `size` iterations mapped to `mapping`, with `b` moved
/// into its body.
scf::ForallOp createMappedLoop(OpBuilder &b, Location loc, int64_t size,
                               Attribute mapping) {
  auto loop = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(size)}, ValueRange{},
      b.getArrayAttr(mapping));
  b.setInsertionPoint(loop.getTerminator());
  return loop;
}

} // namespace

LogicalResult gpu_kernels::buildLoopKernel(KernelBuilder &kernels,
                                           RewriterBase &rewriter,
                                           linalg::LinalgOp op) {
  Location loc = op.getLoc();
  if (!isa<TilingInterface>(op.getOperation()))
    return op->emitOpError("has no scalar implementation (TilingInterface) "
                           "to run in a kernel");
  SmallVector<int64_t> staticSizes = op.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(staticSizes))
    return op->emitOpError("has a dynamic iteration space; GPU kernels are "
                           "mapped from static shapes");
  SmallVector<unsigned> parallelDims, reductionDims;
  op.getParallelDims(parallelDims);
  op.getReductionDims(reductionDims);
  // The innermost loop, in vectors when every output allows it.
  unsigned innermost = op.getNumLoops() - 1;
  int64_t width = reductionDims.empty() && !parallelDims.empty() &&
                          canEmitVectorPoints(op, innermost, kPointsPerThread)
                      ? kPointsPerThread
                      : 1;
  SmallVector<int64_t> threadSizes = staticSizes;
  if (width > 1)
    threadSizes[innermost] /= width;
  int64_t count = 1;
  for (unsigned dim : parallelDims)
    count *= threadSizes[dim];
  int64_t threads = threadsFor(count, kernels.getBlockSize());
  int64_t blocks = llvm::divideCeil(count, threads);

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  StringRef kind = reductionDims.empty() ? "elementwise" : "loop";
  gpu::LaunchOp launch = kernels.launch(
      rewriter, loc, kind, {indexConstant(rewriter, loc, blocks)},
      {indexConstant(rewriter, loc, threads)});
  MLIRContext *ctx = rewriter.getContext();
  scf::ForallOp blockLoop = createMappedLoop(
      rewriter, loc, blocks,
      gpu::GPUBlockMappingAttr::get(ctx, gpu::MappingId::DimX));
  scf::ForallOp threadLoop = createMappedLoop(
      rewriter, loc, threads,
      gpu::GPUThreadMappingAttr::get(ctx, gpu::MappingId::DimX));

  SmallVector<Value> sizes =
      llvm::map_to_vector(staticSizes, [&](int64_t size) -> Value {
        return indexConstant(rewriter, loc, size);
      });
  SmallVector<Value> parallelSizes =
      llvm::map_to_vector(parallelDims, [&](unsigned dim) {
        return indexConstant(rewriter, loc, threadSizes[dim]);
      });
  Value id =
      addIndex(rewriter, loc,
               mulIndexConstant(rewriter, loc,
                                blockLoop.getInductionVars().front(), threads),
               threadLoop.getInductionVars().front());
  Value inBounds =
      indexLessThan(rewriter, loc, id, indexConstant(rewriter, loc, count));
  LogicalResult emitted = success();
  emitIf(rewriter, loc, inBounds, [&](OpBuilder &b) {
    SmallVector<Value> ivs(op.getNumLoops(), indexConstant(b, loc, 0));
    for (auto [dim, iv] :
         llvm::zip(parallelDims, delinearize(b, loc, id, parallelSizes)))
      ivs[dim] = iv;
    if (width == 1) {
      emitted = emitPoint(b, loc, op, ivs, sizes);
      return;
    }
    ivs[innermost] = mulIndexConstant(b, loc, ivs[innermost], width);
    emitVectorPoints(b, loc, op, ivs, innermost, width, {},
                     [](int64_t, IRMapping &) {});
  });
  if (failed(emitted))
    return failure();

  // The loops become block and thread ids. Both succeed by construction:
  // static, normalized loops without results, one mapping each, and as many
  // iterations as the launch has blocks and threads.
  SmallVector<int64_t> gridDims;
  transform::gpu::GpuBlockIdBuilder blockIds(ctx);
  DiagnosedSilenceableFailure mapped = transform::gpu::mapForallToBlocksImpl(
      rewriter, transform::TransformOpInterface(), blockLoop, gridDims,
      blockIds);
  if (!mapped.succeeded())
    return op->emitOpError("could not map its kernel to blocks");
  rewriter.setInsertionPointToStart(&launch.getBody().front());
  mapped = transform::gpu::mapNestedForallToThreadsImpl(
      rewriter, std::nullopt, launch, {threads, 1, 1}, /*warpSize=*/32,
      /*syncAfterDistribute=*/false);
  if (!mapped.succeeded())
    return op->emitOpError("could not map its kernel to threads");
  return success();
}
