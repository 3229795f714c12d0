//===- mpt-runtime-test.cpp - Drives the training runtime from lit --------===//
//
// Subcommands exercise one part of the runtime each and print what lit
// checks; any failed expectation exits non-zero.
//
//   dtype                  f16/bf16 encodings and round trips
//   random                 the documented SplitMix64 streams
//   npy FILE               reads a .npy file, prints it or the error
//   safetensors FILE       reads a safetensors file, prints it or the error
//   write-safetensors OUT  writes a small file for other readers
//   signature FILE         reads a compiled step's JSON signature
//   train [--flag=value]   a training session on a hand-written step, with
//                          mpt-run's training flags (--help lists them);
//                          under mpirun, a data-parallel one
//
// The step of `train` is linear regression, pred = x.w + b with x 8x4,
// written in C++ with the compiled step's ABI (state in, new state out,
// no, static or dynamic loss scaling with the mpt.update_loss_scale rule,
// skip on non-finite gradients) and with its temporaries on the tracked
// heap. It averages its scaled gradients over the ranks of the job through
// the runtime's mptCommAllReduce, as a step compiled with
// --mpt-data-parallel does. Its own flags also make it slow (for signals),
// make file operations fail (for the commit of the outputs), and make one
// rank hang, die or diverge (for the faults of data-parallel jobs).
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/AllocationTracker.h"
#include "mpt/Runtime/Communicator.h"
#include "mpt/Runtime/DType.h"
#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/FileIO.h"
#include "mpt/Runtime/Npy.h"
#include "mpt/Runtime/Random.h"
#include "mpt/Runtime/Safetensors.h"
#include "mpt/Runtime/TrainingFlags.h"
#include "mpt/Runtime/TrainingSession.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <thread>

#include <unistd.h>

using namespace mpt::runtime;

namespace {
int failures = 0;

void expect(bool condition, const std::string &what) {
  if (!condition) {
    std::printf("FAILED: %s\n", what.c_str());
    ++failures;
  }
}

//===----------------------------------------------------------------------===//
// dtype
//===----------------------------------------------------------------------===//

int testDType() {
  struct Case {
    double value;
    uint16_t half, bfloat;
  };
  const Case cases[] = {
      {1.0, 0x3C00, 0x3F80},
      {-2.0, 0xC000, 0xC000},
      {65504.0, 0x7BFF, 0x4780},         // largest f16; bf16 rounds up
      {65520.0, 0x7C00, 0x4780},         // f16: ties away from 65504 to inf
      {0x1.0p-24, 0x0001, 0x3380},       // smallest f16 subnormal
      {0x1.0p-25, 0x0000, 0x3300},       // tie to even: zero
      {0x1.8p-25, 0x0001, 0x3340},       // above the tie: rounds up
      {0x1.ff8p-15, 0x03FF, 0x3880},     // largest f16 subnormal
      {0x1.ffcp-15, 0x0400, 0x3880},     // tie above it: min normal
      {1.0 + 0x1.0p-11, 0x3C00, 0x3F80}, // f16 tie to even
      {1.0 + 0x1.0p-8, 0x3C04, 0x3F80},  // bf16 tie to even
      {1.0 + 0x1.8p-8, 0x3C06, 0x3F81},  // bf16 above the tie
      {1e10, 0x7C00, 0x5015},
      {INFINITY, 0x7C00, 0x7F80},
      {-0.0, 0x8000, 0x8000},
  };
  for (const Case &c : cases) {
    char what[96];
    std::snprintf(what, sizeof(what), "encode %a: f16 %04x bf16 %04x", c.value,
                  encodeHalf(c.value), encodeBFloat16(c.value));
    expect(encodeHalf(c.value) == c.half && encodeBFloat16(c.value) == c.bfloat,
           what);
  }
  expect(std::isnan(decodeHalf(encodeHalf(NAN))), "f16 NaN stays NaN");
  expect(std::isnan(decodeBFloat16(encodeBFloat16(NAN))), "bf16 NaN stays NaN");
  // Every non-NaN encoding survives decode + encode.
  int roundTrips = 0;
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    auto b = static_cast<uint16_t>(bits);
    if (!std::isnan(decodeHalf(b))) {
      expect(encodeHalf(decodeHalf(b)) == b,
             "f16 round trip " + std::to_string(bits));
      ++roundTrips;
    }
    if (!std::isnan(decodeBFloat16(b))) {
      expect(encodeBFloat16(decodeBFloat16(b)) == b,
             "bf16 round trip " + std::to_string(bits));
      ++roundTrips;
    }
  }
  // Integers saturate.
  int8_t small;
  storeElement(DType::I8, &small, 300);
  expect(small == 127, "i8 saturates");
  std::printf("dtype: %zu encodings, %d round trips, %d failures\n",
              sizeof(cases) / sizeof(cases[0]), roundTrips, failures);
  return failures ? 1 : 0;
}

//===----------------------------------------------------------------------===//
// random
//===----------------------------------------------------------------------===//

int testRandom() {
  Rng rng(0);
  for (int i = 0; i < 3; ++i)
    std::printf("splitmix64(0) #%d: %016" PRIx64 "\n", i, rng.next());
  Rng a = Rng::stream(7, "init/w1"), b = Rng::stream(7, "init/w2"),
      c = Rng::stream(7, "init/w1");
  uint64_t first = a.next();
  expect(first != b.next(), "streams of different names differ");
  expect(first == c.next(), "a stream is a function of its key");
  // skip(n) lands where n outputs (or n / 2 normals) would, for counts that
  // wrap the state around too.
  for (uint64_t count : {uint64_t(0), uint64_t(1), uint64_t(1000)}) {
    Rng drawn = Rng::stream(3, "synthetic/x", 5), skipped = drawn;
    for (uint64_t i = 0; i < count; ++i)
      drawn.next();
    skipped.skip(count);
    expect(drawn.next() == skipped.next(), "skip(n) is n calls of next()");
  }
  Rng normals = Rng::stream(3, "synthetic/x"), past = normals;
  for (int i = 0; i < 10; ++i)
    normals.normal();
  past.skip(10 * Rng::kOutputsPerNormal);
  expect(normals.next() == past.next(),
         "normal() takes kOutputsPerNormal outputs");
  Rng wrapped(0), stepped(0);
  wrapped.skip(UINT64_MAX);
  stepped.skip(UINT64_MAX - 1);
  stepped.next();
  expect(wrapped.next() == stepped.next(), "skip wraps around like next()");
  Rng draws(1);
  double sum = 0, sumSquares = 0;
  int counts[3] = {0, 0, 0};
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    double u = draws.uniform();
    expect(u >= 0 && u < 1, "uniform in [0, 1)");
    double z = draws.normal();
    sum += z;
    sumSquares += z * z;
    ++counts[draws.below(3)];
  }
  // Five standard errors of the mean (1/sqrt(n)) and of the variance.
  expect(std::abs(sum / n) < 0.016, "normal() has mean 0");
  expect(std::abs(sumSquares / n - 1) < 0.023, "normal() has variance 1");
  for (int count : counts)
    expect(std::abs(count - n / 3) < n / 100, "below(3) is uniform");
  std::printf("random: %d failures\n", failures);
  return failures ? 1 : 0;
}

//===----------------------------------------------------------------------===//
// npy and safetensors
//===----------------------------------------------------------------------===//

void printTensor(const HostTensor &tensor) {
  std::printf("%s", tensor.typeString().c_str());
  for (int64_t i = 0, e = tensor.numElements(); i < e && i < 8; ++i)
    std::printf(" %g", tensor.load(i));
  std::printf("\n");
}

int testNpy(const char *path) {
  Expected<HostTensor> tensor = readNpy(path);
  if (!tensor.ok()) {
    std::printf("error: %s\n", tensor.error().message().c_str());
    return 1;
  }
  printTensor(*tensor);
  return 0;
}

int testSafetensors(const char *path) {
  Expected<SafetensorsFile> file = readSafetensors(path);
  if (!file.ok()) {
    std::printf("error: %s\n", file.error().message().c_str());
    return 1;
  }
  for (const auto &[key, value] : file->metadata)
    std::printf("metadata %s = %s\n", key.c_str(), value.c_str());
  for (const NamedTensor &named : file->tensors) {
    std::printf("tensor %s: ", named.name.c_str());
    printTensor(named.tensor);
  }
  return 0;
}

int writeSample(const char *path) {
  SafetensorsFile file;
  file.metadata["note"] = "quote \" and \\ and \xc3\xa9";
  auto add = [&](std::string name, DType dtype, std::vector<int64_t> shape) {
    NamedTensor named{std::move(name), HostTensor(dtype, std::move(shape))};
    for (int64_t i = 0, e = named.tensor.numElements(); i < e; ++i)
      named.tensor.store(i, 0.5 * static_cast<double>(i) - 1);
    file.tensors.push_back(std::move(named));
  };
  add("flag", DType::I1, {3});
  add("w", DType::F32, {2, 3});
  add("half", DType::F16, {4});
  add("count", DType::I32, {});
  add("wide", DType::F64, {2});
  if (Status status = writeSafetensors(path, file); !status.ok()) {
    std::printf("error: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}

int testSignature(const char *path) {
  std::string json;
  if (std::FILE *file = std::fopen(path, "rb")) {
    char chunk[4096];
    while (size_t count = std::fread(chunk, 1, sizeof(chunk), file))
      json.append(chunk, count);
    std::fclose(file);
  }
  Expected<StepSignature> signature = parseStepSignatureJson(json);
  if (!signature.ok()) {
    std::printf("error: %s\n", signature.error().message().c_str());
    return 1;
  }
  const LossScaleConfig &scale = signature->lossScale;
  std::printf("step %s: entry %s, optimizer %s\n", signature->name.c_str(),
              signature->entry.c_str(),
              signature->optimizer.describe().c_str());
  std::printf("loss scale: mode %d, init %g, growth %g every %lld, backoff "
              "%g, hysteresis %lld, min %g, max %g\n",
              static_cast<int>(scale.mode), scale.init, scale.growthFactor,
              static_cast<long long>(scale.growthInterval), scale.backoffFactor,
              static_cast<long long>(scale.hysteresis), scale.minScale,
              scale.maxScale);
  for (const TensorSpec &arg : signature->args) {
    std::string details;
    if (arg.role == Role::Param)
      details = std::string(", init ") + paramInitName(arg.init);
    if (arg.indexRange)
      details = ", indices [" + std::to_string(arg.indexRange->first) + ", " +
                std::to_string(arg.indexRange->second) + "]";
    std::printf("arg %s%s\n", arg.describe().c_str(), details.c_str());
  }
  for (const TensorSpec &result : signature->results)
    std::printf("result %s\n", result.describe().c_str());
  return 0;
}

//===----------------------------------------------------------------------===//
// train
//===----------------------------------------------------------------------===//

constexpr int64_t kBatch = 8, kFeatures = 4;

struct LinearStepConfig {
  double lr = 0.1;
  bool grads = false;
  /// How long each step takes, in milliseconds: a slow step lets a test
  /// send signals while one runs.
  int64_t stepMilliseconds = 0;
  /// Faults of one rank of a data-parallel job, at its N-th call of the
  /// step: it stops responding, it dies, or its parameters drift.
  std::optional<std::pair<int64_t, int64_t>> hangAt, dieAt, perturbAt;
  int64_t calls = 0;
} linearConfig;

/// Whether `fault` is due at this call on this rank.
bool faultDue(const std::optional<std::pair<int64_t, int64_t>> &fault) {
  return fault && fault->first == linearConfig.calls &&
         fault->second == stepCommunicator().rank();
}

/// The loss-scale policy of the signature, which the step applies.
LossScaleConfig linearPolicy;

/// The loss-scale rule of mpt.update_loss_scale (DeepSpeed's hysteresis).
void updateLossScale(float scale, int32_t good, int32_t left, bool finite,
                     float &newScale, int32_t &newGood, int32_t &newLeft,
                     bool &collapsed) {
  const LossScaleConfig &c = linearPolicy;
  newScale = scale;
  newGood = good;
  newLeft = left;
  collapsed = false;
  if (!finite) {
    newGood = 0;
    if (left > 1) {
      newLeft = left - 1;
      return;
    }
    // DeepSpeed's rule: a back-off leaves the tolerance used up; only the
    // next growth restores it.
    newScale = static_cast<float>(scale * c.backoffFactor);
    if (newScale < c.minScale) {
      newScale = static_cast<float>(c.minScale);
      collapsed = true;
    }
    return;
  }
  if (++newGood == c.growthInterval) {
    float grown = static_cast<float>(scale * c.growthFactor);
    if (std::isfinite(grown))
      newScale = static_cast<float>(std::min<double>(grown, c.maxScale));
    newGood = 0;
    newLeft = c.hysteresis;
  }
}

/// The buffers of the step, in the order of linearSignature(): w, b, the
/// loss-scale state of the mode, x, y | the same state, loss, overflow,
/// [collapsed,] [grad w, grad b].
struct LinearLayout {
  int scaleState = 0;
  int numArgs = 0;
  bool collapsed = false;
} linearLayout;

/// Waits `milliseconds`, also across the signals that interrupt the wait.
void sleepFor(int64_t milliseconds) {
  struct timespec left = {static_cast<time_t>(milliseconds / 1000),
                          static_cast<long>(milliseconds % 1000) * 1000000};
  while (nanosleep(&left, &left) != 0 && errno == EINTR)
    ;
}

extern "C" void linearStep(void **buffers) {
  const LinearLayout &layout = linearLayout;
  const auto *w = static_cast<const float *>(buffers[0]);
  const auto *b = static_cast<const float *>(buffers[1]);
  float scale = layout.scaleState ? *static_cast<const float *>(buffers[2]) : 1;
  const auto *x = static_cast<const float *>(buffers[2 + layout.scaleState]);
  const auto *y = static_cast<const float *>(buffers[3 + layout.scaleState]);
  void **out = buffers + layout.numArgs;
  if (linearConfig.stepMilliseconds)
    sleepFor(linearConfig.stepMilliseconds);
  ++linearConfig.calls;
  if (faultDue(linearConfig.dieAt))
    raise(SIGKILL);
  while (faultDue(linearConfig.hangAt))
    pause();

  // Temporaries go through the tracked heap, as the compiled code's do.
  auto *residual = static_cast<float *>(mptTrackedMalloc(kBatch * 4));
  auto *grad = static_cast<float *>(mptTrackedMalloc((kFeatures + 1) * 4));
  float loss = 0;
  for (int64_t r = 0; r < kBatch; ++r) {
    float pred = b[0];
    for (int64_t f = 0; f < kFeatures; ++f)
      pred += x[r * kFeatures + f] * w[f];
    residual[r] = pred - y[r];
    loss += residual[r] * residual[r] / kBatch;
  }
  bool finite = true;
  for (int64_t f = 0; f <= kFeatures; ++f) {
    grad[f] = 0;
    for (int64_t r = 0; r < kBatch; ++r)
      grad[f] += 2 * scale * residual[r] / kBatch *
                 (f < kFeatures ? x[r * kFeatures + f] : 1.0f);
  }
  // The mean over the ranks, before the unscale and the isfinite check.
  void *message[] = {grad};
  int64_t count = kFeatures + 1;
  mptCommAllReduce(message, &count, 1, MPT_COMM_F32, MPT_COMM_SUM, 0);
  auto ranks = static_cast<float>(mptCommWorldSize());
  for (int64_t f = 0; f <= kFeatures; ++f) {
    grad[f] = grad[f] / ranks * (1 / scale);
    finite &= std::isfinite(grad[f]);
  }
  auto *newW = static_cast<float *>(out[0]);
  auto *newB = static_cast<float *>(out[1]);
  for (int64_t f = 0; f < kFeatures; ++f)
    newW[f] =
        finite ? w[f] - static_cast<float>(linearConfig.lr) * grad[f] : w[f];
  newB[0] = finite
                ? b[0] - static_cast<float>(linearConfig.lr) * grad[kFeatures]
                : b[0];
  if (faultDue(linearConfig.perturbAt))
    newW[0] += 1e-3f;
  int next = 2;
  if (layout.scaleState == 1)
    *static_cast<float *>(out[next++]) = scale;
  bool collapsed = false;
  if (layout.scaleState == 3) {
    updateLossScale(scale, *static_cast<const int32_t *>(buffers[3]),
                    *static_cast<const int32_t *>(buffers[4]), finite,
                    *static_cast<float *>(out[2]),
                    *static_cast<int32_t *>(out[3]),
                    *static_cast<int32_t *>(out[4]), collapsed);
    next = 5;
  }
  *static_cast<float *>(out[next++]) = loss;
  *static_cast<uint8_t *>(out[next++]) = !finite;
  if (layout.collapsed)
    *static_cast<uint8_t *>(out[next++]) = collapsed;
  if (linearConfig.grads) {
    std::memcpy(out[next++], grad, kFeatures * 4);
    std::memcpy(out[next++], grad + kFeatures, 4);
  }
  mptTrackedFree(residual);
  mptTrackedFree(grad);
}

StepSignature linearSignature(const LossScaleConfig &policy) {
  StepSignature signature;
  signature.name = "linear";
  signature.entry = "linear_step";
  signature.optimizer = {"sgd", {{"lr", linearConfig.lr}}};
  signature.lossScale = policy;
  auto spec = [](Role role, std::string name, DType dtype,
                 std::vector<int64_t> shape) {
    TensorSpec tensor;
    tensor.role = role;
    tensor.name = std::move(name);
    tensor.dtype = dtype;
    tensor.shape = std::move(shape);
    tensor.init = defaultParamInit(tensor.shape);
    return tensor;
  };
  std::vector<TensorSpec> state = {
      spec(Role::Param, "w", DType::F32, {kFeatures, 1}),
      spec(Role::Param, "b", DType::F32, {1})};
  if (policy.mode != LossScaleMode::None)
    state.push_back(spec(Role::LossScale, "", DType::F32, {}));
  if (policy.mode == LossScaleMode::Dynamic) {
    state.push_back(spec(Role::GoodSteps, "", DType::I32, {}));
    state.push_back(spec(Role::HysteresisLeft, "", DType::I32, {}));
  }
  signature.args = state;
  signature.args.push_back(
      spec(Role::Batch, "x", DType::F32, {kBatch, kFeatures}));
  signature.args.push_back(spec(Role::Batch, "y", DType::F32, {kBatch, 1}));
  signature.results = state;
  signature.results.push_back(spec(Role::Loss, "", DType::F32, {}));
  signature.results.push_back(spec(Role::Overflow, "", DType::I1, {}));
  if (policy.mode == LossScaleMode::Dynamic)
    signature.results.push_back(spec(Role::ScaleCollapsed, "", DType::I1, {}));
  if (linearConfig.grads) {
    signature.results.push_back(
        spec(Role::Grad, "w", DType::F32, {kFeatures, 1}));
    signature.results.push_back(spec(Role::Grad, "b", DType::F32, {1}));
  }
  linearLayout.scaleState = static_cast<int>(state.size()) - 2;
  linearLayout.numArgs = static_cast<int>(signature.args.size());
  linearLayout.collapsed = policy.mode == LossScaleMode::Dynamic;
  return signature;
}

/// File operations that fail by request (--fail-file-op).
struct FileFault {
  FileOperation operation;
  std::string destinationSuffix;
  /// The operation fails from its `after + 1`-th occurrence on.
  int64_t after = 0;
  int64_t seen = 0;
};
std::vector<FileFault> fileFaults;

int injectFileFault(FileOperation operation, const std::string &destination) {
  for (FileFault &fault : fileFaults) {
    const std::string &suffix = fault.destinationSuffix;
    if (fault.operation != operation || destination.size() < suffix.size() ||
        destination.compare(destination.size() - suffix.size(), suffix.size(),
                            suffix) != 0)
      continue;
    if (fault.seen++ >= fault.after)
      return ENOSPC;
  }
  return 0;
}

/// --fail-file-op=OP:NAME[:N]: OP (create, write, sync or rename) of the
/// output whose path ends in NAME fails with ENOSPC after N successes.
Flag fileFaultFlag() {
  Flag flag;
  flag.name = "fail-file-op";
  flag.valueName = "OP:NAME[:N]";
  flag.help = "Make OP (create, write, sync, rename) of the output whose path "
              "ends in NAME fail with ENOSPC after N successes (default 0)";
  flag.repeatable = true;
  flag.set = [](const std::string &text) -> Status {
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
      size_t colon = text.find(':', start);
      parts.push_back(text.substr(start, colon - start));
      if (colon == std::string::npos)
        break;
      start = colon + 1;
    }
    static const std::pair<const char *, FileOperation> kOperations[] = {
        {"create", FileOperation::Create},
        {"write", FileOperation::Write},
        {"sync", FileOperation::Sync},
        {"rename", FileOperation::Rename}};
    FileFault fault;
    bool known = false;
    for (const auto &[name, operation] : kOperations)
      if (parts[0] == name) {
        fault.operation = operation;
        known = true;
      }
    Expected<int64_t> after = parts.size() == 3 ? parseIntegerValue(parts[2], 0)
                                                : Expected<int64_t>(0);
    if (!known || parts.size() < 2 || parts.size() > 3 || parts[1].empty() ||
        !after.ok())
      return Status::error("expects OP:NAME[:N], got '" + text + "'");
    fault.destinationSuffix = parts[1];
    fault.after = *after;
    fileFaults.push_back(fault);
    setFileFaultHook(injectFileFault);
    return Status::success();
  };
  return flag;
}

/// A flag of the test step's loss-scale policy.
Flag policyFlag(std::string name, std::string help,
                std::function<Status(double)> set) {
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = "X";
  flag.help = std::move(help);
  flag.set = [set = std::move(set)](const std::string &text) {
    Expected<double> value = parseNumberValue(text, "> 0");
    return value.ok() ? set(*value) : value.takeError();
  };
  return flag;
}

/// --NAME=N@R: a fault of rank R at its N-th call of the step.
Flag faultFlag(std::string name, std::string help,
               std::optional<std::pair<int64_t, int64_t>> &target) {
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = "N@RANK";
  flag.help = std::move(help);
  flag.set = [&target](const std::string &text) -> Status {
    size_t at = text.find('@');
    Expected<int64_t> call = parseIntegerValue(text.substr(0, at), 1);
    Expected<int64_t> rank = at == std::string::npos
                                 ? Expected<int64_t>(Status::error("no rank"))
                                 : parseIntegerValue(text.substr(at + 1), 0);
    if (!call.ok() || !rank.ok())
      return Status::error("expects N@RANK, got '" + text + "'");
    target = std::pair{*call, *rank};
    return Status::success();
  };
  return flag;
}

/// Calls a step as a device executor does: on copies of its batch inputs of
/// its own, which it fills from the loop's buffers, having the loop fill the
/// next batch (StepCall::fillNextBatch) on another thread while the step
/// runs.
class PrefetchingExecutor : public StepExecutor {
public:
  PrefetchingExecutor(const StepSignature &signature, StepFunction function)
      : signature(signature), function(function) {
    for (size_t index : signature.argsWithRole(Role::Batch))
      for (auto &copies : batchCopies)
        copies.emplace_back(signature.args[index].byteSize());
  }

  Status call(const StepCall &call) override {
    std::vector<size_t> batch = signature.argsWithRole(Role::Batch);
    auto copyBatch = [&](std::vector<std::vector<char>> &copies) {
      for (size_t i = 0; i < batch.size(); ++i)
        std::memcpy(copies[i].data(), call.buffers[batch[i]], copies[i].size());
    };
    if (nextFilled)
      current ^= 1;
    else if (call.batchChanged)
      copyBatch(batchCopies[current]);
    nextFilled = false;
    std::vector<void *> buffers(call.buffers, call.buffers +
                                                  signature.args.size() +
                                                  signature.results.size());
    for (size_t i = 0; i < batch.size(); ++i)
      buffers[batch[i]] = batchCopies[current][i].data();
    std::thread next([&] {
      if (call.fillNextBatch && call.fillNextBatch()) {
        copyBatch(batchCopies[current ^ 1]);
        nextFilled = true;
      }
    });
    function(buffers.data());
    next.join();
    return Status::success();
  }

private:
  const StepSignature &signature;
  StepFunction function;
  std::vector<std::vector<char>> batchCopies[2];
  int current = 0;
  bool nextFilled = false;
};

/// Calls a step as an asynchronous device executor does: a call whose
/// results the loop does not need keeps them (those that are not state and
/// the scalar state ones) for takeDeferredResults, and leaves the loop's
/// result buffers holding NaN (1 for integers), which a loop reading them
/// would see.
class DeferringExecutor : public StepExecutor {
public:
  DeferringExecutor(const StepSignature &signature, StepFunction function,
                    int64_t maxDeferred)
      : signature(signature), function(function), maxDeferred(maxDeferred) {}

  Status call(const StepCall &call) override {
    function(call.buffers);
    if (call.resultsNeeded)
      return Status::success();
    std::vector<std::vector<char>> &record = records.emplace_back();
    for (size_t i = 0, e = signature.results.size(); i < e; ++i) {
      const TensorSpec &spec = signature.results[i];
      auto *values =
          static_cast<char *>(call.buffers[signature.args.size() + i]);
      std::vector<char> &kept = record.emplace_back();
      if (isStateRole(spec.role) && !spec.shape.empty())
        continue;
      kept.assign(values, values + spec.byteSize());
      if (isStateRole(spec.role))
        continue;
      double garbage = isFloatDType(spec.dtype)
                           ? std::numeric_limits<double>::quiet_NaN()
                           : 1.0;
      for (int64_t j = 0, n = spec.numElements(); j < n; ++j)
        storeElement(spec.dtype, values + j * dtypeSize(spec.dtype), garbage);
    }
    return Status::success();
  }
  int64_t maxDeferredCalls() const override { return maxDeferred; }
  Status
  takeDeferredResults(const std::function<void(void *const *)> &take) override {
    for (std::vector<std::vector<char>> &record : records) {
      std::vector<void *> values;
      for (std::vector<char> &kept : record)
        values.push_back(kept.empty() ? nullptr : kept.data());
      take(values.data());
    }
    records.clear();
    return Status::success();
  }

private:
  const StepSignature &signature;
  StepFunction function;
  int64_t maxDeferred;
  std::vector<std::vector<std::vector<char>>> records;
};

/// `argv[0]` is the subcommand; the rest are the training flags of mpt-run
/// and the test step's own.
int testTrain(int argc, char **argv) {
  SessionOptions options;
  // The test step's own policy: growth after 4 good steps, so that tests
  // see it.
  LossScaleConfig &policy = linearPolicy;
  policy = {LossScaleMode::Dynamic, 65536, 2, 0.5, 4, 1, 1, 16777216};
  std::string mode = "dynamic";
  CommandLine commandLine("mpt-runtime-test train",
                          "Trains a hand-written linear step.");
  addDataFlags(commandLine, options);
  addTrainingFlags(commandLine, options);
  const char *group = "Test step";
  commandLine.add(
      group, policyFlag("init-scale", "Initial loss scale", [&](double value) {
        policy.init = value;
        return Status::success();
      }));
  commandLine.add(
      group, policyFlag("min-scale", "Smallest loss scale", [&](double value) {
        policy.minScale = value;
        return Status::success();
      }));
  commandLine.add(group, integerFlag("hysteresis", "N",
                                     "Overflows tolerated before a backoff",
                                     policy.hysteresis, 1));
  commandLine.add(group, integerFlag("growth-interval", "N",
                                     "Good steps before the scale grows",
                                     policy.growthInterval, 1));
  commandLine.add(group, switchFlag("grads", "Also return the gradients",
                                    linearConfig.grads));
  commandLine.add(group, choiceFlag("loss-scale", "The loss-scale mode", mode,
                                    {"none", "static", "dynamic"}));
  commandLine.add(group,
                  integerFlag("step-ms", "N", "Milliseconds each step takes",
                              linearConfig.stepMilliseconds, 0));
  commandLine.add(group, fileFaultFlag());
  commandLine.add(group, faultFlag("hang-at",
                                   "Rank RANK stops responding in its N-th "
                                   "step call, before the all-reduce",
                                   linearConfig.hangAt));
  commandLine.add(group, faultFlag("die-at",
                                   "Rank RANK kills itself (SIGKILL) in its "
                                   "N-th step call",
                                   linearConfig.dieAt));
  commandLine.add(group, faultFlag("perturb-at",
                                   "Rank RANK adds 1e-3 to w[0] in its N-th "
                                   "step call: its replica diverges",
                                   linearConfig.perturbAt));

  bool prefetch = false;
  commandLine.add(group,
                  switchFlag("prefetch",
                             "Call the step as a device executor does: on "
                             "copies of the batch, the next one filled "
                             "while the step runs",
                             prefetch));
  int64_t deferResults = 0;
  commandLine.add(group,
                  integerFlag("defer-results", "N",
                              "Call the step as an asynchronous device "
                              "executor does: up to N calls in a row keep "
                              "their results until the loop takes them",
                              deferResults, 0));
  if (Status status = commandLine.parse(argc, argv); !status.ok()) {
    std::fprintf(stderr, "mpt-runtime-test: error: %s\n",
                 status.message().c_str());
    return 1;
  }
  if (commandLine.helpRequested()) {
    std::fputs(commandLine.help().c_str(), stdout);
    return 0;
  }
  if (Status status = checkTrainingFlags(commandLine, options); !status.ok()) {
    std::fprintf(stderr, "mpt-runtime-test: error: %s\n",
                 status.message().c_str());
    return 1;
  }
  policy.mode = mode == "none"     ? LossScaleMode::None
                : mode == "static" ? LossScaleMode::Static
                                   : LossScaleMode::Dynamic;
  Expected<std::unique_ptr<Communicator>> communicator =
      openCommunicator({options.commTimeoutSeconds});
  if (!communicator.ok()) {
    std::fprintf(stderr, "error: %s\n", communicator.error().message().c_str());
    return 1;
  }
  Communicator &job = **communicator;
  // Errors of a job name the rank; a rank that fails leaves the job.
  std::string label =
      job.worldSize() > 1 ? "rank " + std::to_string(job.rank()) + ": " : "";
  auto failed = [&](const Status &status) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s%s\n", label.c_str(),
                 status.message().c_str());
    job.abandon();
    return 1;
  };
  setStepCommunicator(&job);
  options.communicator = &job;
  StepSignature signature = linearSignature(policy);
  auto session = TrainingSession::prepare(signature, options);
  if (!session.ok())
    return failed(session.error());
  if (job.rank() == 0)
    std::printf("data: %s\n", (*session)->data().describe().c_str());
  std::fflush(stdout);
  HostStepExecutor host(linearStep);
  PrefetchingExecutor prefetching(signature, linearStep);
  DeferringExecutor deferring(signature, linearStep, deferResults);
  StepExecutor &step = deferResults ? static_cast<StepExecutor &>(deferring)
                       : prefetch   ? static_cast<StepExecutor &>(prefetching)
                                    : host;
  Expected<TrainingSummary> summary =
      (*session)->run(step, /*staticStepBytes=*/0, stdout);
  if (!summary.ok())
    return failed(summary.error());
  return summary->stopSignal ? 128 + summary->stopSignal : 0;
}
} // namespace

int main(int argc, char **argv) {
  setProgramName("mpt-runtime-test");
  installFailureHandlers();
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "dtype")
    return testDType();
  if (command == "random")
    return testRandom();
  if (command == "npy" && argc == 3)
    return testNpy(argv[2]);
  if (command == "safetensors" && argc == 3)
    return testSafetensors(argv[2]);
  if (command == "write-safetensors" && argc == 3)
    return writeSample(argv[2]);
  if (command == "signature" && argc == 3)
    return testSignature(argv[2]);
  if (command == "train")
    return testTrain(argc - 1, argv + 1);
  std::fprintf(
      stderr,
      "usage: mpt-runtime-test dtype | random | npy FILE | "
      "safetensors FILE | write-safetensors OUT | signature FILE | train "
      "[--flag=value...]\n");
  return 2;
}
