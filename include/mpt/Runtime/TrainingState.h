//===- TrainingState.h - The training state between steps -------*- C++ -*-===//
//
// The runtime owns the training state between steps: the fp32 master
// parameters, the optimizer state (momentum velocity; Adam moments and step
// count), the gradient accumulators and micro-batch counter of
// accumulate(K), the loss-scale state (scale, good steps, hysteresis left)
// and the number of steps taken. Each state buffer exists twice: the step reads
// the current copy and writes the next one, and advance() swaps them, so the
// compiled code never sees aliasing inputs and outputs.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_TRAININGSTATE_H
#define MPT_RUNTIME_TRAININGSTATE_H

#include "mpt/Runtime/HostTensor.h"
#include "mpt/Runtime/Safetensors.h"
#include "mpt/Runtime/StepSignature.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

class TrainingState {
public:
  /// Allocates zeroed state for a verified signature.
  explicit TrainingState(const StepSignature &signature);

  /// Fresh state: each parameter by its ParamInit from the stream
  /// Rng::stream(seed, "init/<name>") in row-major order, optimizer state,
  /// accumulators and counters zero, the loss scale at its configured init with
  /// zero good steps and the full hysteresis, step 0.
  void initialize(uint64_t seed);

  /// Replaces the parameters and buffers by the tensors of a safetensors
  /// file (as written by --save, or by Python). The file must hold exactly
  /// one tensor per parameter and buffer, by name (its source name, or the
  /// step's name for it), of its shape; any floating-point dtype is converted
  /// to the parameter's type, and every value must be finite before and after
  /// the conversion.
  Status loadParams(const SafetensorsFile &file);
  /// The parameters and buffers (a state_dict), as --save writes them,
  /// with the metadata mpt.step.
  SafetensorsView paramsView() const;

  /// The whole state as a checkpoint: parameters under their names, the
  /// other state as `mpt.<role>/<param>` or `mpt.<role>`, and the metadata
  /// mpt.format, mpt.step, mpt.seed and mpt.step_function. A parameter's
  /// name in files is its source name (TensorSpec::sourceName) when it has
  /// one, so that PyTorch loads the parameters into the module they came
  /// from.
  SafetensorsView checkpointView(uint64_t seed) const;
  /// Restores a checkpoint written from checkpointView(): same tensors,
  /// shapes and dtypes exactly, and finite values. Returns the seed it was
  /// trained with.
  Expected<uint64_t> loadCheckpoint(const SafetensorsFile &file);

  /// The checkpoint tensor name of state argument `argIndex`, by the
  /// source name of its parameter.
  std::string tensorName(size_t argIndex) const;
  /// The same by the step's own name of the parameter, which loading
  /// accepts as well.
  std::string stepTensorName(size_t argIndex) const;

  /// The buffer the step reads for state argument `argIndex`, and the one
  /// it writes for the result that replaces it.
  void *current(size_t argIndex);
  void *next(size_t argIndex);
  /// current() of every argument, null for the batch inputs.
  std::vector<void *> currentBuffers();
  const HostTensor *find(Role role, const std::string &name = {}) const;

  /// Makes the step's results the current state.
  void advance();

  int64_t step() const { return steps; }
  void setStep(int64_t step) { steps = step; }
  /// The loss scale the next step uses (1 without loss scaling).
  double lossScale() const;

private:
  struct Slot {
    size_t argIndex;
    HostTensor current, next;
  };
  const StepSignature &signature;
  std::vector<Slot> slots;
  /// Index into `slots` of each argument; -1 for batch inputs.
  std::vector<int> slotOfArg;
  int64_t steps = 0;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TRAININGSTATE_H
