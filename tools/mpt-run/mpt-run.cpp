//===- mpt-run.cpp - Train an mpt model on the CPU ------------------------===//
//
// mpt-run model.mlir [options]: compiles the model's training step (mixed
// precision with --precision=f16|bf16), JIT-compiles it for this CPU and
// trains it with the MPT runtime; or, with --check-gradients, compiles the
// gradient function of its loss and checks it against central differences.
// Every input is checked before the compilation starts, and no output file
// is written unless training succeeds.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"
#include "HostFeatures.h"
#include "StepCompiler.h"
#include "TrainerEmitter.h"

#include "mpt/Conversion/CPU/Passes.h"
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
#include "mpt/Conversion/GPU/Passes.h"
#endif
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
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

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
cl::opt<bool> useAMX(
    "amx",
    cl::desc("Run bf16 GEMMs on AMX tiles when this CPU has them and the "
             "OS grants them (default on; off: the AVX-512 FMA kernel)"),
    cl::init(true), cl::cat(category));
cl::opt<bool> gradStats(
    "grad-stats",
    cl::desc("Report the fraction of gradient elements that are exactly "
             "zero (underflow in a low-precision backward pass)"),
    cl::init(false), cl::cat(category));

cl::opt<std::string> checkGradients(
    "check-gradients", cl::ValueOptional, cl::value_desc("N"),
    cl::desc("Instead of training, check the gradient of the step's loss "
             "against central differences on N elements of every parameter "
             "(default 16; smaller parameters whole)"),
    cl::cat(category));
cl::opt<std::string>
    checkPrecision("check-precision",
                   cl::desc("f64 (default): check the step with its f32 "
                            "tensors promoted to f64; fp32: as written"),
                   cl::init("f64"), cl::cat(category));
cl::opt<double> checkStepSize(
    "check-step-size",
    cl::desc("The difference step h (default 1e-5 when the function "
             "computes in f64, else 1e-3)"),
    cl::cat(category));
cl::opt<double> checkTolerance(
    "check-tolerance",
    cl::desc("The largest error that passes, relative to the parameter's "
             "largest gradient element (default 1e-6 when the function "
             "computes in f64, else 5e-2)"),
    cl::cat(category));
cl::opt<double> checkAbsTolerance(
    "check-abs-tolerance",
    cl::desc("An absolute error that passes on top of the relative one "
             "(default: the rounding error of the differences)"),
    cl::cat(category));

cl::opt<std::string>
    device("device",
           cl::desc("cpu (default) or cuda: where the step runs; on cuda the "
                    "state and batches live in device memory"),
           cl::init("cpu"), cl::cat(category));
cl::opt<bool> fallbackToCPU(
    "fallback-to-cpu",
    cl::desc("With --device=cuda: train on the CPU, with a warning, when "
             "there is no CUDA driver or GPU"),
    cl::init(false), cl::cat(category));
cl::opt<std::string> emitTrainerDir(
    "emit-trainer", cl::value_desc("DIR"),
    cl::desc("Instead of training, write DIR/trainer: an executable that "
             "trains the step for --device without LLVM or MLIR"),
    cl::cat(category));

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

/// The options of --check-gradients, which checks instead of training: the
/// training options that make no sense for it are errors.
rt::Expected<rt::GradientCheckOptions> gradientCheckOptions() {
  if (checkPrecision != "f64" && checkPrecision != "fp32")
    return rt::Status::error("--check-precision must be f64 or fp32, got '" +
                             checkPrecision + "'");
  // std::addressof: a cl::list's operator& yields its storage.
  for (cl::Option *option : std::initializer_list<cl::Option *>{
           &precision, &ampOptions, &steps, &resumeFrom, &savePath,
           &checkpointPath, &checkpointEvery, &metricsPath, &printEvery,
           std::addressof(injectAt), &gradStats})
    if (option->getNumOccurrences())
      return rt::Status::error("--check-gradients does not train; --" +
                               option->ArgStr.str() + " does not apply");
  rt::GradientCheckOptions options;
  if (!checkGradients.empty()) {
    char *end = nullptr;
    long long count = std::strtoll(checkGradients.c_str(), &end, 10);
    if (*end || count < 1)
      return rt::Status::error("--check-gradients expects a number of elements "
                               ">= 1, got '" +
                               checkGradients + "'");
    options.samples = count;
  }
  if (checkStepSize.getNumOccurrences())
    options.stepSize = checkStepSize;
  if (checkTolerance.getNumOccurrences())
    options.tolerance = checkTolerance;
  if (checkAbsTolerance.getNumOccurrences())
    options.absoluteTolerance = checkAbsTolerance;
  options.seed = seed;
  options.dataFiles.assign(dataFiles.begin(), dataFiles.end());
  options.shuffle = shuffle;
  rt::Expected<rt::SessionOptions> session = sessionOptions();
  if (!session.ok())
    return session.takeError();
  options.scalarInputs = session->scalarInputs;
  options.initPath = session->initPath;
  return options;
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
/// Trains the loaded step; bad data, init files or output paths are
/// reported before compiling.
int train(mlir::mpt::StepCompiler &compiler, rt::SessionOptions options) {
  auto session =
      rt::TrainingSession::prepare(compiler.signature(), std::move(options));
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

/// Checks the loaded gradient function; exits with 1 when a parameter is
/// above the tolerance.
int checkGradientsOf(mlir::mpt::StepCompiler &compiler,
                     rt::GradientCheckOptions options) {
  const rt::StepSignature &signature = compiler.signature();
  options.computesInF64 = compiler.narrowestTensorFloatWidth() == 64;
  auto check = rt::GradientCheck::prepare(signature, std::move(options));
  if (!check.ok())
    return fail(check.error().message());
  int64_t values = 0;
  for (size_t index : signature.argsWithRole(rt::Role::Param))
    values += signature.args[index].numElements();
  llvm::outs() << "gradient check of @" << signature.name << ": "
               << (checkPrecision == "f64" ? "f32 promoted to f64"
                                           : "the step's own types")
               << ", " << signature.argsWithRole(rt::Role::Param).size()
               << " parameters (" << values << " values), batch "
               << signature.batchSize() << "\n"
               << "data: " << (*check)->data().describe() << "\n";
  llvm::outs().flush();

  FailureOr<rt::StepFunction> function = compiler.compile();
  if (failed(function))
    return 1;
  rt::Expected<bool> passed = (*check)->run(*function, stdout);
  if (!passed.ok())
    return fail(passed.error().message());
  if (!*passed)
    return fail("the gradients do not match the central differences");
  return 0;
}

/// Whether the CUDA driver is installed and sees a GPU: the driver's own
/// error (cuInit's) when not.
rt::Status probeCUDADriver() {
  std::string error;
  llvm::sys::DynamicLibrary driver =
      llvm::sys::DynamicLibrary::getPermanentLibrary("libcuda.so.1", &error);
  if (!driver.isValid())
    return rt::Status::error("no CUDA driver: " + error);
  using InitFn = int (*)(unsigned);
  using NameFn = int (*)(int, const char **);
  auto init = reinterpret_cast<InitFn>(driver.getAddressOfSymbol("cuInit"));
  auto name =
      reinterpret_cast<NameFn>(driver.getAddressOfSymbol("cuGetErrorName"));
  if (!init)
    return rt::Status::error("the CUDA driver libcuda.so.1 has no cuInit");
  int code = init(0);
  if (code == 0)
    return rt::Status::success();
  const char *text = nullptr;
  if (name)
    name(code, &text);
  return rt::Status::error(
      "cuInit failed: " + std::string(text ? text : "CUDA error") + " (" +
      std::to_string(code) + ")");
}

/// The training flags of this command line, as the emitted trainer takes
/// them.
std::vector<std::string> trainingArguments(int argc, char **argv) {
  static const char *const kFlags[] = {"steps",
                                       "seed",
                                       "data",
                                       "scalar",
                                       "shuffle",
                                       "init",
                                       "resume",
                                       "save",
                                       "checkpoint",
                                       "checkpoint-every",
                                       "metrics",
                                       "print-every",
                                       "inject-nonfinite-grad-at"};
  std::vector<std::string> forwarded;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    llvm::StringRef flag = arg.ltrim('-').split('=').first;
    if (arg.starts_with("-") && llvm::is_contained(kFlags, flag))
      forwarded.push_back("--" + arg.ltrim('-').str());
  }
  return forwarded;
}

/// Trains on the GPU: the step is compiled ahead of time with the NVVM
/// pipeline into a trainer (see TrainerEmitter.h) in a temporary
/// directory, which then runs the same training flags.
int trainOnCUDA(mlir::mpt::StepCompiler &compiler, unsigned threads, int argc,
                char **argv) {
  llvm::SmallString<128> base;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("mpt-run-cuda", base))
    return fail("cannot create a temporary directory: " + ec.message());
  std::string dir = (base + "/out").str();
  mlir::mpt::TrainerEmitterOptions options;
  options.device = mlir::mpt::StepDevice::CUDA;
  options.outputDir = dir;
  options.threads = threads;
  int rc = 1;
  if (succeeded(mlir::mpt::emitTrainer(compiler, options))) {
    std::string trainer = dir + "/trainer";
    std::vector<std::string> args = trainingArguments(argc, argv);
    llvm::SmallVector<llvm::StringRef> argvRefs{trainer};
    argvRefs.append(args.begin(), args.end());
    llvm::outs().flush();
    rc = llvm::sys::ExecuteAndWait(trainer, argvRefs);
  }
  llvm::sys::fs::remove_directories(base);
  return rc == 0 ? 0 : 1;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  mlir::mpt::registerMPTPasses();
  mlir::mpt::registerCPUConversionPasses();
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
  mlir::mpt::registerGPUConversionPasses();
#endif
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

  bool checking = checkGradients.getNumOccurrences() > 0;
  std::optional<rt::GradientCheckOptions> checkOptions;
  std::optional<rt::SessionOptions> trainOptions;
  if (checking) {
    rt::Expected<rt::GradientCheckOptions> options = gradientCheckOptions();
    if (!options.ok())
      return fail(options.error().message());
    checkOptions = std::move(*options);
  } else {
    for (cl::Option *option : std::initializer_list<cl::Option *>{
             &checkPrecision, &checkStepSize, &checkTolerance,
             &checkAbsTolerance})
      if (option->getNumOccurrences())
        return fail("--" + option->ArgStr.str() + " needs --check-gradients");
    if (rt::Status status = checkCompilerFlags(); !status.ok())
      return fail(status.message());
    rt::Expected<rt::SessionOptions> options = sessionOptions();
    if (!options.ok())
      return fail(options.error().message());
    trainOptions = std::move(*options);
  }

  if (device != "cpu" && device != "cuda")
    return fail("--device must be cpu or cuda, got '" + device + "'");
  if (fallbackToCPU && device != "cuda")
    return fail("--fallback-to-cpu needs --device=cuda");
  if (!emitTrainerDir.empty() && checking)
    return fail("--emit-trainer and --check-gradients exclude each other");
  if (checking && device == "cuda")
    return fail("--check-gradients runs on the CPU only");
  mlir::mpt::StepDevice stepDevice = device == "cuda"
                                         ? mlir::mpt::StepDevice::CUDA
                                         : mlir::mpt::StepDevice::CPU;
  if (!mlir::mpt::canEmitTrainerFor(stepDevice))
    return fail("--device=cuda needs MPT built with the CUDA runtime (a CUDA "
                "toolkit at configure time)");
  // Training on the GPU needs the driver; emitting a trainer does not.
  if (stepDevice == mlir::mpt::StepDevice::CUDA && emitTrainerDir.empty())
    if (rt::Status driver = probeCUDADriver(); !driver.ok()) {
      if (!fallbackToCPU)
        return fail("--device=cuda: " + driver.message() +
                    " (use --fallback-to-cpu to train on the CPU instead)");
      llvm::errs() << "mpt-run: warning: --device=cuda: " << driver.message()
                   << "; training on the CPU\n";
      stepDevice = mlir::mpt::StepDevice::CPU;
    }

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
  compilerOptions.stepName = stepName;
  compilerOptions.threads = threads;
  compilerOptions.amx = useAMX && mlir::mpt::requestAMX();
  if (checking) {
    compilerOptions.kind = rt::StepKind::Gradient;
    compilerOptions.promoteF64 = checkPrecision == "f64";
  } else {
    compilerOptions.precision = precision;
    compilerOptions.ampOptions = ampOptions;
    compilerOptions.exposeGradients = gradStats;
  }
  mlir::mpt::StepCompiler compiler(context, compilerOptions);
  if (failed(compiler.load(sourceMgr)))
    return 1;
  if (!emitTrainerDir.empty()) {
    mlir::mpt::TrainerEmitterOptions emitOptions;
    emitOptions.device = stepDevice;
    emitOptions.outputDir = emitTrainerDir;
    emitOptions.threads = threads;
    if (failed(mlir::mpt::emitTrainer(compiler, emitOptions)))
      return 1;
    llvm::outs() << "trainer: " << emitTrainerDir << "/trainer\n";
    return 0;
  }
  if (stepDevice == mlir::mpt::StepDevice::CUDA)
    return trainOnCUDA(compiler, threads, argc, argv);
  return checking ? checkGradientsOf(compiler, std::move(*checkOptions))
                  : train(compiler, std::move(*trainOptions));
}
