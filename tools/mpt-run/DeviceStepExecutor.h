//===- DeviceStepExecutor.h - A GPU trainer's step executor -----*- C++ -*-===//
//
// How a GPU trainer (TrainerMain.cpp built with MPT_TRAINER_CUDA) runs its
// compiled step on the device for the training loop.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_DEVICESTEPEXECUTOR_H
#define MPT_TOOLS_MPT_RUN_DEVICESTEPEXECUTOR_H

#include "mpt/Runtime/CUDA.h"
#include "mpt/Runtime/Trainer.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

/// Runs the compiled GPU step for the host training session, which keeps
/// its flags, output, metrics and checkpoints. The state lives on the
/// device twice: the step reads one copy and writes the other, and they
/// swap after each step; the host state is uploaded once.
///
/// A single-process step is enqueued without waiting for it
/// (cuda::enqueueStep: the same CUDA graph replayed each step, unless
/// graphs are off or cannot be captured). After each step its reported
/// results (those that are not state: loss, flags; and the scalar state:
/// loss scale, counters) are copied, on the device, into the next record of
/// a history; the host reads the history back, in one copy, only after the
/// steps the loop reads results after (those that print, checkpoint, end,
/// or fill the history), and hands the earlier records to the loop in order
/// (takeDeferredResults). The whole state comes back only when the loop
/// needs it. A data-parallel step, whose collectives wait for the device
/// inside the step, is called directly and reports after every step.
///
/// Batches travel through page-locked staging buffers, on an upload stream
/// of their own, into one of two device copies of the batch inputs. While
/// the step runs on one, the next batch is filled, staged and uploaded into
/// the other: the upload waits on the device for the step before, which
/// read that copy, and the next step for the upload. Refilling the staging
/// buffer waits for its previous upload (a host synchronization, only when
/// batches change).
class DeviceStepExecutor : public StepExecutor {
public:
  /// `asynchronous`: whether `step` may be enqueued without waiting for
  /// it (not a data-parallel step, whose collectives wait inside it).
  DeviceStepExecutor(const StepSignature &signature, StepFunction step,
                     bool asynchronous)
      : signature(signature), step(step), asynchronous(asynchronous) {}
  ~DeviceStepExecutor() override {
    for (BatchInput &input : batchInputs)
      cuda::freeHost(input.staging);
    cuda::freeHost(historyHost);
  }

  /// Initializes `device` and allocates the step's buffers.
  Status start(int device);
  /// Runs `replacement`, a step of the same signature, from the first call
  /// on.
  void setStep(StepFunction replacement) { step = replacement; }
  Status call(const StepCall &call) override;
  Status fetchState(const std::vector<void *> &state) override;
  std::string device() const override { return description; }
  std::optional<uint64_t> peakDeviceStepBytes() const override;
  std::optional<GraphDeviceMemory> graphDeviceMemory() const override;
  std::optional<double> hostSynchronizationsPerStep() const override {
    if (calls == 0)
      return std::nullopt;
    return static_cast<double>(synchronizations) / static_cast<double>(calls);
  }
  int64_t maxDeferredCalls() const override {
    return asynchronous ? static_cast<int64_t>(historyRecords) : 0;
  }
  Status
  takeDeferredResults(const std::function<void(void *const *)> &take) override;

private:
  /// A batch input: its argument, its page-locked staging buffer and its
  /// two device buffers.
  struct BatchInput {
    size_t arg;
    size_t bytes;
    void *staging = nullptr;
    std::array<void *, 2> device{};
  };

  /// One step: the state's first upload, the batch, the step, the results.
  Status runStep(const StepCall &call);

  /// Fills the next batch (StepCall::fillNextBatch) and, when it changed,
  /// starts its upload into the device buffers the next step reads.
  Status prepareNextBatch(const StepCall &call);

  /// Copies the batch inputs from the loop's buffers into the staging
  /// buffers, once their previous upload is done, and starts their upload
  /// into the device buffers `slot`, after the steps that read them.
  Status stageBatch(void *const *host, int slot);

  /// Reads the first `records` records of the history back to the host.
  Status readHistory(size_t records);

  /// The host buffers, one per result, of history record `record` (null
  /// for the results not reported).
  std::vector<void *> recordValues(size_t record) const;

  const StepSignature &signature;
  StepFunction step;
  bool asynchronous;
  std::string description;
  /// Device buffers by argument and by result; a state result's buffer
  /// becomes its argument's after the step.
  std::vector<void *> args, results;
  std::vector<BatchInput> batchInputs;
  /// The device buffers of the batch the next step reads, and whether they
  /// are those an upload started during the previous step went to.
  int slot = 0;
  bool nextBatchStaged = false;
  size_t bufferBytes = 0;
  bool stateUploaded = false;
  /// Where each reported result lies in a history record, by result index.
  std::vector<std::optional<size_t>> reportedOffsets;
  size_t recordBytes = 0, historyRecords = 1;
  void *historyDevice = nullptr, *historyHost = nullptr;
  /// Records of calls whose results the loop has not taken yet, and
  /// whether they were read back already.
  size_t deferredRecords = 0;
  bool historyRead = false;
  /// Steps called, and the host synchronizations they made.
  uint64_t calls = 0, synchronizations = 0;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_TOOLS_MPT_RUN_DEVICESTEPEXECUTOR_H
