//===- StepSignature.cpp - What a compiled training step reads and writes -===//

#include "mpt/Runtime/StepSignature.h"
#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/Sizes.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

using namespace mpt::runtime;

namespace {
/// Where a role may appear.
enum Side { Argument = 1, Result = 2, Both = Argument | Result };

struct RoleInfo {
  Role role;
  const char *name;
  bool state;
  bool named;
  Side side;
};

constexpr RoleInfo kRoles[] = {
    {Role::Param, "param", true, true, Both},
    {Role::Velocity, "velocity", true, true, Both},
    {Role::AdamM, "adam_m", true, true, Both},
    {Role::AdamV, "adam_v", true, true, Both},
    {Role::AdamStep, "adam_step", true, false, Both},
    {Role::GradAccumulator, "grad_accumulator", true, true, Both},
    {Role::MicroStep, "micro_step", true, false, Both},
    {Role::LossScale, "loss_scale", true, false, Both},
    {Role::GoodSteps, "good_steps", true, false, Both},
    {Role::HysteresisLeft, "hysteresis_left", true, false, Both},
    {Role::DropoutStep, "dropout_step", true, false, Both},
    {Role::Buffer, "buffer", true, true, Both},
    {Role::Batch, "batch", false, true, Argument},
    {Role::Loss, "loss", false, false, Result},
    {Role::Overflow, "overflow", false, false, Result},
    {Role::ScaleCollapsed, "scale_collapsed", false, false, Result},
    {Role::Grad, "grad", false, true, Result},
    {Role::UnroundedLoss, "unrounded_loss", false, false, Result},
    {Role::SampleLoss, "sample_loss", false, false, Result},
    {Role::Prediction, "prediction", false, false, Result},
    {Role::Target, "target", false, false, Result},
};

const RoleInfo &info(Role role) { return kRoles[static_cast<size_t>(role)]; }

/// The fixed type of each scalar role.
std::optional<DType> scalarType(Role role) {
  switch (role) {
  case Role::AdamStep:
  case Role::MicroStep:
  case Role::GoodSteps:
  case Role::HysteresisLeft:
  case Role::DropoutStep:
    return DType::I32;
  case Role::LossScale:
  case Role::Loss:
    return DType::F32;
  case Role::UnroundedLoss:
    return DType::F64;
  case Role::Overflow:
  case Role::ScaleCollapsed:
    return DType::I1;
  default:
    return std::nullopt;
  }
}

std::optional<size_t> find(const std::vector<TensorSpec> &specs, Role role,
                           std::string_view name) {
  for (size_t i = 0, e = specs.size(); i < e; ++i)
    if (specs[i].role == role && specs[i].name == name)
      return i;
  return std::nullopt;
}

bool sameType(const TensorSpec &a, const TensorSpec &b) {
  return a.dtype == b.dtype && a.shape == b.shape;
}

/// Checks the roles, names and fixed types of one side (arguments or
/// results) and that no (role, name) pair appears twice.
Status verifyEntries(const std::vector<TensorSpec> &specs, bool arguments) {
  const char *side = arguments ? "argument" : "result";
  std::set<std::pair<Role, std::string>> seen;
  for (size_t i = 0, e = specs.size(); i < e; ++i) {
    const TensorSpec &spec = specs[i];
    std::string where = std::string(side) + " #" + std::to_string(i) + " (" +
                        spec.describe() + ")";
    if (!(info(spec.role).side & (arguments ? Argument : Result)))
      return Status::error(where + ": a " + roleName(spec.role) +
                           " cannot be a step " + side);
    if (isNamedRole(spec.role) == spec.name.empty())
      return Status::error(where + (spec.name.empty()
                                        ? ": the role needs a name"
                                        : ": the role takes no name"));
    if (!seen.insert({spec.role, spec.name}).second)
      return Status::error(where + ": appears twice");
    for (int64_t dim : spec.shape)
      if (dim <= 0)
        return Status::error(where + ": dims must be static and > 0 (a "
                                     "training step has no use for an empty "
                                     "tensor)");
    if (!tensorByteSize(spec.shape, spec.dtype)) {
      double elements = approximateElementCount(spec.shape);
      char count[32];
      std::snprintf(count, sizeof(count), "%.3g", elements);
      return Status::error(
          where + " cannot exist: it has " + count + " elements of " +
          std::to_string(dtypeSize(spec.dtype)) + " bytes, " +
          formatApproximateByteSize(
              elements * static_cast<double>(dtypeSize(spec.dtype))) +
          ", more than the 2^63 - 1 bytes of a 64-bit address space");
    }
    if (spec.role == Role::Batch && !spec.shape.empty() &&
        !isFloatDType(spec.dtype) && spec.dtype != DType::I32 &&
        spec.dtype != DType::I64)
      return Status::error(where + ": batch tensors must have float, i32 or "
                                   "i64 elements");
    if (std::optional<DType> fixed = scalarType(spec.role))
      if (spec.dtype != *fixed || !spec.shape.empty())
        return Status::error(where + ": expected a " + dtypeName(*fixed) +
                             " scalar, found " + spec.typeString());
  }
  return Status::success();
}

/// The checks shared by every kind: the entries of both sides, at least one
/// parameter, and batch inputs that agree on the batch size.
Status verifyCommon(const StepSignature &signature) {
  if (Status status = verifyEntries(signature.args, /*arguments=*/true);
      !status.ok())
    return status;
  if (Status status = verifyEntries(signature.results, /*arguments=*/false);
      !status.ok())
    return status;
  if (signature.argsWithRole(Role::Param).empty())
    return Status::error("the step has no parameters");
  std::vector<size_t> sampled = signature.sampledInputs();
  if (sampled.empty())
    return Status::error("the step has no batch input with a batch dim");
  for (size_t index : sampled) {
    const TensorSpec &input = signature.args[index];
    const TensorSpec &first = signature.args[sampled.front()];
    if (input.shape.front() != first.shape.front())
      return Status::error(input.describe() + " has batch size " +
                           std::to_string(input.shape.front()) + " but " +
                           first.describe() + " has " +
                           std::to_string(first.shape.front()));
  }
  return Status::success();
}

/// A gradient function: parameters, buffers and batch in; the loss, at most one
/// unrounded loss and one gradient per parameter, of its type, out.
Status verifyGradientFunction(const StepSignature &signature) {
  for (const TensorSpec &arg : signature.args)
    if (arg.role != Role::Param && arg.role != Role::Buffer &&
        arg.role != Role::Batch)
      return Status::error("a gradient function takes parameters, buffers "
                           "and batch inputs only, found " +
                           arg.describe());
  for (const TensorSpec &result : signature.results) {
    if (result.role != Role::Loss && result.role != Role::UnroundedLoss &&
        result.role != Role::Grad)
      return Status::error("a gradient function returns the loss and "
                           "gradients only, found " +
                           result.describe());
    if (result.role != Role::Grad)
      continue;
    std::optional<size_t> param = signature.findArg(Role::Param, result.name);
    if (!param)
      return Status::error(result.describe() + " names no parameter");
    if (!sameType(signature.args[*param], result))
      return Status::error(result.describe() + " must have the type of " +
                           signature.args[*param].describe());
  }
  for (size_t index : signature.argsWithRole(Role::Param))
    if (!signature.findResult(Role::Grad, signature.args[index].name))
      return Status::error("the gradient function returns no gradient of " +
                           signature.args[index].describe());
  if (!signature.findResult(Role::Loss))
    return Status::error("the gradient function returns no loss");
  return Status::success();
}
} // namespace

namespace {
/// An evaluation function: parameters, buffers and batch in; the loss of each
/// sample, the prediction and the target, with rows of their own, out.
Status verifyEvaluationFunction(const StepSignature &signature) {
  for (const TensorSpec &arg : signature.args)
    if (arg.role != Role::Param && arg.role != Role::Buffer &&
        arg.role != Role::Batch)
      return Status::error("an evaluation function takes parameters, "
                           "buffers and batch inputs only, found " +
                           arg.describe());
  std::optional<size_t> losses = signature.findResult(Role::SampleLoss);
  std::optional<size_t> prediction = signature.findResult(Role::Prediction);
  std::optional<size_t> target = signature.findResult(Role::Target);
  if (!losses || !prediction || !target || signature.results.size() != 3)
    return Status::error("an evaluation function returns a sample_loss, a "
                         "prediction and a target, and nothing else");
  const TensorSpec &lossSpec = signature.results[*losses];
  if (lossSpec.dtype != DType::F32 ||
      lossSpec.shape != std::vector<int64_t>{signature.batchSize()})
    return Status::error(lossSpec.describe() + " must be one f32 per sample (" +
                         std::to_string(signature.batchSize()) + "xf32)");
  const TensorSpec &predictionSpec = signature.results[*prediction];
  const TensorSpec &targetSpec = signature.results[*target];
  if (predictionSpec.shape.empty() || targetSpec.shape.empty() ||
      predictionSpec.shape.front() != targetSpec.shape.front() ||
      !isFloatDType(predictionSpec.dtype))
    return Status::error(predictionSpec.describe() + " and " +
                         targetSpec.describe() +
                         " must be a float prediction and a target with as "
                         "many rows");
  return Status::success();
}
} // namespace

const char *mpt::runtime::roleName(Role role) { return info(role).name; }

std::optional<Role> mpt::runtime::parseRole(std::string_view name) {
  for (const RoleInfo &candidate : kRoles)
    if (name == candidate.name)
      return candidate.role;
  return std::nullopt;
}

bool mpt::runtime::isStateRole(Role role) { return info(role).state; }
bool mpt::runtime::isNamedRole(Role role) { return info(role).named; }

namespace {
constexpr std::pair<ParamInit, const char *> kParamInits[] = {
    {ParamInit::FanInUniform, "fan_in_uniform"},
    {ParamInit::Zeros, "zeros"},
    {ParamInit::Ones, "ones"},
};
} // namespace

const char *mpt::runtime::paramInitName(ParamInit init) {
  return kParamInits[static_cast<size_t>(init)].second;
}

std::optional<ParamInit> mpt::runtime::parseParamInit(std::string_view name) {
  for (const auto &[init, spelling] : kParamInits)
    if (name == spelling)
      return init;
  return std::nullopt;
}

ParamInit mpt::runtime::defaultParamInit(const std::vector<int64_t> &shape) {
  return shape.size() >= 2 ? ParamInit::FanInUniform : ParamInit::Zeros;
}

std::string OptimizerConfig::describe() const {
  if (kind.empty())
    return "none";
  std::string text = kind + "(";
  for (size_t i = 0, e = hyperparameters.size(); i < e; ++i) {
    char value[32];
    std::snprintf(value, sizeof(value), "%g", hyperparameters[i].second);
    text += (i ? ", " : "") + hyperparameters[i].first + "=" + value;
  }
  return text + ")";
}

int64_t TensorSpec::numElements() const {
  std::optional<int64_t> count = elementCount(shape);
  if (!count)
    exitWithError(
        ("internal error: the element count of " + describe() + " overflows")
            .c_str());
  return *count;
}

size_t TensorSpec::byteSize() const {
  std::optional<int64_t> bytes = tensorByteSize(shape, dtype);
  if (!bytes)
    exitWithError(
        ("internal error: the byte size of " + describe() + " overflows")
            .c_str());
  return static_cast<size_t>(*bytes);
}

std::optional<int64_t> LossScaleConfig::nonfiniteStepsToCollapse() const {
  if (mode != LossScaleMode::Dynamic)
    return std::nullopt;
  // From the largest f32 scale to 0, a back-off by 0.99999 takes about 9
  // million steps: a factor that needs more never collapses in practice.
  constexpr int64_t kMostBackoffs = int64_t(1) << 24;
  auto scale = static_cast<float>(init);
  for (int64_t backoffs = 1; backoffs <= kMostBackoffs; ++backoffs) {
    auto next = static_cast<float>(scale * backoffFactor);
    if (next < minScale)
      return checkedMul(backoffs, std::max<int64_t>(hysteresis, 1))
          .value_or(INT64_MAX);
    if (next == scale)
      return std::nullopt;
    scale = next;
  }
  return std::nullopt;
}

std::string TensorSpec::typeString() const {
  if (shape.empty())
    return dtypeName(dtype);
  return formatShape(shape.data(), shape.size()) + "x" + dtypeName(dtype);
}

std::string TensorSpec::describe() const {
  std::string text = roleName(role);
  if (!name.empty())
    text += " '" + name + "'";
  return text + " (" + typeString() + ")";
}

Status StepSignature::verify() const {
  if (Status status = verifyCommon(*this); !status.ok())
    return status;
  if (kind == StepKind::Gradient)
    return verifyGradientFunction(*this);
  if (kind == StepKind::Evaluation)
    return verifyEvaluationFunction(*this);

  // State flows through: each state argument has its result and back.
  for (const TensorSpec &arg : args) {
    if (!isStateRole(arg.role))
      continue;
    std::optional<size_t> result = findResult(arg.role, arg.name);
    if (!result)
      return Status::error("state argument " + arg.describe() +
                           " has no result that replaces it");
    if (!sameType(arg, results[*result]))
      return Status::error("state argument " + arg.describe() +
                           " is replaced by a result of type " +
                           results[*result].typeString());
  }
  for (const TensorSpec &result : results)
    if (isStateRole(result.role) && !findArg(result.role, result.name))
      return Status::error("state result " + result.describe() +
                           " replaces no argument");

  // Optimizer state and gradients belong to a parameter of their type.
  for (const std::vector<TensorSpec> *side : {&args, &results})
    for (const TensorSpec &spec : *side) {
      if (spec.role != Role::Velocity && spec.role != Role::AdamM &&
          spec.role != Role::AdamV && spec.role != Role::GradAccumulator &&
          spec.role != Role::Grad)
        continue;
      std::optional<size_t> param = findArg(Role::Param, spec.name);
      if (!param)
        return Status::error(spec.describe() + " names no parameter");
      if (args[*param].shape != spec.shape)
        return Status::error(spec.describe() + " must have the shape of " +
                             args[*param].describe());
    }

  if (!findResult(Role::Loss))
    return Status::error("the step returns no loss");
  if (!findResult(Role::Overflow))
    return Status::error("the step returns no overflow flag");

  bool hasScale = findArg(Role::LossScale).has_value();
  bool hasDynamicState = findArg(Role::GoodSteps) &&
                         findArg(Role::HysteresisLeft) &&
                         findResult(Role::ScaleCollapsed);
  bool consistent = false;
  switch (lossScale.mode) {
  case LossScaleMode::None:
    consistent = !hasScale && !findArg(Role::GoodSteps);
    break;
  case LossScaleMode::Static:
    consistent = hasScale && !findArg(Role::GoodSteps);
    break;
  case LossScaleMode::Dynamic:
    consistent = hasScale && hasDynamicState;
    break;
  }
  if (!consistent)
    return Status::error(
        "the loss-scale state does not match the loss-scale mode: a dynamic "
        "scale needs loss_scale, good_steps and hysteresis_left arguments "
        "and a scale_collapsed result, a static one only loss_scale, and "
        "none neither");
  return Status::success();
}

size_t StepSignature::resultForArg(size_t argIndex) const {
  return *findResult(args[argIndex].role, args[argIndex].name);
}

std::optional<size_t> StepSignature::findArg(Role role,
                                             std::string_view name) const {
  return find(args, role, name);
}

std::optional<size_t> StepSignature::findResult(Role role,
                                                std::string_view name) const {
  return find(results, role, name);
}

std::vector<size_t> StepSignature::argsWithRole(Role role) const {
  std::vector<size_t> indices;
  for (size_t i = 0, e = args.size(); i < e; ++i)
    if (args[i].role == role)
      indices.push_back(i);
  return indices;
}

std::vector<size_t> StepSignature::sampledInputs() const {
  std::vector<size_t> indices;
  for (size_t index : argsWithRole(Role::Batch))
    if (!args[index].shape.empty())
      indices.push_back(index);
  return indices;
}

std::vector<size_t> StepSignature::scalarInputs() const {
  std::vector<size_t> indices;
  for (size_t index : argsWithRole(Role::Batch))
    if (args[index].shape.empty())
      indices.push_back(index);
  return indices;
}

int64_t StepSignature::batchSize() const {
  return args[sampledInputs().front()].shape.front();
}
