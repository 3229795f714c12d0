//===- DeviceMemory.cpp - A step's buffers in device memory ---------------===//
//
// After bufferization the host code of a step still allocates, copies and
// frees ordinary memrefs. On a GPU all of them must live in device memory:
// temporaries are allocated on the device and freed right after their last
// use (with the runtime's stream-ordered allocator this lets later
// temporaries reuse the memory within the same step, which keeps the peak
// activation memory down), and copies become device copies.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/GPU/Passes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPUDEVICEMEMORY
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;

namespace {

/// The op of `block` that contains `op` (`op` itself if it is in `block`).
Operation *ancestorIn(Block *block, Operation *op) {
  return block->findAncestorOpInBlock(*op);
}

/// The last op of `alloc`'s block that uses the buffer or a view of it, and
/// whether the buffer escapes (is returned, so the caller owns it). Returns
/// null when the buffer is never used.
std::pair<Operation *, bool> lastUse(memref::AllocOp alloc) {
  Block *block = alloc->getBlock();
  Operation *last = nullptr;
  bool escapes = false;
  SmallVector<Value> worklist{alloc.getResult()};
  while (!worklist.empty()) {
    Value buffer = worklist.pop_back_val();
    for (OpOperand &use : buffer.getUses()) {
      Operation *user = use.getOwner();
      if (user->hasTrait<OpTrait::ReturnLike>() &&
          user->getParentOp() == alloc->getParentOp())
        escapes = true;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == buffer)
        worklist.push_back(view->getResult(0));
      Operation *inBlock = ancestorIn(block, user);
      if (!last || last->isBeforeInBlock(inBlock))
        last = inBlock;
    }
  }
  return {last, escapes};
}

/// The first op of `alloc`'s block that uses the buffer.
Operation *firstUse(memref::AllocOp alloc) {
  Operation *first = nullptr;
  for (Operation *user : alloc->getUsers()) {
    Operation *inBlock = ancestorIn(alloc->getBlock(), user);
    if (!first || inBlock->isBeforeInBlock(first))
      first = inBlock;
  }
  return first;
}

/// Replaces `alloc` by a device allocation made right before its first use
/// and freed right after its last one, unless the function returns it or
/// frees it itself.
void allocateOnDevice(IRRewriter &rewriter, memref::AllocOp alloc) {
  auto [last, escapes] = lastUse(alloc);
  bool freedExplicitly = llvm::any_of(alloc->getUsers(), [](Operation *user) {
    return isa<memref::DeallocOp>(user);
  });
  Operation *first = firstUse(alloc);
  rewriter.setInsertionPoint(first ? first : alloc.getOperation());
  auto deviceAlloc = gpu::AllocOp::create(
      rewriter, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
      /*asyncDependencies=*/{}, alloc.getDynamicSizes(),
      alloc.getSymbolOperands());
  rewriter.replaceOp(alloc, deviceAlloc.getMemref());
  if (escapes || freedExplicitly)
    return;
  if (last && !last->hasTrait<OpTrait::IsTerminator>())
    rewriter.setInsertionPointAfter(last);
  else
    rewriter.setInsertionPointAfter(deviceAlloc);
  gpu::DeallocOp::create(rewriter, deviceAlloc.getLoc(), /*asyncToken=*/Type(),
                         ValueRange{}, deviceAlloc.getMemref());
}

/// Whether a copy between these buffers is one contiguous block of bytes.
bool isContiguous(MemRefType type) {
  return type.getLayout().isIdentity() ||
         memref::isStaticShapeAndContiguousRowMajor(type);
}

/// A contiguous copy becomes a device memcpy; any other copy a linalg.copy,
/// which becomes a kernel.
void copyOnDevice(IRRewriter &rewriter, memref::CopyOp copy) {
  rewriter.setInsertionPoint(copy);
  auto sourceType = cast<MemRefType>(copy.getSource().getType());
  auto targetType = cast<MemRefType>(copy.getTarget().getType());
  if (isContiguous(sourceType) && isContiguous(targetType))
    gpu::MemcpyOp::create(rewriter, copy.getLoc(), /*asyncToken=*/Type(),
                          ValueRange{}, copy.getTarget(), copy.getSource());
  else
    linalg::CopyOp::create(rewriter, copy.getLoc(),
                           ValueRange{copy.getSource()},
                           ValueRange{copy.getTarget()});
  rewriter.eraseOp(copy);
}

/// A constant (a `memref.global`) is in host memory: kernels read a copy of
/// it in a new buffer, which the code below places on the device.
void copyConstantToBuffer(IRRewriter &rewriter, memref::GetGlobalOp global) {
  rewriter.setInsertionPointAfter(global);
  auto buffer =
      memref::AllocOp::create(rewriter, global.getLoc(), global.getType());
  rewriter.replaceAllUsesWith(global.getResult(), buffer.getResult());
  memref::CopyOp::create(rewriter, global.getLoc(), global.getResult(),
                         buffer.getResult());
}

struct GPUDeviceMemoryPass
    : public mpt::impl::GPUDeviceMemoryBase<GPUDeviceMemoryPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<memref::GetGlobalOp> constants;
    func.walk([&](memref::GetGlobalOp global) { constants.push_back(global); });
    for (memref::GetGlobalOp global : constants)
      copyConstantToBuffer(rewriter, global);

    SmallVector<Operation *> hostOps;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp>(op))
        hostOps.push_back(op);
      return WalkResult::advance();
    });
    for (Operation *op : hostOps) {
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocateOnDevice(rewriter, alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        rewriter.replaceOpWithNewOp<gpu::DeallocOp>(
            dealloc, /*asyncToken=*/Type(), ValueRange{}, dealloc.getMemref());
      else
        copyOnDevice(rewriter, cast<memref::CopyOp>(op));
    }
  }
};

} // namespace
