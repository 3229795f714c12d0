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
#include "mpt/Runtime/CommandLine.h"
#include "mpt/Runtime/FileIO.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace ::mpt::import;

namespace {

/// The command line, before its values are checked against each other.
struct ImportFlags {
  std::string inputPath, outputPath, initPath, optimizerText, stepName;
  std::string lossName = "mse", targetName = "labels";
  int64_t batchSize = 0;
  std::vector<std::string> frozenNames;
};

namespace rt = ::mpt::runtime;

void addImportFlags(rt::CommandLine &commandLine, ImportFlags &flags) {
  const char *group = "import";
  commandLine.setPositional("MODEL.onnx", [&](const std::string &value) {
    flags.inputPath = value;
    return rt::Status::success();
  });
  commandLine.add(group, rt::textFlag("o", "FILE", "the step (.mlir); required",
                                      flags.outputPath));
  commandLine.add(
      group,
      rt::textFlag("init", "FILE",
                   "the initial parameters and buffers (safetensors), for "
                   "mpt-run --init; required",
                   flags.initPath));
  commandLine.add(group, rt::textFlag("optimizer", "ATTR",
                                      "the optimizer attribute, e.g. "
                                      "'#mpt.adam<lr = 1.0e-03>'; required",
                                      flags.optimizerText));
  commandLine.add(group,
                  rt::choiceFlag("loss", "the loss of the step", flags.lossName,
                                 {"mse", "cross-entropy"}));
  commandLine.add(group, rt::choiceFlag("target",
                                        "the cross-entropy target: int64 "
                                        "class indices or one probability "
                                        "per class",
                                        flags.targetName,
                                        {"labels", "probabilities"}));
  rt::Flag batch;
  batch.name = "batch";
  batch.valueName = "N";
  batch.help = "the size of the batch dim where the model leaves it dynamic";
  batch.set = [&](const std::string &value) {
    rt::Expected<int64_t> size = rt::parseIntegerValue(value, 1);
    if (!size.ok())
      return size.takeError();
    flags.batchSize = *size;
    return rt::Status::success();
  };
  commandLine.add(group, std::move(batch));
  rt::Flag frozen;
  frozen.name = "frozen";
  frozen.valueName = "NAME,...";
  frozen.help = "initializers to keep constant (not trained)";
  frozen.set = [&](const std::string &value) {
    for (const std::string &name : rt::splitCommas(value))
      flags.frozenNames.push_back(name);
    return rt::Status::success();
  };
  frozen.repeatable = true;
  commandLine.add(group, std::move(frozen));
  commandLine.add(group, rt::textFlag("step-name", "NAME",
                                      "the step's symbol (default: the model "
                                      "file's name without extension)",
                                      flags.stepName));
}

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
  ImportFlags flags;
  rt::CommandLine commandLine(
      "mpt-import",
      "Imports the ONNX forward graph of MODEL.onnx (or its ONNX text form) "
      "as an mpt.train_step with a loss and an optimizer, and writes the "
      "step (-o) and its initial parameters (--init).");
  addImportFlags(commandLine, flags);
  if (rt::Status status = commandLine.parse(argc, argv); !status.ok())
    return fail(status.message());
  if (commandLine.helpRequested()) {
    llvm::outs() << commandLine.help();
    return 0;
  }
  for (auto [name, spelling] : {std::pair{"o", "-o FILE"},
                                {"init", "--init=FILE"},
                                {"optimizer", "--optimizer=ATTR"}})
    if (!commandLine.given(name))
      return fail(llvm::Twine(spelling) +
                  " is required (mpt-import --help lists the flags)");

  DialectRegistry registry;
  registry.insert<mlir::mpt::MPTDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  ImportOptions options;
  options.sourcePath = flags.inputPath;
  options.stepName = flags.stepName.empty() ? defaultStepName(flags.inputPath)
                                            : flags.stepName;
  options.loss =
      flags.lossName == "mse" ? LossKind::MSE : LossKind::CrossEntropy;
  options.target = flags.targetName == "labels" ? TargetKind::Labels
                                                : TargetKind::Probabilities;
  if (commandLine.given("target") && options.loss != LossKind::CrossEntropy)
    return fail("--target applies to --loss=cross-entropy only");
  options.optimizer = parseAttribute(flags.optimizerText, &context);
  if (!options.optimizer ||
      !isa<mlir::mpt::SGDAttr, mlir::mpt::MomentumAttr, mlir::mpt::AdamAttr>(
          options.optimizer))
    return fail("--optimizer must be an #mpt.sgd, #mpt.momentum or #mpt.adam "
                "attribute, found '" +
                flags.optimizerText + "'");
  if (commandLine.given("batch"))
    options.batch = flags.batchSize;
  options.frozen = flags.frozenNames;
  if (flags.outputPath == flags.initPath)
    return fail("-o and --init name the same file '" + flags.outputPath + "'");

  llvm::Expected<onnx::ModelProto> model = loadModel(flags.inputPath);
  if (!model)
    return fail(llvm::toString(model.takeError()));
  llvm::Expected<ImportedStep> step = importModel(*model, options, context);
  if (!step)
    return fail(flags.inputPath + ": " + llvm::toString(step.takeError()));

  // Both files are complete in temporaries before either replaces its
  // destination.
  std::string text;
  llvm::raw_string_ostream os(text);
  step->module->print(os);
  auto stepFile = rt::AtomicFile::create(flags.outputPath);
  if (!stepFile.ok())
    return fail(stepFile.error().message());
  auto initFile = rt::AtomicFile::create(flags.initPath);
  if (!initFile.ok())
    return fail(initFile.error().message());
  if (rt::Status status = (*stepFile).write(text); !status.ok())
    return fail(status.message());
  if (rt::Status status = rt::writeSafetensors(*initFile, step->init.view());
      !status.ok())
    return fail(status.message());
  if (rt::Status status = rt::commitAll({&*stepFile, &*initFile}); !status.ok())
    return fail(status.message());
  return 0;
}
