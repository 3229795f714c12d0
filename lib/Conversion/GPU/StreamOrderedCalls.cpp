//===- StreamOrderedCalls.cpp - Runtime calls on the step's stream --------===//
//
// `gpu-async-region` threads one async token (lowered to a stream) through
// the GPU ops of a block and synchronizes the host before any other op with
// side effects, then starts a new stream. Calls to runtime functions that
// only enqueue work on a stream (marked `mpt.stream_ordered`) must instead
// run on the step's stream without a synchronization: this pass passes them
// the token live before them and continues the token chain through them.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPUSTREAMORDEREDCALLS
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

bool isStreamOrderedCall(Operation *op, SymbolTable &symbols) {
  auto call = dyn_cast<func::CallOp>(op);
  if (!call)
    return false;
  auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
  return callee && callee->hasAttr(kStreamOrderedAttrName);
}

/// A host synchronization on exactly `token`'s stream (`gpu.wait [%t]`).
gpu::WaitOp asSynchronization(Operation *op) {
  auto wait = dyn_cast_or_null<gpu::WaitOp>(op);
  if (!wait || wait.getAsyncToken() || wait.getAsyncDependencies().size() != 1)
    return nullptr;
  return wait;
}

/// A new stream with nothing to wait for (`%t = gpu.wait async`).
bool isNewStream(Operation *op) {
  auto wait = dyn_cast<gpu::WaitOp>(op);
  return wait && wait.getAsyncToken() && wait.getAsyncDependencies().empty();
}

void orderCallsIn(Block &block, SymbolTable &symbols) {
  OpBuilder b(block.getParentOp()->getContext());
  Type tokenType = b.getType<gpu::AsyncTokenType>();
  Type streamType = LLVM::LLVMPointerType::get(b.getContext());
  // The step's stream after the last call, until work continues on it or
  // the host synchronizes with it.
  Value stream;
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (isStreamOrderedCall(&op, symbols)) {
      auto call = cast<func::CallOp>(op);
      b.setInsertionPoint(call);
      if (gpu::WaitOp wait = asSynchronization(call->getPrevNode())) {
        stream = wait.getAsyncDependencies().front();
        wait.erase();
      }
      if (!stream)
        stream = gpu::WaitOp::create(b, call.getLoc(), tokenType, ValueRange())
                     .getAsyncToken();
      Value handle = UnrealizedConversionCastOp::create(b, call.getLoc(),
                                                        streamType, stream)
                         .getResult(0);
      call->insertOperands(0, handle);
      continue;
    }
    if (!stream)
      continue;
    if (isNewStream(&op)) {
      op.getResult(0).replaceAllUsesWith(stream);
      op.erase();
      stream = nullptr;
    } else if (op.hasTrait<OpTrait::IsTerminator>() ||
               !isMemoryEffectFree(&op)) {
      b.setInsertionPoint(&op);
      gpu::WaitOp::create(b, op.getLoc(), Type(), ValueRange(stream));
      stream = nullptr;
    }
  }
}

struct GPUStreamOrderedCallsPass
    : public mpt::impl::GPUStreamOrderedCallsBase<GPUStreamOrderedCallsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    Type streamType = LLVM::LLVMPointerType::get(&getContext());
    for (auto function : module.getOps<func::FuncOp>()) {
      if (!function->hasAttr(kStreamOrderedAttrName))
        continue;
      SmallVector<Type> inputs = {streamType};
      llvm::append_range(inputs, function.getArgumentTypes());
      function.setType(
          FunctionType::get(&getContext(), inputs, function.getResultTypes()));
    }
    module.walk([&](Block *block) { orderCallsIn(*block, symbols); });
  }
};

} // namespace
