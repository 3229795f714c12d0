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

#include "CompileCache.h"
#include "HostFeatures.h"
#include "RunFlags.h"
#include "StepCompiler.h"
#include "TrainerEmitter.h"

#include "mpt/Conversion/CPU/Passes.h"
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
#include "mpt/Conversion/GPU/Passes.h"
#endif
#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Runtime/Communicator.h"
#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/GradientCheck.h"
#include "mpt/Runtime/Sizes.h"
#include "mpt/Runtime/TrainingFlags.h"
#include "mpt/Runtime/TrainingSession.h"
#include "mpt/Support/CommandLineDiagnostics.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

using namespace mlir;
namespace rt = ::mpt::runtime;

namespace {
/// Prints `message` as mpt-run's error after whatever progress was printed.
int fail(const std::string &message) {
  llvm::outs().flush();
  std::fflush(stdout);
  // One write: the ranks of a job share the launcher's stderr, and pieces
  // of their lines would interleave.
  llvm::errs() << std::string(rt::programName()) + ": error: " + message + "\n";
  return 1;
}

/// A fatal error inside LLVM (the JIT cannot allocate the sections of the
/// compiled step, ...) ends as every error of mpt-run does, in one line.
void onLLVMFatalError(void *, const char *reason, bool) {
  char message[512];
  std::snprintf(message, sizeof(message), "LLVM failed: %s", reason);
  rt::exitWithError(message);
}

void onLLVMOutOfMemory(void *, const char *reason, bool) {
  char message[512];
  std::snprintf(message, sizeof(message), "out of memory: %s", reason);
  rt::exitWithError(message);
}

/// Makes a rank that fails leave its job without waiting for the others
/// (which may be waiting for it): the launcher then stops them.
class LeaveJobOnError {
public:
  explicit LeaveJobOnError(rt::Communicator *job) : job(job) {}
  ~LeaveJobOnError() {
    if (job)
      job->abandon();
  }
  void release() { job = nullptr; }

private:
  rt::Communicator *job;
};

/// The exit status of a run: 128 + the signal that stopped it early (as a
/// shell reports a process killed by it), else 0.
int exitStatus(const rt::TrainingSummary &summary) {
  return summary.stopSignal ? 128 + summary.stopSignal : 0;
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
                 const rt::TrainingSession &session,
                 llvm::StringRef jobDescription) {
  uint64_t values = 0, params = 0;
  for (const rt::TensorSpec &arg : signature.args)
    if (arg.role == rt::Role::Param) {
      ++params;
      values = rt::saturatingAdd(values, arg.numElements());
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
  if (!jobDescription.empty())
    llvm::outs() << jobDescription << "\n";
  llvm::outs() << "data: " << session.data().describe() << "\n";
  if (const rt::Validator *validation = session.validation())
    llvm::outs() << "validation: " << validation->describe() << "\n";
  if (session.state().step() > 0)
    llvm::outs() << "resuming after step " << session.state().step() << "\n";
  llvm::outs().flush();
}
/// Trains the loaded step; bad data, init files or output paths are
/// reported before compiling.
int train(mlir::mpt::StepCompiler &compiler, llvm::StringRef precision,
          rt::SessionOptions options, llvm::StringRef jobDescription) {
  rt::setOutputsNote("nothing was written");
  rt::Communicator *job = options.communicator;
  auto session = rt::TrainingSession::prepare(
      compiler.signature(), std::move(options), compiler.evaluationSignature());
  if (!session.ok())
    return fail(session.error().message());
  if (!job || job->rank() == 0)
    printHeader(compiler.signature(), precision, **session, jobDescription);

  if (failed(compiler.compileObjects()))
    return 1;
  // The JIT maps the step's static scratch at once: refuse it first.
  if (rt::Status status =
          (*session)->checkCompiledStep(compiler.staticMemoryBytes());
      !status.ok())
    return fail(status.message());
  FailureOr<rt::StepFunction> step = compiler.link();
  if (failed(step))
    return 1;
  rt::StepFunction evaluate = nullptr;
  if (compiler.evaluationSignature()) {
    FailureOr<rt::StepFunction> compiled = compiler.compiledEvaluation();
    if (failed(compiled))
      return 1;
    evaluate = *compiled;
  }
  rt::HostStepExecutor executor(*step);
  rt::Expected<rt::TrainingSummary> summary =
      (*session)->run(executor, compiler.staticMemoryBytes(), stdout, evaluate);
  if (!summary.ok())
    return fail(summary.error().message());
  return exitStatus(*summary);
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
  uint64_t values = 0;
  for (size_t index : signature.argsWithRole(rt::Role::Param))
    values = rt::saturatingAdd(values, signature.args[index].numElements());
  llvm::outs() << "gradient check of @" << signature.name << ": "
               << (promotedToF64 ? "f32 promoted to f64"
                                 : "the step's own types")
               << ", " << signature.argsWithRole(rt::Role::Param).size()
               << " parameters (" << values << " values), batch "
               << signature.batchSize() << "\n"
               << "data: " << (*check)->data().describe() << "\n";
  llvm::outs().flush();

  rt::setOutputsNote("nothing was written");
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
/// directory, and mpt-run becomes that trainer, with the data and training
/// flags given here (and --cuda-graphs): it gets the signals (Ctrl-C stops it
/// as it stops a CPU run) and its exit status is mpt-run's. The trainer's file
/// is removed before it starts; it runs from the open file.
int trainOnCUDA(mlir::mpt::StepCompiler &compiler, unsigned threads,
                const rt::CommandLine &commandLine, bool cudaGraphs) {
  llvm::SmallString<128> base;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("mpt-run-cuda", base))
    return fail("cannot create a temporary directory: " + ec.message());
  std::string dir = (base + "/out").str();
  mlir::mpt::TrainerEmitterOptions options;
  options.device = mlir::mpt::StepDevice::CUDA;
  options.outputDir = dir;
  options.threads = threads;
  bool emitted = succeeded(mlir::mpt::emitTrainer(compiler, options));
  int trainer =
      emitted ? open((dir + "/trainer").c_str(), O_RDONLY | O_CLOEXEC) : -1;
  int openError = errno;
  llvm::sys::fs::remove_directories(base);
  if (!emitted)
    return 1;
  if (trainer < 0)
    return fail("cannot open the GPU trainer: " +
                std::string(std::strerror(openError)));
  // The trainer names itself after argv[0]: its messages are mpt-run's.
  std::vector<std::string> args{"mpt-run"};
  for (const std::string &arg :
       commandLine.arguments({rt::kDataFlagGroup, rt::kTrainingFlagGroup}))
    args.push_back(arg);
  if (!cudaGraphs)
    args.push_back("--cuda-graphs=false");
#ifdef MPT_COMM_MPI_LIBRARY
  // Under mpirun the trainer joins the job with the MPI backend mpt-run was
  // built with, which is not beside it.
  setenv("MPT_COMM_BACKEND", MPT_COMM_MPI_LIBRARY, /*overwrite=*/0);
#endif
  std::vector<char *> argv;
  for (std::string &arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  llvm::outs().flush();
  std::fflush(stdout);
  fexecve(trainer, argv.data(), environ);
  return fail("cannot run the GPU trainer: " +
              std::string(std::strerror(errno)));
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  rt::setProgramName("mpt-run");
  rt::installFailureHandlers();
  llvm::install_fatal_error_handler(onLLVMFatalError);
  llvm::install_bad_alloc_error_handler(onLLVMOutOfMemory);
  mlir::mpt::RunFlags flags;
  rt::SessionOptions training;
  rt::GradientCheckOptions check;
  rt::CommandLine commandLine(
      "mpt-run",
      "Compiles the training step of MODEL.mlir (mixed precision with "
      "--precision) and trains it, JIT-compiled for this CPU or on a CUDA "
      "GPU; or writes a standalone trainer of it (--emit-trainer), or "
      "checks its gradients (--check-gradients).");
  mlir::mpt::addRunFlags(commandLine, flags, training, check);
  if (rt::Status status = commandLine.parse(argc, argv); !status.ok())
    return fail(status.message());
  if (commandLine.helpRequested()) {
    llvm::outs() << commandLine.help();
    return 0;
  }
  if (rt::Status status =
          mlir::mpt::checkRunFlags(commandLine, flags, training);
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

  // Under a launcher this process is a rank of a data-parallel job (a GPU
  // run's trainer joins it itself, as mpt-run becomes the trainer).
  std::unique_ptr<rt::Communicator> job;
  if (rt::jobLauncher() && stepDevice == mlir::mpt::StepDevice::CPU) {
    rt::Expected<std::unique_ptr<rt::Communicator>> opened =
        rt::openCommunicator({training.commTimeoutSeconds});
    if (!opened.ok())
      return fail(opened.error().message());
    job = std::move(*opened);
  }
  LeaveJobOnError leave(job.get());
  std::string jobDescription;
  if (job && job->worldSize() > 1) {
    static std::string name = "mpt-run (rank " + std::to_string(job->rank()) +
                              " of " + std::to_string(job->worldSize()) + ")";
    rt::setProgramName(name.c_str());
    if (!flags.dataParallel)
      return fail("--data-parallel=false compiles a step that would train "
                  "alone on each of the " +
                  std::to_string(job->worldSize()) + " ranks");
    rt::setStepCommunicator(job.get());
    training.communicator = job.get();
    jobDescription = "data parallel: " + std::to_string(job->worldSize()) +
                     " ranks (" + job->engine() + "), gradients averaged in " +
                     flags.gradCommType + ", buckets of " +
                     std::to_string(flags.bucketBytes) + " bytes";
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
  mlir::mpt::CommandLineDiagnosticHandler commandLineDiagnostics(&context,
                                                                 "mpt-run");

  mlir::mpt::StepCompilerOptions compilerOptions;
  compilerOptions.stepName = flags.stepName;
  compilerOptions.threads = static_cast<unsigned>(flags.threads);
  compilerOptions.amx = flags.amx && mlir::mpt::requestAMX();
  compilerOptions.kernelOptions = mlir::mpt::hostKernelOptions(flags.bf16Dot);
  compilerOptions.kernelOptions +=
      " lhs-panel-bytes=" + std::to_string(flags.gemmPanelBytes);
  if (!flags.noCache) {
    llvm::Expected<mlir::mpt::CompileCacheConfig> cache =
        mlir::mpt::compileCacheConfigFromEnvironment();
    if (!cache)
      return fail(llvm::toString(cache.takeError()));
    compilerOptions.cache = std::move(*cache);
  }
  compilerOptions.logCache = flags.cacheLog;
  compilerOptions.gpuGemm = flags.gpuGemm;
  compilerOptions.gpuChip = flags.gpuChip;
  bool promoteF64 = flags.checkPrecision == "f64";
  if (checking) {
    compilerOptions.kind = rt::StepKind::Gradient;
    compilerOptions.promoteF64 = promoteF64;
  } else {
    compilerOptions.precision = flags.precision;
    compilerOptions.ampOptions = flags.ampOptions;
    compilerOptions.exposeGradients = flags.gradStats;
    if (flags.dataParallel)
      compilerOptions.dataParallel = mlir::mpt::dataParallelPassOptions(flags);
    // Validation, and the CPU trainers that may be asked for it, need the
    // evaluation function.
    using Evaluation = mlir::mpt::StepCompilerOptions::Evaluation;
    if (!training.validationFiles.empty())
      compilerOptions.evaluation = Evaluation::Required;
    else if (!flags.emitTrainerDir.empty() &&
             stepDevice == mlir::mpt::StepDevice::CPU)
      compilerOptions.evaluation = Evaluation::IfPossible;
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
    return trainOnCUDA(compiler, compilerOptions.threads, commandLine,
                       flags.cudaGraphs);
  if (checking)
    return checkGradientsOf(
        compiler, promoteF64,
        mlir::mpt::gradientCheckOptions(std::move(check), training));
  int status =
      train(compiler, flags.precision, std::move(training), jobDescription);
  // A run stopped by a signal stopped on every rank after the same step.
  if (status != 1)
    leave.release();
  return status;
}
