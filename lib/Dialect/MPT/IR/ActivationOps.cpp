//===- ActivationOps.cpp - Verifiers of the piecewise activations ---------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;
using namespace mlir::mpt;

/// The bounds of mpt.clamp and mpt.clamp_grad: not NaN, min <= max.
template <typename OpTy> static LogicalResult verifyBounds(OpTy op) {
  std::optional<double> min, max;
  for (auto [name, attr, bound] : {std::tuple{"min", op.getMinAttr(), &min},
                                   std::tuple{"max", op.getMaxAttr(), &max}}) {
    if (!attr)
      continue;
    if (attr.getValue().isNaN())
      return op.emitOpError()
             << "expected a number as '" << name << "', found NaN";
    *bound = attr.getValueAsDouble();
  }
  if (min && max && *max < *min)
    return op.emitOpError() << "expected 'min' <= 'max', found min = " << *min
                            << " and max = " << *max;
  return success();
}

LogicalResult ClampOp::verify() { return verifyBounds(*this); }

LogicalResult ClampGradOp::verify() { return verifyBounds(*this); }

/// The attributes of mpt.shrink and mpt.shrink_grad: finite, `lambd` not
/// negative.
template <typename OpTy> static LogicalResult verifyShrink(OpTy op) {
  for (auto [name, attr] : {std::pair{"lambd", op.getLambdAttr()},
                            std::pair{"bias", op.getBiasAttr()}})
    if (!attr.getValue().isFinite())
      return op.emitOpError() << "expected a finite '" << name << "', found "
                              << attr.getValueAsDouble();
  if (op.getLambd().convertToDouble() < 0)
    return op.emitOpError() << "expected 'lambd' >= 0, found "
                            << op.getLambd().convertToDouble();
  return success();
}

LogicalResult ShrinkOp::verify() { return verifyShrink(*this); }

LogicalResult ShrinkGradOp::verify() { return verifyShrink(*this); }
