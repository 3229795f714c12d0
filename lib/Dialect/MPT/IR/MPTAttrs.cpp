//===- MPTAttrs.cpp - Attributes of the mpt dialect -----------------------===//

#include "mpt/Dialect/MPT/IR/MPTAttrs.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace mlir::mpt;

#include "mpt/Dialect/MPT/IR/MPTEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mpt/Dialect/MPT/IR/MPTAttrs.cpp.inc"

void MPTDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mpt/Dialect/MPT/IR/MPTAttrs.cpp.inc"
      >();
}

namespace {
/// A broken rule of an optimizer attribute, its parameter named as written.
struct NamedViolation {
  StringRef param;
  std::string rule;
  std::optional<APFloat> floatValue;
  int64_t intValue = 0;
};

/// Records the first rule that the parameters of one attribute break.
/// `Violation` is NamedViolation or LossScaleViolation, `Param` its key.
template <typename Violation, typename Param> class RuleChecker {
public:
  /// A float parameter: finite, and `ok` (the rule on its value).
  void check(Param param, const APFloat &value, bool ok, const Twine &rule) {
    if (violation)
      return;
    if (!value.isFinite())
      violation = Violation{param, "finite", value};
    else if (!ok)
      violation = Violation{param, rule.str(), value};
  }

  /// A loss-scale value: held in f32 by the step, so it must fit one.
  void checkF32(Param param, const APFloat &value, bool ok, const Twine &rule) {
    check(param, value, ok, rule);
    if (violation)
      return;
    APFloat asF32 = value;
    bool losesInfo;
    asF32.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    if (asF32.isInfinity())
      violation =
          Violation{param, "at most the largest f32 (3.402823e+38)", value};
  }

  void check(Param param, int64_t value, bool ok, const Twine &rule) {
    if (!violation && !ok)
      violation = Violation{param, rule.str(), std::nullopt, value};
  }

  std::optional<Violation> violation;
};

/// Reports `violation` as "#mpt.<attr> <param> must be <rule>, found
/// <value>".
template <typename Violation>
LogicalResult report(function_ref<InFlightDiagnostic()> emitError,
                     StringRef attr, StringRef param,
                     const std::optional<Violation> &violation) {
  if (!violation)
    return success();
  InFlightDiagnostic diag = emitError()
                            << "#mpt." << attr << " " << param << " must be "
                            << violation->rule << ", found ";
  if (!violation->floatValue)
    diag << violation->intValue;
  else if (violation->floatValue->isNaN())
    diag << "nan";
  else if (violation->floatValue->isInfinity())
    diag << (violation->floatValue->isNegative() ? "-inf" : "inf");
  else
    diag << violation->floatValue->convertToDouble();
  return diag;
}

using OptimizerChecker = RuleChecker<NamedViolation, StringRef>;

LogicalResult report(function_ref<InFlightDiagnostic()> emitError,
                     StringRef attr, const OptimizerChecker &checker) {
  StringRef param = checker.violation ? checker.violation->param : "";
  return report(emitError, attr, param, checker.violation);
}

bool isZeroOrAbove(const APFloat &value) {
  return !value.isNegative() || value.isZero();
}
bool isAboveZero(const APFloat &value) {
  return !value.isNegative() && !value.isZero();
}
/// In [0, 1): the decay factors of momentum and Adam.
bool isDecayFactor(const APFloat &value) {
  return isZeroOrAbove(value) && value.convertToDouble() < 1.0;
}
} // namespace

LogicalResult SGDAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              APFloat lr, APFloat weightDecay) {
  OptimizerChecker checker;
  checker.check("lr", lr, isAboveZero(lr), "> 0");
  checker.check("weight_decay", weightDecay, isZeroOrAbove(weightDecay),
                ">= 0");
  return report(emitError, "sgd", checker);
}

LogicalResult MomentumAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   APFloat lr, APFloat momentum,
                                   APFloat weightDecay) {
  OptimizerChecker checker;
  checker.check("lr", lr, isAboveZero(lr), "> 0");
  checker.check("momentum", momentum, isDecayFactor(momentum), "in [0, 1)");
  checker.check("weight_decay", weightDecay, isZeroOrAbove(weightDecay),
                ">= 0");
  return report(emitError, "momentum", checker);
}

LogicalResult AdamAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat lr, APFloat beta1, APFloat beta2,
                               APFloat epsilon, APFloat weightDecay) {
  OptimizerChecker checker;
  checker.check("lr", lr, isAboveZero(lr), "> 0");
  checker.check("beta1", beta1, isDecayFactor(beta1), "in [0, 1)");
  checker.check("beta2", beta2, isDecayFactor(beta2), "in [0, 1)");
  checker.check("epsilon", epsilon, isAboveZero(epsilon), "> 0");
  checker.check("weight_decay", weightDecay, isZeroOrAbove(weightDecay),
                ">= 0");
  return report(emitError, "adam", checker);
}

StringRef mlir::mpt::getLossScaleParamName(LossScaleParam param) {
  switch (param) {
  case LossScaleParam::Init:
    return "init";
  case LossScaleParam::GrowthFactor:
    return "growth_factor";
  case LossScaleParam::BackoffFactor:
    return "backoff_factor";
  case LossScaleParam::GrowthInterval:
    return "growth_interval";
  case LossScaleParam::Hysteresis:
    return "hysteresis";
  case LossScaleParam::MinScale:
    return "min_scale";
  case LossScaleParam::MaxScale:
    return "max_scale";
  }
  llvm_unreachable("unknown loss-scale parameter");
}

std::optional<LossScaleViolation> mlir::mpt::findLossScaleViolation(
    LossScaleMode mode, const APFloat &init, const APFloat &growthFactor,
    const APFloat &backoffFactor, int64_t growthInterval, int64_t hysteresis,
    const APFloat &minScale, const APFloat &maxScale,
    function_ref<StringRef(LossScaleParam)> nameOf) {
  using P = LossScaleParam;
  RuleChecker<LossScaleViolation, LossScaleParam> checker;
  checker.checkF32(P::Init, init, isAboveZero(init), "> 0");
  checker.check(P::GrowthFactor, growthFactor,
                growthFactor.convertToDouble() > 1.0, "> 1");
  checker.check(P::BackoffFactor, backoffFactor,
                isAboveZero(backoffFactor) &&
                    backoffFactor.convertToDouble() < 1.0,
                "in (0, 1)");
  // Both are compared with i32 counters of the step's state.
  auto isCount = [](int64_t value) {
    return value >= 1 && value <= std::numeric_limits<int32_t>::max();
  };
  checker.check(P::GrowthInterval, growthInterval, isCount(growthInterval),
                "in [1, 2147483647]");
  checker.check(P::Hysteresis, hysteresis, isCount(hysteresis),
                "in [1, 2147483647]");
  checker.checkF32(P::MinScale, minScale, isAboveZero(minScale), "> 0");
  checker.checkF32(P::MaxScale, maxScale,
                   maxScale.convertToDouble() >= minScale.convertToDouble(),
                   ">= " + nameOf(P::MinScale));
  // Only a dynamic scale moves between the bounds; a static one may sit
  // anywhere.
  if (mode == LossScaleMode::Dynamic)
    checker.check(P::Init, init,
                  init.convertToDouble() >= minScale.convertToDouble() &&
                      init.convertToDouble() <= maxScale.convertToDouble(),
                  "within [" + nameOf(P::MinScale) + ", " +
                      nameOf(P::MaxScale) + "] for a dynamic scale");
  return checker.violation;
}

LogicalResult
LossScaleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      LossScaleMode mode, APFloat init, APFloat growthFactor,
                      APFloat backoffFactor, int64_t growthInterval,
                      int64_t hysteresis, APFloat minScale, APFloat maxScale) {
  std::optional<LossScaleViolation> violation =
      findLossScaleViolation(mode, init, growthFactor, backoffFactor,
                             growthInterval, hysteresis, minScale, maxScale);
  StringRef param = violation ? getLossScaleParamName(violation->param) : "";
  return report(emitError, "loss_scale", param, violation);
}
