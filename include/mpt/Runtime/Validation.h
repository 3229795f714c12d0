//===- Validation.h - The model on held-out data ----------------*- C++ -*-===//
//
// Runs a step's evaluation function (--mpt-evaluation-function: the forward
// pass in the step's precision, returning the loss of each sample and the
// loss's prediction and target) over held-out data with the current
// parameters. The data is read in order in batches of the step's batch
// size; the last, partial batch is padded with zero rows, whose results are
// left out, so every sample counts exactly once.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_VALIDATION_H
#define MPT_RUNTIME_VALIDATION_H

#include "mpt/Runtime/Dataset.h"
#include "mpt/Runtime/TrainingState.h"
#include "mpt/Runtime/TrainingSummary.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

class Validator {
public:
  /// Checks that `evaluation` takes the parameters of `training` and opens
  /// the held-out data: one .npy file per batched input, as for training
  /// (`path` in order, or `name=path`), any number of samples.
  static Expected<std::unique_ptr<Validator>>
  prepare(const StepSignature &training, const StepSignature &evaluation,
          const std::vector<std::string> &files,
          const std::map<std::string, double> &scalarInputs);

  /// Evaluates the parameters `state` holds now with the compiled
  /// evaluation function `evaluate` (`void <name>_eval_step(void **)`).
  ValidationResult run(void (*evaluate)(void **), TrainingState &state);

  /// `x.npy, y.npy: 360 samples in 6 batches of 64 (the last padded
  /// from 40)`.
  std::string describe() const;

private:
  Validator(const StepSignature &evaluation) : evaluation(evaluation) {}

  /// Adds the results of one batch with `filled` real samples.
  void accumulate(int64_t filled);

  const StepSignature &evaluation;
  std::unique_ptr<NpyDataset> data;
  /// For each parameter and buffer argument of the evaluation function,
  /// the index of the training step's argument that holds it.
  std::vector<size_t> trainingArgOfParam;
  std::vector<HostTensor> batch, results;
  std::vector<HostTensor *> sampled;
  std::vector<void *> buffers;
  size_t sampleLoss = 0, prediction = 0, target = 0;

  double lossSum = 0;
  int64_t rows = 0, correctRows = 0;
  bool accuracyDefined = true;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_VALIDATION_H
