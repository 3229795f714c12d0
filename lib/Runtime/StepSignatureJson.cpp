//===- StepSignatureJson.cpp - Decoding the compiler's step signature -----===//
//
// The one decoder of the signature the compiler writes (see
// mpt/Conversion/StepABI/StepSignatureJson.h): mpt-run reads the signature
// of the step it compiles through it, and ahead-of-time trainers read the
// one their object carries.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/StepSignature.h"

#include "Json.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <limits>

using namespace mpt::runtime;

namespace {
Status fieldError(const std::string &field, const std::string &why) {
  return Status::error("'" + field + "' " + why);
}

Expected<std::string> readString(const JsonValue &object,
                                 const std::string &key,
                                 const std::string &where) {
  const JsonValue *value = object.find(key);
  if (!value || value->kind != JsonValue::Kind::String)
    return fieldError(where + key, "must be a string");
  return value->text;
}

/// A policy value that the step keeps in f32 or divides by: finite and
/// positive.
Expected<double> readPositive(const JsonValue &object, const std::string &key,
                              const std::string &where) {
  const JsonValue *value = object.find(key);
  std::optional<double> number = value ? value->asFiniteNumber() : std::nullopt;
  if (!number || !(*number > 0))
    return fieldError(where + key, "must be a finite number > 0");
  return *number;
}

/// A count that the step compares with an i32 counter.
Expected<int64_t> readCount(const JsonValue &object, const std::string &key,
                            const std::string &where) {
  const JsonValue *value = object.find(key);
  std::optional<uint64_t> count = value ? value->asUnsigned() : std::nullopt;
  if (!count || *count < 1 ||
      *count > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
    return fieldError(where + key, "must be an integer in [1, 2147483647]");
  return static_cast<int64_t>(*count);
}

Expected<LossScaleConfig> readLossScale(const JsonValue &root) {
  const JsonValue *policy = root.find("loss_scale");
  if (!policy || policy->kind != JsonValue::Kind::Object)
    return fieldError("loss_scale", "must be an object");
  const std::string where = "loss_scale.";
  Expected<std::string> mode = readString(*policy, "mode", where);
  if (!mode.ok())
    return mode.takeError();
  LossScaleConfig config;
  if (*mode == "none")
    return config;
  if (*mode == "static")
    config.mode = LossScaleMode::Static;
  else if (*mode == "dynamic")
    config.mode = LossScaleMode::Dynamic;
  else
    return fieldError(where + "mode",
                      "must be none, static or dynamic, found '" + *mode + "'");
  for (auto [key, target] : {std::pair{"init", &config.init},
                             std::pair{"growth_factor", &config.growthFactor},
                             std::pair{"backoff_factor", &config.backoffFactor},
                             std::pair{"min_scale", &config.minScale},
                             std::pair{"max_scale", &config.maxScale}}) {
    Expected<double> value = readPositive(*policy, key, where);
    if (!value.ok())
      return value.takeError();
    *target = *value;
  }
  for (auto [key, target] :
       {std::pair{"growth_interval", &config.growthInterval},
        std::pair{"hysteresis", &config.hysteresis}}) {
    Expected<int64_t> value = readCount(*policy, key, where);
    if (!value.ok())
      return value.takeError();
    *target = *value;
  }
  return config;
}

Expected<OptimizerConfig> readOptimizer(const JsonValue &root) {
  const JsonValue *optimizer = root.find("optimizer");
  if (!optimizer || (optimizer->kind != JsonValue::Kind::Null &&
                     optimizer->kind != JsonValue::Kind::Object))
    return fieldError("optimizer", "must be null or an object");
  OptimizerConfig config;
  if (optimizer->kind == JsonValue::Kind::Null)
    return config;
  Expected<std::string> kind = readString(*optimizer, "kind", "optimizer.");
  if (!kind.ok())
    return kind.takeError();
  if (kind->empty())
    return fieldError("optimizer.kind", "must not be empty");
  config.kind = *kind;
  for (const auto &[name, value] : optimizer->members) {
    if (name == "kind")
      continue;
    std::optional<double> number = value.asFiniteNumber();
    if (!number)
      return fieldError("optimizer." + name, "must be a finite number");
    config.hyperparameters.emplace_back(name, *number);
  }
  return config;
}

/// `[lo, hi]`: two integers that fit 64 bits, lo <= hi.
Expected<std::pair<int64_t, int64_t>> readIndexRange(const JsonValue &value,
                                                     const std::string &where) {
  auto integer = [](const JsonValue &item) -> std::optional<int64_t> {
    const std::string &text = item.text;
    size_t digits = !text.empty() && text[0] == '-' ? 1 : 0;
    if (item.kind != JsonValue::Kind::Number || text.size() == digits ||
        text.find_first_not_of("0123456789", digits) != std::string::npos)
      return std::nullopt;
    errno = 0;
    long long parsed = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == ERANGE)
      return std::nullopt;
    return static_cast<int64_t>(parsed);
  };
  std::optional<int64_t> lo, hi;
  if (value.kind == JsonValue::Kind::Array && value.items.size() == 2) {
    lo = integer(value.items[0]);
    hi = integer(value.items[1]);
  }
  if (!lo || !hi || *lo > *hi)
    return fieldError(where, "must be [lo, hi]: two integers, lo <= hi");
  return std::make_pair(*lo, *hi);
}

Expected<TensorSpec> readTensor(const JsonValue &entry,
                                const std::string &where) {
  if (entry.kind != JsonValue::Kind::Object)
    return Status::error(where + " must be an object");
  Expected<std::string> role = readString(entry, "role", where + ".");
  if (!role.ok())
    return role.takeError();
  std::optional<Role> parsedRole = parseRole(*role);
  if (!parsedRole)
    return fieldError(where + ".role", "names no role: '" + *role + "'");
  Expected<std::string> dtype = readString(entry, "dtype", where + ".");
  if (!dtype.ok())
    return dtype.takeError();
  std::optional<DType> parsedType = parseDType(*dtype);
  if (!parsedType)
    return fieldError(where + ".dtype",
                      "names no supported element type: '" + *dtype + "'");
  TensorSpec spec;
  spec.role = *parsedRole;
  spec.dtype = *parsedType;
  if (const JsonValue *name = entry.find("name")) {
    if (name->kind != JsonValue::Kind::String)
      return fieldError(where + ".name", "must be a string");
    spec.name = name->text;
  }
  const JsonValue *shape = entry.find("shape");
  if (!shape || shape->kind != JsonValue::Kind::Array)
    return fieldError(where + ".shape", "must be an array of dims");
  for (const JsonValue &dim : shape->items) {
    std::optional<uint64_t> size = dim.asUnsigned();
    if (!size || *size > static_cast<uint64_t>(INT64_MAX))
      return fieldError(where + ".shape", "dims must be integers >= 0");
    spec.shape.push_back(static_cast<int64_t>(*size));
  }
  // Buffers (running statistics) start at zero unless the compiler says.
  spec.init = spec.role == Role::Buffer ? ParamInit::Zeros
                                        : defaultParamInit(spec.shape);
  if (const JsonValue *init = entry.find("init")) {
    std::optional<ParamInit> parsed = init->kind == JsonValue::Kind::String
                                          ? parseParamInit(init->text)
                                          : std::nullopt;
    if (!parsed)
      return fieldError(where + ".init",
                        "must be fan_in_uniform, zeros or ones");
    if (spec.role != Role::Param && spec.role != Role::Buffer)
      return fieldError(where + ".init", "is for parameters and buffers only");
    spec.init = *parsed;
  }
  if (const JsonValue *source = entry.find("source_name")) {
    if (source->kind != JsonValue::Kind::String || source->text.empty())
      return fieldError(where + ".source_name", "must be a non-empty string");
    if (spec.role != Role::Param && spec.role != Role::Buffer)
      return fieldError(where + ".source_name",
                        "is for parameters and buffers only");
    spec.sourceName = source->text;
  }
  if (const JsonValue *range = entry.find("index_range")) {
    if (spec.role != Role::Batch || isFloatDType(spec.dtype))
      return fieldError(where + ".index_range",
                        "is for integer batch inputs only");
    Expected<std::pair<int64_t, int64_t>> parsed =
        readIndexRange(*range, where + ".index_range");
    if (!parsed.ok())
      return parsed.takeError();
    spec.indexRange = *parsed;
  }
  return spec;
}

Expected<StepSignature> decode(std::string_view json, StepKind kind) {
  Expected<JsonValue> root = parseJson(json);
  if (!root.ok())
    return root.takeError();
  if (root->kind != JsonValue::Kind::Object)
    return Status::error("expected a JSON object");
  StepSignature signature;
  signature.kind = kind;
  Expected<std::string> name = readString(*root, "name", "");
  if (!name.ok())
    return name.takeError();
  Expected<std::string> entry = readString(*root, "entry", "");
  if (!entry.ok())
    return entry.takeError();
  signature.name = *name;
  signature.entry = *entry;
  Expected<OptimizerConfig> optimizer = readOptimizer(*root);
  if (!optimizer.ok())
    return optimizer.takeError();
  signature.optimizer = std::move(*optimizer);
  Expected<LossScaleConfig> lossScale = readLossScale(*root);
  if (!lossScale.ok())
    return lossScale.takeError();
  signature.lossScale = *lossScale;
  if (const JsonValue *scores = root->find("scores_classes")) {
    if (scores->kind != JsonValue::Kind::Bool)
      return fieldError("scores_classes", "must be true or false");
    signature.scoresClasses = scores->boolean;
  }

  for (auto [key, specs] : {std::pair{"args", &signature.args},
                            std::pair{"results", &signature.results}}) {
    const JsonValue *list = root->find(key);
    if (!list || list->kind != JsonValue::Kind::Array)
      return fieldError(key, "must be an array");
    for (const JsonValue &item : list->items) {
      Expected<TensorSpec> spec =
          readTensor(item, key + ("[" + std::to_string(specs->size()) + "]"));
      if (!spec.ok())
        return spec.takeError();
      specs->push_back(std::move(*spec));
    }
  }
  if (Status status = signature.verify(); !status.ok())
    return status;
  return signature;
}
} // namespace

Expected<StepSignature>
mpt::runtime::parseStepSignatureJson(std::string_view json, StepKind kind) {
  Expected<StepSignature> signature = decode(json, kind);
  if (!signature.ok())
    return signature.takeError().withContext("step signature");
  return signature;
}
