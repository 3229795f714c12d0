//===- TrainingState.cpp - Parameters, optimizer and loss-scale state -----===//

#include "mpt/Runtime/TrainingState.h"
#include "mpt/Runtime/Random.h"

#include <cerrno>
#include <cmath>
#include <cstring>

using namespace mpt::runtime;

namespace {
constexpr const char *kCheckpointFormat = "mpt-checkpoint-1";

/// Collects the ways a file differs from the tensors a step expects and
/// reports them all in one message.
class MismatchReport {
public:
  void add(std::string problem) { problems.push_back(std::move(problem)); }
  Status status(const std::string &what) const {
    if (problems.empty())
      return Status::success();
    std::string text = "does not match the step's " + what + ": ";
    for (size_t i = 0, e = problems.size(); i < e; ++i)
      text += (i ? "; " : "") + problems[i];
    return Status::error(text);
  }

private:
  std::vector<std::string> problems;
};

/// A tensor a file must hold: under its name, or under the step's own
/// name for it when that differs (a parameter renamed on import).
struct ExpectedTensor {
  std::string name, stepName;
  const HostTensor *tensor;
  /// Whether an integer tensor converts (a buffer: PyTorch's state_dict
  /// holds num_batches_tracked as int64); weights must be floats.
  bool integersConvert = false;
};

const NamedTensor *findExpected(const SafetensorsFile &file,
                                const ExpectedTensor &expected) {
  if (const NamedTensor *found = file.find(expected.name))
    return found;
  return file.find(expected.stepName);
}

/// Checks that `file` holds exactly the tensors `expected` names, each
/// once, with their shapes, and (when `exactType`) their dtypes.
Status matchTensors(const SafetensorsFile &file,
                    const std::vector<ExpectedTensor> &expected, bool exactType,
                    const std::string &what) {
  MismatchReport report;
  for (const auto &[name, stepName, tensor, integersConvert] : expected) {
    if (name != stepName && file.find(name) && file.find(stepName))
      report.add("tensor '" + name + "' is there twice, also as '" + stepName +
                 "'");
    const NamedTensor *found =
        findExpected(file, {name, stepName, tensor, integersConvert});
    if (!found) {
      report.add("missing tensor '" + name + "' (" + tensor->typeString() +
                 ")");
      continue;
    }
    bool typeOk = exactType
                      ? found->tensor.dtype == tensor->dtype
                      : isFloatDType(found->tensor.dtype) || integersConvert;
    if (found->tensor.shape != tensor->shape || !typeOk)
      report.add("tensor '" + name + "' is " + found->tensor.typeString() +
                 ", expected " + tensor->typeString());
  }
  for (const NamedTensor &named : file.tensors) {
    bool known = false;
    for (const ExpectedTensor &entry : expected)
      known |= entry.name == named.name || entry.stepName == named.name;
    if (!known)
      report.add("unexpected tensor '" + named.name + "'");
  }
  return report.status(what);
}

void copyConverted(const HostTensor &from, HostTensor &to) {
  if (from.dtype == to.dtype) {
    std::memcpy(to.buffer.data(), from.buffer.data(), to.buffer.size());
    return;
  }
  for (int64_t i = 0, e = to.numElements(); i < e; ++i)
    to.store(i, from.load(i));
}

/// The first tensor of `file` named in `expected` with an element that is
/// not finite, or not once converted to the expected type.
Status checkFinite(const SafetensorsFile &file,
                   const std::vector<ExpectedTensor> &expected,
                   const std::string &rule) {
  for (const ExpectedTensor &entry : expected) {
    const NamedTensor &named = *findExpected(file, entry);
    const HostTensor &found = named.tensor;
    const HostTensor *tensor = entry.tensor;
    const std::string &name = named.name;
    if (std::optional<NonfiniteElement> bad =
            findNonfinite(found, tensor->dtype))
      return Status::error("tensor '" + name + "' " +
                           bad->describe(found.shape, tensor->dtype) + "; " +
                           rule);
  }
  return Status::success();
}

void fill(HostTensor &tensor, double value) {
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
    tensor.store(i, value);
}
} // namespace

TrainingState::TrainingState(const StepSignature &signature)
    : signature(signature), slotOfArg(signature.args.size(), -1) {
  for (size_t i = 0, e = signature.args.size(); i < e; ++i) {
    const TensorSpec &spec = signature.args[i];
    if (!isStateRole(spec.role))
      continue;
    slotOfArg[i] = static_cast<int>(slots.size());
    slots.push_back({i, HostTensor(spec.dtype, spec.shape),
                     HostTensor(spec.dtype, spec.shape)});
  }
}

void TrainingState::initialize(uint64_t seed) {
  for (Slot &slot : slots) {
    const TensorSpec &spec = signature.args[slot.argIndex];
    HostTensor &tensor = slot.current;
    switch (spec.role) {
    case Role::Param:
      switch (spec.init) {
      case ParamInit::FanInUniform: {
        int64_t fanIn = 1;
        for (size_t d = 0; d + 1 < spec.shape.size(); ++d)
          fanIn *= spec.shape[d];
        double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
        Rng rng = Rng::stream(seed, "init/" + spec.name);
        for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
          tensor.store(i, rng.uniform(-bound, bound));
        break;
      }
      case ParamInit::Zeros:
        fill(tensor, 0);
        break;
      case ParamInit::Ones:
        fill(tensor, 1);
        break;
      }
      break;
    case Role::Buffer:
      fill(tensor, spec.init == ParamInit::Ones ? 1 : 0);
      break;
    case Role::LossScale:
      fill(tensor, signature.lossScale.init);
      break;
    case Role::HysteresisLeft:
      fill(tensor, static_cast<double>(signature.lossScale.hysteresis));
      break;
    case Role::DropoutStep: {
      // The run's seed picks the first masks; the step advances the counter.
      Rng rng = Rng::stream(seed, "dropout");
      fill(tensor, static_cast<double>(rng.next() >> 33));
      break;
    }
    default: // Optimizer state, gradient accumulators, counters.
      fill(tensor, 0);
      break;
    }
  }
  steps = 0;
}

namespace {
/// True for the state that files name as the model does: parameters and
/// buffers, as in a PyTorch state_dict.
bool isModelTensor(Role role) {
  return role == Role::Param || role == Role::Buffer;
}

/// The name of a parameter (or of the buffer `spec`) in files: its source
/// name when it has one.
std::string fileName(const StepSignature &signature, const TensorSpec &spec) {
  Role role = spec.role == Role::Buffer ? Role::Buffer : Role::Param;
  std::optional<size_t> index = signature.findArg(role, spec.name);
  if (index && !signature.args[*index].sourceName.empty())
    return signature.args[*index].sourceName;
  return spec.name;
}

std::string stateTensorName(const TensorSpec &spec, const std::string &param) {
  if (isModelTensor(spec.role))
    return param;
  std::string name = std::string("mpt.") + roleName(spec.role);
  return spec.name.empty() ? name : name + "/" + param;
}
} // namespace

std::string TrainingState::tensorName(size_t argIndex) const {
  const TensorSpec &spec = signature.args[argIndex];
  return stateTensorName(spec, fileName(signature, spec));
}

std::string TrainingState::stepTensorName(size_t argIndex) const {
  const TensorSpec &spec = signature.args[argIndex];
  return stateTensorName(spec, spec.name);
}

Status TrainingState::loadParams(const SafetensorsFile &file) {
  std::vector<ExpectedTensor> expected;
  std::vector<Slot *> params;
  for (Slot &slot : slots)
    if (Role role = signature.args[slot.argIndex].role; isModelTensor(role)) {
      expected.push_back({tensorName(slot.argIndex),
                          stepTensorName(slot.argIndex), &slot.current,
                          role == Role::Buffer});
      params.push_back(&slot);
    }
  if (Status status =
          matchTensors(file, expected, /*exactType=*/false, "parameters");
      !status.ok())
    return status;
  if (Status status =
          checkFinite(file, expected, "initial parameters must be finite");
      !status.ok())
    return status;
  for (size_t i = 0, e = params.size(); i < e; ++i)
    copyConverted(findExpected(file, expected[i])->tensor, params[i]->current);
  return Status::success();
}

SafetensorsView TrainingState::paramsView() const {
  SafetensorsView file;
  for (const Slot &slot : slots)
    if (isModelTensor(signature.args[slot.argIndex].role))
      file.tensors.emplace_back(tensorName(slot.argIndex), &slot.current);
  file.metadata["mpt.step"] = std::to_string(steps);
  return file;
}

SafetensorsView TrainingState::checkpointView(uint64_t seed) const {
  SafetensorsView file;
  for (const Slot &slot : slots)
    file.tensors.emplace_back(tensorName(slot.argIndex), &slot.current);
  file.metadata["mpt.format"] = kCheckpointFormat;
  file.metadata["mpt.step"] = std::to_string(steps);
  file.metadata["mpt.seed"] = std::to_string(seed);
  file.metadata["mpt.step_function"] = signature.name;
  return file;
}

Expected<uint64_t> TrainingState::loadCheckpoint(const SafetensorsFile &file) {
  auto metadata = [&](const char *key) -> const std::string * {
    auto found = file.metadata.find(key);
    return found == file.metadata.end() ? nullptr : &found->second;
  };
  const std::string *format = metadata("mpt.format");
  if (!format || *format != kCheckpointFormat)
    return Status::error(std::string("not a checkpoint (its metadata has no "
                                     "mpt.format = \"") +
                         kCheckpointFormat +
                         "\"); a file of parameters is loaded with --init");
  const std::string *step = metadata("mpt.step");
  const std::string *seed = metadata("mpt.seed");
  char *end = nullptr;
  errno = 0;
  long long stepValue = step ? std::strtoll(step->c_str(), &end, 10) : -1;
  if (!step || step->empty() || *end != '\0' || stepValue < 0 ||
      errno == ERANGE)
    return Status::error("checkpoint metadata mpt.step must be an integer "
                         "in [0, 2^63 - 1]");
  errno = 0;
  unsigned long long seedValue =
      seed ? std::strtoull(seed->c_str(), &end, 10) : 0;
  if (!seed || seed->empty() || (*seed)[0] < '0' || (*seed)[0] > '9' ||
      *end != '\0' || errno == ERANGE)
    return Status::error("checkpoint metadata mpt.seed must be an integer "
                         "in [0, 2^64 - 1]");

  std::vector<ExpectedTensor> expected;
  for (const Slot &slot : slots)
    expected.push_back({tensorName(slot.argIndex),
                        stepTensorName(slot.argIndex), &slot.current});
  if (Status status =
          matchTensors(file, expected, /*exactType=*/true, "training state");
      !status.ok())
    return status;
  if (Status status = checkFinite(
          file, expected, "the training state to resume from must be finite");
      !status.ok())
    return status;
  for (size_t i = 0, e = slots.size(); i < e; ++i)
    copyConverted(findExpected(file, expected[i])->tensor, slots[i].current);
  steps = stepValue;
  return static_cast<uint64_t>(seedValue);
}

void *TrainingState::current(size_t argIndex) {
  return slots[slotOfArg[argIndex]].current.buffer.data();
}

std::vector<void *> TrainingState::currentBuffers() {
  std::vector<void *> buffers(signature.args.size(), nullptr);
  for (Slot &slot : slots)
    buffers[slot.argIndex] = slot.current.buffer.data();
  return buffers;
}

void *TrainingState::next(size_t argIndex) {
  return slots[slotOfArg[argIndex]].next.buffer.data();
}

const HostTensor *TrainingState::find(Role role,
                                      const std::string &name) const {
  std::optional<size_t> arg = signature.findArg(role, name);
  if (!arg || slotOfArg[*arg] < 0)
    return nullptr;
  return &slots[slotOfArg[*arg]].current;
}

void TrainingState::advance() {
  for (Slot &slot : slots)
    std::swap(slot.current, slot.next);
}

double TrainingState::lossScale() const {
  const HostTensor *scale = find(Role::LossScale);
  return scale ? scale->load(0) : 1.0;
}
