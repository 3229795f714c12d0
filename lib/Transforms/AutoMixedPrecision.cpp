//===- AutoMixedPrecision.cpp - Make a training step mixed precision ------===//
//
// The pass reads like the algorithm, one step at a time:
//   1-4. PrecisionPainter     which ops go low precision, and the casts
//   5.   recordLossScale      the loss-scale policy, on the step
// It leaves an mpt.train_step; --mpt-expand-train-step builds the scaled
// loss, the guard and the updates from it.
//
//===----------------------------------------------------------------------===//

#include "PrecisionPainter.h"
#include "mpt/Transforms/Passes.h"

#include "mpt/Dialect/MPT/IR/MPTDialect.h"

#include "llvm/Support/Format.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_AUTOMIXEDPRECISION
#include "mpt/Transforms/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The loss-scale policy the options ask for.
struct LossScalePolicy {
  LossScaleAttr lossScale; // null: no loss scaling
  // No loss-scale option was given: a step's own loss_scale wins.
  bool preferStepLossScale = false;
};

/// Sets the step's `loss_scale` to the policy of the options, unless no
/// loss-scale option was given and the step has a policy of its own.
void recordLossScale(TrainStepOp step, const LossScalePolicy &policy) {
  if (policy.preferStepLossScale && step.getLossScaleAttr())
    return;
  if (policy.lossScale)
    step.setLossScaleAttr(policy.lossScale);
  else
    step.removeLossScaleAttr();
}

/// The option that sets `param` ("growth-factor" for growth_factor).
StringRef optionSetting(LossScaleParam param, LossScaleMode mode) {
  switch (param) {
  case LossScaleParam::Init:
    return mode == LossScaleMode::Static ? "loss-scale=static:<value>"
                                         : "init-scale";
  case LossScaleParam::GrowthFactor:
    return "growth-factor";
  case LossScaleParam::BackoffFactor:
    return "backoff-factor";
  case LossScaleParam::GrowthInterval:
    return "growth-interval";
  case LossScaleParam::Hysteresis:
    return "hysteresis";
  case LossScaleParam::MinScale:
    return "min-scale";
  case LossScaleParam::MaxScale:
    return "max-scale";
  }
  llvm_unreachable("unknown loss-scale parameter");
}

/// A value as the user would write it on the command line.
std::string formatOptionValue(const LossScaleViolation &violation) {
  if (!violation.floatValue)
    return std::to_string(violation.intValue);
  const APFloat &value = *violation.floatValue;
  if (value.isNaN())
    return "nan";
  if (value.isInfinity())
    return value.isNegative() ? "-inf" : "inf";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", value.convertToDouble());
  return text;
}

struct AutoMixedPrecisionPass
    : mpt::impl::AutoMixedPrecisionBase<AutoMixedPrecisionPass> {
  using Base::Base;

  /// Resolves the options once, before any IR is touched: a bad option is
  /// reported as the option it is, not against the user's IR.
  LogicalResult initialize(MLIRContext *context) override {
    if (failed(buildPrecisionPolicy(context)) ||
        failed(buildLossScalePolicy(context)))
      return failure();
    return success();
  }

  void runOnOperation() override {
    SmallVector<TrainStepOp> steps(getOperation().getOps<TrainStepOp>());
    for (TrainStepOp step : steps)
      if (failed(convertStep(step)))
        return signalPassFailure();
  }

  LogicalResult convertStep(TrainStepOp step) {
    PrecisionPainter painter(step, precision);
    if (failed(painter.classifyOps()))
      return failure();
    painter.propagateDenyTaint();
    painter.propagateLowPrecision();
    if (painter.countConversions() == 0) {
      if (report)
        emitRemark(step.getLoc())
            << "step left unchanged: no f32 op can run in " << computeType
            << " (no allow-class op, or all already low "
               "precision)";
      return success();
    }
    unsigned numCasts = painter.insertPrecisionCasts();
    if (report)
      painter.report(numCasts);
    recordLossScale(step, scaling);
    return success();
  }

  /// An error about the options: no location in any file, and the flag the
  /// options were given to first, so the user sees which option is wrong.
  InFlightDiagnostic emitOptionError(MLIRContext *context) {
    StringRef flag = pipelineFlag.empty() ? getArgument() : pipelineFlag;
    return emitError(UnknownLoc::get(context)) << "--" << flag << ": ";
  }

  LogicalResult buildPrecisionPolicy(MLIRContext *context) {
    if (computeType == "f16")
      precision.lowType = Float16Type::get(context);
    else if (computeType == "bf16")
      precision.lowType = BFloat16Type::get(context);
    else
      return emitOptionError(context)
             << "compute-type must be f16 or bf16, found '" << computeType
             << "'";
    return addClassOverrides(context);
  }

  /// The class options, checked against what each op declares: an op whose
  /// precision is fixed (OpTrait::mpt::FixedPrecision) cannot be listed.
  LogicalResult addClassOverrides(MLIRContext *context) {
    auto apply = [&](ArrayRef<std::string> names, StringRef option,
                     PrecisionClass cls) -> LogicalResult {
      for (const std::string &raw : names) {
        std::string name = StringRef(raw).contains('.') ? raw : "mpt." + raw;
        std::optional<RegisteredOperationName> opName =
            RegisteredOperationName::lookup(name, context);
        if (!opName || !opName->hasInterface<PrecisionClassOpInterface>())
          return emitOptionError(context)
                 << option << ": '" << raw
                 << "' is not an op with a precision class";
        if (opName->hasTrait<OpTrait::mpt::FixedPrecision>())
          return emitOptionError(context)
                 << option << ": '" << name
                 << "' has a fixed precision (its result type does not "
                    "follow its operands), so no class option applies to it";
        precision.classOverrides[name] = cls;
      }
      return success();
    };
    // Removal first, so that "remove from deny, add to allow" ends in allow.
    if (failed(apply(allowRemove, "allow-remove", PrecisionClass::Deny)) ||
        failed(apply(inferRemove, "infer-remove", PrecisionClass::Deny)) ||
        failed(apply(clearRemove, "clear-remove", PrecisionClass::Deny)) ||
        failed(apply(denyRemove, "deny-remove", PrecisionClass::Infer)) ||
        failed(apply(allowAdd, "allow-add", PrecisionClass::Allow)) ||
        failed(apply(inferAdd, "infer-add", PrecisionClass::Infer)) ||
        failed(apply(clearAdd, "clear-add", PrecisionClass::Clear)) ||
        failed(apply(denyAdd, "deny-add", PrecisionClass::Deny)))
      return failure();
    return success();
  }

  LogicalResult buildLossScalePolicy(MLIRContext *context) {
    scaling.preferStepLossScale =
        !lossScale.hasValue() && !initScale.hasValue() &&
        !growthFactor.hasValue() && !backoffFactor.hasValue() &&
        !growthInterval.hasValue() && !hysteresis.hasValue() &&
        !minScale.hasValue() && !maxScale.hasValue();
    StringRef spec = lossScale;
    if (spec.empty())
      spec = computeType == "bf16" ? "none" : "dynamic";
    LossScaleMode mode;
    double init = initScale;
    if (spec == "none") {
      mode = LossScaleMode::None;
    } else if (spec == "dynamic") {
      mode = LossScaleMode::Dynamic;
    } else if (spec.consume_front("static:")) {
      mode = LossScaleMode::Static;
      if (spec.getAsDouble(init) || !(init > 0))
        return emitOptionError(context)
               << "loss-scale=static:<value> needs a positive number, found '"
               << spec << "'";
    } else {
      return emitOptionError(context)
             << "loss-scale must be dynamic, static:<value> or none, found '"
             << spec << "'";
    }
    scaling.lossScale = nullptr;
    if (mode == LossScaleMode::None)
      return success();
    APFloat initValue(init), growth(growthFactor.getValue()),
        backoff(backoffFactor.getValue()), min(minScale.getValue()),
        max(maxScale.getValue());
    if (std::optional<LossScaleViolation> violation = findLossScaleViolation(
            mode, initValue, growth, backoff, growthInterval, hysteresis, min,
            max,
            [&](LossScaleParam param) { return optionSetting(param, mode); }))
      return emitOptionError(context)
             << optionSetting(violation->param, mode) << " must be "
             << violation->rule << ", found " << formatOptionValue(*violation);
    scaling.lossScale =
        LossScaleAttr::get(context, mode, initValue, growth, backoff,
                           growthInterval, hysteresis, min, max);
    return success();
  }

  PrecisionPolicy precision;
  LossScalePolicy scaling;
  /// The pipeline this pass runs in, if any (its options are its own).
  std::string pipelineFlag;
};
} // namespace

std::unique_ptr<Pass>
mlir::mpt::createAutoMixedPrecisionInPipeline(StringRef pipelineFlag) {
  auto pass = std::make_unique<AutoMixedPrecisionPass>();
  pass->pipelineFlag = pipelineFlag.str();
  return pass;
}
