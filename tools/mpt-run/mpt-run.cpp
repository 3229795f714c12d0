//===- mpt-run.cpp - Train an mpt model on the CPU ------------------------===//
//
// mpt-run model.mlir [options]: compiles the model's training step (mixed
// precision with --precision=f16|bf16), JIT-compiles it for this CPU and
// trains it with the MPT runtime. Every input is checked before the
// compilation starts, and no output file is written unless training
// succeeds.
//
//===----------------------------------------------------------------------===//

#include "StepCompiler.h"

#include "mpt/Conversion/Passes.h"
#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Runtime/TrainingSession.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;
namespace rt = ::mpt::runtime;

namespace {
cl::OptionCategory category("mpt-run options");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> stepName("step",
                              cl::desc("The mpt.train_step to train (needed "
                                       "when the model holds several)"),
                              cl::cat(category));
cl::opt<std::string>
    precision("precision",
              cl::desc("fp32 (no mixed precision), f16 or bf16 (runs "
                       "--auto-mixed-precision with that compute type)"),
              cl::init("fp32"), cl::cat(category));
cl::opt<std::string>
    ampOptions("amp-options",
               cl::desc("Options passed on to --auto-mixed-precision, e.g. "
                        "\"loss-scale=static:1024 deny-add=mpt.gelu\""),
               cl::cat(category));
cl::opt<int64_t> steps("steps", cl::desc("Steps to train (default 100)"),
                       cl::init(100), cl::cat(category));
cl::list<std::string>
    dataFiles("data",
              cl::desc("One .npy file per batched input, in order or as "
                       "name=path (default: a synthetic regression task)"),
              cl::CommaSeparated, cl::cat(category));
cl::list<std::string>
    scalarValues("scalar",
                 cl::desc("NAME=VALUE for each scalar (rank-0) batch input"),
                 cl::CommaSeparated, cl::cat(category));
cl::opt<bool> shuffle("shuffle",
                      cl::desc("Shuffle the samples every epoch (default on)"),
                      cl::init(true), cl::cat(category));
cl::opt<uint64_t> seed("seed",
                       cl::desc("Seed of init, data order and synthetic data "
                                "(default 0; when resuming, the checkpoint's)"),
                       cl::cat(category));
cl::opt<std::string>
    initFrom("init",
             cl::desc("'seeded' (default) or a safetensors file of the "
                      "initial parameters"),
             cl::init("seeded"), cl::cat(category));
cl::opt<std::string> resumeFrom("resume",
                                cl::desc("Continue from a checkpoint"),
                                cl::cat(category));
cl::opt<std::string> savePath("save",
                              cl::desc("Write the trained parameters "
                                       "(safetensors)"),
                              cl::cat(category));
cl::opt<std::string>
    checkpointPath("checkpoint",
                   cl::desc("Write a checkpoint (safetensors) at the end"),
                   cl::cat(category));
cl::opt<int64_t>
    checkpointEvery("checkpoint-every",
                    cl::desc("Also write the checkpoint every N steps"),
                    cl::init(0), cl::cat(category));
cl::opt<std::string> metricsPath("metrics",
                                 cl::desc("Write per-step metrics (CSV)"),
                                 cl::cat(category));
cl::opt<int64_t> printEvery("print-every",
                            cl::desc("Print a loss line every N steps (0: "
                                     "only the summary; default 10)"),
                            cl::init(10), cl::cat(category));
cl::list<int64_t> injectAt(
    "inject-nonfinite-grad-at",
    cl::desc("Make the gradients of these steps non-finite (NaN batch)"),
    cl::CommaSeparated, cl::cat(category));
cl::opt<bool> gradStats(
    "grad-stats",
    cl::desc("Report the fraction of gradient elements that are exactly "
             "zero (underflow in a low-precision backward pass)"),
    cl::init(false), cl::cat(category));

/// Prints `message` as mpt-run's error after whatever progress was printed.
int fail(const std::string &message) {
  llvm::outs().flush();
  std::fflush(stdout);
  llvm::errs() << "mpt-run: error: " << message << "\n";
  return 1;
}

/// The training options from the command line; flag errors are reported
/// here, file errors by the session.
rt::Expected<rt::SessionOptions> sessionOptions() {
  rt::SessionOptions options;
  options.steps = steps;
  if (seed.getNumOccurrences())
    options.seed = seed;
  options.dataFiles.assign(dataFiles.begin(), dataFiles.end());
  options.shuffle = shuffle;
  for (const std::string &item : scalarValues) {
    size_t equals = item.find('=');
    char *end = nullptr;
    double value = equals == std::string::npos
                       ? 0
                       : std::strtod(item.c_str() + equals + 1, &end);
    if (equals == std::string::npos || equals + 1 == item.size() || *end)
      return rt::Status::error("--scalar expects NAME=VALUE, got '" + item +
                               "'");
    options.scalarInputs[item.substr(0, equals)] = value;
  }
  if (initFrom != "seeded")
    options.initPath = initFrom;
  if (initFrom.getNumOccurrences() && !resumeFrom.empty())
    return rt::Status::error("--init and --resume exclude each other");
  options.resumePath = resumeFrom;
  options.savePath = savePath;
  options.checkpointPath = checkpointPath;
  if (checkpointEvery < 0 || (checkpointEvery > 0 && checkpointPath.empty()))
    return rt::Status::error(
        "--checkpoint-every needs --checkpoint and a count >= 1");
  options.checkpointEvery = checkpointEvery;
  options.metricsPath = metricsPath;
  if (printEvery < 0)
    return rt::Status::error("--print-every must be >= 0");
  options.printEvery = printEvery;
  options.progressBar = isatty(STDOUT_FILENO);
  options.injectNonfiniteAt.insert(injectAt.begin(), injectAt.end());
  return options;
}

rt::Status checkCompilerFlags() {
  if (precision != "fp32" && precision != "f16" && precision != "bf16")
    return rt::Status::error("--precision must be fp32, f16 or bf16, got '" +
                             precision + "'");
  if (precision == "fp32" && !ampOptions.empty())
    return rt::Status::error("--amp-options needs --precision=f16 or bf16");
  if (ampOptions.find("compute-type") != std::string::npos)
    return rt::Status::error(
        "--amp-options must not set compute-type; use --precision");
  return rt::Status::success();
}

/// Every dialect the pipeline passes through, down to LLVM IR.
DialectRegistry dialectRegistry() {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::mpt::MPTDialect>();
  mlir::mpt::registerAdjointInterfaceModels(registry);
  return registry;
}

void printHeader(const rt::StepSignature &signature,
                 const rt::TrainingSession &session) {
  int64_t values = 0, params = 0;
  for (const rt::TensorSpec &arg : signature.args)
    if (arg.role == rt::Role::Param) {
      ++params;
      values += arg.numElements();
    }
  llvm::outs() << "step @" << signature.name << ": " << precision << ", "
               << params << " parameters (" << values << " values), "
               << signature.optimizer << ", batch " << signature.batchSize();
  switch (signature.lossScale.mode) {
  case rt::LossScaleMode::None:
    llvm::outs() << ", no loss scaling\n";
    break;
  case rt::LossScaleMode::Static:
    llvm::outs() << ", static loss scale "
                 << llvm::format("%g", signature.lossScale.init) << "\n";
    break;
  case rt::LossScaleMode::Dynamic:
    llvm::outs() << ", dynamic loss scale from "
                 << llvm::format("%g", signature.lossScale.init) << "\n";
    break;
  }
  llvm::outs() << "data: " << session.data().describe() << "\n";
  if (session.state().step() > 0)
    llvm::outs() << "resuming after step " << session.state().step() << "\n";
  llvm::outs().flush();
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  mlir::mpt::registerMPTPasses();
  mlir::mpt::registerCPUConversionPasses();
  // libLLVM registers a general --threads of its own; mpt-run's replaces it.
  auto &registered = cl::getRegisteredOptions();
  if (auto existing = registered.find("threads"); existing != registered.end())
    existing->second->removeArgument();
  cl::opt<unsigned> threads(
      "threads",
      cl::desc("Threads for the step's parallel loops (default 1; 0: every "
               "core)"),
      cl::init(1), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "mpt-run: compile an mpt training step for this CPU and train it\n");

  if (rt::Status status = checkCompilerFlags(); !status.ok())
    return fail(status.message());
  rt::Expected<rt::SessionOptions> options = sessionOptions();
  if (!options.ok())
    return fail(options.error().message());

  MLIRContext context(dialectRegistry());
  std::string openError;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputPath, &openError);
  if (!input)
    return fail(openError);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  mlir::mpt::StepCompilerOptions compilerOptions;
  compilerOptions.precision = precision;
  compilerOptions.ampOptions = ampOptions;
  compilerOptions.stepName = stepName;
  compilerOptions.exposeGradients = gradStats;
  compilerOptions.threads = threads;
  mlir::mpt::StepCompiler compiler(context, compilerOptions);
  if (failed(compiler.load(sourceMgr)))
    return 1;

  // Bad data, init files or output paths are reported before compiling.
  auto session =
      rt::TrainingSession::prepare(compiler.signature(), std::move(*options));
  if (!session.ok())
    return fail(session.error().message());
  printHeader(compiler.signature(), **session);

  FailureOr<rt::StepFunction> step = compiler.compile();
  if (failed(step))
    return 1;
  if (rt::Status status =
          (*session)->run(*step, compiler.staticMemoryBytes(), stdout);
      !status.ok())
    return fail(status.message());
  return 0;
}
