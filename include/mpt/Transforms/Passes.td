//===- Passes.td - Passes of the MPT compiler --------------*- tablegen -*-===//

#ifndef MPT_TRANSFORMS_PASSES_TD
#define MPT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExpandTrainStep : Pass<"mpt-expand-train-step", "ModuleOp"> {
  let summary = "Expands mpt.train_step into a step function";
  let description = [{
    Turns every `mpt.train_step` into a `func.func` of the same name that
    takes the training state and the batch and returns the new state:

    ```
    (params..., optimizer state..., loss-scale state..., batch...)
        -> (new params..., new optimizer state..., new loss-scale state...,
            loss, overflow[, scale_collapsed])
    ```

    The body is the forward region followed by `mpt.gradient` of the loss
    (scaled by `mpt.scale_loss` when the step has a `loss_scale` whose mode
    is not `none`), `mpt.unscale`, the `mpt.all_finite` guard,
    `mpt.update_loss_scale` for a dynamic scale, and one optimizer update per
    parameter that is skipped when the guard fails. Arguments and results
    carry `mpt.*` attributes naming their role, which is all a runtime needs
    to drive the step.

    This pass is the only one that expands a step. The loss-scale policy is
    the step's own `loss_scale` attribute, which
    `--mpt-auto-mixed-precision` sets; `--mpt-differentiate` then replaces
    the `mpt.gradient` it leaves.

    Before:
    ```mlir
    mpt.train_step @s params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
        optimizer(#mpt.sgd<lr = 1.000000e-01>) {
      %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
      %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
      mpt.loss %l
    }
    ```
    After:
    ```mlir
    func.func @s(%w: tensor<4x1xf32> {mpt.param = "w"}, %x: tensor<8x4xf32> {mpt.batch = "x"},
                 %y: tensor<8x1xf32> {mpt.batch = "y"})
        -> (tensor<4x1xf32> {mpt.param = "w"}, f32 {mpt.loss}, i1 {mpt.overflow}) {
      ...
      %g = mpt.gradient %l wrt %w : tensor<4x1xf32>
      %ok = mpt.all_finite %g : tensor<4x1xf32>
      %skip = arith.xori %ok, %true : i1
      %w1 = mpt.sgd_update %w, %g skip %skip {config = #mpt.sgd<lr = 1.000000e-01>} : tensor<4x1xf32>
      return %w1, %l, %skip : tensor<4x1xf32>, f32, i1
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::mpt::MPTDialect"];
}

def AutoMixedPrecision : Pass<"mpt-auto-mixed-precision", "ModuleOp"> {
  let summary = "Rewrites a training step into mixed precision";
  let description = [{
    Runs the forward ops of every `mpt.train_step` in f16 (or bf16) where it
    is safe and profitable, keeps the loss in f32, and records the
    loss-scale policy on the step. The result is still an `mpt.train_step`:

    1. *Classify* each op as allow, infer, clear or deny from its
       `PrecisionClassOpInterface`, the per-class add/remove options and the
       per-op `mpt.precision = "f32" | "low"` override.
    2. *Paint*: deny taint flows downstream through infer and clear ops
       (TensorFlow's rule: an infer op, or a clear op on the way to an infer
       or deny op); then low precision spreads from allow ops to infer ops
       they feed and to clear ops on either side.
    3. *Cast* at precision boundaries only: one `mpt.cast` per value and
       target type, shared by all users, right after the value's definition
       (so each parameter is cast once per step); existing casts are reused.
       `mpt.mse_loss` is a deny op, so it computes in f32 from its
       prediction cast up.
    4. *Record* the loss-scale policy as the step's `loss_scale`: the one
       the options describe, or, when no loss-scale option is given, the
       step's own policy if it has one. `loss-scale=none` removes it.

    A step in which nothing would change (no f32 op goes low precision) is
    left untouched, its policy included, and the report says why; running
    the pass twice gives the same IR. With `report=true` every op gets a
    remark with its precision and the reason, and each step a summary line.

    `--mpt-expand-train-step` then builds the scaled loss, the gradients,
    the unscale, the `all_finite` guard, the skipped updates and the
    loss-scale update from the step's attributes. The pass pipeline
    `--auto-mixed-precision`, the command users type, runs both passes and
    takes this pass's options:

    ```
    mpt-opt --auto-mixed-precision=compute-type=bf16 model.mlir
    # is
    mpt-opt --mpt-auto-mixed-precision=compute-type=bf16 --mpt-expand-train-step model.mlir
    ```

    Before:
    ```mlir
    mpt.train_step @s params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
        optimizer(#mpt.sgd<lr = 1.000000e-01>) {
      %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
      %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
      mpt.loss %l
    }
    ```
    After:
    ```mlir
    mpt.train_step @s params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
        optimizer(#mpt.sgd<lr = 1.000000e-01>) loss_scale(#mpt.loss_scale<>) {
      %0 = mpt.cast %x : tensor<8x4xf32> to tensor<8x4xf16>
      %1 = mpt.cast %w : tensor<4x1xf32> to tensor<4x1xf16>
      %2 = mpt.linear %0, %1 : tensor<8x4xf16>, tensor<4x1xf16> -> tensor<8x1xf16>
      %3 = mpt.cast %2 : tensor<8x1xf16> to tensor<8x1xf32>
      %4 = mpt.mse_loss %3, %y : tensor<8x1xf32>, tensor<8x1xf32>
      mpt.loss %4
    }
    ```
  }];
  let dependentDialects = ["::mlir::mpt::MPTDialect"];
  let options = [
    Option<"computeType", "compute-type", "std::string", "\"f16\"",
           "Low-precision type for allowed ops: f16 or bf16">,
    ListOption<"allowAdd", "allow-add", "std::string",
               "Op names to treat as allow (e.g. mpt.gelu)">,
    ListOption<"allowRemove", "allow-remove", "std::string",
               "Op names to take off the allow list (they stay f32)">,
    ListOption<"inferAdd", "infer-add", "std::string",
               "Op names to treat as infer">,
    ListOption<"inferRemove", "infer-remove", "std::string",
               "Op names to take off the infer list (they stay f32)">,
    ListOption<"clearAdd", "clear-add", "std::string",
               "Op names to treat as clear">,
    ListOption<"clearRemove", "clear-remove", "std::string",
               "Op names to take off the clear list (they stay f32)">,
    ListOption<"denyAdd", "deny-add", "std::string",
               "Op names to treat as deny">,
    ListOption<"denyRemove", "deny-remove", "std::string",
               "Op names to take off the deny list (they become infer)">,
    Option<"lossScale", "loss-scale", "std::string", "\"\"",
           "dynamic, static:<value> or none (default: dynamic for f16, "
           "none for bf16)">,
    // The defaults below are #mpt.loss_scale's (MPTAttrs.td), repeated for
    // --help; test/Transforms/AutoMixedPrecision/policy.mlir fails if they
    // differ.
    Option<"initScale", "init-scale", "double", "65536.0",
           "Initial loss scale (the value for a static scale)">,
    Option<"growthFactor", "growth-factor", "double", "2.0",
           "Factor the scale grows by after growth-interval good steps">,
    Option<"backoffFactor", "backoff-factor", "double", "0.5",
           "Factor the scale shrinks by on overflow">,
    Option<"growthInterval", "growth-interval", "int64_t", "2000",
           "Consecutive finite steps before the scale grows">,
    Option<"hysteresis", "hysteresis", "int64_t", "1",
           "Overflows tolerated before the scale backs off, refilled only "
           "when it grows (DeepSpeed's hysteresis)">,
    Option<"minScale", "min-scale", "double", "1.0",
           "Smallest scale; a backoff below it is a collapse">,
    Option<"maxScale", "max-scale", "double", "16777216.0",
           "Largest scale the growth may reach">,
    Option<"report", "report", "bool", "false",
           "Emit a remark per op with its precision and why, and a summary">,
  ];
}

def Differentiate : Pass<"mpt-differentiate", "ModuleOp"> {
  let summary = "Reverse-mode automatic differentiation of mpt.gradient";
  let description = [{
    Replaces every `mpt.gradient %loss wrt %w...` by the backward
    computation. It works on step functions: an `mpt.train_step` must be
    expanded first (`--mpt-expand-train-step`, which `--auto-mixed-precision`
    includes), and one left in the module is an error at that step.

    1. *Activity*: only ops on a path from a `wrt` value to the loss are
       differentiated; batch inputs and values the loss does not depend on
       get no cotangent.
    2. *Reverse sweep*: the loss is seeded with `1.0 : f32`, then each active
       op, last first, builds the cotangents of its active operands through
       its `AdjointOpInterface`; a value with several uses receives the sum
       of their cotangents.
    3. *Precision*: a cotangent has the type of its value, so the backward
       ops of an f16 forward op run in f16 and the adjoint of a cast is a
       cast back: fp32 parameters receive fp32 gradients.

    A `wrt` value that does not influence the loss gets a zero gradient and
    a remark. Ops that only the gradient op read (the `mpt.scale_loss` of a
    loss-scaled step) are erased with it. An op without an adjoint on an
    active path is an error at that op, reported before any IR is built.

    Before:
    ```mlir
    %h = mpt.cast %w : tensor<4x1xf32> to tensor<4x1xf16>
    %p = mpt.linear %x, %h : tensor<8x4xf16>, tensor<4x1xf16> -> tensor<8x1xf16>
    %q = mpt.cast %p : tensor<8x1xf16> to tensor<8x1xf32>
    %l = mpt.mse_loss %q, %y : tensor<8x1xf32>, tensor<8x1xf32>
    %g = mpt.gradient %l wrt %w : tensor<4x1xf32>
    ```
    After (`%g` replaced by `%dw`; constants go to the top of the block):
    ```mlir
    %one = arith.constant 1.000000e+00 : f32
    %c = arith.constant 2.500000e-01 : f32
    ... the forward ops ...
    %d = mpt.sub %q, %y : tensor<8x1xf32>, tensor<8x1xf32>
    %s = arith.mulf %one, %c : f32
    %st = tensor.from_elements %s : tensor<f32>
    %dq = mpt.mul %d, %st : tensor<8x1xf32>, tensor<f32>
    %dp = mpt.cast %dq : tensor<8x1xf32> to tensor<8x1xf16>
    %dh = mpt.matmul %x, %dp {transpose_lhs} : tensor<8x4xf16>, tensor<8x1xf16> -> tensor<4x1xf16>
    %dw = mpt.cast %dh : tensor<4x1xf16> to tensor<4x1xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::mpt::MPTDialect"];
}

def DataParallel : Pass<"mpt-data-parallel", "ModuleOp"> {
  let summary = "Averages the gradients over the ranks of a data-parallel job";
  let description = [{
    Makes every step function a data-parallel one: each rank of a job runs
    the step on its own shard of the global batch, and every rank gets the
    mean of the ranks' gradients before anything (`mpt.unscale`, gradient
    accumulation, the `mpt.all_finite` guard, the optimizer) reads them:

    1. the loss that `mpt.gradient` differentiates is divided by the world
       size (`mpt.scale_loss` by `1 / N`, with `N` from `mpt.world_size` or
       the `world-size` option), so that
    2. one `mpt.all_reduce sum` per *bucket* of gradients, right after
       `mpt.gradient`, gives every rank the mean. Walking the gradients
       from the last parameter to the first (the order the backward pass
       produces them), gradients smaller than `bucket-bytes` share a
       message until the next one would take it past `bucket-bytes`; a
       gradient of at least `bucket-bytes` is a message of its own, and
       the small ones before and after it still share one.
       Gradients of different element types never share an uncompressed
       message;
    3. with `comm-type=f16|bf16` every bucket travels `as f16` or `as bf16`
       (gradient compression, as PyTorch DDP's compress hooks: the values,
       already divided by the world size, are rounded, summed in the low
       precision and widened back).

    Dividing before the backward pass rather than after the sum gives the
    same mean, and keeps every per-sample term of each rank's backward pass
    at the magnitude one process on the global batch computes it (a rank's
    loss is a mean over its 1/N of the samples): an f16 backward pass
    overflows at the same loss scale as one process would. Every rank then
    unscales the same gradients, gets the same overflow flag, skips the
    same steps and moves its loss scale the same way. The loss the step
    returns stays the rank's own (the runtime reports the mean over the
    ranks).

    With `accumulate(K)` the gradients of every micro-batch are summed over
    the ranks before they are added to the accumulators, so the
    accumulators (part of a checkpoint) hold the same values on every rank.

    The pass runs between `--mpt-expand-train-step` and
    `--mpt-differentiate`: it needs step functions that still hold their
    `mpt.gradient`. A step function that already holds an `mpt.all_reduce`
    is left as it is, so running the pass twice changes nothing. An
    evaluation function (`--mpt-evaluation-function`) computes no gradient
    and is left as it is: every rank evaluates the same parameters.
    `world-size=0` (the default) leaves the number of ranks to the runtime.

    Before (the tail of a step function):
    ```mlir
    %scaled = mpt.scale_loss %l, %scale
    %g:2 = mpt.gradient %scaled wrt %w, %b : tensor<4x1xf32>, tensor<1xf32>
    %u:2 = mpt.unscale %g#0, %g#1 by %scale : tensor<4x1xf32>, tensor<1xf32>
    ```
    After `--mpt-data-parallel=comm-type=f16`:
    ```mlir
    %scaled = mpt.scale_loss %l, %scale
    %n = mpt.world_size
    %nf = arith.sitofp %n : i64 to f32
    %inv = arith.divf %one, %nf : f32
    %share = mpt.scale_loss %scaled, %inv
    %g:2 = mpt.gradient %share wrt %w, %b : tensor<4x1xf32>, tensor<1xf32>
    %r:2 = mpt.all_reduce sum %g#1, %g#0 as f16 : tensor<1xf32>, tensor<4x1xf32>
    %u:2 = mpt.unscale %r#1, %r#0 by %scale : tensor<4x1xf32>, tensor<1xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::mpt::MPTDialect"];
  let options = [
    Option<"worldSize", "world-size", "int64_t", "0",
           "Number of ranks the step is compiled for; 0 asks the runtime">,
    Option<"bucketBytes", "bucket-bytes", "int64_t", "1048576",
           "Gradients smaller than this share messages up to this size; "
           "0 sends every gradient alone">,
    Option<"commType", "comm-type", "std::string", "\"f32\"",
           "Type the gradients travel in: f32 (their own type), f16 or bf16">,
  ];
}

def GradientFunction : Pass<"mpt-gradient-function", "ModuleOp"> {
  let summary = "Replaces every mpt.train_step by the gradient function of its loss";
  let description = [{
    Turns every `mpt.train_step @s` into `@s_grad`, a function of the
    parameters and the batch that returns the loss and its gradient with
    respect to every parameter, for checking the gradients against finite
    differences (`mpt-run --check-gradients`) or for a caller that runs its
    own optimizer:

    ```
    (params..., batch...) -> (loss, [unrounded loss], grad of each param...)
    ```

    The body is the forward region followed by `mpt.gradient` of the loss;
    the optimizer, loss scaling and gradient accumulation of the step do
    not take part. Arguments and results carry the role attributes of a
    step function (`mpt.param`, `mpt.batch`, `mpt.loss`, `mpt.grad`), and the
    function is marked `mpt.train_step` and `mpt.gradient_function`: the CPU
    back end gives it the step ABI's entry point `@s_grad_step`, and the
    runtime knows from the roles what each buffer holds.

    A loss op returns its loss as an f32 scalar even when it computes in
    f64. Rounding to f32 would swamp a finite difference of an f64 model,
    so when the loss has an f64 operand the function also returns the mean
    of the loss's terms in f64 (`LossOpInterface::buildLossTerms`: for
    `mpt.mse_loss` `(prediction - target)^2`, for
    `mpt.cross_entropy_loss` the cross-entropy of each row), computed from
    the same operands, as a rank-0 tensor with the role
    `mpt.unrounded_loss`. It rounds to the `mpt.loss` result.

    With `promote-f64`, every f32 tensor of the step (parameters, batch
    inputs, intermediate values and constants) becomes f64 first, so that
    the whole forward and backward computation runs in f64; the loss itself
    stays the f32 scalar the dialect defines, next to its unrounded value.

    Before:
    ```mlir
    mpt.train_step @s params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
        optimizer(#mpt.sgd<lr = 1.000000e-01>) {
      %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
      %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
      mpt.loss %l
    }
    ```
    After, with `promote-f64`:
    ```mlir
    func.func @s_grad(%w: tensor<4x1xf64> {mpt.param = "w"}, %x: tensor<8x4xf64> {mpt.batch = "x"},
                      %y: tensor<8x1xf64> {mpt.batch = "y"})
        -> (f32 {mpt.loss}, tensor<f64> {mpt.unrounded_loss}, tensor<4x1xf64> {mpt.grad = "w"})
        attributes {mpt.gradient_function, mpt.train_step} {
      %p = mpt.linear %x, %w : tensor<8x4xf64>, tensor<4x1xf64> -> tensor<8x1xf64>
      %l = mpt.mse_loss %p, %y : tensor<8x1xf64>, tensor<8x1xf64>
      %g = mpt.gradient %l wrt %w : tensor<4x1xf64>
      %d = mpt.sub %p, %y : tensor<8x1xf64>, tensor<8x1xf64>
      %sq = mpt.mul %d, %d : tensor<8x1xf64>, tensor<8x1xf64>
      %u = mpt.reduce_mean %sq : tensor<8x1xf64> -> tensor<f64>
      return %l, %u, %g : f32, tensor<f64>, tensor<4x1xf64>
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::mpt::MPTDialect"];
  let options = [
    Option<"promoteF64", "promote-f64", "bool", "false",
           "Promote every f32 tensor of the step to f64 (the loss stays the "
           "f32 scalar of mpt.mse_loss, returned with its unrounded value)">,
  ];
}

def EvaluationFunction : Pass<"mpt-evaluation-function", "ModuleOp"> {
  let summary = "Adds the evaluation function of every mpt.train_step";
  let description = [{
    Adds `@s_eval` beside every `mpt.train_step @s`: its forward region as
    a function of the parameters and the batch, without the gradient, the
    loss scale or the optimizer, for evaluating the model on held-out data
    (`mpt-run --validate`). The step itself is left as it is, so the pass
    runs after the mixed-precision pass (the evaluation then computes in
    the step's precision) and before `--mpt-expand-train-step`:

    ```
    (params..., batch...) -> (sample losses, prediction, target)
    ```

    - `mpt.sample_loss`: a `B x f32` tensor, the loss of each of the `B`
      samples of the batch (the leading dim of the batch inputs): the mean,
      computed in f32, of the loss's terms (`LossOpInterface`) that belong
      to the sample, so that a caller can leave out the samples that pad a
      partial batch. Their mean is the step's loss. The loss's rows must
      divide evenly among the samples (a sequence model has `T` rows per
      sample).
    - `mpt.prediction` and `mpt.target`: the loss's operands, for the
      accuracy. The function is marked `mpt.scores_classes` when the
      prediction's last dim holds class scores (the cross-entropy).

    The function is marked `mpt.train_step` and `mpt.evaluation_function`,
    so the back end gives it the step ABI's entry point `@s_eval_step`. A
    step that cannot be evaluated sample by sample is an error, or, with
    `required=false` (what mpt-run uses for the trainers it emits, which
    validate only on request), gets no evaluation function.

    Before:
    ```mlir
    mpt.train_step @s params(%w: tensor<4x3xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8xi64>)
        optimizer(#mpt.sgd<lr = 1.000000e-01>) {
      %z = mpt.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
      %l = mpt.cross_entropy_loss %z, %y : tensor<8x3xf32>, tensor<8xi64>
      mpt.loss %l
    }
    ```
    After (the step unchanged):
    ```mlir
    func.func @s_eval(%w: tensor<4x3xf32> {mpt.param = "w"}, %x: tensor<8x4xf32> {mpt.batch = "x"},
                      %y: tensor<8xi64> {mpt.batch = "y"})
        -> (tensor<8xf32> {mpt.sample_loss}, tensor<8x3xf32> {mpt.prediction}, tensor<8xi64> {mpt.target})
        attributes {mpt.evaluation_function, mpt.scores_classes, mpt.train_step} {
      %z = mpt.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
      // the terms: -sum_c onehot(y) * log_softmax(z), per row, in f32
      ...
      %r = mpt.reshape %terms : tensor<8xf32> -> tensor<8x1xf32>
      %s = mpt.reduce_mean %r {dims = array<i64: 1>} : tensor<8x1xf32> -> tensor<8xf32>
      return %s, %z, %y : tensor<8xf32>, tensor<8x3xf32>, tensor<8xi64>
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::mpt::MPTDialect"];
  let options = [
    Option<"required", "required", "bool", "true",
           "Fail on a step that cannot be evaluated sample by sample (no "
           "batch dim, a loss that is no loss op, loss rows that do not "
           "divide among the samples); with false such a step gets no "
           "evaluation function">,
  ];
}

#endif // MPT_TRANSFORMS_PASSES_TD
