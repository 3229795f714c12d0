//===- mpt-import.cpp - ONNX models to MPT training steps -----------------===//
//
// mpt-import model.onnx --loss=mse|cross-entropy --optimizer='#mpt.adam<...>'
//     [--batch=N] [--frozen=NAME,...] -o model.mlir --init=init.safetensors
//
// Reads the forward graph that torch.onnx.export writes (or its ONNX text
// form), imports it as an `mpt.train_step` and writes the step and the
// initial parameters. Nothing is written unless the whole import succeeds.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Runtime/FileIO.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace ::mpt::import;

namespace {

llvm::cl::opt<std::string> inputPath(llvm::cl::Positional,
                                     llvm::cl::desc("<model.onnx>"),
                                     llvm::cl::Required);
llvm::cl::opt<std::string> outputPath("o", llvm::cl::desc("the step (.mlir)"),
                                      llvm::cl::value_desc("file"),
                                      llvm::cl::Required);
llvm::cl::opt<std::string>
    initPath("init",
             llvm::cl::desc("the initial parameters (safetensors), for "
                            "mpt-run --init"),
             llvm::cl::value_desc("file"), llvm::cl::Required);
llvm::cl::opt<std::string>
    lossName("loss", llvm::cl::desc("mse or cross-entropy (default mse)"),
             llvm::cl::init("mse"));
llvm::cl::opt<std::string> targetName(
    "target",
    llvm::cl::desc("the cross-entropy target: labels (int64 class indices, "
                   "default) or probabilities (one per class)"),
    llvm::cl::init("labels"));
llvm::cl::opt<std::string> optimizerText(
    "optimizer",
    llvm::cl::desc("the optimizer attribute, e.g. '#mpt.adam<lr = 1.0e-03>'"),
    llvm::cl::Required);
llvm::cl::opt<int64_t>
    batchSize("batch", llvm::cl::desc("the size of a dynamic batch dim"),
              llvm::cl::init(0));
llvm::cl::list<std::string>
    frozenNames("frozen",
                llvm::cl::desc("initializers to keep constant (not trained)"),
                llvm::cl::CommaSeparated);
llvm::cl::opt<std::string>
    stepName("step-name",
             llvm::cl::desc("the step's symbol (default: the model file's "
                            "name without extension)"));

int fail(const llvm::Twine &message) {
  llvm::errs() << "mpt-import: error: " << message << "\n";
  return 1;
}

/// A symbol name made of the file's stem.
std::string defaultStepName(llvm::StringRef path) {
  std::string name;
  for (char c : llvm::sys::path::stem(path))
    name += llvm::isAlnum(c) ? c : '_';
  if (name.empty() || llvm::isDigit(name.front()))
    name.insert(name.begin(), '_');
  return name;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::ParseCommandLineOptions(
      argc, argv, "mpt-import: ONNX forward graphs to MPT training steps\n");

  DialectRegistry registry;
  registry.insert<mlir::mpt::MPTDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  ImportOptions options;
  options.sourcePath = inputPath;
  options.stepName = stepName.empty() ? defaultStepName(inputPath) : stepName;
  if (lossName == "mse")
    options.loss = LossKind::MSE;
  else if (lossName == "cross-entropy")
    options.loss = LossKind::CrossEntropy;
  else
    return fail("--loss must be mse or cross-entropy, found '" + lossName +
                "'");
  if (targetName == "labels")
    options.target = TargetKind::Labels;
  else if (targetName == "probabilities")
    options.target = TargetKind::Probabilities;
  else
    return fail("--target must be labels or probabilities, found '" +
                targetName + "'");
  if (targetName.getNumOccurrences() && options.loss != LossKind::CrossEntropy)
    return fail("--target applies to --loss=cross-entropy only");
  options.optimizer = parseAttribute(optimizerText, &context);
  if (!options.optimizer ||
      !isa<mlir::mpt::SGDAttr, mlir::mpt::MomentumAttr, mlir::mpt::AdamAttr>(
          options.optimizer))
    return fail("--optimizer must be an #mpt.sgd, #mpt.momentum or #mpt.adam "
                "attribute, found '" +
                optimizerText + "'");
  if (batchSize.getNumOccurrences()) {
    if (batchSize < 1)
      return fail("--batch must be >= 1, found " + llvm::Twine(batchSize));
    options.batch = batchSize;
  }
  options.frozen.assign(frozenNames.begin(), frozenNames.end());
  if (outputPath == initPath)
    return fail("-o and --init name the same file '" + outputPath + "'");

  llvm::Expected<onnx::ModelProto> model = loadModel(inputPath);
  if (!model)
    return fail(llvm::toString(model.takeError()));
  llvm::Expected<ImportedStep> step = importModel(*model, options, context);
  if (!step)
    return fail(inputPath + ": " + llvm::toString(step.takeError()));

  // Both files are complete in temporaries before either replaces its
  // destination.
  std::string text;
  llvm::raw_string_ostream os(text);
  step->module->print(os);
  auto stepFile = ::mpt::runtime::AtomicFile::create(outputPath);
  if (!stepFile.ok())
    return fail(stepFile.error().message());
  auto initFile = ::mpt::runtime::AtomicFile::create(initPath);
  if (!initFile.ok())
    return fail(initFile.error().message());
  if (::mpt::runtime::Status status = (*stepFile).write(text); !status.ok())
    return fail(status.message());
  if (::mpt::runtime::Status status =
          ::mpt::runtime::writeSafetensors(*initFile, step->init.view());
      !status.ok())
    return fail(status.message());
  if (::mpt::runtime::Status status =
          ::mpt::runtime::commitAll({&*stepFile, &*initFile});
      !status.ok())
    return fail(status.message());
  return 0;
}
