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
};

class TrainingSession {
public:
  /// Verifies the signature, checks that every output can be written,
  /// loads the initial state (seeded, --init or --resume) and opens the
  /// data, and the held-out data for validation through `evaluation`, the
  /// step's evaluation function (null when the executable has none).
  /// Nothing is written.
  static Expected<std::unique_ptr<TrainingSession>>
  prepare(const StepSignature &signature, SessionOptions options,
          const StepSignature *evaluation = nullptr);

  /// Trains, prints progress and the summary to `out`, and writes the
  /// outputs (the parameters, then the summary). On error nothing new is
  /// left on disk (see train()). `staticStepBytes` is the static memory of
  /// the compiled step (TrainerOptions::staticStepBytes).
  /// `evaluate` is the compiled evaluation function, needed with
  /// validation.
  Status run(StepExecutor &step, uint64_t staticStepBytes, std::FILE *out,
             void (*evaluate)(void **) = nullptr);

  const TrainingState &state() const { return trainingState; }
  const BatchSource &data() const { return *batches; }
  /// The held-out data, with validation.
  const Validator *validation() const { return validator.get(); }
  uint64_t seed() const { return dataSeed; }

private:
  TrainingSession(const StepSignature &signature, SessionOptions options)
      : signature(signature), options(std::move(options)),
        trainingState(signature) {}

  Status loadState();

  const StepSignature &signature;
  SessionOptions options;
  TrainingState trainingState;
  std::unique_ptr<BatchSource> batches;
  std::unique_ptr<Validator> validator;
  uint64_t dataSeed = 0;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TRAININGSESSION_H
