//===- StaticScratch.cpp - Temporaries of a step in static memory ---------===//
//
// A training step runs thousands of times with the same shapes. Allocating
// its temporaries on every call costs more than it seems: large blocks come
// straight from the kernel, and every page of them faults on first touch,
// on every call. Giving each temporary a static buffer instead pays that
// once per process.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_STATICSCRATCH
#include "mpt/Conversion/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// True for an allocation made once per call of `func`, of a static size:
/// directly in its body (an allocation inside a loop may be live in several
/// iterations, or threads, at once).
bool isPerCallAllocation(memref::AllocOp alloc, func::FuncOp func) {
  MemRefType type = alloc.getType();
  return alloc->getBlock() == &func.getBody().front() &&
         type.hasStaticShape() && type.getLayout().isIdentity() &&
         !type.getMemorySpace();
}

struct StaticScratchPass : mpt::impl::StaticScratchBase<StaticScratchPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder moduleBuilder = OpBuilder::atBlockBegin(module.getBody());
    for (auto func : module.getOps<func::FuncOp>()) {
      SmallVector<memref::AllocOp> allocs;
      for (auto alloc : func.getBody().front().getOps<memref::AllocOp>())
        if (isPerCallAllocation(alloc, func))
          allocs.push_back(alloc);
      for (memref::AllocOp alloc : allocs) {
        auto global = memref::GlobalOp::create(
            moduleBuilder, alloc.getLoc(),
            (func.getSymName() + "_scratch").str(),
            moduleBuilder.getStringAttr("private"), alloc.getType(),
            moduleBuilder.getUnitAttr(), /*constant=*/false,
            alloc.getAlignmentAttr());
        symbols.insert(global);
        OpBuilder b(alloc);
        alloc.replaceAllUsesWith(
            memref::GetGlobalOp::create(b, alloc.getLoc(), alloc.getType(),
                                        global.getSymName())
                .getResult());
        alloc.erase();
      }
    }
  }
};

} // namespace
