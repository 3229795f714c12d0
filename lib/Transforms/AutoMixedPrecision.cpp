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

struct AutoMixedPrecisionPass
    : mpt::impl::AutoMixedPrecisionBase<AutoMixedPrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    PrecisionPolicy precision;
    LossScalePolicy scaling;
    if (failed(buildPrecisionPolicy(precision)) ||
        failed(buildLossScalePolicy(scaling)))
      return signalPassFailure();
    SmallVector<TrainStepOp> steps(getOperation().getOps<TrainStepOp>());
    for (TrainStepOp step : steps)
      if (failed(convertStep(step, precision, scaling)))
        return signalPassFailure();
  }

  LogicalResult convertStep(TrainStepOp step, const PrecisionPolicy &precision,
                            const LossScalePolicy &scaling) {
    PrecisionPainter painter(step, precision);
    if (failed(painter.classifyOps()))
      return failure();
    painter.propagateDenyTaint();
    painter.propagateLowPrecision();
    if (painter.countConversions() == 0) {
      if (report)
        step.emitRemark() << "step left unchanged: no f32 op can run in "
                          << computeType
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

  LogicalResult buildPrecisionPolicy(PrecisionPolicy &policy) {
    MLIRContext *ctx = &getContext();
    if (computeType == "f16")
      policy.lowType = Float16Type::get(ctx);
    else if (computeType == "bf16")
      policy.lowType = BFloat16Type::get(ctx);
    else
      return emitError(UnknownLoc::get(ctx))
             << "compute-type must be f16 or bf16, found '" << computeType
             << "'";
    return addClassOverrides(policy);
  }

  LogicalResult addClassOverrides(PrecisionPolicy &policy) {
    MLIRContext *ctx = &getContext();
    auto apply = [&](ArrayRef<std::string> names, StringRef option,
                     PrecisionClass cls) -> LogicalResult {
      for (const std::string &raw : names) {
        std::string name = StringRef(raw).contains('.') ? raw : "mpt." + raw;
        std::optional<RegisteredOperationName> opName =
            RegisteredOperationName::lookup(name, ctx);
        if (!opName || !opName->hasInterface<PrecisionClassOpInterface>())
          return emitError(UnknownLoc::get(ctx))
                 << option << ": '" << raw
                 << "' is not an op with a precision class";
        policy.classOverrides[name] = cls;
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

  LogicalResult buildLossScalePolicy(LossScalePolicy &policy) {
    MLIRContext *ctx = &getContext();
    Location loc = UnknownLoc::get(ctx);
    policy.preferStepLossScale =
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
        return emitError(loc) << "loss-scale=static:<value> needs a positive "
                                 "number, found '"
                              << spec << "'";
    } else {
      return emitError(loc) << "loss-scale must be dynamic, static:<value> or "
                               "none, found '"
                            << spec << "'";
    }
    if (mode == LossScaleMode::None)
      return success();
    auto diag = [&]() -> InFlightDiagnostic {
      return emitError(loc) << "invalid loss-scale option: ";
    };
    policy.lossScale = LossScaleAttr::getChecked(
        diag, ctx, mode, APFloat(init), APFloat(double(growthFactor)),
        APFloat(double(backoffFactor)), int64_t(growthInterval),
        int64_t(hysteresis), APFloat(double(minScale)),
        APFloat(double(maxScale)));
    return success(static_cast<bool>(policy.lossScale));
  }
};
} // namespace
