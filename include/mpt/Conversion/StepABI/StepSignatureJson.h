//===- StepSignatureJson.h - The step signature a runtime reads -*- C++ -*-===//
//
// The one encoder of the contract between the compiler and the training
// runtime: the signature of a step function as JSON, with every number the
// runtime needs written out (the loss-scale policy and the optimizer's
// hyperparameters with their defaults resolved here, from the attributes'
// getters). `--mpt-step-abi` stores it in the compiled object as
// `<entry>_signature`; mpt-run builds it from the step it is about to
// compile; both are decoded by the runtime's parseStepSignatureJson.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_STEPABI_STEPSIGNATUREJSON_H
#define MPT_CONVERSION_STEPABI_STEPSIGNATUREJSON_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
namespace mpt {

/// A parameter argument's initialisation when it is not the one the
/// runtime gives a parameter of its shape: `mpt.param_init = "ones"` (the
/// scale of a layer norm). Written into the signature as the parameter's
/// `init`.
constexpr llvm::StringLiteral kParamInitAttrName = "mpt.param_init";

/// The name a parameter had where the model came from (PyTorch's
/// `state_dict` key, e.g. `0.weight`), when the step's own name differs:
/// `mpt.source_name = "0.weight"` on the argument, written into the
/// signature as the parameter's `source_name`. Saved parameters and
/// checkpoints use it as the tensor's name.
constexpr llvm::StringLiteral kSourceNameAttrName = "mpt.source_name";

/// The signature of `step` (a function with `mpt.*` role attributes on its
/// arguments and results, `mpt.optimizer` and `mpt.loss_scale`) whose C
/// entry point is `entry`:
///
///   {"name": "s", "entry": "s_step",
///    "optimizer": {"kind": "sgd", "lr": 0.01, "weight_decay": 0},
///    "loss_scale": {"mode": "dynamic", "init": 65536, "growth_factor": 2,
///                   "backoff_factor": 0.5, "growth_interval": 2000,
///                   "hysteresis": 1, "min_scale": 1, "max_scale": 16777216},
///    "args": [{"role": "param", "name": "w", "dtype": "f32",
///              "shape": [4, 8]}, ...],
///    "results": [...]}
///
/// A parameter may also have "init" (kParamInitAttrName) and
/// "source_name" (kSourceNameAttrName); an integer batch input that ops
/// read as indices has "index_range": [lo, hi], the values they all accept.
/// Without an optimizer attribute "optimizer" is null; without a loss-scale
/// attribute "loss_scale" is {"mode": "none"}. An evaluation function
/// marked `mpt.scores_classes` has `"scores_classes": true`. Keys are printed
/// in sorted order. Fails, with an error on `step`, for an optimizer or
/// loss-scale attribute that is not one of the mpt dialect's.
FailureOr<std::string> buildStepSignatureJson(func::FuncOp step,
                                              llvm::StringRef entry);

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_STEPABI_STEPSIGNATUREJSON_H
