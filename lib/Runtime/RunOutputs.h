//===- RunOutputs.h - The files a training run writes -----------*- C++ -*-===//
//
// Internal to the runtime. The outputs of a run (--save, --checkpoint,
// --metrics, --summary) are committed together at its end, all or nothing:
// the metrics are written to their temporary as the run goes, the final
// checkpoint, the parameters and the summary to theirs at the end, and
// only once every one is complete and on disk are they renamed into place.
// The one exception is --checkpoint-every: those checkpoints are committed
// when they are written, as the state to come back to if the run fails.
// Whatever happens, the user is told which files hold what.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_RUNTIME_RUNOUTPUTS_H
#define MPT_LIB_RUNTIME_RUNOUTPUTS_H

#include "mpt/Runtime/FileIO.h"
#include "mpt/Runtime/Trainer.h"
#include "mpt/Runtime/TrainingState.h"

#include <cstdio>
#include <optional>
#include <string>

namespace mpt {
namespace runtime {

class RunOutputs {
public:
  RunOutputs(const TrainerOptions &options, std::FILE *out);
  ~RunOutputs();

  /// Removes the stale temporaries of every output (saying so on `out`)
  /// and starts the metrics file with its header.
  Status open(const std::string &metricsHeader);
  /// Appends one line to the metrics, if they are written.
  Status addMetrics(const std::string &line);
  /// Writes and commits the checkpoint of the state's current step now.
  Status writeCheckpoint(const TrainingState &state);
  /// Writes the final outputs and commits them together with the metrics:
  /// the checkpoint, the parameters unless `withParams` is false (a run
  /// that was stopped before its last step), and `summaryJson`.
  Status commit(const TrainingState &state, bool withParams,
                const std::string &summaryJson);

  /// What the files hold after a failure, as a sentence: "Nothing was
  /// saved." or which checkpoint --checkpoint-every left.
  std::string afterFailure() const;
  /// What an interrupted run wrote, as a sentence.
  std::string afterInterruption(int64_t step) const;

private:
  /// Keeps the note of fatal errors (FatalError.h) up to date.
  void updateFatalNote() const;
  /// `the parameters 'p.safetensors', the checkpoint 'c' (step 4) and the
  /// metrics 'm.csv'`: the outputs that are requested, less those named in
  /// `except`, the checkpoint with its step if given.
  std::string
  listOutputs(const std::vector<std::string> &except,
              std::optional<int64_t> checkpointStep = std::nullopt) const;

  const TrainerOptions &options;
  std::FILE *out;
  std::optional<AtomicFile> metrics;
  /// The step of the last checkpoint --checkpoint-every committed.
  std::optional<int64_t> periodicCheckpointStep;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_LIB_RUNTIME_RUNOUTPUTS_H
