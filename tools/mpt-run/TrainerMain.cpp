//===- TrainerMain.cpp - The main of an ahead-of-time trainer -------------===//
//
// `mpt-run --emit-trainer` links this file with the object code of one
// compiled step and MPT's runtime into a trainer that needs neither LLVM nor
// MLIR. The object exports the step as `mpt_trainer_step`, its signature as
// `mpt_trainer_signature` and the bytes of its static memory as
// `mpt_trainer_static_bytes`, whatever the step is called.
//
// Built for the CPU, the trainer runs the same training session as mpt-run
// (same flags, output, metrics, checkpoints and bit-identical losses). Built
// with MPT_TRAINER_CUDA, the step's buffers live in device memory: the state
// exists twice on the device and the step writes the copy it does not read;
// only the loss, the overflow and collapse flags and the loss scale come
// back per step, and the parameters for --save and --checkpoint.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/Strings.h"
#include "mpt/Runtime/TrainingSession.h"
#ifdef MPT_TRAINER_CUDA
#include "mpt/Runtime/CUDA.h"
#include "mpt/Runtime/FileIO.h"

#include <chrono>
#include <limits>
#endif

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

extern "C" void mpt_trainer_step(void **buffers);
extern "C" const char mpt_trainer_signature[];
extern "C" const uint64_t mpt_trainer_static_bytes;

using namespace mpt::runtime;

namespace {
constexpr const char *kUsage =
    "usage: trainer [--steps=N] [--seed=N] [--data=FILE,...] "
    "[--scalar=NAME=VALUE,...] [--shuffle=true|false] [--init=FILE] "
    "[--resume=FILE] [--save=FILE] [--checkpoint=FILE] "
    "[--checkpoint-every=N] [--metrics=FILE] [--print-every=N] "
    "[--inject-nonfinite-grad-at=N,...]";

int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "trainer: error: %s\n", message.c_str());
  return 1;
}

Expected<int64_t> parseInteger(const std::string &flag,
                               const std::string &text) {
  char *end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end)
    return Status::error("--" + flag + " expects an integer, got '" + text +
                         "'");
  return static_cast<int64_t>(value);
}

/// The flags mpt-run trains with, in its `--flag=value` spelling.
Expected<SessionOptions> parseOptions(int argc, char **argv) {
  SessionOptions options;
  options.progressBar = isatty(STDOUT_FILENO);
  bool initGiven = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    size_t equals = arg.find('=');
    if (arg.compare(0, 2, "--") != 0 || equals == std::string::npos)
      return Status::error("expected --flag=value, got '" + arg + "'\n" +
                           kUsage);
    std::string flag = arg.substr(2, equals - 2),
                value = arg.substr(equals + 1);
    auto integer = [&](int64_t &target) -> Status {
      Expected<int64_t> parsed = parseInteger(flag, value);
      if (!parsed.ok())
        return parsed.takeError();
      target = *parsed;
      return Status::success();
    };
    Status status = Status::success();
    if (flag == "steps") {
      status = integer(options.steps);
    } else if (flag == "seed") {
      int64_t seed = 0;
      status = integer(seed);
      options.seed = static_cast<uint64_t>(seed);
    } else if (flag == "data") {
      options.dataFiles = splitCommas(value);
    } else if (flag == "scalar") {
      for (const std::string &item : splitCommas(value)) {
        size_t at = item.find('=');
        char *end = nullptr;
        double number = at == std::string::npos
                            ? 0
                            : std::strtod(item.c_str() + at + 1, &end);
        if (at == std::string::npos || at + 1 == item.size() || *end)
          return Status::error("--scalar expects NAME=VALUE, got '" + item +
                               "'");
        options.scalarInputs[item.substr(0, at)] = number;
      }
    } else if (flag == "shuffle") {
      if (value != "true" && value != "false")
        return Status::error("--shuffle expects true or false, got '" + value +
                             "'");
      options.shuffle = value == "true";
    } else if (flag == "init") {
      initGiven = true;
      if (value != "seeded")
        options.initPath = value;
    } else if (flag == "resume") {
      options.resumePath = value;
    } else if (flag == "save") {
      options.savePath = value;
    } else if (flag == "checkpoint") {
      options.checkpointPath = value;
    } else if (flag == "checkpoint-every") {
      status = integer(options.checkpointEvery);
    } else if (flag == "metrics") {
      options.metricsPath = value;
    } else if (flag == "print-every") {
      status = integer(options.printEvery);
    } else if (flag == "inject-nonfinite-grad-at") {
      for (const std::string &item : splitCommas(value)) {
        Expected<int64_t> step = parseInteger(flag, item);
        if (!step.ok())
          return step.takeError();
        options.injectNonfiniteAt.insert(*step);
      }
    } else {
      return Status::error("unknown flag '--" + flag + "'\n" + kUsage);
    }
    if (!status.ok())
      return status;
  }
  if (initGiven && !options.resumePath.empty())
    return Status::error("--init and --resume exclude each other");
  if (options.checkpointEvery < 0 ||
      (options.checkpointEvery > 0 && options.checkpointPath.empty()))
    return Status::error(
        "--checkpoint-every needs --checkpoint and a count >= 1");
  if (options.printEvery < 0)
    return Status::error("--print-every must be >= 0");
  if (options.steps < 1)
    return Status::error("--steps must be >= 1");
  return options;
}

#ifdef MPT_TRAINER_CUDA
/// Stands for the compiled step in the host training session, so that the
/// device trainer keeps the session's flags, output, metrics and
/// checkpoints. The state lives on the device, twice: the step reads one
/// copy and writes the other, and they swap after each step; the host
/// state is uploaded once. Each call uploads the batch and brings back the
/// step's other results (loss, flags) and its scalar state (loss scale,
/// counters) that the loop reports; the whole state comes back only after
/// the steps that write a checkpoint and after the last step.
class DeviceStep {
public:
  static Status start(const StepSignature &signature,
                      const SessionOptions &options, int64_t firstStep);
  static void call(void **hostBuffers);
  static Status error() { return instance.firstError; }

private:
  Status run(void **hostBuffers);
  bool bringsBackAllState() const;

  static DeviceStep instance;
  const StepSignature *signature = nullptr;
  int64_t step = 0, lastStep = 0, checkpointEvery = 0;
  bool checkpoints = false, uploaded = false;
  /// Device buffers by argument and by result; a state result's buffer
  /// becomes its argument's after the step.
  std::vector<void *> args, results;
  Status firstError = Status::success();
};

DeviceStep DeviceStep::instance;

Status DeviceStep::start(const StepSignature &signature,
                         const SessionOptions &options, int64_t firstStep) {
  if (Status status = cuda::initialize(); !status.ok())
    return status;
  DeviceStep &self = instance;
  self.signature = &signature;
  self.step = firstStep;
  self.lastStep = firstStep + options.steps - 1;
  self.checkpoints = !options.checkpointPath.empty();
  self.checkpointEvery = options.checkpointEvery;
  for (auto [specs, buffers] : {std::pair{&signature.args, &self.args},
                                std::pair{&signature.results, &self.results}})
    for (const TensorSpec &spec : *specs) {
      Expected<void *> buffer = cuda::allocate(spec.byteSize());
      if (!buffer.ok())
        return buffer.takeError();
      buffers->push_back(*buffer);
    }
  return Status::success();
}

bool DeviceStep::bringsBackAllState() const {
  return step == lastStep ||
         (checkpoints && checkpointEvery > 0 && step % checkpointEvery == 0);
}

Status DeviceStep::run(void **hostBuffers) {
  const StepSignature &sig = *signature;
  size_t numArgs = sig.args.size();
  for (size_t i = 0; i < numArgs; ++i)
    if (sig.args[i].role == Role::Batch || !uploaded)
      if (Status status = cuda::copyToDevice(args[i], hostBuffers[i],
                                             sig.args[i].byteSize());
          !status.ok())
        return status;
  uploaded = true;
  std::vector<void *> buffers(args);
  buffers.insert(buffers.end(), results.begin(), results.end());
  mpt_trainer_step(buffers.data());
  if (Status status = cuda::takeError(); !status.ok())
    return status;
  bool allState = bringsBackAllState();
  for (size_t i = 0, e = sig.results.size(); i < e; ++i) {
    const TensorSpec &spec = sig.results[i];
    if (isStateRole(spec.role) && !spec.shape.empty() && !allState)
      continue;
    if (Status status = cuda::copyToHost(hostBuffers[numArgs + i], results[i],
                                         spec.byteSize());
        !status.ok())
      return status;
  }
  for (size_t i = 0, e = sig.results.size(); i < e; ++i)
    if (isStateRole(sig.results[i].role))
      std::swap(args[*sig.findArg(sig.results[i].role, sig.results[i].name)],
                results[i]);
  ++step;
  return Status::success();
}

void DeviceStep::call(void **hostBuffers) {
  DeviceStep &self = instance;
  if (!self.firstError.ok())
    return;
  // The training loop asks error() after the call and stops on a failure,
  // before anything is written.
  if (Status status = self.run(hostBuffers); !status.ok())
    self.firstError = std::move(status);
}
#endif

} // namespace

int main(int argc, char **argv) {
  Expected<SessionOptions> options = parseOptions(argc, argv);
  if (!options.ok())
    return fail(options.error().message());
  Expected<StepSignature> signature =
      parseStepSignatureJson(mpt_trainer_signature);
  if (!signature.ok())
    return fail(signature.error().message());
  if (Status status = signature->verify(); !status.ok())
    return fail(status.message());

  SessionOptions sessionOptions = *options;
  Expected<std::unique_ptr<TrainingSession>> session =
      TrainingSession::prepare(*signature, std::move(*options));
  if (!session.ok())
    return fail(session.error().message());
  std::printf("step @%s, batch %lld\ndata: %s\n", signature->name.c_str(),
              static_cast<long long>(signature->batchSize()),
              (*session)->data().describe().c_str());
  if ((*session)->state().step() > 0)
    std::printf("resuming after step %lld\n",
                static_cast<long long>((*session)->state().step()));
  std::fflush(stdout);
#ifdef MPT_TRAINER_CUDA
  if (Status status = DeviceStep::start(*signature, sessionOptions,
                                        (*session)->state().step() + 1);
      !status.ok())
    return fail(status.message());
  Expected<std::string> device = cuda::describeDevice();
  if (device.ok())
    std::printf("device: %s\n", device->c_str());
  Status status = (*session)->run(DeviceStep::call, mpt_trainer_static_bytes,
                                  stdout, DeviceStep::error);
#else
  Status status =
      (*session)->run(mpt_trainer_step, mpt_trainer_static_bytes, stdout);
#endif
  if (!status.ok())
    return fail(status.message());
  return 0;
}
