//===- TrainingSession.cpp - One training run from the user's options -----===//

#include "mpt/Runtime/TrainingSession.h"
#include "mpt/Runtime/FileIO.h"
#include "mpt/Runtime/Sizes.h"

#include <algorithm>
#include <limits>

using namespace mpt::runtime;

int64_t
mpt::runtime::defaultMaxConsecutiveSkips(const LossScaleConfig &policy) {
  std::optional<int64_t> toCollapse = policy.nonfiniteStepsToCollapse();
  if (!toCollapse)
    return kMaxConsecutiveSkipsWithoutCollapse;
  return checkedAdd(*toCollapse, std::max<int64_t>(policy.hysteresis, 1))
      .value_or(std::numeric_limits<int64_t>::max());
}

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
  if (Status status = checkScalarInputs(signature, options.scalarInputs);
      !status.ok())
    return status;

  std::unique_ptr<TrainingSession> session(
      new TrainingSession(signature, std::move(options)));
  if (Status status = session->estimateMemory(); !status.ok())
    return status;
  if (Status status = session->loadState(); !status.ok())
    return status;
  if (Status status = session->checkStepArithmetic(); !status.ok())
    return status;

  const SessionOptions &opts = session->options;
  if (!opts.injectNonfiniteAt.empty()) {
    std::vector<size_t> sampled = signature.sampledInputs();
    if (std::none_of(sampled.begin(), sampled.end(), [&](size_t index) {
          return isFloatDType(signature.args[index].dtype);
        }))
      return Status::error(
          "cannot inject non-finite gradients: every batched input of the "
          "step is an integer tensor, which holds no NaN");
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

Status TrainingSession::estimateMemory() {
  uint64_t params = 0;
  for (const TensorSpec &arg : signature.args) {
    uint64_t bytes = arg.byteSize();
    if (isStateRole(arg.role))
      estimate.state = saturatingAdd(estimate.state, saturatingMul(bytes, 2));
    else
      estimate.stepBuffers = saturatingAdd(estimate.stepBuffers, bytes);
    if (arg.role == Role::Param)
      params = saturatingAdd(params, bytes);
  }
  for (const TensorSpec &result : signature.results)
    if (!isStateRole(result.role))
      estimate.stepBuffers =
          saturatingAdd(estimate.stepBuffers, result.byteSize());
  // Every gradient is live when the step checks them all for overflow.
  estimate.activations = params;

  std::vector<std::string> files;
  if (options.dataFiles.empty()) {
    estimate.data = SyntheticRegression::residentBytes(signature);
  } else {
    estimate.data = NpyDataset::residentBytes(signature, options.dataFiles);
    for (const std::string &entry : options.dataFiles) {
      size_t equals = entry.find('=');
      files.push_back(equals == std::string::npos ? entry
                                                  : entry.substr(equals + 1));
    }
  }
  for (const std::string *path : {&options.initPath, &options.resumePath})
    if (!path->empty())
      files.push_back(*path);
  for (const std::string &file : files)
    if (Expected<uint64_t> size = fileSize(file); size.ok())
      estimate.reading = std::max(estimate.reading, saturatingMul(*size, 2));

  if (options.maxMemory)
    memoryLimit = MemoryLimit{*options.maxMemory, "--max-memory"};
  else
    memoryLimit = availableMemory();
  return checkMemory(estimate, memoryLimit);
}

Status TrainingSession::checkCompiledStep(uint64_t staticStepBytes) {
  estimate.activations = std::max(estimate.activations, staticStepBytes);
  estimate.activationsIncludeStaticScratch = true;
  return checkMemory(estimate, memoryLimit);
}

Status TrainingSession::loadState() {
  trainingState = std::make_unique<TrainingState>(signature);
  dataSeed = options.seed.value_or(0);
  if (!options.resumePath.empty()) {
    Expected<SafetensorsFile> file = readSafetensors(options.resumePath);
    if (!file.ok())
      return file.takeError();
    Expected<uint64_t> seed = trainingState->loadCheckpoint(*file);
    if (!seed.ok())
      return seed.takeError().withContext(options.resumePath);
    dataSeed = options.seed.value_or(*seed);
    return Status::success();
  }
  trainingState->initialize(dataSeed);
  if (options.initPath.empty())
    return Status::success();
  Expected<SafetensorsFile> file = readSafetensors(options.initPath);
  if (!file.ok())
    return file.takeError();
  Status status = trainingState->loadParams(*file);
  if (!status.ok() && file->metadata.count("mpt.format"))
    status = Status::error(status.message() +
                           " (the file is a checkpoint; resume from it "
                           "instead)");
  return std::move(status).withContext(options.initPath);
}

Status TrainingSession::checkStepArithmetic() const {
  int64_t done = trainingState->step();
  std::optional<int64_t> last = checkedAdd(done, options.steps);
  if (!last)
    return Status::error(
        "--steps=" + std::to_string(options.steps) + " after step " +
        std::to_string(done) +
        " would train past step 9223372036854775807 (2^63 - 1), the last "
        "step number there is; at most " +
        std::to_string(std::numeric_limits<int64_t>::max() - done) +
        " more steps can follow");
  // The step increments its i32 Adam counter once per update.
  if (const HostTensor *adamStep = trainingState->find(Role::AdamStep)) {
    auto counter = static_cast<int64_t>(adamStep->load(0));
    int64_t room = std::numeric_limits<int32_t>::max() - counter;
    if (options.steps > room)
      return Status::error(
          "--steps=" + std::to_string(options.steps) +
          " could take the step's Adam update count (i32, now " +
          std::to_string(counter) + ") past 2147483647 (2^31 - 1); at most " +
          std::to_string(room) + " more steps can follow");
  }
  for (int64_t step : options.injectNonfiniteAt)
    if (step <= done || step > *last)
      return Status::error("cannot inject non-finite gradients at step " +
                           std::to_string(step) + ": this run trains steps " +
                           std::to_string(done + 1) + "-" +
                           std::to_string(*last));
  return Status::success();
}

Expected<TrainingSummary> TrainingSession::run(StepExecutor &step,
                                               uint64_t staticStepBytes,
                                               std::FILE *out,
                                               void (*evaluate)(void **)) {
  TrainerOptions trainer;
  trainer.steps = options.steps;
  trainer.warmupSteps = options.warmupSteps;
  trainer.printEvery = options.printEvery;
  trainer.progressBar = options.progressBar;
  trainer.injectNonfiniteAt = options.injectNonfiniteAt;
  trainer.maxConsecutiveSkips = options.maxConsecutiveSkips.value_or(
      defaultMaxConsecutiveSkips(signature.lossScale));
  trainer.savePath = options.savePath;
  trainer.metricsPath = options.metricsPath;
  trainer.checkpointPath = options.checkpointPath;
  trainer.checkpointEvery = options.checkpointEvery;
  trainer.summaryPath = options.summaryPath;
  trainer.scalarInputs = options.scalarInputs;
  trainer.staticStepBytes = staticStepBytes;
  trainer.seed = dataSeed;
  if (validator) {
    if (!evaluate)
      return Status::error("validation needs the compiled evaluation "
                           "function");
    trainer.validate = [this, evaluate] {
      return validator->run(evaluate, *trainingState);
    };
    trainer.validateEvery = options.validateEvery;
  }
  return train(signature, step, *trainingState, *batches, trainer, out);
}
