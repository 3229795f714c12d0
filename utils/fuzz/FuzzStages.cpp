//===- FuzzStages.cpp - The pass stages of the compiler fuzz targets ------===//

#include "FuzzStages.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;

void mpt_fuzz::bug(const llvm::Twine &what, const std::string &diagnostics,
                   Operation *op) {
  llvm::errs() << what << ":\n" << diagnostics << "\n";
  if (op)
    op->print(llvm::errs());
  std::abort();
}

bool mpt_fuzz::runStage(ModuleOp module, llvm::StringRef pipeline,
                        const std::string &diagnostics) {
  PassManager pm(module.getContext());
  pm.enableVerifier(false);
  std::string parseErrors;
  llvm::raw_string_ostream errorStream(parseErrors);
  if (failed(parsePassPipeline(pipeline, pm, errorStream)))
    bug("fuzz target: cannot build '" + pipeline + "'", parseErrors, nullptr);
  if (failed(pm.run(module)))
    return false;
  if (failed(verify(module)))
    bug("'" + pipeline + "' succeeded and left IR that does not verify",
        diagnostics, module);
  return true;
}

/// LLVM's headers poison and unpoison BumpPtrAllocator slabs by hand in
/// code built with AddressSanitizer, but libMLIR is not: an allocator slab
/// poisoned by an inline function of this binary is then read through
/// libMLIR's uninstrumented fast path, a false report. Manual poisoning is
/// off; everything else ASan checks stays on.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}
