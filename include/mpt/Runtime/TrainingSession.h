//===- TrainingSession.h - One training run ---------------------*- C++ -*-===//
//
// Everything a trainer executable does around the compiled step, for the
// JIT driver and for ahead-of-time trainers alike: load or initialise the
// state, open the data, check every output path, train, save. Preparation
// is separate from running so a driver can reject bad input before it
// spends time compiling.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_TRAININGSESSION_H
#define MPT_RUNTIME_TRAININGSESSION_H

#include "mpt/Runtime/Dataset.h"
#include "mpt/Runtime/MemoryBudget.h"
#include "mpt/Runtime/Trainer.h"
#include "mpt/Runtime/TrainingState.h"
#include "mpt/Runtime/Validation.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

struct SessionOptions {
  int64_t steps = 100;
  /// The first this many steps run before the clock starts (see
  /// TrainerOptions::warmupSteps).
  int64_t warmupSteps = 0;
  /// The seed of parameter init, data order and synthetic data; when
  /// resuming, unset means the checkpoint's seed.
  std::optional<uint64_t> seed;
  /// One .npy file per batch input (`path` in order, or `name=path`);
  /// empty for the synthetic regression task.
  std::vector<std::string> dataFiles;
  bool shuffle = true;
  /// The value of each scalar (rank-0) batch input, by name.
  std::map<std::string, double> scalarInputs;
  /// Initial parameters (safetensors); empty for the seeded init.
  std::string initPath;
  /// A checkpoint to continue from; excludes initPath.
  std::string resumePath;
  /// Outputs, each written atomically; empty for none.
  std::string savePath, checkpointPath, metricsPath, summaryPath;
  int64_t checkpointEvery = 0;
  /// Held-out data (one .npy file per batched input, as dataFiles) to
  /// evaluate on after every `validateEvery` steps (0: none in between)
  /// and after the last step; empty for none.
  std::vector<std::string> validationFiles;
  int64_t validateEvery = 0;
  int64_t printEvery = 10;
  bool progressBar = false;
  std::set<int64_t> injectNonfiniteAt;
  /// Stop with an error after this many consecutive skipped steps (0:
  /// never); unset: defaultMaxConsecutiveSkips() of the step's policy.
  std::optional<int64_t> maxConsecutiveSkips;
  /// The bytes the run may use; unset: availableMemory().
  std::optional<uint64_t> maxMemory;
};

/// The default limit of a step without a dynamic loss scale (or with one
/// that never collapses): 18, the count the default f16 policy reaches
/// (GradScaler's scale backs off from 2^16 past 1 in 17 halvings, plus
/// one). It is a limit of its own, not read from any policy.
constexpr int64_t kMaxConsecutiveSkipsWithoutCollapse = 18;

/// The consecutive skipped steps after which a run stops by default: one
/// back-off more than the step's dynamic loss scale needs to collapse,
/// (backoffs + 1) * hysteresis, so that the scale's own collapse error
/// comes first; kMaxConsecutiveSkipsWithoutCollapse for a step without a
/// collapsing dynamic scale.
int64_t defaultMaxConsecutiveSkips(const LossScaleConfig &policy);

class TrainingSession {
public:
  /// Verifies the signature, checks that every output can be written and
  /// the scalar inputs, estimates the memory of the run and refuses it
  /// when it does not fit, loads the initial state (seeded, --init or
  /// --resume), checks that the step numbers and counters of the run fit
  /// their types, and opens the data, and the held-out data for validation
  /// through `evaluation`, the step's evaluation function (null when the
  /// executable has none). Nothing is written.
  static Expected<std::unique_ptr<TrainingSession>>
  prepare(const StepSignature &signature, SessionOptions options,
          const StepSignature *evaluation = nullptr);

  /// Checks the memory estimate again with the compiled step's static
  /// scratch, before the step is loaded (JIT-compiled) or run.
  Status checkCompiledStep(uint64_t staticStepBytes);

  /// Trains, prints progress and the summary to `out`, and writes the
  /// outputs together (see train()). `staticStepBytes` is the static
  /// memory of the compiled step (TrainerOptions::staticStepBytes). The
  /// summary's stopSignal says whether a signal stopped the run.
  /// `evaluate` is the compiled evaluation function, needed with
  /// validation.
  Expected<TrainingSummary> run(StepExecutor &step, uint64_t staticStepBytes,
                                std::FILE *out,
                                void (*evaluate)(void **) = nullptr);

  const TrainingState &state() const { return *trainingState; }
  const MemoryEstimate &memoryEstimate() const { return estimate; }
  const BatchSource &data() const { return *batches; }
  /// The held-out data, with validation.
  const Validator *validation() const { return validator.get(); }
  uint64_t seed() const { return dataSeed; }

private:
  TrainingSession(const StepSignature &signature, SessionOptions options)
      : signature(signature), options(std::move(options)) {}

  /// Fills `estimate` and checks it against the limit.
  Status estimateMemory();
  Status loadState();
  /// The step numbers of the run, and the step's own i32 counters, fit.
  Status checkStepArithmetic() const;

  const StepSignature &signature;
  SessionOptions options;
  MemoryEstimate estimate;
  std::optional<MemoryLimit> memoryLimit;
  /// Allocated once the estimate says it fits.
  std::unique_ptr<TrainingState> trainingState;
  std::unique_ptr<BatchSource> batches;
  std::unique_ptr<Validator> validator;
  uint64_t dataSeed = 0;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TRAININGSESSION_H
