//===- LinalgToGPU.cpp - One kernel per linalg op -------------------------===//
//
// After fusion and bufferization, a step's host code is a sequence of linalg
// ops on device buffers. Each becomes one `gpu.launch`, with the mapping of
// its iteration space to blocks and threads chosen from the op's structure
// (see the kernel strategies in KernelBuilder.h).
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_LINALGTOGPU
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// Replaces `op` by the kernel(s) of the first strategy that accepts it, in
/// order: a cuBLASLt call (with `useLibrary`), a GEMM, block reductions,
/// one thread per output. Ops the kernels absorbed are erased too and added
/// to `erased`.
LogicalResult mapToKernels(KernelBuilder &kernels, RewriterBase &rewriter,
                           linalg::LinalgOp op, bool tensorCores,
                           bool useLibrary, DenseSet<Operation *> &erased) {
  if (!op.hasPureBufferSemantics())
    return op->emitOpError("must work on buffers to become a kernel; expected "
                           "the step to be bufferized first");
  SmallVector<Operation *> absorbed;
  FailureOr<SmallVector<Operation *>> libraryCall = failure();
  if (useLibrary)
    libraryCall = buildLibraryGemm(rewriter, op);
  if (succeeded(libraryCall)) {
    absorbed = std::move(*libraryCall);
  } else if (op.getNumReductionLoops() == 0) {
    if (failed(buildLoopKernel(kernels, rewriter, op)))
      return failure();
  } else if (FailureOr<SmallVector<Operation *>> fused =
                 buildGemmKernel(kernels, rewriter, op, tensorCores);
             succeeded(fused)) {
    absorbed = std::move(*fused);
  } else if (failed(buildBlockReductionKernels(kernels, rewriter, op)) &&
             failed(buildLoopKernel(kernels, rewriter, op))) {
    return failure();
  }
  absorbed.insert(absorbed.begin(), op);
  for (Operation *dead : absorbed) {
    erased.insert(dead);
    rewriter.eraseOp(dead);
  }
  return success();
}

/// Whether `op` takes or gives a buffer.
bool touchesBuffers(Operation *op) {
  auto isBuffer = [](Type type) { return isa<BaseMemRefType>(type); };
  return llvm::any_of(op->getOperandTypes(), isBuffer) ||
         llvm::any_of(op->getResultTypes(), isBuffer);
}

/// Every buffer of the step is in device memory, so outside kernels only
/// device memory operations may allocate, read or write one; the host may
/// only build views of buffers (and read its own memory, such as the array
/// of buffer pointers of a step entry point).
LogicalResult checkHostCode(func::FuncOp func) {
  WalkResult result = func.walk<WalkOrder::PreOrder>([](Operation *op) {
    if (isa<gpu::LaunchOp>(op))
      return WalkResult::skip();
    if (isa<gpu::GPUDialect>(op->getDialect()) || !touchesBuffers(op) ||
        op->hasTrait<OpTrait::IsTerminator>() || isMemoryEffectFree(op))
      return WalkResult::advance();
    op->emitOpError("accesses a buffer on the host, but every buffer of a "
                    "GPU step is in device memory; expected only kernels "
                    "and device memory operations to access buffers");
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

/// The linalg ops of `func` outside kernels, contractions first, so that
/// they can absorb their neighbours before those become kernels of their
/// own.
SmallVector<linalg::LinalgOp> hostLinalgOps(func::FuncOp func) {
  SmallVector<linalg::LinalgOp> ops;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<gpu::LaunchOp>(op))
      return WalkResult::skip();
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      ops.push_back(linalgOp);
    return WalkResult::advance();
  });
  std::stable_partition(ops.begin(), ops.end(), [](linalg::LinalgOp op) {
    return linalg::isaContractionOpInterface(op);
  });
  return ops;
}

struct LinalgToGPUPass : public mpt::impl::LinalgToGPUBase<LinalgToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    std::optional<unsigned> smVersion = smVersionOf(chip);
    if (!smVersion) {
      func.emitError() << "unknown chip '" << chip
                       << "'; expected sm_<version>, such as sm_80 or sm_90";
      return signalPassFailure();
    }
    if (blockSize < 32 || blockSize > 1024 || blockSize % 32 != 0) {
      func.emitError() << "block size " << blockSize
                       << " is not a multiple of 32 between 32 and 1024";
      return signalPassFailure();
    }
    if (gemm != "generated" && gemm != "cublaslt") {
      func.emitError() << "unknown gemm '" << gemm
                       << "'; expected generated or cublaslt";
      return signalPassFailure();
    }
    KernelBuilder kernels(func, chip, *smVersion, blockSize);
    IRRewriter rewriter(&getContext());
    // A cuBLASLt call may leave an op of its own to map (the rounding of a
    // bias it adds): a second round maps those.
    for (SmallVector<linalg::LinalgOp> ops = hostLinalgOps(func); !ops.empty();
         ops = hostLinalgOps(func)) {
      DenseSet<Operation *> erased;
      for (linalg::LinalgOp op : ops)
        if (!erased.contains(op) &&
            failed(mapToKernels(kernels, rewriter, op, tensorCores,
                                gemm == "cublaslt", erased)))
          return signalPassFailure();
    }
    if (failed(checkHostCode(func)))
      return signalPassFailure();
  }
};

} // namespace
