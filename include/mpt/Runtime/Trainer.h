//===- Trainer.h - The training loop ----------------------------*- C++ -*-===//
//
// Drives a compiled step: fills the batch, calls the step with the current
// state and the next-state buffers, swaps them, and keeps the books
// (losses, skipped steps, the loss scale, time, the step's peak heap use).
// Stops with an error when the step reports that the loss scale collapsed.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_TRAINER_H
#define MPT_RUNTIME_TRAINER_H

#include "mpt/Runtime/Dataset.h"
#include "mpt/Runtime/StepSignature.h"
#include "mpt/Runtime/TrainingState.h"

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace mpt {
namespace runtime {

/// `void <name>_step(void **buffers)`; see StepSignature.h.
using StepFunction = void (*)(void **buffers);

struct TrainerOptions {
  int64_t steps = 100;
  /// A loss line every this many steps; 0 prints none.
  int64_t printEvery = 10;
  /// Redraw a progress bar on every step (for a terminal).
  bool progressBar = false;
  /// Steps (1-based, counted from the start of training, so they keep
  /// their meaning across a resume) whose gradients are made non-finite
  /// by filling every element of every sampled input with NaN: the loss and
  /// every gradient become NaN, as a real overflow would make them.
  std::set<int64_t> injectNonfiniteAt;
  /// Per-step CSV: step,loss,loss_scale,skipped,seconds (elapsed since the
  /// start of this run), plus zero_grad_fraction when the step returns
  /// gradients. Empty for none.
  std::string metricsPath;
  /// A checkpoint after every `checkpointEvery` steps (0: only at the end).
  std::string checkpointPath;
  int64_t checkpointEvery = 0;
  /// The value of every scalar (rank-0) batch input, by name.
  std::map<std::string, double> scalarInputs;
  /// Bytes of static memory the compiled step keeps its temporaries in
  /// (mutable globals of the compiled module); counted in the peak.
  uint64_t staticStepBytes = 0;
  /// The data seed, recorded in checkpoints.
  uint64_t seed = 0;
  /// Asked after every call of the step when set: an error (e.g. a device
  /// failure inside the step) stops training at once, before the state
  /// advances or anything is written.
  Status (*stepStatus)() = nullptr;
};

struct TrainingSummary {
  int64_t firstStep = 0, lastStep = 0;
  int64_t skipped = 0;
  double finalLoss = 0;
  double finalLossScale = 1;
  double seconds = 0;
  double samplesPerSecond = 0;
  /// The step's working memory: its static memory plus the largest heap
  /// use of one call (see AllocationTracker).
  uint64_t peakStepBytes = 0;
  uint64_t staticStepBytes = 0, peakHeapBytes = 0;
  /// Heap bytes a step call left allocated, summed over the run.
  uint64_t leakedBytes = 0;
  /// Fraction of gradient elements that were exactly zero, when the step
  /// returns its gradients: the mean over steps and the last step's.
  std::optional<double> meanZeroGradFraction, lastZeroGradFraction;
};

/// Runs `options.steps` steps from the state's current step. On success the
/// state holds the trained parameters and the metrics and checkpoint files
/// are complete; on failure no output file of this call is left behind
/// (except checkpoints completed at earlier checkpointEvery points).
Expected<TrainingSummary> train(const StepSignature &signature,
                                StepFunction step, TrainingState &state,
                                BatchSource &data,
                                const TrainerOptions &options, std::FILE *out);

void printSummary(const TrainingSummary &summary,
                  const StepSignature &signature, std::FILE *out);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TRAINER_H
