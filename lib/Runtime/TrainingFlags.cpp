//===- TrainingFlags.cpp - The flags of a training run --------------------===//

#include "mpt/Runtime/TrainingFlags.h"
#include "mpt/Runtime/Sizes.h"

using namespace mpt::runtime;

namespace {
/// A comma-separated list that each occurrence of the flag extends.
Flag listFlag(std::string name, std::string valueName, std::string help,
              std::function<Status(const std::string &item)> addItem) {
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = std::move(valueName);
  flag.help = std::move(help);
  flag.repeatable = true;
  flag.set = [addItem = std::move(addItem)](const std::string &text) {
    for (const std::string &item : splitCommas(text))
      if (Status status = addItem(item); !status.ok())
        return status;
    return Status::success();
  };
  return flag;
}
} // namespace

void mpt::runtime::addDataFlags(CommandLine &commandLine,
                                SessionOptions &options) {
  Flag seed;
  seed.name = "seed";
  seed.valueName = "N";
  seed.help = "Seed of the parameter init, the data order, the synthetic "
              "data and the dropout masks (default 0; when resuming, the "
              "checkpoint's)";
  seed.set = [&options](const std::string &text) -> Status {
    Expected<uint64_t> value = parseUnsignedValue(text);
    if (!value.ok())
      return value.takeError();
    options.seed = *value;
    return Status::success();
  };
  commandLine.add(kDataFlagGroup, std::move(seed));

  commandLine.add(
      kDataFlagGroup,
      listFlag("data", "FILE,...",
               "One .npy file per batched input, in argument order, or "
               "NAME=FILE for each (default: a synthetic regression task)",
               [&options](const std::string &item) {
                 if (item.empty())
                   return Status::error("expects FILE or NAME=FILE, got an "
                                        "empty item");
                 options.dataFiles.push_back(item);
                 return Status::success();
               }));

  commandLine.add(
      kDataFlagGroup,
      listFlag("scalar", "NAME=VALUE,...",
               "The value of each rank-0 batch input for the whole run",
               [&options](const std::string &item) -> Status {
                 size_t equals = item.find('=');
                 Expected<double> value =
                     equals == std::string::npos
                         ? Expected<double>(Status::error("no value"))
                         : parseNumberValue(item.substr(equals + 1));
                 if (equals == 0 || !value.ok())
                   return Status::error(
                       "expects NAME=VALUE with a finite number VALUE, got '" +
                       item + "'");
                 options.scalarInputs[item.substr(0, equals)] = *value;
                 return Status::success();
               }));

  commandLine.add(kDataFlagGroup,
                  switchFlag("shuffle",
                             "Visit the samples of the data files in a new "
                             "order every epoch",
                             options.shuffle));

  Flag init;
  init.name = "init";
  init.valueName = "seeded|FILE";
  init.help = "The initial parameters: seeded (default), or a safetensors "
              "file with one tensor per parameter";
  init.set = [&options](const std::string &text) {
    if (text.empty())
      return Status::error("expects seeded or a file, got nothing");
    options.initPath = text == "seeded" ? "" : text;
    return Status::success();
  };
  commandLine.add(kDataFlagGroup, std::move(init));
}

void mpt::runtime::addTrainingFlags(CommandLine &commandLine,
                                    SessionOptions &options) {
  commandLine.add(
      kTrainingFlagGroup,
      integerFlag("steps", "N", "Steps to train", options.steps, 1));
  commandLine.add(
      kTrainingFlagGroup,
      integerFlag("warmup", "N",
                  "Of these steps, how many run before the clock starts: "
                  "the throughput and step times leave them out",
                  options.warmupSteps, 0));
  commandLine.add(kTrainingFlagGroup,
                  textFlag("resume", "FILE",
                           "Continue from a checkpoint (excludes --init)",
                           options.resumePath));
  commandLine.add(kTrainingFlagGroup,
                  textFlag("save", "FILE",
                           "Write the trained parameters (safetensors)",
                           options.savePath));
  commandLine.add(kTrainingFlagGroup,
                  textFlag("checkpoint", "FILE",
                           "Write the whole training state (safetensors) at "
                           "the end",
                           options.checkpointPath));
  commandLine.add(
      kTrainingFlagGroup,
      integerFlag("checkpoint-every", "N",
                  "Also write the checkpoint after every N steps; 0 writes it "
                  "only at the end",
                  options.checkpointEvery, 0));
  commandLine.add(kTrainingFlagGroup,
                  textFlag("metrics", "FILE",
                           "Write the loss, loss scale and time of every "
                           "step (CSV)",
                           options.metricsPath));
  commandLine.add(kTrainingFlagGroup,
                  textFlag("summary", "FILE",
                           "Write the run's summary: losses, skipped steps, "
                           "time, throughput, memory (JSON)",
                           options.summaryPath));
  commandLine.add(
      kTrainingFlagGroup,
      listFlag("validate", "FILE,...",
               "Held-out data, one .npy file per batched input as for --data: "
               "the loss (and accuracy) of the model on it after the last "
               "step and every --validate-every steps",
               [&options](const std::string &item) {
                 if (item.empty())
                   return Status::error("expects FILE or NAME=FILE, got an "
                                        "empty item");
                 options.validationFiles.push_back(item);
                 return Status::success();
               }));
  commandLine.add(
      kTrainingFlagGroup,
      integerFlag("validate-every", "N",
                  "Also validate after every N steps; 0 validates only after "
                  "the last step",
                  options.validateEvery, 0));
  commandLine.add(kTrainingFlagGroup,
                  integerFlag("print-every", "N",
                              "Print a loss line every N steps; 0 prints only "
                              "the summary",
                              options.printEvery, 0));
  Flag skips;
  skips.name = "max-consecutive-skips";
  skips.valueName = "N";
  skips.help = "Stop with an error after N consecutive steps whose gradients "
               "were not finite; 0 never stops (default: one back-off more "
               "than the step's dynamic loss scale takes to collapse, 18 "
               "without one)";
  skips.set = [&options](const std::string &text) -> Status {
    Expected<int64_t> value = parseIntegerValue(text, 0);
    if (!value.ok())
      return value.takeError();
    options.maxConsecutiveSkips = *value;
    return Status::success();
  };
  commandLine.add(kTrainingFlagGroup, std::move(skips));
  Flag memory;
  memory.name = "max-memory";
  memory.valueName = "SIZE";
  memory.help = "The memory the run may use, in bytes or with a suffix K, M, "
                "G or T: a run estimated to need more is refused before it "
                "starts (default: what the system, the cgroup and the "
                "process's limits leave)";
  memory.set = [&options](const std::string &text) -> Status {
    Expected<uint64_t> value = parseByteSize(text);
    if (!value.ok())
      return value.takeError();
    options.maxMemory = *value;
    return Status::success();
  };
  commandLine.add(kTrainingFlagGroup, std::move(memory));
  commandLine.add(
      kTrainingFlagGroup,
      listFlag("inject-nonfinite-grad-at", "STEP[@RANK],...",
               "Make the gradients of these steps non-finite (their batch is "
               "NaN), on every rank or on RANK of a data-parallel job only: "
               "fault injection",
               [&options](const std::string &item) -> Status {
                 size_t at = item.find('@');
                 Expected<int64_t> step =
                     parseIntegerValue(item.substr(0, at), 1);
                 if (!step.ok())
                   return step.takeError();
                 if (at == std::string::npos) {
                   options.injectNonfiniteAt.insert(*step);
                   return Status::success();
                 }
                 Expected<int64_t> rank =
                     parseIntegerValue(item.substr(at + 1), 0);
                 if (!rank.ok())
                   return Status::error("expects STEP or STEP@RANK, got '" +
                                        item + "': " + rank.error().message());
                 options.injectNonfiniteAtRank.insert({*step, *rank});
                 return Status::success();
               }));
  addDataParallelFlags(commandLine, options);
}

void mpt::runtime::addDataParallelFlags(CommandLine &commandLine,
                                        SessionOptions &options) {
  Flag timeout;
  timeout.name = "comm-timeout";
  timeout.valueName = "SECONDS";
  timeout.help = "In a data-parallel job (under mpirun): how long one "
                 "exchange with the other ranks may wait for them; past it "
                 "the job stops with an error naming the ranks that did not "
                 "come (default 300)";
  timeout.set = [&options](const std::string &text) -> Status {
    Expected<double> value = parseNumberValue(text, "> 0");
    if (!value.ok())
      return value.takeError();
    options.commTimeoutSeconds = *value;
    return Status::success();
  };
  commandLine.add(kTrainingFlagGroup, std::move(timeout));
  commandLine.add(
      kTrainingFlagGroup,
      integerFlag("check-replicas", "N",
                  "In a data-parallel job: compare checksums of every rank's "
                  "state after every N steps and stop with an error naming a "
                  "rank that differs (0: only before the first step)",
                  options.checkReplicasEvery, 0));
}

Status mpt::runtime::checkTrainingFlags(const CommandLine &commandLine,
                                        const SessionOptions &options) {
  if (commandLine.given("init") && commandLine.given("resume"))
    return Status::error("--init and --resume exclude each other");
  if (options.checkpointEvery > 0 && options.checkpointPath.empty())
    return Status::error("--checkpoint-every needs --checkpoint");
  if (options.validateEvery > 0 && options.validationFiles.empty())
    return Status::error("--validate-every needs --validate");
  if (options.warmupSteps >= options.steps)
    return Status::error(
        "--warmup=" + std::to_string(options.warmupSteps) +
        " leaves no step of --steps=" + std::to_string(options.steps) +
        " to time: it must be less than --steps");
  return Status::success();
}
