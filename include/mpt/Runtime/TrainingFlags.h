//===- TrainingFlags.h - The flags of a training run ------------*- C++ -*-===//
//
// The training flags of mpt-run and of every trainer it emits, written
// once: their names, values, checks and help text (see CommandLine.h).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_TRAININGFLAGS_H
#define MPT_RUNTIME_TRAININGFLAGS_H

#include "mpt/Runtime/CommandLine.h"
#include "mpt/Runtime/TrainingSession.h"

namespace mpt {
namespace runtime {

/// The --help sections, which also select the flags a tool passes on.
constexpr const char *kDataFlagGroup = "Data and initialisation";
constexpr const char *kTrainingFlagGroup = "Training";

/// What to train on and where to start: --seed, --data, --scalar,
/// --shuffle, --init. A gradient check takes them too.
void addDataFlags(CommandLine &commandLine, SessionOptions &options);

/// How to train and what to write: --steps, --warmup, --resume, --save,
/// --checkpoint, --checkpoint-every, --validate, --validate-every,
/// --metrics, --summary, --print-every, --max-consecutive-skips,
/// --max-memory, --inject-nonfinite-grad-at.
void addTrainingFlags(CommandLine &commandLine, SessionOptions &options);

/// The rules between flags, once the command line is parsed: --init and
/// --resume exclude each other, --checkpoint-every needs --checkpoint,
/// --validate-every needs --validate, and --warmup leaves at least one
/// step to time.
Status checkTrainingFlags(const CommandLine &commandLine,
                          const SessionOptions &options);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TRAININGFLAGS_H
