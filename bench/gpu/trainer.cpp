//===- trainer.cpp - Benchmark trainer for one compiled step --------------===//
//
// A small ahead-of-time trainer for the GPU benchmark: linked with one step
// compiled by --mpt-lower-to-nvvm (or, built with MPT_BENCH_HOST, by
// --mpt-lower-to-llvm), MPT's training runtime and its CUDA runtime. It
// reads the step's signature from the object (`<step>_step_signature`),
// initializes the state as mpt-run does, trains on synthetic data and
// reports the loss of every step, the time per step and, on the GPU, the
// device memory the step itself allocates (its activations and other
// temporaries).
//
//   trainer [--steps=N] [--warmup=N] [--seed=N] [--fixed-batch]
//           [--metrics=FILE.csv] [--summary=FILE.json]
//
// --fixed-batch draws one random batch and reuses it (for timing models
// whose synthetic regression target would be too slow to compute on the
// host); otherwise every step gets a fresh batch of the synthetic
// regression task, the same on every device.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/Dataset.h"
#include "mpt/Runtime/Random.h"
#include "mpt/Runtime/StepSignature.h"
#include "mpt/Runtime/TrainingState.h"
#ifndef MPT_BENCH_HOST
#include "mpt/Runtime/CUDA.h"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#ifndef MPT_BENCH_STEP
#error "define MPT_BENCH_STEP to the step's name"
#endif
#define MPT_CONCAT_(a, b) a##b
#define MPT_CONCAT(a, b) MPT_CONCAT_(a, b)
#define MPT_STRINGIFY_(a) #a
#define MPT_STRINGIFY(a) MPT_STRINGIFY_(a)

extern "C" void MPT_CONCAT(MPT_BENCH_STEP, _step)(void **buffers);
extern "C" const char MPT_CONCAT(MPT_BENCH_STEP, _step_signature)[];

using namespace mpt::runtime;

namespace {

struct Options {
  int64_t steps = 20;
  int64_t warmup = 3;
  uint64_t seed = 0;
  bool fixedBatch = false;
  std::string metricsPath, summaryPath;
};

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "trainer: error: %s\n", message.c_str());
  std::exit(1);
}

void check(const Status &status) {
  if (!status.ok())
    fail(status.message());
}

Options parseOptions(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *name) -> const char * {
      size_t length = std::strlen(name);
      if (arg.compare(0, length, name) == 0 && arg.size() > length &&
          arg[length] == '=')
        return argv[i] + length + 1;
      return nullptr;
    };
    if (const char *v = value("--steps"))
      options.steps = std::atoll(v);
    else if (const char *v = value("--warmup"))
      options.warmup = std::atoll(v);
    else if (const char *v = value("--seed"))
      options.seed = std::strtoull(v, nullptr, 10);
    else if (const char *v = value("--metrics"))
      options.metricsPath = v;
    else if (const char *v = value("--summary"))
      options.summaryPath = v;
    else if (arg == "--fixed-batch")
      options.fixedBatch = true;
    else
      fail("unknown option '" + arg +
           "'; expected --steps=N, --warmup=N, --seed=N, --fixed-batch, "
           "--metrics=FILE or --summary=FILE");
  }
  if (options.steps < 1 || options.warmup < 0)
    fail("--steps must be at least 1 and --warmup at least 0");
  return options;
}

/// Where the step's buffers live: device memory, or host memory for a step
/// compiled for the CPU.
class Memory {
public:
  void *allocate(size_t bytes) {
#ifdef MPT_BENCH_HOST
    void *pointer = std::calloc(1, std::max<size_t>(bytes, 1));
    if (!pointer)
      fail("out of host memory");
    return pointer;
#else
    Expected<void *> pointer = cuda::allocate(bytes);
    if (!pointer.ok())
      fail(pointer.error().message());
    return *pointer;
#endif
  }
  void upload(void *target, const void *source, size_t bytes) {
#ifdef MPT_BENCH_HOST
    std::memcpy(target, source, bytes);
#else
    check(cuda::copyToDevice(target, source, bytes));
#endif
  }
  void download(void *target, const void *source, size_t bytes) {
#ifdef MPT_BENCH_HOST
    std::memcpy(target, source, bytes);
#else
    check(cuda::copyToHost(target, source, bytes));
#endif
  }
};

double scalarOf(Memory &memory, const TensorSpec &spec, const void *buffer) {
  HostTensor value(spec.dtype, {});
  memory.download(value.buffer.data(), buffer, spec.byteSize());
  return value.load(0);
}

/// A batch of N(0, 1) inputs and targets, drawn once.
void fillRandom(HostTensor &tensor, uint64_t seed, size_t index) {
  Rng rng = Rng::stream(seed, "bench/fixed-batch", index);
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
    tensor.store(i, rng.normal());
}

} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  Expected<StepSignature> parsed =
      parseStepSignatureJson(MPT_CONCAT(MPT_BENCH_STEP, _step_signature));
  if (!parsed.ok())
    fail(parsed.error().message());
  const StepSignature &signature = *parsed;
  check(signature.verify());

  std::string device = "host";
#ifndef MPT_BENCH_HOST
  check(cuda::initialize());
  Expected<std::string> described = cuda::describeDevice();
  if (!described.ok())
    fail(described.error().message());
  device = *described;
#endif

  TrainingState state(signature);
  state.initialize(options.seed);
  std::vector<HostTensor> batch;
  std::vector<HostTensor *> batchInputs;
  std::vector<size_t> sampled = signature.sampledInputs();
  batch.reserve(sampled.size());
  for (size_t arg : sampled)
    batch.emplace_back(signature.args[arg].dtype, signature.args[arg].shape);
  for (HostTensor &tensor : batch)
    batchInputs.push_back(&tensor);
  std::unique_ptr<SyntheticRegression> data;
  if (options.fixedBatch) {
    for (size_t i = 0; i < batch.size(); ++i)
      fillRandom(batch[i], options.seed, i);
  } else {
    Expected<std::unique_ptr<SyntheticRegression>> created =
        SyntheticRegression::create(signature, options.seed);
    if (!created.ok())
      fail(created.error().message());
    data = std::move(*created);
  }

  // Every argument and result gets its buffer; a state result's buffer
  // becomes the next step's argument.
  Memory memory;
  std::vector<void *> args(signature.args.size()),
      results(signature.results.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const TensorSpec &spec = signature.args[i];
    args[i] = memory.allocate(spec.byteSize());
    if (spec.role != Role::Batch)
      memory.upload(args[i], state.current(i), spec.byteSize());
  }
  for (size_t i = 0; i < results.size(); ++i)
    results[i] = memory.allocate(signature.results[i].byteSize());
  std::vector<size_t> stateArgs;
  for (size_t i = 0; i < args.size(); ++i)
    if (signature.args[i].role != Role::Batch)
      stateArgs.push_back(i);
  std::optional<size_t> lossResult = signature.findResult(Role::Loss);
  std::optional<size_t> overflowResult = signature.findResult(Role::Overflow);
  std::optional<size_t> scaleResult = signature.findResult(Role::LossScale);

  auto uploadBatch = [&](int64_t step) {
    if (data)
      data->fill(step, batchInputs);
    if (data || step == 0)
      for (size_t i = 0; i < sampled.size(); ++i)
        memory.upload(args[sampled[i]], batch[i].buffer.data(),
                      batch[i].buffer.size());
  };

  std::FILE *metrics = nullptr;
  if (!options.metricsPath.empty()) {
    metrics = std::fopen(options.metricsPath.c_str(), "w");
    if (!metrics)
      fail("cannot write " + options.metricsPath);
    std::fprintf(metrics, "step,loss,loss_scale,skipped,seconds\n");
  }

  std::vector<void *> buffers(args.size() + results.size());
  std::vector<double> stepSeconds;
  double loss = 0;
  int64_t skipped = 0;
  size_t baseBytes = 0, peakBytes = 0;
  for (int64_t step = 0; step < options.warmup + options.steps; ++step) {
    uploadBatch(step);
#ifndef MPT_BENCH_HOST
    if (step == options.warmup) {
      baseBytes = cuda::memoryUse().current;
      cuda::resetPeakMemory();
    }
#endif
    std::copy(args.begin(), args.end(), buffers.begin());
    std::copy(results.begin(), results.end(), buffers.begin() + args.size());
    auto start = std::chrono::steady_clock::now();
    MPT_CONCAT(MPT_BENCH_STEP, _step)(buffers.data());
#ifndef MPT_BENCH_HOST
    check(cuda::takeError());
#endif
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    loss = lossResult ? scalarOf(memory, signature.results[*lossResult],
                                 results[*lossResult])
                      : 0.0;
    bool overflow =
        overflowResult && scalarOf(memory, signature.results[*overflowResult],
                                   results[*overflowResult]) != 0.0;
    double scale = scaleResult
                       ? scalarOf(memory, signature.results[*scaleResult],
                                  results[*scaleResult])
                       : 1.0;
    skipped += overflow;
    if (step >= options.warmup)
      stepSeconds.push_back(seconds);
    if (metrics)
      std::fprintf(metrics, "%lld,%.9g,%.9g,%d,%.6f\n",
                   static_cast<long long>(step + 1), loss, scale,
                   overflow ? 1 : 0, seconds);
    // The new state is the next step's input.
    for (size_t arg : stateArgs)
      std::swap(args[arg], results[signature.resultForArg(arg)]);
  }
#ifndef MPT_BENCH_HOST
  peakBytes = cuda::memoryUse().peak;
#endif
  if (metrics)
    std::fclose(metrics);

  std::vector<double> sorted = stepSeconds;
  std::sort(sorted.begin(), sorted.end());
  double median = sorted[sorted.size() / 2];
  int64_t samples = signature.batchSize();
  size_t activationBytes = peakBytes > baseBytes ? peakBytes - baseBytes : 0;
  char summary[1024];
  std::snprintf(
      summary, sizeof(summary),
      "{\"step\": \"%s\", \"device\": \"%s\", \"steps\": %lld, "
      "\"median_step_ms\": %.4f, \"samples_per_second\": %.1f, "
      "\"activation_bytes\": %zu, \"final_loss\": %.9g, \"skipped\": %lld}",
      MPT_STRINGIFY(MPT_BENCH_STEP), device.c_str(),
      static_cast<long long>(options.steps), median * 1e3, samples / median,
      activationBytes, loss, static_cast<long long>(skipped));
  std::printf("%s\n", summary);
  if (!options.summaryPath.empty()) {
    std::FILE *file = std::fopen(options.summaryPath.c_str(), "w");
    if (!file)
      fail("cannot write " + options.summaryPath);
    std::fprintf(file, "%s\n", summary);
    std::fclose(file);
  }
  return 0;
}
