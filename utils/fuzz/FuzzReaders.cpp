//===- FuzzReaders.cpp - libFuzzer target: the runtime's readers ----------===//
//
// The first byte of an input picks a reader, the rest is the file:
//   0  .npy                       parseNpy
//   1  safetensors                parseSafetensors
//   2  checkpoint                 loadCheckpoint and loadParams of a small
//                                 step's state (momentum, dynamic scale)
//   3  step signature (JSON)      parseStepSignatureJson
// An error Status is an answer, not a crash. Only the runtime is linked.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/Npy.h"
#include "mpt/Runtime/Safetensors.h"
#include "mpt/Runtime/StepSignature.h"
#include "mpt/Runtime/TrainingState.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace rt = mpt::runtime;

namespace {

/// The signature whose state checkpoints are read into.
constexpr std::string_view kCheckpointSignature = R"({
 "name": "s", "entry": "s_step",
 "optimizer": {"kind": "momentum", "lr": 0.1, "momentum": 0.9},
 "loss_scale": {"mode": "dynamic", "init": 65536, "growth_factor": 2,
                "backoff_factor": 0.5, "growth_interval": 2000,
                "hysteresis": 2, "min_scale": 1, "max_scale": 16777216},
 "args": [{"role": "param", "name": "w", "dtype": "f32", "shape": [4, 2]},
          {"role": "param", "name": "b", "dtype": "f32", "shape": [2]},
          {"role": "velocity", "name": "w", "dtype": "f32", "shape": [4, 2]},
          {"role": "velocity", "name": "b", "dtype": "f32", "shape": [2]},
          {"role": "loss_scale", "dtype": "f32", "shape": []},
          {"role": "good_steps", "dtype": "i32", "shape": []},
          {"role": "hysteresis_left", "dtype": "i32", "shape": []},
          {"role": "batch", "name": "x", "dtype": "f32", "shape": [8, 4]}],
 "results": [{"role": "param", "name": "w", "dtype": "f32", "shape": [4, 2]},
             {"role": "param", "name": "b", "dtype": "f32", "shape": [2]},
             {"role": "velocity", "name": "w", "dtype": "f32", "shape": [4, 2]},
             {"role": "velocity", "name": "b", "dtype": "f32", "shape": [2]},
             {"role": "loss_scale", "dtype": "f32", "shape": []},
             {"role": "good_steps", "dtype": "i32", "shape": []},
             {"role": "hysteresis_left", "dtype": "i32", "shape": []},
             {"role": "loss", "dtype": "f32", "shape": []},
             {"role": "overflow", "dtype": "i1", "shape": []},
             {"role": "scale_collapsed", "dtype": "i1", "shape": []}]})";

const rt::StepSignature &checkpointSignature() {
  static const rt::StepSignature *signature = [] {
    rt::Expected<rt::StepSignature> parsed =
        rt::parseStepSignatureJson(kCheckpointSignature);
    if (!parsed.ok()) {
      std::fprintf(stderr,
                   "fuzz target: the checkpoint signature is invalid: %s\n",
                   parsed.takeError().message().c_str());
      std::abort();
    }
    return new rt::StepSignature(std::move(*parsed));
  }();
  return *signature;
}

void readCheckpoint(const uint8_t *bytes, size_t size) {
  rt::Expected<rt::SafetensorsFile> file = rt::parseSafetensors(bytes, size);
  if (!file.ok())
    return;
  rt::TrainingState state(checkpointSignature());
  (void)state.loadCheckpoint(*file);
  (void)state.loadParams(*file);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const uint8_t *bytes = data + 1;
  size_t length = size - 1;
  switch (data[0] % 4) {
  case 0:
    (void)rt::parseNpy(bytes, length);
    break;
  case 1:
    (void)rt::parseSafetensors(bytes, length);
    break;
  case 2:
    readCheckpoint(bytes, length);
    break;
  case 3: {
    std::string_view text(reinterpret_cast<const char *>(bytes), length);
    (void)rt::parseStepSignatureJson(text);
    break;
  }
  }
  return 0;
}
