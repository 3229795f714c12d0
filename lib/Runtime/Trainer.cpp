//===- Trainer.cpp - The training loop ------------------------------------===//

#include "mpt/Runtime/Trainer.h"
#include "mpt/Runtime/AllocationTracker.h"
#include "mpt/Runtime/FileIO.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

using namespace mpt::runtime;

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string format(const char *pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, value);
  return text;
}

/// What one step produced.
struct StepRecord {
  int64_t step = 0;
  double loss = 0, scaleUsed = 1, scaleAfter = 1;
  bool skipped = false, collapsed = false;
  std::optional<double> zeroGradFraction;
};

class TrainingLoop {
public:
  TrainingLoop(const StepSignature &signature, StepExecutor &step,
               TrainingState &state, BatchSource &data,
               const TrainerOptions &options, std::FILE *out)
      : signature(signature), executor(step), state(state), data(data),
        options(options), out(out) {}

  Expected<TrainingSummary> run();

private:
  void allocateBuffers();
  bool fillBatch(int64_t step);
  bool writesCheckpointAfter(int64_t step) const;
  Status runStep(int64_t step, StepRecord &record);
  Status writeMetrics(AtomicFile &metrics, const StepRecord &record,
                      double elapsed, bool gradStats);
  Status collapseError(const StepRecord &record) const;
  void printLine(const std::string &line);
  void drawProgress(const StepRecord &record);

  const StepSignature &signature;
  StepExecutor &executor;
  TrainingState &state;
  BatchSource &data;
  const TrainerOptions &options;
  std::FILE *out;

  /// All batch inputs in argument order, and the sampled ones among them.
  std::vector<HostTensor> batch;
  std::vector<HostTensor *> sampled;
  /// The buffers of results that are not state, by result index.
  std::vector<HostTensor> outputs;
  std::vector<void *> buffers;
  /// For each state result, the argument it replaces.
  std::vector<size_t> argOfResult;

  TrainingSummary summary;
  int64_t lastStep = 0;
  double zeroGradSum = 0;
  bool progressVisible = false;
  /// Whether the batch buffers hold the data of a step (not a fault
  /// injection's NaN), which a source that repeats one batch keeps.
  bool batchFilled = false;
  /// Whether the executor already filled the next step's batch
  /// (StepCall::fillNextBatch), and whether that changed it.
  bool nextBatchFilled = false, nextBatchChanged = false;
  /// How long each call of the step took, over the timed steps.
  std::vector<double> stepSeconds;
};

void TrainingLoop::allocateBuffers() {
  for (size_t index : signature.argsWithRole(Role::Batch)) {
    const TensorSpec &input = signature.args[index];
    HostTensor &tensor = batch.emplace_back(input.dtype, input.shape);
    if (input.shape.empty())
      tensor.store(0, options.scalarInputs.at(input.name));
  }
  for (HostTensor &tensor : batch)
    if (!tensor.shape.empty())
      sampled.push_back(&tensor);
  outputs.resize(signature.results.size());
  argOfResult.resize(signature.results.size());
  for (size_t i = 0, e = signature.results.size(); i < e; ++i) {
    const TensorSpec &result = signature.results[i];
    if (isStateRole(result.role))
      argOfResult[i] = *signature.findArg(result.role, result.name);
    else
      outputs[i] = HostTensor(result.dtype, result.shape);
  }
  buffers.resize(signature.args.size() + signature.results.size());
}

/// Fills the batch of `step`; returns whether the buffers changed.
bool TrainingLoop::fillBatch(int64_t step) {
  bool changed = false;
  if (!batchFilled || !data.repeatsBatch()) {
    data.fill(step - 1, sampled);
    batchFilled = changed = true;
  }
  if (options.injectNonfiniteAt.count(step)) {
    for (HostTensor *input : sampled)
      for (int64_t i = 0, e = input->numElements(); i < e; ++i)
        input->store(i, std::numeric_limits<double>::quiet_NaN());
    batchFilled = false;
    changed = true;
  }
  return changed;
}

bool TrainingLoop::writesCheckpointAfter(int64_t step) const {
  return !options.checkpointPath.empty() &&
         ((options.checkpointEvery > 0 &&
           step % options.checkpointEvery == 0) ||
          step == lastStep);
}

Status TrainingLoop::runStep(int64_t step, StepRecord &record) {
  record.step = step;
  StepCall call;
  call.batchChanged = nextBatchFilled ? nextBatchChanged : fillBatch(step);
  nextBatchFilled = false;
  call.stateNeeded = step == lastStep || writesCheckpointAfter(step);
  if (step < lastStep)
    call.fillNextBatch = [this, step] {
      nextBatchChanged = fillBatch(step + 1);
      nextBatchFilled = true;
      return nextBatchChanged;
    };

  size_t batchIndex = 0;
  for (size_t i = 0, e = signature.args.size(); i < e; ++i)
    buffers[i] = signature.args[i].role == Role::Batch
                     ? batch[batchIndex++].buffer.data()
                     : state.current(i);
  for (size_t i = 0, e = signature.results.size(); i < e; ++i)
    buffers[signature.args.size() + i] = isStateRole(signature.results[i].role)
                                             ? state.next(argOfResult[i])
                                             : outputs[i].buffer.data();
  call.buffers = buffers.data();

  record.scaleUsed = state.lossScale();
  uint64_t liveBefore = AllocationTracker::liveBytes();
  AllocationTracker::resetPeak();
  Clock::time_point start = Clock::now();
  Status status = executor.call(call);
  if (step >= summary.firstStep + options.warmupSteps)
    stepSeconds.push_back(secondsSince(start));
  uint64_t peak = AllocationTracker::peakBytes() - liveBefore;
  uint64_t liveAfter = AllocationTracker::liveBytes();
  summary.peakHeapBytes = std::max(summary.peakHeapBytes, peak);
  if (liveAfter > liveBefore)
    summary.leakedBytes += liveAfter - liveBefore;
  if (!status.ok())
    return status;

  record.loss = outputs[*signature.findResult(Role::Loss)].load(0);
  record.skipped = outputs[*signature.findResult(Role::Overflow)].load(0) != 0;
  if (std::optional<size_t> collapsed =
          signature.findResult(Role::ScaleCollapsed))
    record.collapsed = outputs[*collapsed].load(0) != 0;
  int64_t zeros = 0, total = 0;
  for (size_t i = 0, e = signature.results.size(); i < e; ++i) {
    if (signature.results[i].role != Role::Grad)
      continue;
    for (int64_t j = 0, n = outputs[i].numElements(); j < n; ++j)
      zeros += outputs[i].load(j) == 0;
    total += outputs[i].numElements();
  }
  if (total)
    record.zeroGradFraction = static_cast<double>(zeros) / total;
  return Status::success();
}

Status TrainingLoop::writeMetrics(AtomicFile &metrics, const StepRecord &record,
                                  double elapsed, bool gradStats) {
  char row[160];
  std::snprintf(row, sizeof(row), "%lld,%.9g,%.9g,%d,%.6f",
                static_cast<long long>(record.step), record.loss,
                record.scaleUsed, record.skipped ? 1 : 0, elapsed);
  std::string line = row;
  if (gradStats)
    line += format(",%.6f", record.zeroGradFraction.value_or(0));
  return metrics.write(line + "\n");
}

Status TrainingLoop::collapseError(const StepRecord &record) const {
  const LossScaleConfig &config = signature.lossScale;
  return Status::error(
      "loss scale collapsed at step " + std::to_string(record.step) +
      ": the gradients were not finite even with the loss scale backed off "
      "to its minimum " +
      format("%g", config.minScale) + " (" +
      std::to_string(summary.skipped + record.skipped) + " of " +
      std::to_string(record.step - summary.firstStep + 1) +
      " steps skipped). The model or the data produces NaN/Inf: check the "
      "inputs, lower the learning rate, or train in bf16 or fp32. Nothing "
      "was saved.");
}

void TrainingLoop::printLine(const std::string &line) {
  if (progressVisible)
    std::fputs("\r\033[K", out);
  std::fputs(line.c_str(), out);
  std::fputc('\n', out);
  progressVisible = false;
}

void TrainingLoop::drawProgress(const StepRecord &record) {
  constexpr int kWidth = 30;
  int64_t done = record.step - summary.firstStep + 1;
  int filled = static_cast<int>(kWidth * done / options.steps);
  std::string bar(filled, '=');
  bar.resize(kWidth, ' ');
  std::fprintf(out, "\r\033[K[%s] %lld/%lld loss %.6g", bar.c_str(),
               static_cast<long long>(record.step),
               static_cast<long long>(lastStep), record.loss);
  std::fflush(out);
  progressVisible = true;
}

Expected<TrainingSummary> TrainingLoop::run() {
  allocateBuffers();
  summary.firstStep = state.step() + 1;
  lastStep = state.step() + options.steps;
  summary.lastStep = lastStep;
  bool gradStats = std::any_of(
      signature.results.begin(), signature.results.end(),
      [](const TensorSpec &spec) { return spec.role == Role::Grad; });

  // Open the metrics file first, so an unwritable path fails before any
  // training time is spent.
  std::optional<AtomicFile> metrics;
  if (!options.metricsPath.empty()) {
    Expected<AtomicFile> file = AtomicFile::create(options.metricsPath);
    if (!file.ok())
      return file.takeError();
    metrics.emplace(std::move(*file));
    std::string header = "step,loss,loss_scale,skipped,seconds";
    if (Status status = metrics->write(
            header + (gradStats ? ",zero_grad_fraction\n" : "\n"));
        !status.ok())
      return status;
  }

  Clock::time_point start = Clock::now(), lastPrint = start, lastDraw = start;
  Clock::time_point timedStart = start;
  int64_t stepsSincePrint = 0;
  for (int64_t step = summary.firstStep; step <= lastStep; ++step) {
    if (step == summary.firstStep + options.warmupSteps)
      timedStart = Clock::now();
    StepRecord record;
    if (Status status = runStep(step, record); !status.ok())
      return status;
    if (record.collapsed)
      return collapseError(record);
    state.advance();
    state.setStep(step);
    record.scaleAfter = state.lossScale();
    summary.skipped += record.skipped;
    summary.finalLoss = record.loss;
    summary.finalLossScale = record.scaleAfter;
    if (record.zeroGradFraction) {
      zeroGradSum += *record.zeroGradFraction;
      summary.lastZeroGradFraction = record.zeroGradFraction;
    }
    ++stepsSincePrint;
    double elapsed = secondsSince(start);

    if (metrics)
      if (Status status = writeMetrics(*metrics, record, elapsed, gradStats);
          !status.ok())
        return status;
    if (record.skipped) {
      std::string line = "step " + std::to_string(step) +
                         ": non-finite gradients, update skipped";
      if (record.scaleAfter != record.scaleUsed)
        line += format("; loss scale %g", record.scaleUsed) +
                format(" -> %g", record.scaleAfter);
      printLine(line);
    }
    if (options.printEvery > 0 &&
        (step % options.printEvery == 0 || step == lastStep)) {
      double perStep =
          1e3 * secondsSince(lastPrint) / static_cast<double>(stepsSincePrint);
      std::string line = "step " + std::to_string(step) + "/" +
                         std::to_string(lastStep) +
                         format("  loss %.7g", record.loss);
      if (signature.lossScale.mode != LossScaleMode::None)
        line += format("  scale %g", record.scaleUsed);
      line += "  skipped " + std::to_string(summary.skipped) +
              format("  %.3g ms/step", perStep);
      if (record.zeroGradFraction)
        line += format("  zero-grads %.2f%%", 100 * *record.zeroGradFraction);
      printLine(line);
      lastPrint = Clock::now();
      stepsSincePrint = 0;
    }
    // Redrawing costs more than a small step: ten times a second is enough.
    if (options.progressBar &&
        (secondsSince(lastDraw) >= 0.1 || step == lastStep)) {
      drawProgress(record);
      lastDraw = Clock::now();
    }
    if (writesCheckpointAfter(step))
      if (Status status = writeSafetensors(options.checkpointPath,
                                           state.saveCheckpoint(options.seed));
          !status.ok())
        return status;
  }
  summary.seconds = secondsSince(start);
  summary.timedSeconds = secondsSince(timedStart);
  if (progressVisible)
    std::fputs("\r\033[K", out);
  if (metrics)
    if (Status status = metrics->commit(); !status.ok())
      return status;

  summary.staticStepBytes = options.staticStepBytes;
  summary.peakStepBytes = summary.staticStepBytes + summary.peakHeapBytes;
  summary.warmupSteps = options.warmupSteps;
  summary.device = executor.device();
  summary.peakDeviceStepBytes = executor.peakDeviceStepBytes();
  int64_t timedSteps = summary.steps() - options.warmupSteps;
  if (summary.timedSeconds > 0)
    summary.samplesPerSecond =
        static_cast<double>(timedSteps * signature.batchSize()) /
        summary.timedSeconds;
  if (!stepSeconds.empty()) {
    auto middle = stepSeconds.begin() + stepSeconds.size() / 2;
    std::nth_element(stepSeconds.begin(), middle, stepSeconds.end());
    summary.medianStepSeconds = *middle;
  }
  if (summary.lastZeroGradFraction)
    summary.meanZeroGradFraction =
        zeroGradSum / static_cast<double>(summary.steps());
  return summary;
}
} // namespace

Expected<TrainingSummary>
mpt::runtime::train(const StepSignature &signature, StepExecutor &step,
                    TrainingState &state, BatchSource &data,
                    const TrainerOptions &options, std::FILE *out) {
  return TrainingLoop(signature, step, state, data, options, out).run();
}
