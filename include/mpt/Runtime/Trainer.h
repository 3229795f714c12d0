//===- Trainer.h - The training loop ----------------------------*- C++ -*-===//
//
// Drives a compiled step: fills the batch, calls the step with the current
// state and the next-state buffers, swaps them, and keeps the books
// (losses, skipped steps, the loss scale, time, the step's peak heap use).
// Stops with an error when the step reports that the loss scale collapsed.
// The step is called through a StepExecutor: directly for a step compiled
// for this CPU, or through a driver that keeps its buffers on a device.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_TRAINER_H
#define MPT_RUNTIME_TRAINER_H

#include "mpt/Runtime/DataParallel.h"
#include "mpt/Runtime/Dataset.h"
#include "mpt/Runtime/StepSignature.h"
#include "mpt/Runtime/TrainingState.h"
#include "mpt/Runtime/TrainingSummary.h"

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

/// `void <name>_step(void **buffers)`; see StepSignature.h.
using StepFunction = void (*)(void **buffers);

/// One call of the step, as the loop makes it.
struct StepCall {
  /// One host buffer per argument, then one per result (StepSignature.h).
  void **buffers;
  /// Whether the batch inputs hold other values than at the previous call
  /// (always true for the first).
  bool batchChanged;
  /// Whether the loop reads the whole next state after this call (for a
  /// checkpoint, or at the end); otherwise it reads the results that are
  /// not state and the scalar state only.
  bool stateNeeded;
  /// Whether the loop reads this call's results when it returns. When
  /// false, an executor that keeps results on its device
  /// (StepExecutor::maxDeferredCalls) may leave them there; the loop takes
  /// them later with StepExecutor::takeDeferredResults.
  bool resultsNeeded = true;
  /// Fills the batch inputs' buffers with the batch of the next call and
  /// returns whether they changed; empty for the last step. An executor
  /// done reading this call's batch inputs may call it once, from any
  /// thread, before `call` returns (so that the next upload overlaps this
  /// step); the next call then comes with that batch already filled.
  std::function<bool()> fillNextBatch;
};

/// Runs the compiled step for the training loop.
class StepExecutor {
public:
  virtual ~StepExecutor() = default;
  /// Runs one step. An error stops training at once, before the state
  /// advances or anything is written.
  virtual Status call(const StepCall &call) = 0;
  /// Brings the whole current state into the host buffers `state` (one per
  /// step argument; only those of state arguments are written), when the
  /// loop stops after a call that did not need it (an interrupt). A step
  /// that runs in host memory has nothing to do.
  virtual Status fetchState(const std::vector<void *> &state) {
    return Status::success();
  }
  /// One line for the user when the step runs elsewhere than in this
  /// process's memory ("NVIDIA H200, sm_90, ..."); empty otherwise.
  virtual std::string device() const { return ""; }
  /// The most device memory one call needed beyond the step's buffers,
  /// for a step that runs on a device (graphDeviceMemory's bytes included).
  virtual std::optional<uint64_t> peakDeviceStepBytes() const {
    return std::nullopt;
  }
  /// The device memory of the CUDA graphs the step ran as, if it did.
  virtual std::optional<GraphDeviceMemory> graphDeviceMemory() const {
    return std::nullopt;
  }
  /// The mean number of calls per step that made the host wait for the
  /// device (synchronizations and synchronous copies), for a step that
  /// runs on a device.
  virtual std::optional<double> hostSynchronizationsPerStep() const {
    return std::nullopt;
  }
  /// How many calls in a row may leave their results on the device
  /// (StepCall::resultsNeeded false); 0 when every call returns them.
  virtual int64_t maxDeferredCalls() const { return 0; }
  /// Hands over the results of the calls that left them on the device,
  /// oldest first: `take` is called once per such call, with one host
  /// buffer per result holding its value for the results that are not
  /// state and the scalar state results, null for the other state results.
  virtual Status
  takeDeferredResults(const std::function<void(void *const *)> &take) {
    return Status::success();
  }
};

/// Calls a step compiled for this CPU on the loop's buffers.
class HostStepExecutor : public StepExecutor {
public:
  explicit HostStepExecutor(StepFunction function) : function(function) {}
  Status call(const StepCall &call) override {
    function(call.buffers);
    return Status::success();
  }

private:
  StepFunction function;
};

struct TrainerOptions {
  /// The number of steps to train after the state's current step; their
  /// sum must fit in int64 (TrainingSession checks it).
  int64_t steps = 100;
  /// The first this many steps train as the others but run before the
  /// clock starts: the throughput and the step times leave them out.
  int64_t warmupSteps = 0;
  /// A loss line every this many steps; 0 prints none.
  int64_t printEvery = 10;
  /// Redraw a progress bar on every step (for a terminal).
  bool progressBar = false;
  /// Steps (1-based, counted from the start of training, so they keep
  /// their meaning across a resume) whose gradients are made non-finite
  /// by filling every element of every sampled input with NaN: the loss and
  /// every gradient become NaN, as a real overflow would make them.
  std::set<int64_t> injectNonfiniteAt;
  /// Stop with an error after this many consecutive skipped steps (0:
  /// never).
  int64_t maxConsecutiveSkips = 0;
  /// The outputs, empty for none; see train() for when they are written.
  /// The parameters (safetensors).
  std::string savePath;
  /// Per-step CSV: step,loss,loss_scale,skipped,seconds (elapsed since the
  /// start of this run), plus zero_grad_fraction when the step returns
  /// gradients and val_loss,val_accuracy with validation (empty but in
  /// the steps it ran after).
  std::string metricsPath;
  /// The whole state at the end, and after every `checkpointEvery` steps
  /// (0: only at the end).
  std::string checkpointPath;
  int64_t checkpointEvery = 0;
  /// The summary as JSON (summaryJson()).
  std::string summaryPath;
  /// The value of every scalar (rank-0) batch input, by name.
  std::map<std::string, double> scalarInputs;
  /// Bytes of static memory the compiled step keeps its temporaries in
  /// (mutable globals of the compiled module); counted in the peak.
  uint64_t staticStepBytes = 0;
  /// The data seed, recorded in checkpoints.
  uint64_t seed = 0;
  /// The ranks of a data-parallel run, which agree after every step on the
  /// loss, the skip and stopping (DataParallel.h); null for one process.
  ReplicaGroup *replicas = nullptr;
  /// Evaluates the current parameters on held-out data: after every
  /// `validateEvery` steps (0: none in between) and after the last step.
  /// Its results go to the progress lines, the metrics (val_loss,
  /// val_accuracy) and the summary. Empty for no validation.
  std::function<ValidationResult()> validate;
  int64_t validateEvery = 0;
};

/// Runs `options.steps` steps from the state's current step, prints the
/// progress and the summary to `out`, and commits the outputs together,
/// all or none (checkpoint, parameters, metrics, summary). On failure no
/// output is committed but the checkpoints completed at earlier
/// checkpointEvery points, and the error says which files hold what.
///
/// A first SIGINT or SIGTERM during the run stops it after the current
/// step: it commits the checkpoint, the metrics and the summary of the
/// steps done, but not the parameters, and the summary's `stopSignal`
/// says why it stopped; a second one exits at once (Interrupt.h).
Expected<TrainingSummary> train(const StepSignature &signature,
                                StepExecutor &step, TrainingState &state,
                                BatchSource &data,
                                const TrainerOptions &options, std::FILE *out);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TRAINER_H
