//===- KernelBufferFacts.cpp - What kernels may assume about buffers ------===//
//
// An outlined kernel sees its buffers as plain pointers: without more, the
// NVPTX back end must assume they are aligned to their element only and may
// overlap, which rules out 8- and 16-byte vector accesses it cannot prove
// aligned and loads through the read-only data cache (`ld.global.nc`). The
// launches know better: every buffer of a step is a step buffer or a
// runtime allocation, aligned to 16 bytes, and a temporary overlaps nothing
// else. This pass writes those facts on the kernels as LLVM argument
// attributes, which the bare-pointer calling convention of the kernels
// carries to the NVVM functions.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPUKERNELBUFFERFACTS
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The buffer `value` views, and whether the view keeps that buffer's start
/// as its base (a `memref.view` moves it by a byte shift; subviews,
/// reshapes and casts keep it and carry an offset instead).
std::pair<Value, bool> bufferOf(Value value) {
  bool keepsBase = true;
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>()) {
    keepsBase &= !isa<memref::ViewOp>(view.getOperation());
    value = view.getViewSource();
  }
  return {value, keepsBase};
}

/// What every launch of one kernel guarantees about each argument.
struct ArgumentFacts {
  bool aligned = true, unaliased = true;
};

/// Narrows `facts` to what `launch` guarantees about its memref operands.
void accumulateFacts(gpu::LaunchFuncOp launch,
                     SmallVectorImpl<ArgumentFacts> &facts) {
  ValueRange operands = launch.getKernelOperands();
  SmallVector<Value> buffers(operands.size());
  for (auto [i, operand] : llvm::enumerate(operands)) {
    if (!isa<MemRefType>(operand.getType()))
      continue;
    auto [buffer, keepsBase] = bufferOf(operand);
    buffers[i] = buffer;
    facts[i].aligned &= keepsBase;
    // A function's argument may overlap another one, as its caller likes.
    facts[i].unaliased &= !isa<BlockArgument>(buffer);
  }
  for (auto [i, buffer] : llvm::enumerate(buffers))
    if (buffer && llvm::count(buffers, buffer) > 1)
      facts[i].unaliased = false;
}

struct GPUKernelBufferFactsPass
    : public mpt::impl::GPUKernelBufferFactsBase<GPUKernelBufferFactsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    DenseMap<gpu::GPUFuncOp, SmallVector<ArgumentFacts>> facts;
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto kernel = symbols.lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      if (!kernel)
        return;
      auto it = facts.try_emplace(kernel, kernel.getNumArguments()).first;
      accumulateFacts(launch, it->second);
    });

    MLIRContext *ctx = &getContext();
    auto alignment = IntegerAttr::get(IntegerType::get(ctx, 64),
                                      gpu_kernels::kBufferAlignment);
    StringRef alignName = LLVM::LLVMDialect::getAlignAttrName();
    StringRef noAliasName = LLVM::LLVMDialect::getNoAliasAttrName();
    for (auto &[kernel, argumentFacts] : facts) {
      for (auto [i, fact] : llvm::enumerate(argumentFacts)) {
        auto type = dyn_cast<MemRefType>(kernel.getArgument(i).getType());
        if (!type)
          continue;
        if (!LLVMTypeConverter::canConvertToBarePtr(type)) {
          kernel.emitError() << "kernel argument " << i << " has type " << type
                             << "; kernels take their buffers as bare "
                                "pointers, which needs a static shape, "
                                "offset and strides";
          return signalPassFailure();
        }
        if (fact.aligned)
          kernel.setArgAttr(i, alignName, alignment);
        if (fact.unaliased)
          kernel.setArgAttr(i, noAliasName, UnitAttr::get(ctx));
      }
    }
    // Shared memory, which kernels access in 16-byte vectors.
    module.walk([&](gpu::GPUFuncOp kernel) {
      for (unsigned i = 0, e = kernel.getNumWorkgroupAttributions(); i < e; ++i)
        kernel.setWorkgroupAttributionAttr(i, alignName, alignment);
    });
  }
};

} // namespace
