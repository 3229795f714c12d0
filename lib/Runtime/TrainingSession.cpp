//===- TrainingSession.cpp - One training run from the user's options -----===//

#include "mpt/Runtime/TrainingSession.h"
#include "mpt/Runtime/FileIO.h"

#include <algorithm>

using namespace mpt::runtime;

Expected<std::unique_ptr<TrainingSession>>
TrainingSession::prepare(const StepSignature &signature, SessionOptions options,
                         const StepSignature *evaluation) {
  if (Status status = signature.verify(); !status.ok())
    return std::move(status).withContext("step '" + signature.name + "'");
  if (signature.kind != StepKind::Train)
    return Status::error("'" + signature.name +
                         "' is a gradient function, not a training step: it "
                         "cannot be trained");
  if (options.steps < 1)
    return Status::error("the number of steps must be at least 1, got " +
                         std::to_string(options.steps));
  if (options.warmupSteps < 0 || options.warmupSteps >= options.steps)
    return Status::error(
        "the warm-up must leave at least one of the " +
        std::to_string(options.steps) + " steps to time, got " +
        std::to_string(options.warmupSteps) + " warm-up steps");
  if (!options.initPath.empty() && !options.resumePath.empty())
    return Status::error("initial parameters and a checkpoint to resume "
                         "from exclude each other");

  std::vector<std::pair<const char *, const std::string *>> outputs = {
      {"parameters", &options.savePath},
      {"checkpoint", &options.checkpointPath},
      {"metrics", &options.metricsPath},
      {"summary", &options.summaryPath}};
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string &path = *outputs[i].second;
    if (path.empty())
      continue;
    if (Status status = checkOutputPath(path); !status.ok())
      return status;
    for (size_t j = 0; j < i; ++j)
      if (*outputs[j].second == path)
        return Status::error(std::string("the ") + outputs[j].first +
                             " and the " + outputs[i].first +
                             " would both be written to '" + path + "'");
  }

  std::unique_ptr<TrainingSession> session(
      new TrainingSession(signature, std::move(options)));
  if (Status status = session->loadState(); !status.ok())
    return status;

  const SessionOptions &opts = session->options;
  int64_t first = session->trainingState.step() + 1;
  int64_t last = session->trainingState.step() + opts.steps;
  for (int64_t step : opts.injectNonfiniteAt)
    if (step < first || step > last)
      return Status::error("cannot inject non-finite gradients at step " +
                           std::to_string(step) + ": this run trains steps " +
                           std::to_string(first) + "-" + std::to_string(last));

  if (!opts.injectNonfiniteAt.empty()) {
    std::vector<size_t> sampled = signature.sampledInputs();
    if (std::none_of(sampled.begin(), sampled.end(), [&](size_t index) {
          return isFloatDType(signature.args[index].dtype);
        }))
      return Status::error(
          "cannot inject non-finite gradients: every batched input of the "
          "step is an integer tensor, which holds no NaN");
  }

  for (size_t index : signature.scalarInputs()) {
    const TensorSpec &input = signature.args[index];
    if (!opts.scalarInputs.count(input.name))
      return Status::error("batch input '" + input.name + "' (" +
                           input.typeString() +
                           ") is a scalar without a batch dim; give its "
                           "value for the run");
  }
  for (const auto &[name, value] : opts.scalarInputs) {
    std::optional<size_t> input = signature.findArg(Role::Batch, name);
    if (!input || !signature.args[*input].shape.empty())
      return Status::error("'" + name +
                           "' is not a scalar batch input of the step");
  }

  if (opts.dataFiles.empty()) {
    auto synthetic = SyntheticRegression::create(signature, session->dataSeed);
    if (!synthetic.ok())
      return synthetic.takeError();
    session->batches = std::move(*synthetic);
  } else {
    auto dataset = NpyDataset::load(signature, opts.dataFiles,
                                    session->dataSeed, opts.shuffle);
    if (!dataset.ok())
      return dataset.takeError();
    session->batches = std::move(*dataset);
  }

  if (!opts.validationFiles.empty()) {
    if (!evaluation)
      return Status::error("validation needs the step's evaluation "
                           "function, which this program was built "
                           "without");
    auto validator = Validator::prepare(
        signature, *evaluation, opts.validationFiles, opts.scalarInputs);
    if (!validator.ok())
      return validator.takeError();
    session->validator = std::move(*validator);
  }
  return session;
}

Status TrainingSession::loadState() {
  dataSeed = options.seed.value_or(0);
  if (!options.resumePath.empty()) {
    Expected<SafetensorsFile> file = readSafetensors(options.resumePath);
    if (!file.ok())
      return file.takeError();
    Expected<uint64_t> seed = trainingState.loadCheckpoint(*file);
    if (!seed.ok())
      return seed.takeError().withContext(options.resumePath);
    dataSeed = options.seed.value_or(*seed);
    return Status::success();
  }
  trainingState.initialize(dataSeed);
  if (options.initPath.empty())
    return Status::success();
  Expected<SafetensorsFile> file = readSafetensors(options.initPath);
  if (!file.ok())
    return file.takeError();
  Status status = trainingState.loadParams(*file);
  if (!status.ok() && file->metadata.count("mpt.format"))
    status = Status::error(status.message() +
                           " (the file is a checkpoint; resume from it "
                           "instead)");
  return std::move(status).withContext(options.initPath);
}

Status TrainingSession::run(StepExecutor &step, uint64_t staticStepBytes,
                            std::FILE *out, void (*evaluate)(void **)) {
  TrainerOptions trainer;
  trainer.steps = options.steps;
  trainer.warmupSteps = options.warmupSteps;
  trainer.printEvery = options.printEvery;
  trainer.progressBar = options.progressBar;
  trainer.injectNonfiniteAt = options.injectNonfiniteAt;
  trainer.metricsPath = options.metricsPath;
  trainer.checkpointPath = options.checkpointPath;
  trainer.checkpointEvery = options.checkpointEvery;
  trainer.scalarInputs = options.scalarInputs;
  trainer.staticStepBytes = staticStepBytes;
  trainer.seed = dataSeed;
  if (validator) {
    if (!evaluate)
      return Status::error("validation needs the compiled evaluation "
                           "function");
    trainer.validate = [this, evaluate] {
      return validator->run(evaluate, trainingState);
    };
    trainer.validateEvery = options.validateEvery;
  }
  Expected<TrainingSummary> summary =
      train(signature, step, trainingState, *batches, trainer, out);
  if (!summary.ok())
    return summary.takeError();
  printSummary(*summary, signature, out);
  if (!options.savePath.empty())
    if (Status status =
            writeSafetensors(options.savePath, trainingState.saveParams());
        !status.ok())
      return status;
  if (!options.summaryPath.empty())
    return writeFileAtomically(options.summaryPath,
                               summaryJson(*summary, signature));
  return Status::success();
}
