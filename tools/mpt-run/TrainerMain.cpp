//===- TrainerMain.cpp - The main of an ahead-of-time trainer -------------===//
//
// `mpt-run --emit-trainer` links this file with the object code of one
// compiled step and MPT's runtime into a trainer that needs neither LLVM nor
// MLIR. The object exports the step as `mpt_trainer_step`, its signature as
// `mpt_trainer_signature` and the bytes of its static memory as
// `mpt_trainer_static_bytes`, whatever the step is called; a CPU trainer's
// also exports the step's evaluation function, for --validate, as
// `mpt_trainer_evaluate` with `mpt_trainer_evaluation_signature`.
//
// The trainer takes mpt-run's data and training flags (TrainingFlags.h) and
// runs the same training session, SIGINT and SIGTERM included. Built for the
// CPU, it produces mpt-run's output, metrics and checkpoints, with
// bit-identical losses. Built with MPT_TRAINER_CUDA, the step's buffers live in
// device memory (see DeviceStepExecutor). Under an MPI launcher it is a rank
// of a data-parallel job (its step must have been compiled for one:
// `mpt_trainer_data_parallel`), on the GPU of its local rank.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/Communicator.h"
#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/TileRegisters.h"
#include "mpt/Runtime/TrainingFlags.h"
#include "mpt/Runtime/TrainingSession.h"
#ifdef MPT_TRAINER_CUDA
#include "DeviceStepExecutor.h"

#include "mpt/Runtime/CUDA.h"
#include "mpt/Runtime/CUDACollectives.h"
#endif

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <unistd.h>

extern "C" void mpt_trainer_step(void **buffers);
extern "C" const char mpt_trainer_signature[];
extern "C" const uint64_t mpt_trainer_static_bytes;
extern "C" const uint64_t mpt_trainer_data_parallel;
extern "C" const uint64_t mpt_trainer_tile_registers;
// Absent (null) from an object without an evaluation function.
extern "C" __attribute__((weak)) void mpt_trainer_evaluate(void **buffers);
extern "C" __attribute__((weak)) const char mpt_trainer_evaluation_signature[];
#ifdef MPT_TRAINER_CUDA
// The shapes of the step's cuBLASLt products (see cuda::prepareMatmulPlans),
// and the step and evaluation function with generated kernels for them,
// absent (null) when the step has none.
extern "C" const int64_t mpt_trainer_matmul_shapes[];
extern "C" const uint64_t mpt_trainer_matmul_shape_count;
extern "C" __attribute__((weak)) void
mpt_trainer_generated_step(void **buffers);
extern "C" __attribute__((weak)) void
mpt_trainer_generated_evaluate(void **buffers);
#endif

using namespace mpt::runtime;

namespace {
int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: %s\n", programName(), message.c_str());
  return 1;
}

/// A rank that fails leaves its job without waiting for the others.
class LeaveJobOnError {
public:
  explicit LeaveJobOnError(Communicator &job) : job(&job) {}
  ~LeaveJobOnError() {
    if (job)
      job->abandon();
  }
  void release() { job = nullptr; }

private:
  Communicator *job;
};

/// The exit status of a run: 1 when it failed, 128 + the signal that
/// stopped it, as a shell reports it, or 0. A run that ended without an
/// error releases `leave`: its rank leaves the job as the others do.
int exitStatus(const Expected<TrainingSummary> &summary,
               LeaveJobOnError &leave) {
  if (!summary.ok())
    return fail(summary.error().message());
  leave.release();
  return summary->stopSignal ? 128 + summary->stopSignal : 0;
}

#ifdef MPT_TRAINER_CUDA
/// The step's matrix products: when it calls cuBLASLt, its algorithms are
/// chosen now, before the first step; where cuBLASLt cannot compute one
/// (not installed, no algorithm), the step's generated variant runs
/// instead. Returns the line that says which, empty for a step without
/// cuBLASLt products.
Expected<std::string> chooseMatmuls(DeviceStepExecutor &executor,
                                    StepFunction &evaluate) {
  if (mpt_trainer_matmul_shape_count == 0)
    return std::string();
  std::string shapes = std::to_string(mpt_trainer_matmul_shape_count) +
                       " shape" +
                       (mpt_trainer_matmul_shape_count == 1 ? "" : "s");
  Status planned = cuda::prepareMatmulPlans(mpt_trainer_matmul_shapes,
                                            mpt_trainer_matmul_shape_count);
  if (planned.ok())
    return "cuBLASLt (" + shapes + ", algorithms chosen at start-up)";
  if (!mpt_trainer_generated_step)
    return planned;
  std::fflush(stdout);
  std::fprintf(stderr,
               "%s: warning: the step runs MPT's generated kernels for its "
               "matrix products instead of cuBLASLt: %s\n",
               programName(), planned.message().c_str());
  executor.setStep(mpt_trainer_generated_step);
  evaluate = mpt_trainer_generated_evaluate;
  return std::string("generated kernels (cuBLASLt cannot run them here)");
}

/// Trains on `device`, then ends the CUDA runtime explicitly, before
/// `main` returns and while the driver still runs.
int trainOnDevice(TrainingSession &session, const StepSignature &signature,
                  int device, bool graphs, bool leader,
                  LeaveJobOnError &leave) {
  int status = 0;
  {
    // A data-parallel step waits for its collectives inside the step.
    DeviceStepExecutor step(signature, mpt_trainer_step,
                            !mpt_trainer_data_parallel);
    StepFunction evaluate = mpt_trainer_evaluate;
    cuda::setStepGraphs(graphs);
    Expected<std::string> matmuls = std::string();
    Status started = step.start(device);
    if (started.ok()) {
      matmuls = chooseMatmuls(step, evaluate);
      if (!matmuls.ok())
        started = matmuls.takeError();
    }
    if (!started.ok()) {
      status = fail(started.message());
    } else {
      if (leader) {
        std::printf("device: %s\n", step.device().c_str());
        if (!matmuls->empty())
          std::printf("matrix products: %s\n", matmuls->c_str());
      }
      status = exitStatus(
          session.run(step, mpt_trainer_static_bytes, stdout, evaluate), leave);
      cuda::StepGraphUse use = cuda::stepGraphUse();
      if (leader && status == 0 && !mpt_trainer_data_parallel) {
        std::printf("step graphs: %llu captured, %llu launches%s",
                    static_cast<unsigned long long>(use.captured),
                    static_cast<unsigned long long>(use.launched),
                    graphs ? "" : " (--cuda-graphs=false)");
        if (use.captured)
          std::printf("; %llu allocations in them, at most %llu bytes live "
                      "in one",
                      static_cast<unsigned long long>(use.allocations),
                      static_cast<unsigned long long>(use.peakBytes));
        std::putchar('\n');
      }
    }
  }
  if (Status ended = cuda::shutdown(); !ended.ok() && status == 0)
    return fail(ended.message());
  return status;
}
#endif
} // namespace

int main(int argc, char **argv) {
  // Messages name the trainer as it was run: `trainer`, or `mpt-run` when
  // mpt-run --device=cuda runs it in its place.
  const char *name = argc > 0 ? std::strrchr(argv[0], '/') : nullptr;
  setProgramName(name ? name + 1 : argc > 0 ? argv[0] : "trainer");
  installFailureHandlers();
  SessionOptions options;
  CommandLine commandLine(
      programName(),
      "Trains the training step compiled into this program, as mpt-run "
      "does. The compiler's flags (--precision, --amp-options, --threads, "
      "...) were fixed when mpt-run emitted it.");
  addDataFlags(commandLine, options);
  addTrainingFlags(commandLine, options);
#ifdef MPT_TRAINER_CUDA
  bool graphs = true;
  commandLine.add(kTrainingFlagGroup,
                  switchFlag("cuda-graphs",
                             "Capture the step once in a CUDA graph and "
                             "replay it; false launches its kernels directly "
                             "every step",
                             graphs));
#endif
  if (Status status = commandLine.parse(argc, argv); !status.ok())
    return fail(status.message());
  if (commandLine.helpRequested()) {
    std::fputs(commandLine.help().c_str(), stdout);
    return 0;
  }
  if (Status status = checkTrainingFlags(commandLine, options); !status.ok())
    return fail(status.message());
  // A step compiled for AMX faults on its first tile instruction unless
  // this process holds the tile registers.
  if (mpt_trainer_tile_registers)
    if (Status status = requestTileRegisters(); !status.ok())
      return fail(status.message() +
                  "; this trainer's step was compiled for AMX: emit it "
                  "again with mpt-run --amx=false");
  options.progressBar = isatty(STDOUT_FILENO);

  // Under a launcher, a rank of a data-parallel job.
  std::optional<JobLauncher> launcher = jobLauncher();
  if (launcher && !mpt_trainer_data_parallel)
    return fail(launcher->startedWhat("this trainer") +
                ", but its step was compiled without --data-parallel: it "
                "would train alone on every rank");
  Expected<std::unique_ptr<Communicator>> opened =
      openCommunicator({options.commTimeoutSeconds});
  if (!opened.ok())
    return fail(opened.error().message());
  Communicator &job = **opened;
  LeaveJobOnError leave(job);
  bool leader = job.rank() == 0;
  // A launched job of one rank still reduces through its engine: on a
  // GPU, NCCL.
  if (launcher)
    setStepCommunicator(&job);
  if (job.worldSize() > 1) {
    static std::string name = std::string(programName()) + " (rank " +
                              std::to_string(job.rank()) + " of " +
                              std::to_string(job.worldSize()) + ")";
    setProgramName(name.c_str());
    options.communicator = &job;
  }

  Expected<StepSignature> signature =
      parseStepSignatureJson(mpt_trainer_signature);
  if (!signature.ok())
    return fail(signature.error().message());
  std::optional<StepSignature> evaluation;
  if (mpt_trainer_evaluate && mpt_trainer_evaluation_signature) {
    Expected<StepSignature> decoded = parseStepSignatureJson(
        mpt_trainer_evaluation_signature, StepKind::Evaluation);
    if (!decoded.ok())
      return fail(decoded.error().message());
    evaluation = std::move(*decoded);
  }
  setOutputsNote("nothing was written");
  Expected<std::unique_ptr<TrainingSession>> session = TrainingSession::prepare(
      *signature, std::move(options), evaluation ? &*evaluation : nullptr);
  if (!session.ok())
    return fail(session.error().message());
  if (Status status = (*session)->checkCompiledStep(mpt_trainer_static_bytes);
      !status.ok())
    return fail(status.message());
  if (leader) {
    std::printf("step @%s, batch %lld\ndata: %s\n", signature->name.c_str(),
                static_cast<long long>(signature->batchSize()),
                (*session)->data().describe().c_str());
    if (const Validator *validation = (*session)->validation())
      std::printf("validation: %s\n", validation->describe().c_str());
    if (launcher)
      std::printf("data parallel: %d rank%s (%s)\n", job.worldSize(),
                  job.worldSize() == 1 ? "" : "s", job.engine().c_str());
    if ((*session)->state().step() > 0)
      std::printf("resuming after step %lld\n",
                  static_cast<long long>((*session)->state().step()));
  }
  std::fflush(stdout);
#ifdef MPT_TRAINER_CUDA
  // One GPU per rank of the machine.
  Expected<int> device =
      cuda::deviceForLocalRank(job.localRank(), job.localSize());
  if (!device.ok())
    return fail(device.error().message());
  return trainOnDevice(**session, *signature, *device, graphs, leader, leave);
#else
  HostStepExecutor step(mpt_trainer_step);
  return exitStatus((*session)->run(step, mpt_trainer_static_bytes, stdout,
                                    mpt_trainer_evaluate),
                    leave);
#endif
}
