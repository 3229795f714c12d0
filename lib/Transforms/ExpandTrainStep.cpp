//===- ExpandTrainStep.cpp - mpt.train_step to a step function ------------===//
//
// A training step is a description: forward region, loss, optimizer and
// loss-scale policy. This file turns it into the function a runtime calls
// once per step, with the gradient, the loss scaling, the overflow guard and
// the optimizer update written out as ops.
//
//===----------------------------------------------------------------------===//

#include "mpt/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_EXPANDTRAINSTEP
#include "mpt/Transforms/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The argument and result lists of a step function, with their role
/// attributes, built up in ABI order.
struct StepSignature {
  SmallVector<Type> argTypes, resultTypes;
  SmallVector<DictionaryAttr> argAttrs, resultAttrs;

  unsigned addArg(Type type, NamedAttribute role) {
    argTypes.push_back(type);
    argAttrs.push_back(DictionaryAttr::get(type.getContext(), {role}));
    return argTypes.size() - 1;
  }
  void addResult(Type type, NamedAttribute role) {
    resultTypes.push_back(type);
    resultAttrs.push_back(DictionaryAttr::get(type.getContext(), {role}));
  }
};

/// Where each piece of state lives among the step function's arguments.
struct StateArgs {
  SmallVector<unsigned> params, batch;
  // One list per optimizer state tensor kind (velocity; or m and v).
  SmallVector<SmallVector<unsigned>> optimizerState;
  std::optional<unsigned> adamStep;
  std::optional<unsigned> scale, goodSteps, hysteresisLeft;
};

/// Names of the optimizer state tensors kept per parameter.
SmallVector<StringRef> optimizerStateNames(Attribute optimizer) {
  return llvm::TypeSwitch<Attribute, SmallVector<StringRef>>(optimizer)
      .Case([](MomentumAttr) { return SmallVector<StringRef>{"velocity"}; })
      .Case([](AdamAttr) {
        return SmallVector<StringRef>{"adam_m", "adam_v"};
      })
      .Default([](Attribute) { return SmallVector<StringRef>{}; });
}

/// Lays out the step function's arguments: params, optimizer state,
/// loss-scale state, batch.
StateArgs buildArguments(TrainStepOp step, LossScaleMode mode,
                         StepSignature &sig) {
  Builder b(step.getContext());
  StateArgs state;
  auto role = [&](StringRef name, Attribute value) {
    return b.getNamedAttr(("mpt." + name).str(), value);
  };
  for (BlockArgument param : step.getParams())
    state.params.push_back(sig.addArg(
        param.getType(),
        role("param", b.getStringAttr(step.getArgName(param.getArgNumber())))));
  for (StringRef kind : optimizerStateNames(step.getOptimizer())) {
    SmallVector<unsigned> &slots = state.optimizerState.emplace_back();
    for (BlockArgument param : step.getParams())
      slots.push_back(sig.addArg(
          param.getType(),
          role(kind, b.getStringAttr(step.getArgName(param.getArgNumber())))));
  }
  if (isa<AdamAttr>(step.getOptimizer()))
    state.adamStep =
        sig.addArg(b.getI32Type(), role("adam_step", b.getUnitAttr()));
  if (mode != LossScaleMode::None)
    state.scale =
        sig.addArg(b.getF32Type(), role("loss_scale", b.getUnitAttr()));
  if (mode == LossScaleMode::Dynamic) {
    state.goodSteps =
        sig.addArg(b.getI32Type(), role("good_steps", b.getUnitAttr()));
    state.hysteresisLeft =
        sig.addArg(b.getI32Type(), role("hysteresis_left", b.getUnitAttr()));
  }
  for (BlockArgument input : step.getBatch())
    state.batch.push_back(sig.addArg(
        input.getType(),
        role("batch", b.getStringAttr(step.getArgName(input.getArgNumber())))));
  return state;
}

/// Emits the optimizer update of every parameter; returns the new params
/// followed by the new optimizer state, in argument order.
SmallVector<Value> buildOptimizerUpdates(OpBuilder &b, Location loc,
                                         Attribute optimizer,
                                         const StateArgs &state, Block &entry,
                                         ValueRange grads, Value skip,
                                         Value adamStep) {
  auto arg = [&](unsigned index) -> Value { return entry.getArgument(index); };
  SmallVector<Value> params, stateA, stateB;
  for (unsigned index = 0, e = state.params.size(); index < e; ++index) {
    Value param = arg(state.params[index]), grad = grads[index];
    llvm::TypeSwitch<Attribute>(optimizer)
        .Case([&](SGDAttr config) {
          params.push_back(SGDUpdateOp::create(b, loc, param.getType(), param,
                                               grad, skip, config));
        })
        .Case([&](MomentumAttr config) {
          auto update = MomentumUpdateOp::create(
              b, loc, param.getType(), param.getType(), param,
              arg(state.optimizerState[0][index]), grad, skip, config);
          params.push_back(update.getNewParam());
          stateA.push_back(update.getNewVelocity());
        })
        .Case([&](AdamAttr config) {
          auto update = AdamUpdateOp::create(
              b, loc, param.getType(), param.getType(), param.getType(), param,
              arg(state.optimizerState[0][index]),
              arg(state.optimizerState[1][index]), grad, adamStep, skip,
              config);
          params.push_back(update.getNewParam());
          stateA.push_back(update.getNewM());
          stateB.push_back(update.getNewV());
        });
  }
  llvm::append_range(params, stateA);
  llvm::append_range(params, stateB);
  return params;
}

} // namespace

FailureOr<func::FuncOp> mlir::mpt::expandTrainStep(TrainStepOp step,
                                                   LossScaleAttr lossScale) {
  if (!lossScale)
    lossScale = step.getLossScaleAttr();
  LossScaleMode mode = lossScale ? lossScale.getMode() : LossScaleMode::None;
  if (step.getAccumulate() != 1)
    return step.emitOpError() << "accumulate(" << step.getAccumulate()
                              << ") is not supported by the step expansion yet";

  StepSignature sig;
  StateArgs state = buildArguments(step, mode, sig);
  Location loc = step.getLoc();
  MLIRContext *ctx = step.getContext();
  OpBuilder b(step);
  auto role = [&](StringRef name, Attribute value = {}) {
    return b.getNamedAttr(("mpt." + name).str(),
                          value ? value : b.getUnitAttr());
  };

  // Result layout mirrors the state arguments, then loss and flags.
  for (unsigned slot : state.params)
    sig.addResult(sig.argTypes[slot], sig.argAttrs[slot].getValue().front());
  for (ArrayRef<unsigned> slots : state.optimizerState)
    for (unsigned slot : slots)
      sig.addResult(sig.argTypes[slot], sig.argAttrs[slot].getValue().front());
  for (std::optional<unsigned> slot :
       {state.adamStep, state.scale, state.goodSteps, state.hysteresisLeft})
    if (slot)
      sig.addResult(sig.argTypes[*slot],
                    sig.argAttrs[*slot].getValue().front());
  sig.addResult(b.getF32Type(), role("loss"));
  sig.addResult(b.getI1Type(), role("overflow"));
  if (mode == LossScaleMode::Dynamic)
    sig.addResult(b.getI1Type(), role("scale_collapsed"));

  auto func = func::FuncOp::create(
      b, loc, step.getSymName(),
      FunctionType::get(ctx, sig.argTypes, sig.resultTypes));
  func.setAllArgAttrs(sig.argAttrs);
  func.setAllResultAttrs(sig.resultAttrs);
  func->setAttr("mpt.train_step", b.getUnitAttr());
  func->setAttr("mpt.optimizer", step.getOptimizer());
  if (lossScale)
    func->setAttr("mpt.loss_scale", lossScale);
  Block *entry = func.addEntryBlock();
  // Name the arguments after their role so that
  // --mlir-use-nameloc-as-prefix prints %w1 rather than %arg0.
  for (auto [arg, attrs] : llvm::zip(entry->getArguments(), sig.argAttrs)) {
    NamedAttribute role = attrs.getValue().front();
    std::string name = role.getName().getValue().drop_front(4).str();
    if (auto str = dyn_cast<StringAttr>(role.getValue()))
      name = role.getName().getValue() == "mpt.param" ||
                     role.getName().getValue() == "mpt.batch"
                 ? str.str()
                 : name + "_" + str.str();
    arg.setLoc(NameLoc::get(b.getStringAttr(name), loc));
  }

  // Move the forward ops over, reading the step function's arguments.
  Block &body = step.getBodyBlock();
  for (auto [index, slot] : llvm::enumerate(state.params))
    body.getArgument(index).replaceAllUsesWith(entry->getArgument(slot));
  for (auto [index, slot] : llvm::enumerate(state.batch))
    body.getArgument(state.params.size() + index)
        .replaceAllUsesWith(entry->getArgument(slot));
  LossOp lossOp = step.getLossOp();
  Value loss = lossOp.getLoss();
  lossOp.erase();
  entry->getOperations().splice(entry->end(), body.getOperations());

  b.setInsertionPointToEnd(entry);
  SmallVector<Value> params =
      llvm::map_to_vector(state.params, [&](unsigned slot) -> Value {
        return entry->getArgument(slot);
      });
  Value scale = state.scale ? entry->getArgument(*state.scale) : Value();
  Value differentiated =
      scale ? ScaleLossOp::create(b, loc, loss, scale).getResult() : loss;
  ValueRange grads =
      GradientOp::create(b, loc, differentiated, params).getGrads();
  if (scale)
    grads = UnscaleOp::create(b, loc, grads, scale).getResults();
  Value finite = AllFiniteOp::create(b, loc, grads).getFinite();
  Value trueValue = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value overflow = arith::XOrIOp::create(b, loc, finite, trueValue);

  Value adamStep, nextAdamStep;
  if (state.adamStep) {
    Value current = entry->getArgument(*state.adamStep);
    Value one = arith::ConstantIntOp::create(b, loc, 1, 32);
    adamStep = arith::AddIOp::create(b, loc, current, one);
    nextAdamStep = arith::SelectOp::create(b, loc, overflow, current, adamStep);
  }
  SmallVector<Value> results = buildOptimizerUpdates(
      b, loc, step.getOptimizer(), state, *entry, grads, overflow, adamStep);
  if (nextAdamStep)
    results.push_back(nextAdamStep);
  if (mode == LossScaleMode::Static)
    results.push_back(scale);
  Value collapsed;
  if (mode == LossScaleMode::Dynamic) {
    auto update = UpdateLossScaleOp::create(
        b, loc, scale, entry->getArgument(*state.goodSteps),
        entry->getArgument(*state.hysteresisLeft), finite, lossScale);
    results.append({update.getNewScale(), update.getNewGoodSteps(),
                    update.getNewHysteresisLeft()});
    collapsed = update.getCollapsed();
  }
  results.append({loss, overflow});
  if (collapsed)
    results.push_back(collapsed);
  func::ReturnOp::create(b, loc, results);

  step.erase();
  return func;
}

namespace {
struct ExpandTrainStepPass
    : mpt::impl::ExpandTrainStepBase<ExpandTrainStepPass> {
  void runOnOperation() override {
    SmallVector<TrainStepOp> steps(getOperation().getOps<TrainStepOp>());
    for (TrainStepOp step : steps)
      if (failed(expandTrainStep(step)))
        return signalPassFailure();
  }
};
} // namespace
