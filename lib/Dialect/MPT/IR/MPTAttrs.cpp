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
/// Checks the parameters of one attribute and reports the first broken rule
/// as "#mpt.<attr> <param> must be <rule>, found <value>".
class ParamChecker {
public:
  ParamChecker(function_ref<InFlightDiagnostic()> emitError, StringRef attr)
      : emitError(emitError), attr(attr) {}

  /// A float parameter: finite, and `ok` (the rule on its value).
  void check(StringRef name, const APFloat &value, bool ok, StringRef rule) {
    if (failed)
      return;
    if (!value.isFinite()) {
      report(name, "finite") << (value.isNaN()        ? "nan"
                                 : value.isNegative() ? "-inf"
                                                      : "inf");
      return;
    }
    if (!ok)
      report(name, rule) << value.convertToDouble();
  }

  /// A loss-scale value: held in f32 by the step, so it must fit one.
  void checkF32(StringRef name, const APFloat &value, bool ok, StringRef rule) {
    check(name, value, ok, rule);
    if (failed)
      return;
    APFloat asF32 = value;
    bool losesInfo;
    asF32.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    if (asF32.isInfinity())
      report(name, "at most the largest f32 (3.402823e+38)")
          << value.convertToDouble();
  }

  void check(StringRef name, int64_t value, bool ok, StringRef rule) {
    if (!failed && !ok)
      report(name, rule) << value;
  }

  LogicalResult result() const { return failure(failed); }

private:
  InFlightDiagnostic report(StringRef name, StringRef rule) {
    failed = true;
    return emitError() << "#mpt." << attr << " " << name << " must be " << rule
                       << ", found ";
  }

  function_ref<InFlightDiagnostic()> emitError;
  StringRef attr;
  bool failed = false;
};

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
  ParamChecker checker(emitError, "sgd");
  checker.check("lr", lr, isAboveZero(lr), "> 0");
  checker.check("weight_decay", weightDecay, isZeroOrAbove(weightDecay),
                ">= 0");
  return checker.result();
}

LogicalResult MomentumAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   APFloat lr, APFloat momentum,
                                   APFloat weightDecay) {
  ParamChecker checker(emitError, "momentum");
  checker.check("lr", lr, isAboveZero(lr), "> 0");
  checker.check("momentum", momentum, isDecayFactor(momentum), "in [0, 1)");
  checker.check("weight_decay", weightDecay, isZeroOrAbove(weightDecay),
                ">= 0");
  return checker.result();
}

LogicalResult AdamAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat lr, APFloat beta1, APFloat beta2,
                               APFloat epsilon, APFloat weightDecay) {
  ParamChecker checker(emitError, "adam");
  checker.check("lr", lr, isAboveZero(lr), "> 0");
  checker.check("beta1", beta1, isDecayFactor(beta1), "in [0, 1)");
  checker.check("beta2", beta2, isDecayFactor(beta2), "in [0, 1)");
  checker.check("epsilon", epsilon, isAboveZero(epsilon), "> 0");
  checker.check("weight_decay", weightDecay, isZeroOrAbove(weightDecay),
                ">= 0");
  return checker.result();
}

LogicalResult
LossScaleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      LossScaleMode mode, APFloat init, APFloat growthFactor,
                      APFloat backoffFactor, int64_t growthInterval,
                      int64_t hysteresis, APFloat minScale, APFloat maxScale) {
  ParamChecker checker(emitError, "loss_scale");
  checker.checkF32("init", init, isAboveZero(init), "> 0");
  checker.check("growth_factor", growthFactor,
                growthFactor.convertToDouble() > 1.0, "> 1");
  checker.check("backoff_factor", backoffFactor,
                isAboveZero(backoffFactor) &&
                    backoffFactor.convertToDouble() < 1.0,
                "in (0, 1)");
  // Both are compared with i32 counters of the step's state.
  auto isCount = [](int64_t value) {
    return value >= 1 && value <= std::numeric_limits<int32_t>::max();
  };
  checker.check("growth_interval", growthInterval, isCount(growthInterval),
                "in [1, 2147483647]");
  checker.check("hysteresis", hysteresis, isCount(hysteresis),
                "in [1, 2147483647]");
  checker.checkF32("min_scale", minScale, isAboveZero(minScale), "> 0");
  checker.checkF32("max_scale", maxScale,
                   maxScale.convertToDouble() >= minScale.convertToDouble(),
                   ">= min_scale");
  // Only a dynamic scale moves between the bounds; a static one may sit
  // anywhere.
  if (mode == LossScaleMode::Dynamic)
    checker.check("init", init,
                  init.convertToDouble() >= minScale.convertToDouble() &&
                      init.convertToDouble() <= maxScale.convertToDouble(),
                  "within [min_scale, max_scale] for a dynamic scale");
  return checker.result();
}
