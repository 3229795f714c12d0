//===- RunFlags.cpp - mpt-run's command line ------------------------------===//

#include "RunFlags.h"

#include "mpt/Runtime/Communicator.h"
#include "mpt/Runtime/TrainingFlags.h"

#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir::mpt;
namespace rt = ::mpt::runtime;

namespace {
constexpr const char *kCompilerFlagGroup = "Compilation";
constexpr const char *kDeviceFlagGroup = "Devices and trainers";
constexpr const char *kCheckFlagGroup = "Gradient checks";
constexpr const char *kDataParallelFlagGroup = "Data-parallel compilation";

/// The compiler flags that only make sense for training, which a gradient
/// check refuses.
constexpr const char *kTrainingOnlyCompilerFlags[] = {
    "precision",     "amp-options",    "grad-stats",
    "data-parallel", "grad-comm-type", "bucket-bytes"};

void addCompilerFlags(rt::CommandLine &commandLine, RunFlags &flags) {
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
                  rt::switchFlag("bf16-dot",
                                 "Run bf16 GEMMs on the AVX512-BF16 "
                                 "dot-product kernel (vdpbf16ps) when this CPU "
                                 "has it; false runs them on the FMA kernel",
                                 flags.bf16Dot));
  commandLine.add(kCompilerFlagGroup,
                  rt::integerFlag("gemm-panel-bytes", "N",
                                  "The most bytes a GEMM's packed lhs may "
                                  "take: a larger lhs is packed and computed "
                                  "in chunks of rows; 0 packs it whole",
                                  flags.gemmPanelBytes, 0));
  commandLine.add(kCompilerFlagGroup,
                  rt::switchFlag("no-cache",
                                 "Compile the step even when the compile "
                                 "cache ($MPT_CACHE_DIR, default ~/.cache/mpt) "
                                 "holds it, and do not store it there",
                                 flags.noCache));
  commandLine.add(kCompilerFlagGroup,
                  rt::switchFlag("cache-log",
                                 "Report on stderr whether the compiled step "
                                 "came from the compile cache or was stored "
                                 "there",
                                 flags.cacheLog));
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
                  rt::choiceFlag("gpu-gemm",
                                 "With --device=cuda: the step's matrix "
                                 "products as MPT's generated kernels, or as "
                                 "cuBLASLt calls where it can compute them "
                                 "(the trainer then loads libcublasLt)",
                                 flags.gpuGemm, {"generated", "cublaslt"}));
  commandLine.add(kDeviceFlagGroup,
                  rt::textFlag("gpu-chip", "sm_XY[a]",
                               "With --device=cuda: the GPU the step's "
                               "kernels are compiled for, which also runs "
                               "on later GPUs through the PTX (default "
                               "sm_90); sm_90a adds Hopper's wgmma GEMMs, "
                               "which run on H100 and H200 only",
                               flags.gpuChip));
  commandLine.add(kDeviceFlagGroup,
                  rt::switchFlag("cuda-graphs",
                                 "With --device=cuda: capture the step once in "
                                 "a CUDA graph and replay it; false launches "
                                 "its kernels directly every step",
                                 flags.cudaGraphs));
  commandLine.add(kDeviceFlagGroup,
                  rt::textFlag("emit-trainer", "DIR",
                               "Instead of training, write DIR/trainer: an "
                               "executable that trains the step for --device "
                               "without LLVM or MLIR and takes the data and "
                               "training flags",
                               flags.emitTrainerDir));
}

void addDataParallelCompilerFlags(rt::CommandLine &commandLine,
                                  RunFlags &flags) {
  commandLine.add(
      kDataParallelFlagGroup,
      rt::switchFlag("data-parallel",
                     "Compile the step for a data-parallel job: the gradients "
                     "are averaged over the ranks (--mpt-data-parallel). On "
                     "by default under an MPI launcher (mpirun); an emitted "
                     "trainer needs it to run under one",
                     flags.dataParallel));
  commandLine.add(kDataParallelFlagGroup,
                  rt::choiceFlag("grad-comm-type",
                                 "The type the gradients travel in: f32, or "
                                 "f16/bf16 compressed (divided by the ranks "
                                 "first, widened after)",
                                 flags.gradCommType, {"f32", "f16", "bf16"}));
  commandLine.add(kDataParallelFlagGroup,
                  rt::integerFlag("bucket-bytes", "N",
                                  "Gradients smaller than N bytes share "
                                  "messages of up to N bytes; 0 sends each "
                                  "alone",
                                  flags.bucketBytes, 0));
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

} // namespace

void mlir::mpt::addRunFlags(rt::CommandLine &commandLine, RunFlags &flags,
                            rt::SessionOptions &training,
                            rt::GradientCheckOptions &check) {
  addCompilerFlags(commandLine, flags);
  rt::addDataFlags(commandLine, training);
  rt::addTrainingFlags(commandLine, training);
  addDataParallelCompilerFlags(commandLine, flags);
  addGradientCheckFlags(commandLine, check, flags.checkPrecision);
}

rt::Status mlir::mpt::checkRunFlags(const rt::CommandLine &commandLine,
                                    RunFlags &flags,
                                    const rt::SessionOptions &training) {
  if (std::optional<rt::JobLauncher> launcher = rt::jobLauncher()) {
    std::string why = std::string(" (") + launcher->name() +
                      " started mpt-run: " + launcher->variable + " is set)";
    if (commandLine.given("check-gradients"))
      return rt::Status::error("--check-gradients runs in one process" + why);
    if (!flags.emitTrainerDir.empty())
      return rt::Status::error(
          "--emit-trainer writes one trainer: run it without a launcher, "
          "with --data-parallel, and run the trainer under the launcher" +
          why);
    if (!commandLine.given("data-parallel"))
      flags.dataParallel = true;
  }
  if (!flags.dataParallel)
    for (const char *name : {"grad-comm-type", "bucket-bytes"})
      if (commandLine.given(name))
        return rt::Status::error(std::string("--") + name +
                                 " needs --data-parallel (on by default "
                                 "under a launcher)");
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
    if (flags.device == "cuda" && !training.validationFiles.empty())
      return rt::Status::error("--validate runs on the CPU only (a GPU "
                               "trainer has no evaluation function)");
  }
  if (flags.fallbackToCPU && flags.device != "cuda")
    return rt::Status::error("--fallback-to-cpu needs --device=cuda");
  if (commandLine.given("gpu-gemm") && flags.device != "cuda")
    return rt::Status::error("--gpu-gemm needs --device=cuda");
  if (commandLine.given("gpu-chip") && flags.device != "cuda")
    return rt::Status::error("--gpu-chip needs --device=cuda");
  if (commandLine.given("cuda-graphs") &&
      (flags.device != "cuda" || !flags.emitTrainerDir.empty()))
    return rt::Status::error("--cuda-graphs needs --device=cuda and no "
                             "--emit-trainer (an emitted trainer takes it)");
  return rt::Status::success();
}

std::string mlir::mpt::dataParallelPassOptions(const RunFlags &flags) {
  return "comm-type=" + flags.gradCommType +
         " bucket-bytes=" + std::to_string(flags.bucketBytes);
}

rt::GradientCheckOptions
mlir::mpt::gradientCheckOptions(rt::GradientCheckOptions check,
                                const rt::SessionOptions &data) {
  check.seed = data.seed.value_or(0);
  check.dataFiles = data.dataFiles;
  check.shuffle = data.shuffle;
  check.scalarInputs = data.scalarInputs;
  check.initPath = data.initPath;
  return check;
}
