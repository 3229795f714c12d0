//===- DeviceStepExecutor.cpp - A GPU trainer's step executor -------------===//

#include "DeviceStepExecutor.h"

#include <algorithm>
#include <cstring>
#include <thread>

using namespace mpt::runtime;

Status DeviceStepExecutor::start(int device) {
  if (Status status = cuda::initialize(device); !status.ok())
    return status;
  Expected<std::string> described = cuda::describeDevice();
  if (!described.ok())
    return described.takeError();
  description = *described;
  for (auto [specs, buffers] : {std::pair{&signature.args, &args},
                                std::pair{&signature.results, &results}})
    for (const TensorSpec &spec : *specs) {
      Expected<void *> buffer = cuda::allocate(spec.byteSize());
      if (!buffer.ok())
        return buffer.takeError();
      buffers->push_back(*buffer);
    }
  for (size_t index : signature.argsWithRole(Role::Batch)) {
    BatchInput input{index, signature.args[index].byteSize()};
    input.device[0] = args[index];
    Expected<void *> second = cuda::allocate(input.bytes);
    if (!second.ok())
      return second.takeError();
    input.device[1] = *second;
    Expected<void *> staging = cuda::allocateHost(input.bytes);
    if (!staging.ok())
      return staging.takeError();
    input.staging = *staging;
    batchInputs.push_back(input);
  }

  // Each reported result 16-byte aligned in its record; as many records as
  // fit in 1 MiB, up to 256 (one when a step reports whole tensors).
  constexpr size_t kHistoryBytes = 1 << 20, kMaxHistoryRecords = 256;
  for (const TensorSpec &spec : signature.results) {
    bool reported = !isStateRole(spec.role) || spec.shape.empty();
    reportedOffsets.push_back(reported ? std::optional(recordBytes)
                                       : std::nullopt);
    if (reported)
      recordBytes += (spec.byteSize() + 15) / 16 * 16;
  }
  recordBytes = std::max<size_t>(recordBytes, 16);
  if (asynchronous)
    historyRecords =
        std::clamp<size_t>(kHistoryBytes / recordBytes, 1, kMaxHistoryRecords);
  Expected<void *> history = cuda::allocate(historyRecords * recordBytes);
  if (!history.ok())
    return history.takeError();
  historyDevice = *history;
  Expected<void *> historyCopy =
      cuda::allocateHost(historyRecords * recordBytes);
  if (!historyCopy.ok())
    return historyCopy.takeError();
  historyHost = *historyCopy;

  bufferBytes = cuda::memoryUse().current;
  cuda::resetPeakMemory();
  return Status::success();
}

std::optional<uint64_t> DeviceStepExecutor::peakDeviceStepBytes() const {
  // The graphs' memory comes from the driver's graph pool, next to what
  // the runtime's pool holds then: after the first capture, what was in
  // use when it gave back what the direct steps freed, and the most since.
  std::optional<GraphDeviceMemory> graphs = graphDeviceMemory();
  if (!graphs)
    return cuda::memoryUse().peak - bufferBytes;
  return std::max(cuda::memoryUse().peak - bufferBytes,
                  graphs->runtimeBytes + graphs->bytes);
}

std::optional<GraphDeviceMemory> DeviceStepExecutor::graphDeviceMemory() const {
  if (cuda::stepGraphUse().captured == 0)
    return std::nullopt;
  uint64_t runtimeBytes = cuda::memoryUse().peakSinceTrim - bufferBytes;
  std::optional<cuda::GraphMemoryUse> use = cuda::graphMemoryUse();
  if (!use)
    return GraphDeviceMemory{false, 0, 0, runtimeBytes};
  return GraphDeviceMemory{true, use->peak, use->reservedPeak, runtimeBytes};
}

Status DeviceStepExecutor::stageBatch(void *const *host, int slot) {
  // The staging buffers are free once their last upload is done.
  if (Status status = cuda::waitForUploads(); !status.ok())
    return status;
  if (Status status = cuda::uploadsAfterMarkedSteps(); !status.ok())
    return status;
  // In pieces, so that the copy of one into the staging buffer overlaps
  // the upload of the one before.
  constexpr size_t kPieceBytes = 16 << 20;
  for (BatchInput &input : batchInputs)
    for (size_t offset = 0; offset < input.bytes; offset += kPieceBytes) {
      size_t bytes = std::min(kPieceBytes, input.bytes - offset);
      char *staging = static_cast<char *>(input.staging) + offset;
      std::memcpy(staging, static_cast<const char *>(host[input.arg]) + offset,
                  bytes);
      if (Status status = cuda::uploadAsync(
              static_cast<char *>(input.device[slot]) + offset, staging, bytes);
          !status.ok())
        return status;
    }
  return Status::success();
}

Status DeviceStepExecutor::prepareNextBatch(const StepCall &call) {
  bool changed = call.fillNextBatch();
  Status staged =
      changed ? stageBatch(call.buffers, slot ^ 1) : Status::success();
  nextBatchStaged = changed && staged.ok();
  return staged;
}

Status DeviceStepExecutor::call(const StepCall &call) {
  uint64_t synchronizedBefore = cuda::hostSynchronizations();
  Status status = runStep(call);
  ++calls;
  synchronizations += cuda::hostSynchronizations() - synchronizedBefore;
  return status;
}

Status DeviceStepExecutor::readHistory(size_t records) {
  if (Status status = cuda::copyToHostAfterSteps(historyHost, historyDevice,
                                                 records * recordBytes);
      !status.ok())
    return status;
  return cuda::synchronizeSteps();
}

std::vector<void *> DeviceStepExecutor::recordValues(size_t record) const {
  std::vector<void *> values;
  for (const std::optional<size_t> &offset : reportedOffsets)
    values.push_back(offset ? static_cast<char *>(historyHost) +
                                  record * recordBytes + *offset
                            : nullptr);
  return values;
}

Status DeviceStepExecutor::runStep(const StepCall &call) {
  size_t numArgs = signature.args.size();
  for (size_t i = 0; i < numArgs && !stateUploaded; ++i)
    if (signature.args[i].role != Role::Batch)
      if (Status status = cuda::copyToDevice(args[i], call.buffers[i],
                                             signature.args[i].byteSize());
          !status.ok())
        return status;
  stateUploaded = true;
  // The steps enqueued so far: an upload started from here on waits for
  // them, as they may read the batch buffers it writes.
  if (Status status = cuda::markSteps(); !status.ok())
    return status;
  if (nextBatchStaged)
    slot ^= 1;
  else if (call.batchChanged)
    if (Status status = stageBatch(call.buffers, slot); !status.ok())
      return status;
  nextBatchStaged = false;
  for (BatchInput &input : batchInputs)
    args[input.arg] = input.device[slot];
  std::vector<void *> buffers(args);
  buffers.insert(buffers.end(), results.begin(), results.end());

  if (asynchronous) {
    if (Status status = cuda::stepsAfterUploads(); !status.ok())
      return status;
    if (Status status = cuda::enqueueStep(step, buffers.data(), buffers.size());
        !status.ok())
      return status;
    // The device runs the step meanwhile.
    if (call.fillNextBatch)
      if (Status status = prepareNextBatch(call); !status.ok())
        return status;
  } else {
    if (Status status = cuda::waitForUploads(); !status.ok())
      return status;
    // The loop's batch buffers are free now: the next batch fills and
    // uploads while the step runs.
    Status staged = Status::success();
    std::thread next;
    if (call.fillNextBatch)
      next = std::thread([&] { staged = prepareNextBatch(call); });
    step(buffers.data());
    if (next.joinable())
      next.join();
    if (Status status = cuda::takeError(); !status.ok())
      return status;
    if (!staged.ok())
      return staged;
  }

  size_t record = deferredRecords;
  for (size_t i = 0, e = signature.results.size(); i < e; ++i)
    if (reportedOffsets[i])
      if (Status status = cuda::copyAfterSteps(
              static_cast<char *>(historyDevice) + record * recordBytes +
                  *reportedOffsets[i],
              results[i], signature.results[i].byteSize());
          !status.ok())
        return status;
  if (!call.resultsNeeded) {
    ++deferredRecords;
    historyRead = false;
  } else {
    if (Status status = readHistory(record + 1); !status.ok())
      return status;
    historyRead = true;
    std::vector<void *> values = recordValues(record);
    for (size_t i = 0, e = signature.results.size(); i < e; ++i)
      if (values[i])
        std::memcpy(call.buffers[numArgs + i], values[i],
                    signature.results[i].byteSize());
  }
  // The history read waited for the step: its whole state is there.
  for (size_t i = 0, e = signature.results.size(); i < e; ++i)
    if (call.stateNeeded && !reportedOffsets[i])
      if (Status status =
              cuda::copyToHost(call.buffers[numArgs + i], results[i],
                               signature.results[i].byteSize());
          !status.ok())
        return status;
  for (size_t i = 0, e = signature.results.size(); i < e; ++i)
    if (isStateRole(signature.results[i].role))
      std::swap(args[*signature.findArg(signature.results[i].role,
                                        signature.results[i].name)],
                results[i]);
  return Status::success();
}

Status DeviceStepExecutor::takeDeferredResults(
    const std::function<void(void *const *)> &take) {
  if (deferredRecords && !historyRead) {
    uint64_t synchronizedBefore = cuda::hostSynchronizations();
    Status status = readHistory(deferredRecords);
    synchronizations += cuda::hostSynchronizations() - synchronizedBefore;
    if (!status.ok())
      return status;
  }
  for (size_t record = 0; record < deferredRecords; ++record)
    take(recordValues(record).data());
  deferredRecords = 0;
  historyRead = false;
  return Status::success();
}

Status DeviceStepExecutor::fetchState(const std::vector<void *> &state) {
  if (Status status = cuda::synchronizeSteps(); !status.ok())
    return status;
  // After the swap, the arguments' buffers hold the current state.
  for (size_t i = 0, e = signature.args.size(); i < e; ++i)
    if (isStateRole(signature.args[i].role))
      if (Status status =
              cuda::copyToHost(state[i], args[i], signature.args[i].byteSize());
          !status.ok())
        return status;
  return Status::success();
}
