//===- StepSignatureJson.cpp - The step signature a runtime reads ---------===//

#include "mpt/Conversion/StepABI/StepSignatureJson.h"

#include "mpt/Dialect/MPT/IR/MPTAttrs.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {
constexpr StringLiteral kOptimizerAttr = "mpt.optimizer";
constexpr StringLiteral kLossScaleAttr = "mpt.loss_scale";

/// `f32`, `bf16`, `i1`, ... as the JSON signature spells element types.
std::string typeName(Type type) {
  std::string name;
  llvm::raw_string_ostream os(name);
  getElementTypeOrSelf(type).print(os);
  return name;
}

double toDouble(const APFloat &value) { return value.convertToDouble(); }

using IndexRange = std::pair<int64_t, int64_t>;

/// The values that every op reading `input` as indices accepts
/// (IndexingOpInterface), followed through the ops that only reshape or repeat
/// it; nothing when no op reads it as indices.
std::optional<IndexRange> validIndexRange(Value input) {
  std::optional<IndexRange> range;
  SmallVector<Value> worklist = {input};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ReshapeOp,
              BroadcastOp>(user)) {
        if (use.getOperandNumber() == 0)
          worklist.push_back(user->getResult(0));
        continue;
      }
      auto indexing = dyn_cast<IndexingOpInterface>(user);
      std::optional<IndexRange> valid =
          indexing ? indexing.getValidIndexRange(use) : std::nullopt;
      if (!valid)
        continue;
      range = range ? IndexRange{std::max(range->first, valid->first),
                                 std::min(range->second, valid->second)}
                    : *valid;
    }
  }
  return range;
}

/// `{"role": "param", "name": "w1", "dtype": "f32", "shape": [4, 8]}` for
/// a value with the attribute `mpt.param = "w1"`, plus `"init"` when the
/// value has an `mpt.param_init`, and `"source_name"` with an
/// `mpt.source_name`.
llvm::json::Object describeValue(Type type, DictionaryAttr attrs) {
  llvm::json::Object object;
  for (NamedAttribute attr :
       attrs ? attrs.getValue() : ArrayRef<NamedAttribute>{}) {
    StringRef name = attr.getName().getValue();
    if (name == kParamInitAttrName) {
      if (auto init = dyn_cast<StringAttr>(attr.getValue()))
        object["init"] = init.str();
      continue;
    }
    if (name == kSourceNameAttrName) {
      if (auto source = dyn_cast<StringAttr>(attr.getValue()))
        object["source_name"] = source.str();
      continue;
    }
    StringRef role = name;
    if (!role.consume_front("mpt.") || object.get("role"))
      continue;
    object["role"] = role.str();
    if (auto value = dyn_cast<StringAttr>(attr.getValue()))
      object["name"] = value.str();
  }
  object["dtype"] = typeName(type);
  llvm::json::Array shape;
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    for (int64_t dim : tensor.getShape())
      shape.push_back(dim);
  object["shape"] = std::move(shape);
  return object;
}

/// describeValue() of argument `index`, with the valid range of an integer
/// batch input that ops read as indices.
llvm::json::Object describeArgument(func::FuncOp step, unsigned index) {
  BlockArgument arg = step.getArgument(index);
  llvm::json::Object object =
      describeValue(arg.getType(), step.getArgAttrDict(index));
  if (!step.getArgAttr(index, "mpt.batch") ||
      !isa<IntegerType>(getElementTypeOrSelf(arg.getType())))
    return object;
  if (std::optional<IndexRange> range = validIndexRange(arg))
    object["index_range"] = llvm::json::Array{range->first, range->second};
  return object;
}

/// The optimizer's kind and every hyperparameter, defaults included.
FailureOr<llvm::json::Value> describeOptimizer(func::FuncOp step) {
  Attribute optimizer = step->getAttr(kOptimizerAttr);
  if (!optimizer)
    return llvm::json::Value(nullptr);
  std::optional<llvm::json::Object> object =
      llvm::TypeSwitch<Attribute, std::optional<llvm::json::Object>>(optimizer)
          .Case([](SGDAttr sgd) {
            return llvm::json::Object{
                {"kind", SGDAttr::getMnemonic()},
                {"lr", toDouble(sgd.getLr())},
                {"weight_decay", toDouble(sgd.getWeightDecay())}};
          })
          .Case([](MomentumAttr momentum) {
            return llvm::json::Object{
                {"kind", MomentumAttr::getMnemonic()},
                {"lr", toDouble(momentum.getLr())},
                {"momentum", toDouble(momentum.getMomentum())},
                {"weight_decay", toDouble(momentum.getWeightDecay())}};
          })
          .Case([](AdamAttr adam) {
            return llvm::json::Object{
                {"kind", AdamAttr::getMnemonic()},
                {"lr", toDouble(adam.getLr())},
                {"beta1", toDouble(adam.getBeta1())},
                {"beta2", toDouble(adam.getBeta2())},
                {"epsilon", toDouble(adam.getEpsilon())},
                {"weight_decay", toDouble(adam.getWeightDecay())}};
          })
          .Default([](Attribute) { return std::nullopt; });
  if (!object)
    return step.emitOpError() << "has the optimizer " << optimizer
                              << ", but the step signature knows "
                                 "#mpt.sgd, #mpt.momentum and #mpt.adam only";
  return llvm::json::Value(std::move(*object));
}

/// The loss-scale policy, every parameter written out.
FailureOr<llvm::json::Value> describeLossScale(func::FuncOp step) {
  Attribute attr = step->getAttr(kLossScaleAttr);
  if (!attr)
    return llvm::json::Value(llvm::json::Object{{"mode", "none"}});
  auto policy = dyn_cast<LossScaleAttr>(attr);
  if (!policy)
    return step.emitOpError() << "has the loss-scale policy " << attr
                              << ", but the step signature needs a "
                                 "#mpt.loss_scale";
  return llvm::json::Value(llvm::json::Object{
      {"mode", stringifyLossScaleMode(policy.getMode())},
      {"init", toDouble(policy.getInit())},
      {"growth_factor", toDouble(policy.getGrowthFactor())},
      {"backoff_factor", toDouble(policy.getBackoffFactor())},
      {"growth_interval", policy.getGrowthInterval()},
      {"hysteresis", policy.getHysteresis()},
      {"min_scale", toDouble(policy.getMinScale())},
      {"max_scale", toDouble(policy.getMaxScale())}});
}
} // namespace

FailureOr<std::string> mlir::mpt::buildStepSignatureJson(func::FuncOp step,
                                                         StringRef entry) {
  FailureOr<llvm::json::Value> optimizer = describeOptimizer(step);
  FailureOr<llvm::json::Value> lossScale = describeLossScale(step);
  if (failed(optimizer) || failed(lossScale))
    return failure();
  llvm::json::Object root;
  root["name"] = step.getSymName().str();
  root["entry"] = entry.str();
  root["optimizer"] = std::move(*optimizer);
  root["loss_scale"] = std::move(*lossScale);
  FunctionType type = step.getFunctionType();
  llvm::json::Array args, results;
  for (unsigned i = 0, e = type.getNumInputs(); i < e; ++i)
    args.push_back(describeArgument(step, i));
  for (unsigned i = 0, e = type.getNumResults(); i < e; ++i)
    results.push_back(
        describeValue(type.getResult(i), step.getResultAttrDict(i)));
  if (step->hasAttr("mpt.scores_classes"))
    root["scores_classes"] = true;
  root["args"] = std::move(args);
  root["results"] = std::move(results);
  std::string json;
  llvm::raw_string_ostream os(json);
  os << llvm::json::Value(std::move(root));
  return json;
}
