//===- MPTAttrs.cpp - Attributes of the mpt dialect -----------------------===//

#include "mpt/Dialect/MPT/IR/MPTAttrs.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

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
/// Emits "<attr> <name> must be <rule>, found <value>" unless `ok`.
LogicalResult check(function_ref<InFlightDiagnostic()> emitError, bool ok,
                    StringRef attr, StringRef name, StringRef rule,
                    double value) {
  if (ok)
    return success();
  return emitError() << "#mpt." << attr << " " << name << " must be " << rule
                     << ", found " << value;
}
} // namespace

LogicalResult SGDAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              APFloat lrValue, APFloat weightDecayValue) {
  double lr = lrValue.convertToDouble();
  double weightDecay = weightDecayValue.convertToDouble();
  return success(
      succeeded(check(emitError, lr > 0, "sgd", "lr", "> 0", lr)) &&
      succeeded(check(emitError, weightDecay >= 0, "sgd", "weight_decay",
                      ">= 0", weightDecay)));
}

LogicalResult
MomentumAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                     APFloat lrValue, APFloat momentumValue,
                     APFloat weightDecayValue) {
  double lr = lrValue.convertToDouble();
  double momentum = momentumValue.convertToDouble();
  double weightDecay = weightDecayValue.convertToDouble();
  return success(
      succeeded(check(emitError, lr > 0, "momentum", "lr", "> 0", lr)) &&
      succeeded(check(emitError, momentum >= 0 && momentum < 1, "momentum",
                      "momentum", "in [0, 1)", momentum)) &&
      succeeded(check(emitError, weightDecay >= 0, "momentum", "weight_decay",
                      ">= 0", weightDecay)));
}

LogicalResult AdamAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat lrValue, APFloat beta1Value,
                               APFloat beta2Value, APFloat epsilonValue,
                               APFloat weightDecayValue) {
  double lr = lrValue.convertToDouble();
  double beta1 = beta1Value.convertToDouble();
  double beta2 = beta2Value.convertToDouble();
  double epsilon = epsilonValue.convertToDouble();
  double weightDecay = weightDecayValue.convertToDouble();
  return success(
      succeeded(check(emitError, lr > 0, "adam", "lr", "> 0", lr)) &&
      succeeded(check(emitError, beta1 >= 0 && beta1 < 1, "adam", "beta1",
                      "in [0, 1)", beta1)) &&
      succeeded(check(emitError, beta2 >= 0 && beta2 < 1, "adam", "beta2",
                      "in [0, 1)", beta2)) &&
      succeeded(
          check(emitError, epsilon > 0, "adam", "epsilon", "> 0", epsilon)) &&
      succeeded(check(emitError, weightDecay >= 0, "adam", "weight_decay",
                      ">= 0", weightDecay)));
}

LogicalResult
LossScaleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      LossScaleMode mode, APFloat initValue,
                      APFloat growthFactorValue, APFloat backoffFactorValue,
                      int64_t growthInterval, int64_t hysteresis,
                      APFloat minScaleValue, APFloat maxScaleValue) {
  double init = initValue.convertToDouble();
  double growthFactor = growthFactorValue.convertToDouble();
  double backoffFactor = backoffFactorValue.convertToDouble();
  double minScale = minScaleValue.convertToDouble();
  double maxScale = maxScaleValue.convertToDouble();
  StringRef attr = "loss_scale";
  return success(
      succeeded(check(emitError, init > 0, attr, "init", "> 0", init)) &&
      succeeded(check(emitError, growthFactor > 1, attr, "growth_factor",
                      "> 1", growthFactor)) &&
      succeeded(check(emitError, backoffFactor > 0 && backoffFactor < 1, attr,
                      "backoff_factor", "in (0, 1)", backoffFactor)) &&
      succeeded(check(emitError, growthInterval >= 1, attr, "growth_interval",
                      ">= 1", growthInterval)) &&
      succeeded(check(emitError, hysteresis >= 1, attr, "hysteresis", ">= 1",
                      hysteresis)) &&
      succeeded(check(emitError, minScale > 0, attr, "min_scale", "> 0",
                      minScale)) &&
      succeeded(check(emitError, maxScale >= minScale, attr, "max_scale",
                      ">= min_scale", maxScale)) &&
      succeeded(check(emitError,
                      mode != LossScaleMode::Dynamic ||
                          (init >= minScale && init <= maxScale),
                      attr, "init", "within [min_scale, max_scale]", init)));
}
