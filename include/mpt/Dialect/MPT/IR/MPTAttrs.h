//===- MPTAttrs.h - Attributes of the mpt dialect ---------------*- C++ -*-===//

#ifndef MPT_DIALECT_MPT_IR_MPTATTRS_H
#define MPT_DIALECT_MPT_IR_MPTATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include <optional>
#include <string>

namespace mlir {
namespace mpt {
/// Parses a float attribute parameter as an IEEE double.
inline FailureOr<llvm::APFloat> parseDoubleParameter(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return llvm::APFloat(value);
}
} // namespace mpt
} // namespace mlir

#include "mpt/Dialect/MPT/IR/MPTEnums.h.inc"

namespace mlir {
namespace mpt {

/// The parameters of `#mpt.loss_scale` that have rules.
enum class LossScaleParam {
  Init,
  GrowthFactor,
  BackoffFactor,
  GrowthInterval,
  Hysteresis,
  MinScale,
  MaxScale
};

/// The parameter as the attribute spells it ("growth_factor").
llvm::StringRef getLossScaleParamName(LossScaleParam param);

/// The first rule of `#mpt.loss_scale` that a policy breaks: `param` must
/// be `rule`, and was `found`.
struct LossScaleViolation {
  LossScaleParam param;
  /// What the value must be ("> 1", "within [min_scale, max_scale] ..."),
  /// with other parameters spelled by the caller's `nameOf`.
  std::string rule;
  /// The value, for a float parameter; `intValue` otherwise.
  std::optional<llvm::APFloat> floatValue;
  int64_t intValue = 0;
};

/// Checks a loss-scale policy against the rules of `#mpt.loss_scale`, the
/// one place they are written: its verifier and the options of
/// --mpt-auto-mixed-precision both ask it, each spelling the parameters its
/// own way.
std::optional<LossScaleViolation> findLossScaleViolation(
    LossScaleMode mode, const llvm::APFloat &init,
    const llvm::APFloat &growthFactor, const llvm::APFloat &backoffFactor,
    int64_t growthInterval, int64_t hysteresis, const llvm::APFloat &minScale,
    const llvm::APFloat &maxScale,
    llvm::function_ref<llvm::StringRef(LossScaleParam)> nameOf =
        getLossScaleParamName);

} // namespace mpt
} // namespace mlir

#define GET_ATTRDEF_CLASSES
#include "mpt/Dialect/MPT/IR/MPTAttrs.h.inc"

#endif // MPT_DIALECT_MPT_IR_MPTATTRS_H
