//===- ExpandTrainStep.cpp - mpt.train_step to a step function ------------===//
//
// A training step is a description: forward region, loss, optimizer and
// loss-scale policy. This file turns it into the function a runtime calls
// once per step, with the gradient, the loss scaling, the overflow guard and
// the optimizer update written out as ops.
//
//===----------------------------------------------------------------------===//

#include "mpt/Transforms/Passes.h"

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
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
  // Gradient accumulation over micro-batches (accumulate > 1).
  SmallVector<unsigned> gradAccumulators;
  std::optional<unsigned> microStep;
  std::optional<unsigned> scale, goodSteps, hysteresisLeft;
  // The counter that selects the dropout masks and random numbers, when the
  // step has random ops.
  std::optional<unsigned> dropoutStep;
  // State the forward pass updates without training it (running
  // statistics).
  SmallVector<unsigned> buffers;
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

/// True when `step` has a random op (dropout, random numbers) that needs
/// the step's counter.
bool hasDropout(TrainStepOp step) {
  return step.getBodyBlock()
      .walk([](CountedRandomOpInterface op) {
        return op.getStepMutable().empty() ? WalkResult::interrupt()
                                           : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Lays out the step function's arguments: params, optimizer state,
/// loss-scale state, dropout counter, buffers, batch.
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
  if (step.getAccumulate() > 1) {
    for (BlockArgument param : step.getParams())
      state.gradAccumulators.push_back(sig.addArg(
          param.getType(),
          role("grad_accumulator",
               b.getStringAttr(step.getArgName(param.getArgNumber())))));
    state.microStep =
        sig.addArg(b.getI32Type(), role("micro_step", b.getUnitAttr()));
  }
  if (mode != LossScaleMode::None)
    state.scale =
        sig.addArg(b.getF32Type(), role("loss_scale", b.getUnitAttr()));
  if (mode == LossScaleMode::Dynamic) {
    state.goodSteps =
        sig.addArg(b.getI32Type(), role("good_steps", b.getUnitAttr()));
    state.hysteresisLeft =
        sig.addArg(b.getI32Type(), role("hysteresis_left", b.getUnitAttr()));
  }
  if (hasDropout(step))
    state.dropoutStep =
        sig.addArg(b.getI32Type(), role("dropout_step", b.getUnitAttr()));
  for (BlockArgument buffer : step.getBuffers())
    state.buffers.push_back(sig.addArg(
        buffer.getType(), role("buffer", b.getStringAttr(step.getArgName(
                                             buffer.getArgNumber())))));
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

/// Writes the part of the step function after the forward pass: gradient,
/// loss scaling, accumulation, guard, optimizer and loss-scale updates, and
/// the return.
class StepBuilder {
public:
  StepBuilder(OpBuilder &b, Location loc, TrainStepOp step,
              const StateArgs &state, Block &entry, LossScaleAttr lossScale)
      : b(b), loc(loc), step(step), state(state), entry(entry),
        lossScale(lossScale) {}

  void build(Value loss, ValueRange bufferUpdates) {
    SmallVector<Value> grads = buildUnscaledGradients(loss);
    Value apply = accumulate(grads);
    Value finite = AllFiniteOp::create(b, loc, grads).getFinite();
    Value overflow = logicalNot(finite);
    // A step skips the update on overflow, and between micro-batches.
    Value skip = apply
                     ? arith::OrIOp::create(b, loc, overflow, logicalNot(apply))
                           .getResult()
                     : overflow;

    Value adamStep;
    if (state.adamStep) {
      Value current = arg(*state.adamStep);
      adamStep = arith::AddIOp::create(b, loc, current, constantI32(1));
      nextAdamStep = arith::SelectOp::create(b, loc, skip, current, adamStep);
    }
    SmallVector<Value> results = buildOptimizerUpdates(
        b, loc, step.getOptimizer(), state, entry, grads, skip, adamStep);
    if (nextAdamStep)
      results.push_back(nextAdamStep);
    llvm::append_range(results, nextAccumulators);
    if (nextMicroStep)
      results.push_back(nextMicroStep);
    Value collapsed = updateLossScale(finite, apply, results);
    // Every call draws new masks, skipped steps and micro-batches too; the
    // counter wraps around after 2^32 calls.
    if (state.dropoutStep)
      results.push_back(arith::AddIOp::create(b, loc, arg(*state.dropoutStep),
                                              constantI32(1)));
    // Buffers move with every forward pass, as PyTorch's do, whether the
    // update applies or not.
    llvm::append_range(results, bufferUpdates);
    // The overflow flag reports skipped updates, not skipped micro-batches.
    results.append(
        {loss, apply
                   ? arith::AndIOp::create(b, loc, apply, overflow).getResult()
                   : overflow});
    if (collapsed)
      results.push_back(collapsed);
    func::ReturnOp::create(b, loc, results);
  }

private:
  Value arg(unsigned index) { return entry.getArgument(index); }
  Value constantI32(int64_t value) {
    return arith::ConstantIntOp::create(b, loc, value, 32);
  }
  Value logicalNot(Value flag) {
    Value trueValue = arith::ConstantIntOp::create(b, loc, 1, 1);
    return arith::XOrIOp::create(b, loc, flag, trueValue);
  }
  Value select(Value cond, Value ifTrue, Value ifFalse) {
    return arith::SelectOp::create(b, loc, cond, ifTrue, ifFalse);
  }

  /// d(loss * scale)/dparams / scale, or d loss/dparams without scaling.
  SmallVector<Value> buildUnscaledGradients(Value loss) {
    SmallVector<Value> params = llvm::map_to_vector(
        state.params, [&](unsigned slot) { return arg(slot); });
    Value scale = state.scale ? arg(*state.scale) : Value();
    Value differentiated =
        scale ? ScaleLossOp::create(b, loc, loss, scale).getResult() : loss;
    ValueRange grads =
        GradientOp::create(b, loc, differentiated, params).getGrads();
    if (scale)
      grads = UnscaleOp::create(b, loc, grads, scale).getResults();
    return llvm::to_vector(grads);
  }

  /// With accumulate(K): adds `grads` to the f32 accumulators, replaces them
  /// by the mean over the K micro-batches, and returns the flag that is true
  /// on the K-th micro-batch, when the update applies. Null when K is 1.
  Value accumulate(SmallVectorImpl<Value> &grads) {
    if (!state.microStep)
      return {};
    int64_t count = step.getAccumulate();
    Value micro =
        arith::AddIOp::create(b, loc, arg(*state.microStep), constantI32(1));
    Value apply = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, micro,
                                        constantI32(count));
    SmallVector<Value> sums;
    for (auto [grad, slot] : llvm::zip(grads, state.gradAccumulators))
      sums.push_back(AddOp::create(b, loc, grad.getType(), arg(slot), grad));
    Value countValue = arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(static_cast<float>(count)));
    ValueRange means = UnscaleOp::create(b, loc, sums, countValue).getResults();
    for (auto [sum, mean] : llvm::zip(sums, means)) {
      auto type = cast<RankedTensorType>(sum.getType());
      Value zeros = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
      nextAccumulators.push_back(select(apply, zeros, sum));
    }
    nextMicroStep = select(apply, constantI32(0), micro);
    grads.assign(means.begin(), means.end());
    return apply;
  }

  /// Appends the next loss-scale state to `results` and returns the
  /// collapse flag (null without a dynamic scale). With accumulation the
  /// state only moves when the update applies.
  Value updateLossScale(Value finite, Value apply,
                        SmallVectorImpl<Value> &results) {
    if (!state.scale)
      return {};
    Value scale = arg(*state.scale);
    if (!state.goodSteps) {
      results.push_back(scale);
      return {};
    }
    Value goodSteps = arg(*state.goodSteps);
    Value hysteresis = arg(*state.hysteresisLeft);
    auto update = UpdateLossScaleOp::create(b, loc, scale, goodSteps,
                                            hysteresis, finite, lossScale);
    if (!apply) {
      results.append({update.getNewScale(), update.getNewGoodSteps(),
                      update.getNewHysteresisLeft()});
      return update.getCollapsed();
    }
    results.append({select(apply, update.getNewScale(), scale),
                    select(apply, update.getNewGoodSteps(), goodSteps),
                    select(apply, update.getNewHysteresisLeft(), hysteresis)});
    return arith::AndIOp::create(b, loc, apply, update.getCollapsed());
  }

  OpBuilder &b;
  Location loc;
  TrainStepOp step;
  const StateArgs &state;
  Block &entry;
  LossScaleAttr lossScale;
  SmallVector<Value> nextAccumulators;
  Value nextAdamStep, nextMicroStep;
};

/// The optimizer updates master weights in f32 or f64, and `mpt.unscale`,
/// which loss scaling and gradient accumulation use, works in f32 only.
/// Checked before anything is built, so that a step the function cannot
/// hold is reported at the step rather than as invalid IR.
LogicalResult checkParameterTypes(TrainStepOp step, LossScaleMode mode) {
  bool unscales = mode != LossScaleMode::None || step.getAccumulate() > 1;
  for (BlockArgument param : step.getParams()) {
    Type element = getElementTypeOrSelf(param.getType());
    if (element.isF32() || (element.isF64() && !unscales))
      continue;
    InFlightDiagnostic diag = step.emitOpError()
                              << "parameter '"
                              << step.getArgName(param.getArgNumber())
                              << "' has type " << param.getType() << ", but ";
    if (element.isF64())
      return diag << "with loss scaling or gradient accumulation parameters "
                     "must be f32 (gradients are unscaled and averaged in "
                     "f32)";
    return diag << "the optimizer updates f32 or f64 master weights (keep "
                   "parameters f32: --mpt-auto-mixed-precision casts them "
                   "for the forward ops)";
  }
  return success();
}

/// Replaces `step` by its step function, with the loss-scale policy of the
/// step's `loss_scale` attribute (none without one).
LogicalResult expandTrainStep(TrainStepOp step) {
  LossScaleAttr lossScale = step.getLossScaleAttr();
  LossScaleMode mode = lossScale ? lossScale.getMode() : LossScaleMode::None;
  if (failed(checkParameterTypes(step, mode)))
    return failure();
  StepSignature sig;
  StateArgs state = buildArguments(step, mode, sig);
  Location loc = step.getLoc();
  MLIRContext *ctx = step.getContext();
  OpBuilder b(step);
  auto role = [&](StringRef name, Attribute value = {}) {
    return b.getNamedAttr(("mpt." + name).str(),
                          value ? value : b.getUnitAttr());
  };

  // Every piece of state comes back, in argument order.
  for (auto [slot, attrs] : llvm::enumerate(sig.argAttrs))
    if (!llvm::is_contained(state.batch, slot))
      sig.addResult(sig.argTypes[slot], attrs.getValue().front());
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
  if (step.getAccumulate() > 1)
    func->setAttr("mpt.accumulate", step.getAccumulateAttr());
  Block *entry = func.addEntryBlock();
  // Name the arguments after their role so that
  // --mlir-use-nameloc-as-prefix prints %w1 rather than %arg0.
  for (auto [arg, attrs] : llvm::zip(entry->getArguments(), sig.argAttrs)) {
    NamedAttribute role = attrs.getValue().front();
    std::string name = role.getName().getValue().drop_front(4).str();
    if (auto str = dyn_cast<StringAttr>(role.getValue()))
      name = role.getName().getValue() == "mpt.param" ||
                     role.getName().getValue() == "mpt.buffer" ||
                     role.getName().getValue() == "mpt.batch"
                 ? str.str()
                 : name + "_" + str.str();
    arg.setLoc(NameLoc::get(b.getStringAttr(name), loc));
  }

  // Move the forward ops over, reading the step function's arguments.
  Block &body = step.getBodyBlock();
  for (auto [index, slot] : llvm::enumerate(state.params))
    body.getArgument(index).replaceAllUsesWith(entry->getArgument(slot));
  for (auto [buffer, slot] : llvm::zip(step.getBuffers(), state.buffers))
    BlockArgument(buffer).replaceAllUsesWith(entry->getArgument(slot));
  for (auto [input, slot] : llvm::zip(step.getBatch(), state.batch))
    BlockArgument(input).replaceAllUsesWith(entry->getArgument(slot));
  LossOp lossOp = step.getLossOp();
  Value loss = lossOp.getLoss();
  SmallVector<Value> bufferUpdates(lossOp.getBufferUpdates());
  lossOp.erase();
  entry->getOperations().splice(entry->end(), body.getOperations());
  if (state.dropoutStep)
    entry->walk([&](CountedRandomOpInterface op) {
      if (op.getStepMutable().empty())
        op.getStepMutable().assign(entry->getArgument(*state.dropoutStep));
    });

  b.setInsertionPointToEnd(entry);
  StepBuilder builder(b, loc, step, state, *entry, lossScale);
  builder.build(loss, bufferUpdates);
  step.erase();
  return success();
}

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
