//===- Passes.h - Passes of the MPT compiler --------------------*- C++ -*-===//

#ifndef MPT_TRANSFORMS_PASSES_H
#define MPT_TRANSFORMS_PASSES_H

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_DECL
#include "mpt/Transforms/Passes.h.inc"

/// Replaces `step` by its step function (see --mpt-expand-train-step).
/// `lossScale` overrides the step's own `loss_scale` attribute when given.
/// Returns the new function.
FailureOr<func::FuncOp> expandTrainStep(TrainStepOp step,
                                        LossScaleAttr lossScale = {});

#define GEN_PASS_REGISTRATION
#include "mpt/Transforms/Passes.h.inc"

} // namespace mpt
} // namespace mlir

#endif // MPT_TRANSFORMS_PASSES_H
