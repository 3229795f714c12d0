//===- TrainerMain.cpp - The main of an ahead-of-time trainer -------------===//
//
// `mpt-run --emit-trainer` links this file with the object code of one
// compiled step and MPT's runtime into a trainer that needs neither LLVM nor
// MLIR. The object exports the step as `mpt_trainer_step`, its signature as
// `mpt_trainer_signature` and the bytes of its static memory as
// `mpt_trainer_static_bytes`, whatever the step is called; a CPU trainer's
// also exports the step's evaluation function, for --validate, as
// `mpt_trainer_evaluate` with `mpt_trainer_evaluation_signature`.
//
// The trainer takes mpt-run's data and training flags (TrainingFlags.h) and
// runs the same training session, SIGINT and SIGTERM included. Built for the
// CPU, it produces mpt-run's output, metrics and checkpoints, with
// bit-identical losses. Built with MPT_TRAINER_CUDA, the step's buffers live in
// device memory (see DeviceStepExecutor). Under an MPI launcher it is a rank
// of a data-parallel job (its step must have been compiled for one:
// `mpt_trainer_data_parallel`), on the GPU of its local rank.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/Communicator.h"
#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/TrainingFlags.h"
#include "mpt/Runtime/TrainingSession.h"
#ifdef MPT_TRAINER_CUDA
#include "mpt/Runtime/CUDA.h"
#include "mpt/Runtime/CUDACollectives.h"

#include <array>
#include <cstring>
#include <thread>
#endif

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <unistd.h>

extern "C" void mpt_trainer_step(void **buffers);
extern "C" const char mpt_trainer_signature[];
extern "C" const uint64_t mpt_trainer_static_bytes;
extern "C" const uint64_t mpt_trainer_data_parallel;
// Absent (null) from an object without an evaluation function.
extern "C" __attribute__((weak)) void mpt_trainer_evaluate(void **buffers);
extern "C" __attribute__((weak)) const char mpt_trainer_evaluation_signature[];

using namespace mpt::runtime;

namespace {
int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: %s\n", programName(), message.c_str());
  return 1;
}

#ifdef MPT_TRAINER_CUDA
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
  DeviceStepExecutor(const StepSignature &signature, bool asynchronous)
      : signature(signature), asynchronous(asynchronous) {}
  ~DeviceStepExecutor() override {
    for (BatchInput &input : batchInputs)
      cuda::freeHost(input.staging);
    cuda::freeHost(historyHost);
  }

  /// Initializes `device` and allocates the step's buffers.
  Status start(int device);
  Status call(const StepCall &call) override;
  Status fetchState(const std::vector<void *> &state) override;
  std::string device() const override { return description; }
  std::optional<uint64_t> peakDeviceStepBytes() const override {
    return cuda::memoryUse().peak - bufferBytes;
  }
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
    if (Status status =
            cuda::enqueueStep(mpt_trainer_step, buffers.data(), buffers.size());
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
    mpt_trainer_step(buffers.data());
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
#endif

/// A rank that fails leaves its job without waiting for the others.
class LeaveJobOnError {
public:
  explicit LeaveJobOnError(Communicator &job) : job(&job) {}
  ~LeaveJobOnError() {
    if (job)
      job->abandon();
  }
  void release() { job = nullptr; }

private:
  Communicator *job;
};

/// The exit status of a run: 1 when it failed, 128 + the signal that
/// stopped it, as a shell reports it, or 0. A run that ended without an
/// error releases `leave`: its rank leaves the job as the others do.
int exitStatus(const Expected<TrainingSummary> &summary,
               LeaveJobOnError &leave) {
  if (!summary.ok())
    return fail(summary.error().message());
  leave.release();
  return summary->stopSignal ? 128 + summary->stopSignal : 0;
}

#ifdef MPT_TRAINER_CUDA
/// Trains on `device`, then ends the CUDA runtime explicitly, before
/// `main` returns and while the driver still runs.
int trainOnDevice(TrainingSession &session, const StepSignature &signature,
                  int device, bool graphs, bool leader,
                  LeaveJobOnError &leave) {
  int status = 0;
  {
    // A data-parallel step waits for its collectives inside the step.
    DeviceStepExecutor step(signature, !mpt_trainer_data_parallel);
    cuda::setStepGraphs(graphs);
    if (Status started = step.start(device); !started.ok()) {
      status = fail(started.message());
    } else {
      if (leader)
        std::printf("device: %s\n", step.device().c_str());
      status = exitStatus(session.run(step, mpt_trainer_static_bytes, stdout,
                                      mpt_trainer_evaluate),
                          leave);
      cuda::StepGraphUse use = cuda::stepGraphUse();
      if (leader && status == 0 && !mpt_trainer_data_parallel)
        std::printf("step graphs: %llu captured, %llu launches%s\n",
                    static_cast<unsigned long long>(use.captured),
                    static_cast<unsigned long long>(use.launched),
                    graphs ? "" : " (--cuda-graphs=false)");
    }
  }
  if (Status ended = cuda::shutdown(); !ended.ok() && status == 0)
    return fail(ended.message());
  return status;
}
#endif
} // namespace

int main(int argc, char **argv) {
  // Messages name the trainer as it was run: `trainer`, or `mpt-run` when
  // mpt-run --device=cuda runs it in its place.
  const char *name = argc > 0 ? std::strrchr(argv[0], '/') : nullptr;
  setProgramName(name ? name + 1 : argc > 0 ? argv[0] : "trainer");
  installFailureHandlers();
  SessionOptions options;
  CommandLine commandLine(
      programName(),
      "Trains the training step compiled into this program, as mpt-run "
      "does. The compiler's flags (--precision, --amp-options, --threads, "
      "...) were fixed when mpt-run emitted it.");
  addDataFlags(commandLine, options);
  addTrainingFlags(commandLine, options);
#ifdef MPT_TRAINER_CUDA
  bool graphs = true;
  commandLine.add(kTrainingFlagGroup,
                  switchFlag("cuda-graphs",
                             "Capture the step once in a CUDA graph and "
                             "replay it; false launches its kernels directly "
                             "every step",
                             graphs));
#endif
  if (Status status = commandLine.parse(argc, argv); !status.ok())
    return fail(status.message());
  if (commandLine.helpRequested()) {
    std::fputs(commandLine.help().c_str(), stdout);
    return 0;
  }
  if (Status status = checkTrainingFlags(commandLine, options); !status.ok())
    return fail(status.message());
  options.progressBar = isatty(STDOUT_FILENO);

  // Under an MPI launcher, a rank of a data-parallel job.
  if (const char *launcher = mpiLauncherVariable();
      launcher && !mpt_trainer_data_parallel)
    return fail(std::string("an MPI launcher started this trainer (") +
                launcher +
                " is set), but its step was compiled without "
                "--data-parallel: it would train alone on every rank");
  Expected<std::unique_ptr<Communicator>> opened =
      openCommunicator({options.commTimeoutSeconds});
  if (!opened.ok())
    return fail(opened.error().message());
  Communicator &job = **opened;
  LeaveJobOnError leave(job);
  bool leader = job.rank() == 0;
  if (job.worldSize() > 1) {
    static std::string name = std::string(programName()) + " (rank " +
                              std::to_string(job.rank()) + " of " +
                              std::to_string(job.worldSize()) + ")";
    setProgramName(name.c_str());
    setStepCommunicator(&job);
    options.communicator = &job;
  }

  Expected<StepSignature> signature =
      parseStepSignatureJson(mpt_trainer_signature);
  if (!signature.ok())
    return fail(signature.error().message());
  std::optional<StepSignature> evaluation;
  if (mpt_trainer_evaluate && mpt_trainer_evaluation_signature) {
    Expected<StepSignature> decoded = parseStepSignatureJson(
        mpt_trainer_evaluation_signature, StepKind::Evaluation);
    if (!decoded.ok())
      return fail(decoded.error().message());
    evaluation = std::move(*decoded);
  }
  setOutputsNote("nothing was written");
  Expected<std::unique_ptr<TrainingSession>> session = TrainingSession::prepare(
      *signature, std::move(options), evaluation ? &*evaluation : nullptr);
  if (!session.ok())
    return fail(session.error().message());
  if (Status status = (*session)->checkCompiledStep(mpt_trainer_static_bytes);
      !status.ok())
    return fail(status.message());
  if (leader) {
    std::printf("step @%s, batch %lld\ndata: %s\n", signature->name.c_str(),
                static_cast<long long>(signature->batchSize()),
                (*session)->data().describe().c_str());
    if (const Validator *validation = (*session)->validation())
      std::printf("validation: %s\n", validation->describe().c_str());
    if (job.worldSize() > 1)
      std::printf("data parallel: %d ranks (%s)\n", job.worldSize(),
                  job.engine().c_str());
    if ((*session)->state().step() > 0)
      std::printf("resuming after step %lld\n",
                  static_cast<long long>((*session)->state().step()));
  }
  std::fflush(stdout);
#ifdef MPT_TRAINER_CUDA
  // One GPU per rank of the machine.
  Expected<int> device =
      cuda::deviceForLocalRank(job.localRank(), job.localSize());
  if (!device.ok())
    return fail(device.error().message());
  return trainOnDevice(**session, *signature, *device, graphs, leader, leave);
#else
  HostStepExecutor step(mpt_trainer_step);
  return exitStatus((*session)->run(step, mpt_trainer_static_bytes, stdout,
                                    mpt_trainer_evaluate),
                    leave);
#endif
}
