//===- LoopKernel.cpp - One thread per output -----------------------------===//
//
// The simplest mapping, and the one every linalg op accepts: each thread
// computes one point of the parallel loops, walking the reduction loops (if
// any) in order. Elementwise ops need nothing else; for reductions it is the
// right mapping when the reduced dimension is short or strided in memory,
// since neighbouring threads then still read neighbouring elements.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

/// Runs the reduction loops `dims` of `op` (outermost first) around its body,
/// carrying the output values, and returns their final values. `ivs` holds
/// the parallel indices; the reduction entries are filled in.
static SmallVector<Value>
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

/// Threads per block for `count` threads of work: the configured block size,
/// or fewer (whole warps) when there is less work than that.
static int64_t threadsFor(Value count, int64_t blockSize) {
  std::optional<int64_t> cst = getConstantIntValue(count);
  if (!cst || *cst >= blockSize)
    return blockSize;
  return *cst <= 1 ? 1 : llvm::alignTo(*cst, 32);
}

void gpu_kernels::buildLoopKernel(KernelBuilder &kernels, OpBuilder &b,
                                  linalg::LinalgOp op) {
  Location loc = op.getLoc();
  SmallVector<Value> sizes = loopSizes(b, loc, op);
  SmallVector<unsigned> parallelDims, reductionDims;
  op.getParallelDims(parallelDims);
  op.getReductionDims(reductionDims);
  SmallVector<Value> parallelSizes = llvm::map_to_vector(
      parallelDims, [&](unsigned dim) { return sizes[dim]; });

  Value count = product(b, loc, parallelSizes);
  int64_t threads = threadsFor(count, kernels.getBlockSize());
  Value grid = ceilDiv(b, loc, count, indexConstant(b, loc, threads));
  StringRef kind = reductionDims.empty() ? "elementwise" : "loop";
  gpu::LaunchOp launch =
      kernels.launch(b, loc, kind, {grid}, {indexConstant(b, loc, threads)});

  Value id = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                            indexConstant(b, loc, threads)),
      launch.getThreadIds().x);
  Value inBounds =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, count);
  emitIf(b, loc, inBounds, [&](OpBuilder &b) {
    SmallVector<Value> ivs(op.getNumLoops(), indexConstant(b, loc, 0));
    for (auto [dim, iv] :
         llvm::zip(parallelDims, delinearize(b, loc, id, parallelSizes)))
      ivs[dim] = iv;
    SmallVector<Value> results =
        reductionDims.empty()
            ? emitBody(b, loc, op, ivs,
                       loadInits(b, loc, op, ivs, /*onlyIfRead=*/true))
            : emitReductionLoops(b, loc, op, ivs, reductionDims, sizes,
                                 loadInits(b, loc, op, ivs));
    storeInits(b, loc, op, ivs, results);
  });
}
