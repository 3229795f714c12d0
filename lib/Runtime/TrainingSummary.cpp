//===- TrainingSummary.cpp - What a training run did ----------------------===//

#include "mpt/Runtime/TrainingSummary.h"

#include "mpt/Runtime/Interrupt.h"

#include "Json.h"

#include <cmath>
#include <vector>

using namespace mpt::runtime;

namespace {
std::string number(double value) {
  if (!std::isfinite(value))
    return "null";
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

std::string number(int64_t value) { return std::to_string(value); }
std::string number(uint64_t value) { return std::to_string(value); }
} // namespace

void mpt::runtime::printSummary(const TrainingSummary &summary,
                                const StepSignature &signature,
                                std::FILE *out) {
  std::fprintf(out, "trained steps %lld-%lld in %.3f s\n",
               static_cast<long long>(summary.firstStep),
               static_cast<long long>(summary.lastStep), summary.seconds);
  std::fprintf(out, "  final loss        %.7g\n", summary.finalLoss);
  std::fprintf(out, "  skipped steps     %lld of %lld\n",
               static_cast<long long>(summary.skipped),
               static_cast<long long>(summary.steps()));
  if (signature.lossScale.mode != LossScaleMode::None)
    std::fprintf(out, "  final loss scale  %g\n", summary.finalLossScale);
  std::fprintf(out, "  throughput        %.0f samples/s",
               summary.samplesPerSecond);
  if (summary.worldSize > 1)
    std::fprintf(out, " (%d ranks)", summary.worldSize);
  if (summary.warmupSteps > 0)
    std::fprintf(out, " (after %lld warm-up steps)",
                 static_cast<long long>(summary.warmupSteps));
  std::fputc('\n', out);
  if (summary.exchangeSeconds && summary.timedSeconds > 0 &&
      summary.steps() > summary.warmupSteps)
    std::fprintf(out,
                 "  exchanges         %.3f ms per step (%.0f%% of the time)\n",
                 1e3 * *summary.exchangeSeconds /
                     static_cast<double>(summary.steps() - summary.warmupSteps),
                 100 * *summary.exchangeSeconds / summary.timedSeconds);
  std::fprintf(out,
               "  peak activations  %llu bytes (%.2f MiB: %llu static, %llu "
               "heap)\n",
               static_cast<unsigned long long>(summary.peakStepBytes),
               static_cast<double>(summary.peakStepBytes) / (1 << 20),
               static_cast<unsigned long long>(summary.staticStepBytes),
               static_cast<unsigned long long>(summary.peakHeapBytes));
  if (summary.peakDeviceStepBytes) {
    std::fprintf(out,
                 "  device memory     %llu bytes (%.2f MiB) per step "
                 "beyond its buffers",
                 static_cast<unsigned long long>(*summary.peakDeviceStepBytes),
                 static_cast<double>(*summary.peakDeviceStepBytes) / (1 << 20));
    if (const std::optional<GraphDeviceMemory> &graphs =
            summary.graphDeviceMemory) {
      if (graphs->reported)
        std::fprintf(out,
                     ": %llu held by step graphs (%llu reserved) next to %llu "
                     "allocated by the runtime",
                     static_cast<unsigned long long>(graphs->bytes),
                     static_cast<unsigned long long>(graphs->reservedBytes),
                     static_cast<unsigned long long>(graphs->runtimeBytes));
      else
        std::fputs(", without the memory of step graphs (not reported by "
                   "the driver)",
                   out);
    }
    std::fputc('\n', out);
  }
  if (summary.hostSynchronizationsPerStep)
    std::fprintf(out, "  host syncs        %.2f per step (mean)\n",
                 *summary.hostSynchronizationsPerStep);
  if (summary.leakedBytes)
    std::fprintf(out, "  leaked by steps   %llu bytes\n",
                 static_cast<unsigned long long>(summary.leakedBytes));
  if (summary.meanZeroGradFraction)
    std::fprintf(out, "  zero gradients    %.2f%% (mean), %.2f%% (last step)\n",
                 100 * *summary.meanZeroGradFraction,
                 100 * *summary.lastZeroGradFraction);
  if (const std::optional<ValidationResult> &validation =
          summary.lastValidation) {
    std::fprintf(out, "  validation loss   %.7g", validation->loss);
    if (validation->accuracy)
      std::fprintf(out, ", accuracy %.2f%%", 100 * *validation->accuracy);
    std::fprintf(out, " (%lld samples, after step %lld)\n",
                 static_cast<long long>(validation->samples),
                 static_cast<long long>(summary.lastValidationStep));
  }
}

std::string mpt::runtime::summaryJson(const TrainingSummary &summary,
                                      const StepSignature &signature) {
  bool scaled = signature.lossScale.mode != LossScaleMode::None;
  std::vector<std::pair<const char *, std::string>> fields = {
      {"step", quoteJson(signature.name)},
      {"batch_size", number(signature.batchSize())},
      {"device", quoteJson(summary.device.empty() ? "cpu" : summary.device)},
      {"first_step", number(summary.firstStep)},
      {"last_step", number(summary.lastStep)},
      {"steps", number(summary.steps())},
      {"stopped_by", summary.stopSignal
                         ? quoteJson(signalName(summary.stopSignal))
                         : std::string("null")},
      {"warmup_steps", number(summary.warmupSteps)},
      {"seconds", number(summary.seconds)},
      {"timed_seconds", number(summary.timedSeconds)},
      {"median_step_ms", number(1e3 * summary.medianStepSeconds)},
      {"samples_per_second", number(summary.samplesPerSecond)},
      {"final_loss", number(summary.finalLoss)},
      {"final_loss_scale",
       scaled ? number(summary.finalLossScale) : std::string("null")},
      {"skipped_steps", number(summary.skipped)},
      {"peak_step_bytes", number(summary.peakStepBytes)},
      {"static_step_bytes", number(summary.staticStepBytes)},
      {"peak_heap_bytes", number(summary.peakHeapBytes)},
      {"leaked_bytes", number(summary.leakedBytes)}};
  if (summary.worldSize > 1)
    fields.emplace_back("world_size",
                        number(static_cast<int64_t>(summary.worldSize)));
  if (summary.exchangeSeconds)
    fields.emplace_back("exchange_seconds", number(*summary.exchangeSeconds));
  if (summary.peakDeviceStepBytes)
    fields.emplace_back("peak_device_step_bytes",
                        number(*summary.peakDeviceStepBytes));
  if (const std::optional<GraphDeviceMemory> &graphs =
          summary.graphDeviceMemory) {
    auto reported = [&](uint64_t bytes) {
      return graphs->reported ? number(bytes) : std::string("null");
    };
    fields.emplace_back("graph_device_bytes", reported(graphs->bytes));
    fields.emplace_back("graph_reserved_device_bytes",
                        reported(graphs->reservedBytes));
    fields.emplace_back("runtime_device_bytes_with_graphs",
                        number(graphs->runtimeBytes));
  }
  if (summary.hostSynchronizationsPerStep)
    fields.emplace_back("host_syncs_per_step",
                        number(*summary.hostSynchronizationsPerStep));
  if (summary.meanZeroGradFraction) {
    fields.emplace_back("zero_grad_fraction_mean",
                        number(*summary.meanZeroGradFraction));
    fields.emplace_back("zero_grad_fraction_last",
                        number(*summary.lastZeroGradFraction));
  }
  if (const std::optional<ValidationResult> &validation =
          summary.lastValidation) {
    fields.emplace_back("val_step", number(summary.lastValidationStep));
    fields.emplace_back("val_loss", number(validation->loss));
    fields.emplace_back("val_accuracy", validation->accuracy
                                            ? number(*validation->accuracy)
                                            : "null");
    fields.emplace_back("val_samples", number(validation->samples));
  }
  std::string json = "{";
  for (size_t i = 0, e = fields.size(); i < e; ++i)
    json += std::string(i ? ",\n " : "") + quoteJson(fields[i].first) + ": " +
            fields[i].second;
  return json + "}\n";
}
