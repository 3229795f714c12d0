//===- FuzzCompile.cpp - libFuzzer target: the compiler -------------------===//
//
// Feeds one input to the compiler as mpt-run does: parse, verify, then the
// stages of the CPU pipeline, each as its own pass manager:
//   --mpt-auto-mixed-precision (or --mpt-gradient-function), then
//   --mpt-expand-train-step, --mpt-differentiate, --mpt-lower-to-llvm.
// A diagnostic is an answer, not a crash: they are all swallowed, and a
// stage that fails ends the input. A stage that succeeds but leaves IR
// that does not verify is a compiler bug, and aborts like a crash.
//
// Which options the first stage gets is decided by a hash of the input, so
// every input is reproduced exactly by running the target on it.
//
//===----------------------------------------------------------------------===//

#include "FuzzStages.h"

#include "mpt/Conversion/CPU/Passes.h"
#include "mpt/Conversion/Passes.h"
#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;
using mpt_fuzz::runStage;

namespace {

/// The stages run on one input, in order; the first one varies.
struct Variant {
  const char *first;
  bool expand;
};
constexpr Variant kVariants[] = {
    {"mpt-auto-mixed-precision", true},
    {"mpt-auto-mixed-precision{compute-type=bf16 report=true}", true},
    {"mpt-auto-mixed-precision{loss-scale=static:64 deny-add=mpt.tanh "
     "clear-add=mpt.gelu hysteresis=2}",
     true},
    {"mpt-gradient-function{promote-f64=true}", false},
};

const DialectRegistry &getRegistry() {
  static const DialectRegistry *registry = [] {
    mpt::registerMPTPasses();
    mpt::registerCPUConversionPasses();
    auto *result = new DialectRegistry;
    registerAllDialects(*result);
    registerAllExtensions(*result);
    result->insert<mpt::MPTDialect>();
    mpt::registerAdjointInterfaceModels(*result);
    return result;
  }();
  return *registry;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  MLIRContext context(getRegistry(), MLIRContext::Threading::DISABLED);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text),
                               llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module || failed(verify(*module)))
    return 0;

  const Variant &variant =
      kVariants[llvm::xxh3_64bits(text) % std::size(kVariants)];
  if (!runStage(*module, variant.first, diagnostics))
    return 0;
  if (variant.expand &&
      !runStage(*module, "mpt-expand-train-step", diagnostics))
    return 0;
  if (!runStage(*module, "mpt-differentiate", diagnostics))
    return 0;
  runStage(*module, "mpt-lower-to-llvm", diagnostics);
  return 0;
}
