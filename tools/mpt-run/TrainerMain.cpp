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
// device memory (see DeviceStepExecutor).
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/TrainingFlags.h"
#include "mpt/Runtime/TrainingSession.h"
#ifdef MPT_TRAINER_CUDA
#include "mpt/Runtime/CUDA.h"

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
/// swap after each step; the host state is uploaded once. Each call brings
/// back the step's results that are not state (loss, flags) and its scalar
/// state (loss scale, counters); the whole state comes back only when the
/// loop needs it.
///
/// Batches travel through page-locked staging buffers, on an upload stream
/// of their own, into one of two device copies of the batch inputs. While
/// the step runs on one, a second thread has the loop fill the next batch,
/// stages it and starts its upload into the other, so that the next step
/// finds its batch on the device already.
class DeviceStepExecutor : public StepExecutor {
public:
  explicit DeviceStepExecutor(const StepSignature &signature)
      : signature(signature) {}
  ~DeviceStepExecutor() override {
    for (BatchInput &input : batchInputs)
      cuda::freeHost(input.staging);
  }

  /// Initializes the device and allocates the step's buffers.
  Status start();
  Status call(const StepCall &call) override;
  Status fetchState(const std::vector<void *> &state) override;
  std::string device() const override { return description; }
  std::optional<uint64_t> peakDeviceStepBytes() const override {
    return cuda::memoryUse().peak - bufferBytes;
  }

private:
  /// A batch input: its argument, its page-locked staging buffer and its
  /// two device buffers.
  struct BatchInput {
    size_t arg;
    size_t bytes;
    void *staging = nullptr;
    std::array<void *, 2> device{};
  };

  /// Copies the batch inputs from the loop's buffers into the staging
  /// buffers and starts their upload into the device buffers `slot`.
  Status stageBatch(void *const *host, int slot);

  const StepSignature &signature;
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
};

Status DeviceStepExecutor::start() {
  if (Status status = cuda::initialize(); !status.ok())
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
  bufferBytes = cuda::memoryUse().current;
  cuda::resetPeakMemory();
  return Status::success();
}

Status DeviceStepExecutor::stageBatch(void *const *host, int slot) {
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

Status DeviceStepExecutor::call(const StepCall &call) {
  size_t numArgs = signature.args.size();
  for (size_t i = 0; i < numArgs && !stateUploaded; ++i)
    if (signature.args[i].role != Role::Batch)
      if (Status status = cuda::copyToDevice(args[i], call.buffers[i],
                                             signature.args[i].byteSize());
          !status.ok())
        return status;
  stateUploaded = true;
  if (nextBatchStaged)
    slot ^= 1;
  else if (call.batchChanged)
    if (Status status = stageBatch(call.buffers, slot); !status.ok())
      return status;
  nextBatchStaged = false;
  if (Status status = cuda::waitForUploads(); !status.ok())
    return status;
  for (BatchInput &input : batchInputs)
    args[input.arg] = input.device[slot];

  // The loop's batch buffers are free now: the next batch fills and
  // uploads while the step runs.
  Status staged = Status::success();
  bool nextChanged = false;
  std::thread next;
  if (call.fillNextBatch)
    next = std::thread([&] {
      nextChanged = call.fillNextBatch();
      if (nextChanged)
        staged = stageBatch(call.buffers, slot ^ 1);
    });
  std::vector<void *> buffers(args);
  buffers.insert(buffers.end(), results.begin(), results.end());
  mpt_trainer_step(buffers.data());
  if (next.joinable())
    next.join();
  nextBatchStaged = nextChanged && staged.ok();
  if (Status status = cuda::takeError(); !status.ok())
    return status;
  if (!staged.ok())
    return staged;

  for (size_t i = 0, e = signature.results.size(); i < e; ++i) {
    const TensorSpec &spec = signature.results[i];
    if (isStateRole(spec.role) && !spec.shape.empty() && !call.stateNeeded)
      continue;
    if (Status status = cuda::copyToHost(call.buffers[numArgs + i], results[i],
                                         spec.byteSize());
        !status.ok())
      return status;
  }
  for (size_t i = 0, e = signature.results.size(); i < e; ++i)
    if (isStateRole(signature.results[i].role))
      std::swap(args[*signature.findArg(signature.results[i].role,
                                        signature.results[i].name)],
                results[i]);
  return Status::success();
}

Status DeviceStepExecutor::fetchState(const std::vector<void *> &state) {
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

/// The exit status of a run: 1 when it failed, 128 + the signal that
/// stopped it, as a shell reports it, or 0.
int exitStatus(const Expected<TrainingSummary> &summary) {
  if (!summary.ok())
    return fail(summary.error().message());
  return summary->stopSignal ? 128 + summary->stopSignal : 0;
}

#ifdef MPT_TRAINER_CUDA
/// Trains on the device, then ends the CUDA runtime explicitly, before
/// `main` returns and while the driver still runs.
int trainOnDevice(TrainingSession &session, const StepSignature &signature) {
  int status = 0;
  {
    DeviceStepExecutor step(signature);
    if (Status started = step.start(); !started.ok()) {
      status = fail(started.message());
    } else {
      std::printf("device: %s\n", step.device().c_str());
      status = exitStatus(session.run(step, mpt_trainer_static_bytes, stdout,
                                      mpt_trainer_evaluate));
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
  if (Status status = commandLine.parse(argc, argv); !status.ok())
    return fail(status.message());
  if (commandLine.helpRequested()) {
    std::fputs(commandLine.help().c_str(), stdout);
    return 0;
  }
  if (Status status = checkTrainingFlags(commandLine, options); !status.ok())
    return fail(status.message());
  options.progressBar = isatty(STDOUT_FILENO);

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
  std::printf("step @%s, batch %lld\ndata: %s\n", signature->name.c_str(),
              static_cast<long long>(signature->batchSize()),
              (*session)->data().describe().c_str());
  if (const Validator *validation = (*session)->validation())
    std::printf("validation: %s\n", validation->describe().c_str());
  if ((*session)->state().step() > 0)
    std::printf("resuming after step %lld\n",
                static_cast<long long>((*session)->state().step()));
  std::fflush(stdout);
#ifdef MPT_TRAINER_CUDA
  return trainOnDevice(**session, *signature);
#else
  HostStepExecutor step(mpt_trainer_step);
  return exitStatus((*session)->run(step, mpt_trainer_static_bytes, stdout,
                                    mpt_trainer_evaluate));
#endif
}
