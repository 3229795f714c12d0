//===- RunFlags.h - mpt-run's command line ----------------------*- C++ -*-===//
//
// mpt-run's own flags (what to compile, how, where it runs, gradient
// checks), registered in the runtime's flag table beside the data and
// training flags every trainer takes, so that the whole command line goes
// through one parser.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_RUNFLAGS_H
#define MPT_TOOLS_MPT_RUN_RUNFLAGS_H

#include "mpt/Runtime/CommandLine.h"
#include "mpt/Runtime/GradientCheck.h"
#include "mpt/Runtime/TrainingSession.h"

#include <cstdint>
#include <string>

namespace mlir {
namespace mpt {

/// mpt-run's own flags: what to compile, how, and where it runs.
struct RunFlags {
  std::string inputPath;
  std::string stepName;
  std::string precision = "fp32";
  std::string ampOptions;
  int64_t threads = 1;
  bool amx = true;
  bool bf16Dot = true;
  /// The largest lhs panels of a GEMM kernel (lhs-panel-bytes).
  int64_t gemmPanelBytes = 256 << 10;
  bool noCache = false;
  bool cacheLog = false;
  bool gradStats = false;
  std::string device = "cpu";
  bool fallbackToCPU = false;
  std::string gpuGemm = "generated";
  std::string gpuChip = "sm_90";
  bool cudaGraphs = true;
  std::string emitTrainerDir;
  std::string checkPrecision = "f64";
  /// Compile the step for a data-parallel job (--mpt-data-parallel); on
  /// by default when an MPI launcher started mpt-run.
  bool dataParallel = false;
  std::string gradCommType = "f32";
  int64_t bucketBytes = 1 << 20;
};

/// Registers mpt-run's command line: the model, its compiler, device and
/// gradient-check flags, and the runtime's data and training flags.
void addRunFlags(::mpt::runtime::CommandLine &commandLine, RunFlags &flags,
                 ::mpt::runtime::SessionOptions &training,
                 ::mpt::runtime::GradientCheckOptions &check);

/// The rules between flags that the table cannot state one flag at a time
/// (a gradient check does not train, --amp-options needs a low precision,
/// ...), and the defaults that depend on others (--data-parallel under an
/// MPI launcher).
::mpt::runtime::Status
checkRunFlags(const ::mpt::runtime::CommandLine &commandLine, RunFlags &flags,
              const ::mpt::runtime::SessionOptions &training);

/// The options of --mpt-data-parallel that the flags ask for.
std::string dataParallelPassOptions(const RunFlags &flags);

/// The options of a gradient check: its own, and the data flags.
::mpt::runtime::GradientCheckOptions
gradientCheckOptions(::mpt::runtime::GradientCheckOptions check,
                     const ::mpt::runtime::SessionOptions &data);

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_RUNFLAGS_H
