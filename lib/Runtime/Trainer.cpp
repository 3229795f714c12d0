//===- Trainer.cpp - The training loop ------------------------------------===//

#include "mpt/Runtime/Trainer.h"
#include "mpt/Runtime/AllocationTracker.h"
#include "mpt/Runtime/Interrupt.h"
#include "mpt/Runtime/Random.h"

#include "RunOutputs.h"

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
  /// Whether the results stayed on the device (StepCall::resultsNeeded),
  /// to be booked later.
  bool deferred = false;
  std::optional<double> zeroGradFraction;
  std::optional<ValidationResult> validation;
};

class TrainingLoop {
public:
  TrainingLoop(const StepSignature &signature, StepExecutor &step,
               TrainingState &state, BatchSource &data,
               const TrainerOptions &options, std::FILE *out)
      : signature(signature), executor(step), state(state), data(data),
        options(options), out(out), outputs(options, out) {}

  Expected<TrainingSummary> run();

private:
  void allocateBuffers();
  bool fillBatch(int64_t step);
  bool writesCheckpointAfter(int64_t step) const;
  /// Whether the results of the call for `step` are read when it returns,
  /// or may stay on the executor's device until a later step's are.
  bool readsResultsAfter(int64_t step, bool stateNeeded) const;
  Status runStep(int64_t step, StepRecord &record);
  /// The loss, the skip and the collapse of a step, from one host buffer
  /// per result.
  void readScalarResults(void *const *values, StepRecord &record) const;
  /// Books the steps whose results stayed on the device, in order, as if
  /// each had returned them; `last` becomes the last one's record. Fails
  /// as those steps would have: a collapse, the skip limit, the metrics.
  Status bookDeferredSteps(StepRecord &last);
  /// Books a step that ran: the state, the summary, the metrics and the
  /// printed lines.
  Status recordStep(const StepRecord &record, double elapsed);
  bool validatesAfter(int64_t step) const;
  void validate(StepRecord &record);
  void printValidation(const StepRecord &record);
  Status collapseError(const StepRecord &record) const;
  Status skipLimitError(const StepRecord &record) const;
  /// Ends the run after `record`: the summary, printed and committed with
  /// the other outputs.
  Expected<TrainingSummary> finish(const StepRecord &record, int stopSignal,
                                   Clock::time_point start,
                                   Clock::time_point timedStart,
                                   double exchangeSecondsAtTimedStart);
  void printLine(const std::string &line);
  void drawProgress(const StepRecord &record);

  const StepSignature &signature;
  StepExecutor &executor;
  TrainingState &state;
  BatchSource &data;
  const TrainerOptions &options;
  std::FILE *out;
  RunOutputs outputs;

  /// All batch inputs in argument order, and the sampled ones among them.
  std::vector<HostTensor> batch;
  std::vector<HostTensor *> sampled;
  /// The buffers of results that are not state, by result index.
  std::vector<HostTensor> results;
  std::vector<void *> buffers;
  /// For each state result, the argument it replaces.
  std::vector<size_t> argOfResult;

  TrainingSummary summary;
  /// The last step asked for; the run may stop before it.
  int64_t lastStep = 0;
  bool gradStats = false;
  double zeroGradSum = 0;
  int64_t consecutiveSkips = 0;
  /// The calls whose results stayed on the device, not booked yet: the
  /// seconds since the start when each returned. And the loss scale after
  /// the last step booked, which the first of them used.
  std::vector<double> deferredSeconds;
  double bookedScale = 1;
  /// Whether the last call brought the whole state back.
  bool stateFetched = false;
  bool progressVisible = false;
  /// Whether the batch buffers hold the data of a step (not a fault
  /// injection's NaN), which a source that repeats one batch keeps.
  bool batchFilled = false;
  /// Whether the executor already filled the next step's batch
  /// (StepCall::fillNextBatch), and whether that changed it.
  bool nextBatchFilled = false, nextBatchChanged = false;
  /// How long calls of the step took, over the timed steps: all of them,
  /// or a uniform sample (reservoir sampling) of kTimedCallSample when there
  /// are more, so that a long run's books stay small.
  static constexpr size_t kTimedCallSample = 1 << 16;
  /// Redrawing costs more than a small step: ten times a second is enough.
  static constexpr double kRedrawSeconds = 0.1;
  std::vector<double> stepSeconds;
  int64_t timedCalls = 0;
  Rng timingSample = Rng::stream(0, "timing");
  Clock::time_point lastPrint;
  /// When the progress bar was last drawn.
  Clock::time_point lastDraw;
  // The time validation took after the warm-up, left out of the throughput.
  Clock::duration timedValidation{};
  int64_t stepsSincePrint = 0;
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
  results.resize(signature.results.size());
  argOfResult.resize(signature.results.size());
  for (size_t i = 0, e = signature.results.size(); i < e; ++i) {
    const TensorSpec &result = signature.results[i];
    if (isStateRole(result.role))
      argOfResult[i] = *signature.findArg(result.role, result.name);
    else
      results[i] = HostTensor(result.dtype, result.shape);
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
    // Integer inputs (indices, labels) have no NaN; the float ones carry it.
    for (HostTensor *input : sampled)
      for (int64_t i = 0, e = input->numElements();
           isFloatDType(input->dtype) && i < e; ++i)
        input->store(i, std::numeric_limits<double>::quiet_NaN());
    batchFilled = false;
    changed = true;
  }
  return changed;
}

bool TrainingLoop::writesCheckpointAfter(int64_t step) const {
  return !options.checkpointPath.empty() && options.checkpointEvery > 0 &&
         step % options.checkpointEvery == 0;
}

bool TrainingLoop::readsResultsAfter(int64_t step, bool stateNeeded) const {
  // Whatever is printed, written, drawn or agreed on after a step needs its
  // results then; the skip rules are checked when the steps are booked,
  // in order, so they stop the run at the same step. The clock starts
  // after the warm-up with the device idle.
  return stateNeeded || step == summary.firstStep + options.warmupSteps - 1 ||
         static_cast<int64_t>(deferredSeconds.size()) + 1 >=
             executor.maxDeferredCalls() ||
         (options.printEvery > 0 && step % options.printEvery == 0) ||
         gradStats ||
         (options.progressBar && secondsSince(lastDraw) >= kRedrawSeconds) ||
         options.replicas || InterruptHandler::stopSignal() != 0;
}

void TrainingLoop::readScalarResults(void *const *values,
                                     StepRecord &record) const {
  auto load = [&](size_t index) {
    return loadElement(signature.results[index].dtype, values[index]);
  };
  record.loss = load(*signature.findResult(Role::Loss));
  record.skipped = load(*signature.findResult(Role::Overflow)) != 0;
  if (std::optional<size_t> collapsed =
          signature.findResult(Role::ScaleCollapsed))
    record.collapsed = load(*collapsed) != 0;
}

Status TrainingLoop::bookDeferredSteps(StepRecord &last) {
  std::optional<size_t> scaleResult = signature.findResult(Role::LossScale);
  int64_t firstStep =
      state.step() - static_cast<int64_t>(deferredSeconds.size()) + 1;
  size_t booked = 0;
  Status failure = Status::success();
  Status taken = executor.takeDeferredResults([&](void *const *values) {
    if (!failure.ok() || booked == deferredSeconds.size())
      return;
    StepRecord record;
    record.step = firstStep + static_cast<int64_t>(booked);
    record.scaleUsed = bookedScale;
    readScalarResults(values, record);
    record.scaleAfter = scaleResult
                            ? loadElement(signature.results[*scaleResult].dtype,
                                          values[*scaleResult])
                            : 1.0;
    bookedScale = record.scaleAfter;
    double seconds = deferredSeconds[booked++];
    if (record.collapsed) {
      failure = collapseError(record);
      return;
    }
    consecutiveSkips = record.skipped ? consecutiveSkips + 1 : 0;
    if (Status status = recordStep(record, seconds); !status.ok()) {
      failure =
          Status::error(status.message() + ". " + outputs.afterFailure() + ".");
      return;
    }
    if (options.maxConsecutiveSkips > 0 &&
        consecutiveSkips >= options.maxConsecutiveSkips)
      failure = skipLimitError(record);
    last = record;
  });
  if (!taken.ok())
    return Status::error(taken.message() + ". " + outputs.afterFailure() + ".");
  if (failure.ok() && booked != deferredSeconds.size())
    failure = Status::error("the step executor handed over the results of " +
                            std::to_string(booked) + " of the " +
                            std::to_string(deferredSeconds.size()) +
                            " steps it kept. " + outputs.afterFailure() + ".");
  deferredSeconds.clear();
  return failure;
}

Status TrainingLoop::runStep(int64_t step, StepRecord &record) {
  record.step = step;
  StepCall call;
  call.batchChanged = nextBatchFilled ? nextBatchChanged : fillBatch(step);
  nextBatchFilled = false;
  call.stateNeeded =
      step == lastStep || writesCheckpointAfter(step) || validatesAfter(step) ||
      (options.replicas && options.replicas->checksReplicasAfter(step));
  stateFetched = call.stateNeeded;
  call.resultsNeeded = readsResultsAfter(step, call.stateNeeded);
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
                                             : results[i].buffer.data();
  call.buffers = buffers.data();

  record.scaleUsed = state.lossScale();
  uint64_t liveBefore = AllocationTracker::liveBytes();
  AllocationTracker::resetPeak();
  Clock::time_point start = Clock::now();
  Status status = executor.call(call);
  if (step >= summary.firstStep + options.warmupSteps) {
    double seconds = secondsSince(start);
    uint64_t slot = static_cast<uint64_t>(timedCalls++);
    if (stepSeconds.size() < kTimedCallSample)
      stepSeconds.push_back(seconds);
    else if ((slot = timingSample.below(slot + 1)) < kTimedCallSample)
      stepSeconds[slot] = seconds;
  }
  uint64_t peak = AllocationTracker::peakBytes() - liveBefore;
  uint64_t liveAfter = AllocationTracker::liveBytes();
  summary.peakHeapBytes = std::max(summary.peakHeapBytes, peak);
  if (liveAfter > liveBefore)
    summary.leakedBytes += liveAfter - liveBefore;
  if (!status.ok())
    return status;
  if (!call.resultsNeeded) {
    record.deferred = true;
    return Status::success();
  }

  readScalarResults(buffers.data() + signature.args.size(), record);
  int64_t zeros = 0, total = 0;
  for (size_t i = 0, e = signature.results.size(); i < e; ++i) {
    if (signature.results[i].role != Role::Grad)
      continue;
    for (int64_t j = 0, n = results[i].numElements(); j < n; ++j)
      zeros += results[i].load(j) == 0;
    total += results[i].numElements();
  }
  if (total)
    record.zeroGradFraction = static_cast<double>(zeros) / total;
  return Status::success();
}

Status TrainingLoop::recordStep(const StepRecord &record, double elapsed) {
  summary.skipped += record.skipped;
  summary.finalLoss = record.loss;
  summary.finalLossScale = record.scaleAfter;
  if (record.zeroGradFraction) {
    zeroGradSum += *record.zeroGradFraction;
    summary.lastZeroGradFraction = record.zeroGradFraction;
  }
  ++stepsSincePrint;

  char row[160];
  std::snprintf(row, sizeof(row), "%lld,%.9g,%.9g,%d,%.6f",
                static_cast<long long>(record.step), record.loss,
                record.scaleUsed, record.skipped ? 1 : 0, elapsed);
  std::string line = row;
  if (gradStats)
    line += format(",%.6f", record.zeroGradFraction.value_or(0));
  if (options.validate) {
    line += ",";
    if (record.validation)
      line += format("%.9g", record.validation->loss);
    line += ",";
    if (record.validation && record.validation->accuracy)
      line += format("%.9g", *record.validation->accuracy);
  }
  if (Status status = outputs.addMetrics(line + "\n"); !status.ok())
    return status;

  if (record.skipped) {
    std::string skippedLine = "step " + std::to_string(record.step) +
                              ": non-finite gradients, update skipped";
    if (record.scaleAfter != record.scaleUsed)
      skippedLine += format("; loss scale %g", record.scaleUsed) +
                     format(" -> %g", record.scaleAfter);
    printLine(skippedLine);
  }
  if (options.printEvery > 0 &&
      (record.step % options.printEvery == 0 || record.step == lastStep)) {
    double perStep =
        1e3 * secondsSince(lastPrint) / static_cast<double>(stepsSincePrint);
    std::string lossLine = "step " + std::to_string(record.step) + "/" +
                           std::to_string(lastStep) +
                           format("  loss %.7g", record.loss);
    if (signature.lossScale.mode != LossScaleMode::None)
      lossLine += format("  scale %g", record.scaleUsed);
    lossLine += "  skipped " + std::to_string(summary.skipped) +
                format("  %.3g ms/step", perStep);
    if (record.zeroGradFraction)
      lossLine += format("  zero-grads %.2f%%", 100 * *record.zeroGradFraction);
    printLine(lossLine);
    lastPrint = Clock::now();
    stepsSincePrint = 0;
  }
  if (record.validation)
    printValidation(record);
  if (writesCheckpointAfter(record.step) && record.step != lastStep)
    return outputs.writeCheckpoint(state);
  return Status::success();
}

bool TrainingLoop::validatesAfter(int64_t step) const {
  return options.validate &&
         ((options.validateEvery > 0 && step % options.validateEvery == 0) ||
          step == lastStep);
}

void TrainingLoop::validate(StepRecord &record) {
  record.validation = options.validate();
  summary.lastValidation = record.validation;
  summary.lastValidationStep = record.step;
}

void TrainingLoop::printValidation(const StepRecord &record) {
  const ValidationResult &result = *record.validation;
  std::string line = "validation after step " + std::to_string(record.step) +
                     format(": loss %.7g", result.loss);
  if (result.accuracy)
    line += format("  accuracy %.2f%%", 100 * *result.accuracy);
  printLine(line + "  (" + std::to_string(result.samples) + " samples)");
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
      "inputs, lower the learning rate, or train in bf16 or fp32. " +
      outputs.afterFailure() + ".");
}

Status TrainingLoop::skipLimitError(const StepRecord &record) const {
  std::string why;
  switch (signature.lossScale.mode) {
  case LossScaleMode::None:
    why = "The model or the data produces NaN/Inf: check the inputs, lower "
          "the learning rate, or train in a wider precision.";
    break;
  case LossScaleMode::Static:
    why = "The gradients overflow at the static loss scale " +
          format("%g", record.scaleUsed) +
          ": lower it, use a dynamic one, or check the inputs and the "
          "learning rate.";
    break;
  case LossScaleMode::Dynamic:
    why = "The gradients are not finite even with the loss scale at " +
          format("%g", record.scaleAfter) +
          ": check the inputs, lower the learning rate, or train in bf16 or "
          "fp32.";
    break;
  }
  return Status::error(
      std::to_string(consecutiveSkips) + " consecutive steps (" +
      std::to_string(record.step - consecutiveSkips + 1) + "-" +
      std::to_string(record.step) +
      ") had non-finite gradients and were skipped: "
      "--max-consecutive-skips=" +
      std::to_string(options.maxConsecutiveSkips) + " stops the run. " + why +
      " " + outputs.afterFailure() + ".");
}

void TrainingLoop::printLine(const std::string &line) {
  if (progressVisible)
    std::fputs("\r\033[K", out);
  std::fputs(line.c_str(), out);
  std::fputc('\n', out);
  // Whoever reads the progress through a pipe sees it as it happens.
  std::fflush(out);
  progressVisible = false;
}

void TrainingLoop::drawProgress(const StepRecord &record) {
  constexpr int kWidth = 30;
  double done = static_cast<double>(record.step - summary.firstStep + 1) /
                static_cast<double>(options.steps);
  std::string bar(static_cast<size_t>(kWidth * done), '=');
  bar.resize(kWidth, ' ');
  std::fprintf(out, "\r\033[K[%s] %lld/%lld loss %.6g", bar.c_str(),
               static_cast<long long>(record.step),
               static_cast<long long>(lastStep), record.loss);
  std::fflush(out);
  progressVisible = true;
}

Expected<TrainingSummary>
TrainingLoop::finish(const StepRecord &record, int stopSignal,
                     Clock::time_point start, Clock::time_point timedStart,
                     double exchangeSecondsAtTimedStart) {
  summary.lastStep = record.step;
  summary.stopSignal = stopSignal;
  summary.seconds = secondsSince(start);
  summary.timedSeconds = secondsSince(timedStart) -
                         std::chrono::duration<double>(timedValidation).count();
  if (progressVisible)
    std::fputs("\r\033[K", out);
  summary.staticStepBytes = options.staticStepBytes;
  summary.peakStepBytes = summary.staticStepBytes + summary.peakHeapBytes;
  summary.warmupSteps = std::min<int64_t>(options.warmupSteps, summary.steps());
  summary.device = executor.device();
  summary.peakDeviceStepBytes = executor.peakDeviceStepBytes();
  summary.graphDeviceMemory = executor.graphDeviceMemory();
  summary.hostSynchronizationsPerStep = executor.hostSynchronizationsPerStep();
  double timedSteps =
      static_cast<double>(summary.steps() - summary.warmupSteps);
  // Every rank trains a batch per step.
  int ranks = options.replicas ? options.replicas->worldSize() : 1;
  summary.worldSize = ranks;
  if (ranks > 1)
    summary.exchangeSeconds =
        options.replicas->secondsInExchanges() - exchangeSecondsAtTimedStart;
  if (summary.timedSeconds > 0 && timedSteps > 0)
    summary.samplesPerSecond =
        timedSteps * static_cast<double>(signature.batchSize() * ranks) /
        summary.timedSeconds;
  if (!stepSeconds.empty()) {
    auto middle = stepSeconds.begin() + stepSeconds.size() / 2;
    std::nth_element(stepSeconds.begin(), middle, stepSeconds.end());
    summary.medianStepSeconds = *middle;
  }
  if (summary.lastZeroGradFraction)
    summary.meanZeroGradFraction =
        zeroGradSum / static_cast<double>(summary.steps());

  printSummary(summary, signature, out);
  // A run stopped early has not trained what --save promises; its
  // checkpoint holds the state to resume from.
  bool finished = record.step == lastStep;
  if (!stateFetched)
    if (Status status = executor.fetchState(state.currentBuffers());
        !status.ok())
      return Status::error(status.message() + ". " + outputs.afterFailure() +
                           ".");
  if (Status status =
          outputs.commit(state, finished, summaryJson(summary, signature));
      !status.ok())
    return Status::error(status.message() + ". " + outputs.afterFailure() +
                         ".");
  if (stopSignal)
    std::fprintf(out, "stopped by %s after step %lld of %lld-%lld: %s\n",
                 signalName(stopSignal), static_cast<long long>(record.step),
                 static_cast<long long>(summary.firstStep),
                 static_cast<long long>(lastStep),
                 outputs.afterInterruption(record.step).c_str());
  std::fflush(out);
  return summary;
}

Expected<TrainingSummary> TrainingLoop::run() {
  allocateBuffers();
  summary.firstStep = state.step() + 1;
  lastStep = state.step() + options.steps;
  gradStats = std::any_of(
      signature.results.begin(), signature.results.end(),
      [](const TensorSpec &spec) { return spec.role == Role::Grad; });
  bookedScale = state.lossScale();

  // Ctrl-C from here on stops after a step, keeping what was trained.
  InterruptHandler interrupts;
  // Open the metrics file first, so an unwritable path fails before any
  // training time is spent.
  std::string header = "step,loss,loss_scale,skipped,seconds";
  if (gradStats)
    header += ",zero_grad_fraction";
  if (options.validate)
    header += ",val_loss,val_accuracy";
  if (Status status = outputs.open(header + "\n"); !status.ok())
    return status;

  Clock::time_point start = Clock::now();
  lastDraw = start;
  Clock::time_point timedStart = start;
  double exchangeSecondsAtTimedStart = 0;
  lastPrint = start;
  // Counted so that a last step of 2^63 - 1 ends the loop without
  // overflowing the step number.
  for (int64_t step = summary.firstStep;; ++step) {
    if (step == summary.firstStep + options.warmupSteps) {
      timedStart = Clock::now();
      if (options.replicas)
        exchangeSecondsAtTimedStart = options.replicas->secondsInExchanges();
    }
    StepRecord record;
    if (options.replicas)
      options.replicas->beginStep(step);
    Status status = runStep(step, record);
    // A collective of the step that failed (a rank timed out) leaves its
    // results unusable.
    if (status.ok())
      status = takeStepCommunicationError();
    int stopSignal = 0;
    if (status.ok() && options.replicas) {
      Expected<StepAgreement> agreed = options.replicas->finishStep(
          step, record.loss, record.skipped, record.collapsed,
          InterruptHandler::stopSignal());
      if (agreed.ok()) {
        record.loss = agreed->loss;
        stopSignal = agreed->stopSignal;
      } else {
        status = agreed.takeError();
      }
    }
    if (!status.ok())
      return Status::error(status.message() + ". " + outputs.afterFailure() +
                           ".");
    if (record.deferred) {
      state.advance();
      state.setStep(step);
      deferredSeconds.push_back(secondsSince(start));
      // A stop signal is the only way to end after a step that kept its
      // results on the device (the last step returns them).
      stopSignal = InterruptHandler::stopSignal();
      if (!stopSignal)
        continue;
      StepRecord last;
      if (Status status = bookDeferredSteps(last); !status.ok())
        return status;
      return finish(last, stopSignal, start, timedStart,
                    exchangeSecondsAtTimedStart);
    }
    if (!deferredSeconds.empty()) {
      StepRecord last;
      if (Status status = bookDeferredSteps(last); !status.ok())
        return status;
      record.scaleUsed = bookedScale;
    }
    if (record.collapsed)
      return collapseError(record);
    state.advance();
    state.setStep(step);
    record.scaleAfter = bookedScale = state.lossScale();
    consecutiveSkips = record.skipped ? consecutiveSkips + 1 : 0;
    if (validatesAfter(step)) {
      // Validation is no training time: the step times and the
      // throughput leave it out.
      Clock::time_point validationStart = Clock::now();
      validate(record);
      Clock::duration spent = Clock::now() - validationStart;
      lastPrint += spent;
      if (step >= summary.firstStep + options.warmupSteps)
        timedValidation += spent;
    }
    if (Status status = recordStep(record, secondsSince(start)); !status.ok())
      return Status::error(status.message() + ". " + outputs.afterFailure() +
                           ".");
    if (options.maxConsecutiveSkips > 0 &&
        consecutiveSkips >= options.maxConsecutiveSkips)
      return skipLimitError(record);
    if (options.replicas && options.replicas->checksReplicasAfter(step))
      if (Status status = options.replicas->checkReplicas(
              state, options.seed, "after step " + std::to_string(step));
          !status.ok())
        return Status::error(status.message() + ". " + outputs.afterFailure() +
                             ".");
    if (options.progressBar &&
        (secondsSince(lastDraw) >= kRedrawSeconds || step == lastStep)) {
      drawProgress(record);
      lastDraw = Clock::now();
    }
    // The ranks of a job stop together, after the step they agreed on.
    if (!options.replicas)
      stopSignal = InterruptHandler::stopSignal();
    if (step == lastStep || stopSignal)
      return finish(record, stopSignal, start, timedStart,
                    exchangeSecondsAtTimedStart);
  }
}
} // namespace

Expected<TrainingSummary>
mpt::runtime::train(const StepSignature &signature, StepExecutor &step,
                    TrainingState &state, BatchSource &data,
                    const TrainerOptions &options, std::FILE *out) {
  return TrainingLoop(signature, step, state, data, options, out).run();
}
