//===- TrainingSummary.h - What a training run did --------------*- C++ -*-===//
//
// The books of one run of the training loop, printed at its end and, with
// --summary, written as JSON for scripts (benchmarks, sweeps).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_TRAININGSUMMARY_H
#define MPT_RUNTIME_TRAININGSUMMARY_H

#include "mpt/Runtime/StepSignature.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace mpt {
namespace runtime {

/// The model on held-out data (see Validation.h).
struct ValidationResult {
  /// The mean loss over the samples.
  double loss = 0;
  /// The fraction of prediction rows whose largest score is at the
  /// target's class, when the loss scores classes (the cross-entropy) or
  /// every target row is one-hot; a sequence model has a row per position.
  std::optional<double> accuracy;
  int64_t samples = 0;
};

/// The device memory of the CUDA graphs a step was captured in: their
/// memory nodes (the step's temporaries), which the driver backs from a
/// pool of its own, apart from the memory the runtime allocates.
struct GraphDeviceMemory {
  /// Whether the driver reports it; the byte counts are 0 when it does not.
  bool reported = false;
  /// The most the graphs held at once, and the most reserved for them.
  uint64_t bytes = 0, reservedBytes = 0;
  /// The most the runtime's allocator held beyond the step's buffers next
  /// to them, once its pool gave back what the steps run directly freed.
  uint64_t runtimeBytes = 0;
};

struct TrainingSummary {
  /// The steps trained: all those asked for, or fewer when the run was
  /// stopped by a signal.
  int64_t firstStep = 0, lastStep = 0;
  /// The signal (SIGINT, SIGTERM) that stopped the run early; 0 for none.
  int stopSignal = 0;
  /// The first steps of the run, which ran before the clock started.
  int64_t warmupSteps = 0;
  int64_t skipped = 0;
  double finalLoss = 0;
  double finalLossScale = 1;
  /// The whole loop, and its timed part (the steps after the warm-up).
  double seconds = 0, timedSeconds = 0;
  /// Samples per second of the timed steps.
  double samplesPerSecond = 0;
  /// The median time of one call of the step among the timed steps (among
  /// a uniform sample of 65536 of them in a longer run).
  double medianStepSeconds = 0;
  /// The step's working memory: its static memory plus the largest heap
  /// use of one call (see AllocationTracker).
  uint64_t peakStepBytes = 0;
  uint64_t staticStepBytes = 0, peakHeapBytes = 0;
  /// Heap bytes a step call left allocated, summed over the run.
  uint64_t leakedBytes = 0;
  /// Where the step ran, when not in this process's memory, and the most
  /// device memory one call needed beyond its buffers: the runtime's
  /// allocations or, when the step ran as CUDA graphs and that is more,
  /// the graphs' memory (graphDeviceMemory->bytes) plus what the runtime
  /// held next to it (graphDeviceMemory->runtimeBytes).
  std::string device;
  std::optional<uint64_t> peakDeviceStepBytes;
  /// Set when the step ran as CUDA graphs.
  std::optional<GraphDeviceMemory> graphDeviceMemory;
  /// The mean number of host synchronizations per step on a device.
  std::optional<double> hostSynchronizationsPerStep;
  /// Fraction of gradient elements that were exactly zero, when the step
  /// returns its gradients: the mean over steps and the last step's.
  std::optional<double> meanZeroGradFraction, lastZeroGradFraction;
  /// The ranks of a data-parallel run, each training a batch per step.
  int worldSize = 1;
  /// In a run of several ranks, the part of timedSeconds rank 0 spent in
  /// exchanges with the others (the gradients' and the agreements').
  std::optional<double> exchangeSeconds;
  /// The last validation of the run, and the step after which it ran.
  std::optional<ValidationResult> lastValidation;
  int64_t lastValidationStep = 0;

  int64_t steps() const { return lastStep - firstStep + 1; }
};

/// The lines `trained steps ...`, `final loss`, ... that end a run.
void printSummary(const TrainingSummary &summary,
                  const StepSignature &signature, std::FILE *out);

/// The summary as one JSON object: the step, its batch size and device;
/// first_step, last_step, steps, stopped_by (null, or the signal that
/// stopped the run before its last step), warmup_steps; seconds, timed_seconds,
/// median_step_ms, samples_per_second; final_loss, final_loss_scale (null
/// without loss scaling), skipped_steps; peak_step_bytes,
/// static_step_bytes, peak_heap_bytes, leaked_bytes and, on a device,
/// peak_device_step_bytes and host_syncs_per_step, and when the step ran as
/// CUDA graphs graph_device_bytes and graph_reserved_device_bytes (null when
/// the driver does not report them) and runtime_device_bytes_with_graphs;
/// with gradient statistics
/// zero_grad_fraction_mean and zero_grad_fraction_last; with validation
/// val_step, val_loss, val_accuracy (null when undefined) and val_samples of
/// the last one; for a data-parallel run world_size (samples_per_second
/// counts every rank's batches). A number that is
/// not finite (the loss of a skipped last step) is null.
std::string summaryJson(const TrainingSummary &summary,
                        const StepSignature &signature);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TRAININGSUMMARY_H
