//===- FuzzImport.cpp - libFuzzer target: the ONNX importer ---------------===//
//
// Feeds one input to mpt-import's code: the bytes are an ONNX model, ONNX
// text when they start with `<`, its protobuf encoding otherwise. A model
// that imports is printed and parsed back (mpt-run reads what mpt-import
// writes), then goes through --mpt-auto-mixed-precision,
// --mpt-expand-train-step and --mpt-differentiate, each as its own pass
// manager. An error is an answer, not a crash; an import or a stage that
// succeeds and leaves IR that does not verify, or a printed step that does
// not parse, is a bug and aborts like a crash.
//
// The loss, the optimizer, the batch size and the frozen initializers are
// decided by a hash of the input, so every input is reproduced exactly by
// running the target on it.
//
//===----------------------------------------------------------------------===//

#include "FuzzStages.h"
#include "GraphImporter.h"

#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;
using namespace ::mpt::import;
using mpt_fuzz::bug;
using mpt_fuzz::runStage;

namespace {

/// The import options of one input.
struct Variant {
  LossKind loss;
  TargetKind target;
  const char *optimizer;
  /// The size of a dynamic batch dim.
  int64_t batch;
  /// Whether the first initializer is frozen.
  bool freezeFirst;
  const char *mixedPrecision;
};
constexpr Variant kVariants[] = {
    {LossKind::MSE, TargetKind::Labels, "#mpt.sgd<lr = 1.0e-02>", 2, false,
     "mpt-auto-mixed-precision"},
    {LossKind::CrossEntropy, TargetKind::Labels, "#mpt.adam<lr = 1.0e-03>", 4,
     false, "mpt-auto-mixed-precision{compute-type=bf16}"},
    {LossKind::CrossEntropy, TargetKind::Probabilities,
     "#mpt.momentum<lr = 1.0e-02, momentum = 9.0e-01>", 2, true,
     "mpt-auto-mixed-precision{loss-scale=static:64 hysteresis=2}"},
    {LossKind::MSE, TargetKind::Labels, "#mpt.adam<lr = 1.0e-03>", 3, false,
     "mpt-auto-mixed-precision{compute-type=bf16}"},
};

const DialectRegistry &getRegistry() {
  static const DialectRegistry *registry = [] {
    mlir::mpt::registerMPTPasses();
    auto *result = new DialectRegistry;
    result->insert<mlir::mpt::MPTDialect, arith::ArithDialect,
                   func::FuncDialect, tensor::TensorDialect>();
    mlir::mpt::registerAdjointInterfaceModels(*result);
    return result;
  }();
  return *registry;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  const Variant &variant =
      kVariants[llvm::xxh3_64bits(bytes) % std::size(kVariants)];
  MLIRContext context(getRegistry(), MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });

  llvm::Expected<onnx::ModelProto> model = parseModel(bytes, "input");
  if (!model) {
    llvm::consumeError(model.takeError());
    return 0;
  }
  ImportOptions options;
  options.sourcePath = "input";
  options.stepName = "step";
  options.loss = variant.loss;
  options.target = variant.target;
  options.optimizer = parseAttribute(variant.optimizer, &context);
  options.batch = variant.batch;
  if (variant.freezeFirst && model->graph().initializer_size())
    options.frozen.push_back(model->graph().initializer(0).name());
  llvm::Expected<ImportedStep> step = importModel(*model, options, context);
  if (!step) {
    std::string message = llvm::toString(step.takeError());
    if (llvm::StringRef(message).contains("does not verify"))
      bug("the import left IR that does not verify: " + message, diagnostics,
          nullptr);
    return 0;
  }
  ModuleOp module = *step->module;

  // mpt-run parses what mpt-import prints.
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> reparsed = parseSourceString<ModuleOp>(text, config);
  if (!reparsed || failed(verify(*reparsed)))
    bug("the imported step does not parse back", diagnostics, module);

  if (!runStage(module, variant.mixedPrecision, diagnostics) ||
      !runStage(module, "mpt-expand-train-step", diagnostics))
    return 0;
  runStage(module, "mpt-differentiate", diagnostics);
  return 0;
}
