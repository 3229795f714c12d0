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

#include "HostFeatures.h"
#include "StepCompiler.h"
#include "TrainerEmitter.h"

#include "mpt/Conversion/Passes.h"
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
#include "mpt/Conversion/GPU/Passes.h"
#endif
#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Runtime/GradientCheck.h"
#include "mpt/Runtime/TrainingFlags.h"
#include "mpt/Runtime/TrainingSession.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <memory>

#include <unistd.h>

using namespace mlir;
namespace rt = ::mpt::runtime;

namespace {
constexpr const char *kCompilerFlagGroup = "Compilation";
constexpr const char *kDeviceFlagGroup = "Devices and trainers";
constexpr const char *kCheckFlagGroup = "Gradient checks";

/// mpt-run's own flags: what to compile, how, and where it runs.
struct CompilerFlags {
  std::string inputPath;
  std::string stepName;
  std::string precision = "fp32";
  std::string ampOptions;
  int64_t threads = 1;
  bool amx = true;
  bool gradStats = false;
  std::string device = "cpu";
  bool fallbackToCPU = false;
  std::string emitTrainerDir;
  std::string checkPrecision = "f64";
};

/// The compiler flags that only make sense for training, which a gradient
/// check refuses.
constexpr const char *kTrainingOnlyCompilerFlags[] = {
    "precision", "amp-options", "grad-stats"};

void addCompilerFlags(rt::CommandLine &commandLine, CompilerFlags &flags) {
  commandLine.setPositional("MODEL.mlir", [&flags](const std::string &path) {
    flags.inputPath = path;
    return rt::Status::success();
  });
  commandLine.add(kCompilerFlagGroup,
                  rt::textFlag("step", "NAME",
                               "The mpt.train_step to train (needed when the "
                               "model holds several)",
                               flags.stepName));
  commandLine.add(
      kCompilerFlagGroup,
      rt::choiceFlag("precision",
                     "fp32: no mixed precision; f16 or bf16: "
                     "--auto-mixed-precision with that compute type",
                     flags.precision, {"fp32", "f16", "bf16"}));
  rt::Flag amp = rt::textFlag(
      "amp-options", "OPTIONS",
      "More options of --auto-mixed-precision, as in a pass pipeline: "
      "\"loss-scale=static:1024 deny-add=mpt.gelu\"",
      flags.ampOptions);
  rt::FlagSetter setText = std::move(amp.set);
  amp.set = [setText = std::move(setText)](const std::string &text) {
    if (text.find("compute-type") != std::string::npos)
      return rt::Status::error("must not set compute-type, got '" + text +
                               "': --precision chooses the compute type");
    return setText(text);
  };
  commandLine.add(kCompilerFlagGroup, std::move(amp));
  commandLine.add(kCompilerFlagGroup,
                  rt::integerFlag("threads", "N",
                                  "Threads for the step's parallel loops; 0 "
                                  "uses every core",
                                  flags.threads, 0,
                                  std::numeric_limits<unsigned>::max()));
  commandLine.add(kCompilerFlagGroup,
                  rt::switchFlag("amx",
                                 "Run bf16 GEMMs on AMX tiles when this CPU "
                                 "has them and the OS grants them; false runs "
                                 "them on the AVX-512 FMA kernel",
                                 flags.amx));
  commandLine.add(kCompilerFlagGroup,
                  rt::switchFlag("grad-stats",
                                 "Report the fraction of gradient elements "
                                 "that are exactly zero, as underflow in a "
                                 "low-precision backward pass leaves them",
                                 flags.gradStats));

  commandLine.add(kDeviceFlagGroup,
                  rt::choiceFlag("device",
                                 "Where the step runs; on cuda the state and "
                                 "batches live in device memory",
                                 flags.device, {"cpu", "cuda"}));
  commandLine.add(kDeviceFlagGroup,
                  rt::switchFlag("fallback-to-cpu",
                                 "With --device=cuda: train on the CPU, with a "
                                 "warning, when there is no CUDA driver or GPU",
                                 flags.fallbackToCPU));
  commandLine.add(kDeviceFlagGroup,
                  rt::textFlag("emit-trainer", "DIR",
                               "Instead of training, write DIR/trainer: an "
                               "executable that trains the step for --device "
                               "without LLVM or MLIR and takes the data and "
                               "training flags",
                               flags.emitTrainerDir));
}

void addGradientCheckFlags(rt::CommandLine &commandLine,
                           rt::GradientCheckOptions &options,
                           std::string &checkPrecision) {
  rt::Flag check = rt::integerFlag(
      "check-gradients", "N",
      "Instead of training, check the gradient of the step's loss against "
      "central differences on N elements of every parameter; smaller "
      "parameters are checked whole",
      options.samples, 1);
  check.implicitValue = std::to_string(options.samples);
  commandLine.add(kCheckFlagGroup, std::move(check));
  commandLine.add(kCheckFlagGroup,
                  rt::choiceFlag("check-precision",
                                 "f64: check the step with its f32 tensors "
                                 "promoted to f64; fp32: as written",
                                 checkPrecision, {"f64", "fp32"}));
  commandLine.add(kCheckFlagGroup,
                  rt::numberFlag("check-step-size", "H",
                                 "The difference step h (default 1e-5 when the "
                                 "function computes in f64, else 1e-3)",
                                 options.stepSize, "> 0"));
  commandLine.add(kCheckFlagGroup,
                  rt::numberFlag("check-tolerance", "R",
                                 "The largest error that passes, relative to "
                                 "the parameter's largest gradient element "
                                 "(default 1e-6 when the function computes in "
                                 "f64, else 5e-2)",
                                 options.tolerance, ">= 0"));
  commandLine.add(kCheckFlagGroup,
                  rt::numberFlag("check-abs-tolerance", "A",
                                 "An absolute error that passes on top of the "
                                 "relative one (default: the rounding error "
                                 "of the differences)",
                                 options.absoluteTolerance, ">= 0"));
}

/// Prints `message` as mpt-run's error after whatever progress was printed.
int fail(const std::string &message) {
  llvm::outs().flush();
  std::fflush(stdout);
  llvm::errs() << "mpt-run: error: " << message << "\n";
  return 1;
}

/// The rules between flags that the table cannot state one flag at a time.
rt::Status checkFlags(const rt::CommandLine &commandLine,
                      const CompilerFlags &flags,
                      const rt::SessionOptions &training) {
  if (commandLine.given("check-gradients")) {
    for (const rt::Flag &flag : commandLine.flags())
      if (flag.given() &&
          (flag.group == rt::kTrainingFlagGroup ||
           llvm::is_contained(kTrainingOnlyCompilerFlags, flag.name)))
        return rt::Status::error("--check-gradients does not train; --" +
                                 flag.name + " does not apply");
    if (!flags.emitTrainerDir.empty())
      return rt::Status::error(
          "--emit-trainer and --check-gradients exclude each other");
    if (flags.device == "cuda")
      return rt::Status::error("--check-gradients runs on the CPU only");
  } else {
    for (const rt::Flag &flag : commandLine.flags())
      if (flag.given() && flag.group == kCheckFlagGroup)
        return rt::Status::error("--" + flag.name + " needs --check-gradients");
    if (flags.precision == "fp32" && commandLine.given("amp-options"))
      return rt::Status::error("--amp-options needs --precision=f16 or bf16");
    if (rt::Status status = rt::checkTrainingFlags(commandLine, training);
        !status.ok())
      return status;
  }
  if (flags.fallbackToCPU && flags.device != "cuda")
    return rt::Status::error("--fallback-to-cpu needs --device=cuda");
  return rt::Status::success();
}

/// The options of a gradient check: its own, and the data flags.
rt::GradientCheckOptions gradientCheckOptions(rt::GradientCheckOptions check,
                                              const rt::SessionOptions &data) {
  check.seed = data.seed.value_or(0);
  check.dataFiles = data.dataFiles;
  check.shuffle = data.shuffle;
  check.scalarInputs = data.scalarInputs;
  check.initPath = data.initPath;
  return check;
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

void printHeader(const rt::StepSignature &signature, llvm::StringRef precision,
                 const rt::TrainingSession &session) {
  int64_t values = 0, params = 0;
  for (const rt::TensorSpec &arg : signature.args)
    if (arg.role == rt::Role::Param) {
      ++params;
      values += arg.numElements();
    }
  llvm::outs() << "step @" << signature.name << ": " << precision << ", "
               << params << " parameters (" << values << " values), "
               << signature.optimizer.describe() << ", batch "
               << signature.batchSize();
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
int train(mlir::mpt::StepCompiler &compiler, llvm::StringRef precision,
          rt::SessionOptions options) {
  auto session =
      rt::TrainingSession::prepare(compiler.signature(), std::move(options));
  if (!session.ok())
    return fail(session.error().message());
  printHeader(compiler.signature(), precision, **session);

  FailureOr<rt::StepFunction> step = compiler.compile();
  if (failed(step))
    return 1;
  rt::HostStepExecutor executor(*step);
  if (rt::Status status =
          (*session)->run(executor, compiler.staticMemoryBytes(), stdout);
      !status.ok())
    return fail(status.message());
  return 0;
}

/// Checks the loaded gradient function; exits with 1 when a parameter is
/// above the tolerance.
int checkGradientsOf(mlir::mpt::StepCompiler &compiler, bool promotedToF64,
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
               << (promotedToF64 ? "f32 promoted to f64"
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

/// Trains on the GPU: the step is compiled ahead of time with the NVVM
/// pipeline into a trainer (see TrainerEmitter.h) in a temporary
/// directory, which then runs with the data and training flags given here.
int trainOnCUDA(mlir::mpt::StepCompiler &compiler, unsigned threads,
                const rt::CommandLine &commandLine) {
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
    std::vector<std::string> args =
        commandLine.arguments({rt::kDataFlagGroup, rt::kTrainingFlagGroup});
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
  CompilerFlags flags;
  rt::SessionOptions training;
  rt::GradientCheckOptions check;
  rt::CommandLine commandLine(
      "mpt-run",
      "Compiles the training step of MODEL.mlir (mixed precision with "
      "--precision) and trains it, JIT-compiled for this CPU or on a CUDA "
      "GPU; or writes a standalone trainer of it (--emit-trainer), or "
      "checks its gradients (--check-gradients).");
  addCompilerFlags(commandLine, flags);
  rt::addDataFlags(commandLine, training);
  rt::addTrainingFlags(commandLine, training);
  addGradientCheckFlags(commandLine, check, flags.checkPrecision);
  if (rt::Status status = commandLine.parse(argc, argv); !status.ok())
    return fail(status.message());
  if (commandLine.helpRequested()) {
    llvm::outs() << commandLine.help();
    return 0;
  }
  if (rt::Status status = checkFlags(commandLine, flags, training);
      !status.ok())
    return fail(status.message());
  bool checking = commandLine.given("check-gradients");
  training.progressBar = isatty(STDOUT_FILENO);

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  mlir::mpt::registerMPTPasses();
  mlir::mpt::registerCPUConversionPasses();
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
  mlir::mpt::registerGPUConversionPasses();
#endif

  mlir::mpt::StepDevice stepDevice = flags.device == "cuda"
                                         ? mlir::mpt::StepDevice::CUDA
                                         : mlir::mpt::StepDevice::CPU;
  if (!mlir::mpt::canEmitTrainerFor(stepDevice))
    return fail("--device=cuda needs MPT built with the CUDA runtime (a CUDA "
                "toolkit at configure time)");
  // Training on the GPU needs the driver; emitting a trainer does not.
  if (stepDevice == mlir::mpt::StepDevice::CUDA && flags.emitTrainerDir.empty())
    if (rt::Status driver = probeCUDADriver(); !driver.ok()) {
      if (!flags.fallbackToCPU)
        return fail("--device=cuda: " + driver.message() +
                    " (use --fallback-to-cpu to train on the CPU instead)");
      llvm::errs() << "mpt-run: warning: --device=cuda: " << driver.message()
                   << "; training on the CPU\n";
      stepDevice = mlir::mpt::StepDevice::CPU;
    }

  MLIRContext context(dialectRegistry());
  std::string openError;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(flags.inputPath, &openError);
  if (!input)
    return fail(openError);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  mlir::mpt::StepCompilerOptions compilerOptions;
  compilerOptions.stepName = flags.stepName;
  compilerOptions.threads = static_cast<unsigned>(flags.threads);
  compilerOptions.amx = flags.amx && mlir::mpt::requestAMX();
  bool promoteF64 = flags.checkPrecision == "f64";
  if (checking) {
    compilerOptions.kind = rt::StepKind::Gradient;
    compilerOptions.promoteF64 = promoteF64;
  } else {
    compilerOptions.precision = flags.precision;
    compilerOptions.ampOptions = flags.ampOptions;
    compilerOptions.exposeGradients = flags.gradStats;
  }
  mlir::mpt::StepCompiler compiler(context, compilerOptions);
  if (failed(compiler.load(sourceMgr)))
    return 1;
  if (!flags.emitTrainerDir.empty()) {
    mlir::mpt::TrainerEmitterOptions emitOptions;
    emitOptions.device = stepDevice;
    emitOptions.outputDir = flags.emitTrainerDir;
    emitOptions.threads = compilerOptions.threads;
    if (failed(mlir::mpt::emitTrainer(compiler, emitOptions)))
      return 1;
    llvm::outs() << "trainer: " << flags.emitTrainerDir << "/trainer\n";
    return 0;
  }
  if (stepDevice == mlir::mpt::StepDevice::CUDA)
    return trainOnCUDA(compiler, compilerOptions.threads, commandLine);
  if (checking)
    return checkGradientsOf(compiler, promoteF64,
                            gradientCheckOptions(std::move(check), training));
  return train(compiler, flags.precision, std::move(training));
}
