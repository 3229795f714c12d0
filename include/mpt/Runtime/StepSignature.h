//===- StepSignature.h - What a compiled training step reads and writes ---===//
//
// A compiled step is `void <name>_step(void **buffers)`: one pointer per
// argument followed by one per result, each to a dense row-major buffer of
// the value's element type and static shape (a scalar is one element; i1 is
// one byte). Arguments are read-only; results are written to buffers that
// never alias the arguments. The signature says what each buffer holds: its
// role (from the step function's `mpt.*` attributes), the parameter or
// input it belongs to, its element type and its shape.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_STEPSIGNATURE_H
#define MPT_RUNTIME_STEPSIGNATURE_H

#include "mpt/Runtime/DType.h"
#include "mpt/Runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mpt {
namespace runtime {

/// The role of one step buffer; the `mpt.<role>` attribute names it.
enum class Role {
  // Training state: an argument and the result that replaces it.
  Param,
  Velocity,
  AdamM,
  AdamV,
  AdamStep,
  GradAccumulator,
  MicroStep,
  LossScale,
  GoodSteps,
  HysteresisLeft,
  DropoutStep,
  // State that the forward pass updates without training it: batch
  // normalisation's running statistics. Also an argument of gradient and
  // evaluation functions.
  Buffer,
  // Arguments only.
  Batch,
  // Results only.
  Loss,
  Overflow,
  ScaleCollapsed,
  // The gradient of one parameter as it left the backward pass (before
  // unscaling): a diagnostic result of a step, the result of a gradient
  // function.
  Grad,
  // A gradient function's loss before its rounding to f32, when the loss is
  // computed in f64.
  UnroundedLoss,
  // An evaluation function's results: the loss of each sample of the
  // batch, and the loss's prediction and target operands.
  SampleLoss,
  Prediction,
  Target,
};

/// `param`, `velocity`, `adam_m`, ... as in the `mpt.<role>` attribute.
const char *roleName(Role role);
std::optional<Role> parseRole(std::string_view name);
/// True for roles that are carried from one step to the next.
bool isStateRole(Role role);
/// True for roles whose attribute names a parameter or batch input.
bool isNamedRole(Role role);

/// What a compiled function computes; the buffer contract depends on it.
enum class StepKind {
  /// A training step (--mpt-expand-train-step, --auto-mixed-precision):
  /// takes the state and the batch, returns the next state, the loss and
  /// the overflow flag.
  Train,
  /// A gradient function (--mpt-gradient-function): takes the parameters,
  /// the buffers and the batch, returns the loss, optionally its unrounded f64
  /// value,
  /// and the gradient of every parameter.
  Gradient,
  /// An evaluation function (--mpt-evaluation-function): takes the
  /// parameters, the buffers and the batch, returns the loss of each sample and
  /// the
  /// loss's prediction and target.
  Evaluation,
};

/// How a parameter is initialised when no --init file is given.
enum class ParamInit {
  /// uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = the product of all
  /// dims but the last (PyTorch's nn.Linear rule for an x·W weight).
  FanInUniform,
  Zeros,
  Ones,
};

/// `fan_in_uniform`, `zeros`, `ones`, as the signature's "init" spells them.
const char *paramInitName(ParamInit init);
std::optional<ParamInit> parseParamInit(std::string_view name);

/// The initialisation a parameter of this shape gets unless the compiler
/// records another (`mpt.param_init`): FanInUniform for weights (rank >= 2),
/// Zeros for biases.
ParamInit defaultParamInit(const std::vector<int64_t> &shape);

/// One argument or result of the step.
struct TensorSpec {
  Role role;
  /// The parameter or batch input name; empty for unnamed roles.
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// Used for parameters only.
  ParamInit init = ParamInit::FanInUniform;
  /// For a parameter: its name where the model came from (PyTorch's
  /// `state_dict` key) when that differs from `name`; empty otherwise.
  std::string sourceName;
  /// For an integer batch input that the step reads as indices: the
  /// smallest and largest valid value, both inclusive. Data outside is
  /// rejected before training.
  std::optional<std::pair<int64_t, int64_t>> indexRange;

  /// The element count and byte size of a spec that verify() accepted
  /// (it rejects specs whose sizes overflow int64).
  int64_t numElements() const;
  size_t byteSize() const;
  /// `256x1024xf32`, or `f32` for a scalar.
  std::string typeString() const;
  /// `param 'w1' (256x1024xf32)`, `loss_scale (f32)`.
  std::string describe() const;
};

enum class LossScaleMode { None, Static, Dynamic };

/// The loss-scale policy (#mpt.loss_scale) the step was compiled with, as
/// the compiler resolved it: the runtime needs it to initialise the
/// loss-scale state and to explain a collapse. The numbers mean nothing
/// when `mode` is None.
struct LossScaleConfig {
  LossScaleMode mode = LossScaleMode::None;
  double init = 0, growthFactor = 0, backoffFactor = 0;
  int64_t growthInterval = 0, hysteresis = 0;
  double minScale = 0, maxScale = 0;

  /// For a dynamic policy: how many consecutive non-finite steps take the
  /// scale from `init` to a collapse (a back-off below `minScale`), with
  /// the f32 arithmetic of the step and `hysteresis` overflows tolerated
  /// before every back-off (the most any hysteresis rule tolerates).
  /// nullopt when the scale never collapses (a back-off that leaves the
  /// f32 scale unchanged) or for another mode.
  std::optional<int64_t> nonfiniteStepsToCollapse() const;
};

/// The optimizer the step applies (#mpt.sgd, #mpt.momentum, #mpt.adam):
/// its kind and every hyperparameter, for the user.
struct OptimizerConfig {
  /// `sgd`, `momentum`, `adam`; empty for a function without an optimizer
  /// (a gradient function).
  std::string kind;
  /// Name and value, in the order the signature lists them.
  std::vector<std::pair<std::string, double>> hyperparameters;

  /// `sgd(lr=0.01, weight_decay=0)`; `none` without an optimizer.
  std::string describe() const;
};

struct StepSignature {
  StepKind kind = StepKind::Train;
  /// The step function's name.
  std::string name;
  /// The compiled entry point, `<name>_step` unless the step ABI was given
  /// another suffix.
  std::string entry;
  OptimizerConfig optimizer;
  LossScaleConfig lossScale;
  /// For an evaluation function: the prediction's last dim holds class
  /// scores, so a prediction row is right when its largest score is at the
  /// target's class.
  bool scoresClasses = false;
  std::vector<TensorSpec> args, results;

  /// Checks the buffer contract of the signature's kind. A training step:
  /// every state argument has exactly one result of the same role, name,
  /// type and shape (and vice versa), optimizer state and gradients belong
  /// to a parameter of their shape, the scalars have their fixed types,
  /// loss and overflow are present, and the loss-scale state matches the
  /// loss-scale mode. A gradient function: parameters and batch inputs in;
  /// the loss, at most one unrounded loss and exactly one gradient of each
  /// parameter's type out. An evaluation function: parameters and batch
  /// inputs in; one f32 loss per sample (`B`), a prediction of rank >= 1
  /// and a target with as many rows, out.
  Status verify() const;

  /// Index of the result that replaces state argument `argIndex`.
  size_t resultForArg(size_t argIndex) const;
  std::optional<size_t> findArg(Role role, std::string_view name = {}) const;
  std::optional<size_t> findResult(Role role, std::string_view name = {}) const;
  std::vector<size_t> argsWithRole(Role role) const;
  /// Batch inputs of rank >= 1, filled with new samples every step.
  std::vector<size_t> sampledInputs() const;
  /// Batch inputs of rank 0: values the user fixes for the whole run (a
  /// temperature, a mask value), not data.
  std::vector<size_t> scalarInputs() const;
  /// Number of samples per step: the leading dim shared by the sampled
  /// inputs (verify() checks that they agree).
  int64_t batchSize() const;
};

/// Decodes the JSON signature that the compiler writes (see
/// mpt/Conversion/StepABI/StepSignatureJson.h) and a compiled object
/// carries as `<entry>_signature`:
///
///   {"name", "entry": strings,
///    "optimizer": null or {"kind": string, <hyperparameter>: number, ...},
///    "loss_scale": {"mode": "none"} or {"mode": "static" | "dynamic",
///        "init", "growth_factor", "backoff_factor", "min_scale",
///        "max_scale": finite numbers > 0, "growth_interval", "hysteresis":
///        integers in [1, 2^31 - 1]},
///    "scores_classes"?: true,
///    "args", "results": [{"role", "name"?, "dtype", "shape": [dims],
///                         "init"?: "fan_in_uniform" | "zeros" | "ones",
///                         "source_name"?: string,
///                         "index_range"?: [lo, hi]}]}
///
/// A parameter without "init" gets defaultParamInit(); "source_name" is for
/// parameters only, "index_range" for integer batch inputs only. The result is
/// verified as a function of `kind`. Every error names the field.
Expected<StepSignature> parseStepSignatureJson(std::string_view json,
                                               StepKind kind = StepKind::Train);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_STEPSIGNATURE_H
