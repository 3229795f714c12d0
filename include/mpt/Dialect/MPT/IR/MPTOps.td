//===- MPTOps.td - Operations of the mpt dialect -----------*- tablegen -*-===//

#ifndef MPT_OPS_TD
#define MPT_OPS_TD

include "mpt/Dialect/MPT/IR/MPTDialect.td"
include "mpt/Dialect/MPT/IR/MPTAttrs.td"
include "mpt/Dialect/MPT/IR/MPTInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/CastInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

// Every tensor an mpt op reads or writes has a static shape (buffer sizes,
// tiles and launch sizes are fixed at compile time) and at least one
// element: a training step has no use for an empty tensor, and every
// lowering may then divide by any dim. MPT_Op adds that its sizes fit in
// int64 (MPT_TensorsCanExist).
def MPT_NoZeroSizedDimPred : CPred<
    "!::llvm::is_contained(::llvm::cast<::mlir::ShapedType>($_self).getShape(), 0)">;
class MPT_TensorOf<list<Type> allowedTypes>
    : RankedTensorOf<allowedTypes, [HasStaticShapePred, MPT_NoZeroSizedDimPred],
                     "non-empty statically shaped tensor">;
def MPT_FloatTensor : MPT_TensorOf<[F16, BF16, F32, F64]>;
// Data that moves without arithmetic: floats, or integer indices.
def MPT_FloatOrIndexTensor : MPT_TensorOf<[F16, BF16, F32, F64, I32, I64]>;
// Gradients that are unscaled in f32.
def MPT_F32Tensor : MPT_TensorOf<[F32]>;
// Master weights and optimizer state.
def MPT_MasterTensor : MPT_TensorOf<[F32, F64]>;
def MPT_FloatLike : AnyTypeOf<[MPT_FloatTensor, F16, BF16, F32, F64]>;
def MPT_Optimizer : AnyAttrOf<[MPT_SGDAttr, MPT_MomentumAttr, MPT_AdamAttr]>;

//===----------------------------------------------------------------------===//
// Training step structure
//===----------------------------------------------------------------------===//

def MPT_TrainStepOp : MPT_Op<"train_step", [
    Symbol, IsolatedFromAbove, SingleBlock,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "One training step: forward computation, loss, optimizer";
  let description = [{
    Declares a training step. The region's block arguments are the
    parameters (trainable fp32 master weights, named by their SSA names),
    then the optional buffers (state that the step updates but does not
    train, such as batch normalisation's running statistics: f32 or f64,
    as PyTorch's registered buffers), then the batch inputs; the region
    computes the forward pass and ends in `mpt.loss`, whose operand is the
    scalar f32 loss and whose `buffers(...)` list holds the next value of
    each buffer, in order. The optimizer
    is an attribute (`#mpt.sgd`, `#mpt.momentum`, `#mpt.adam`); an optional
    `loss_scale` attribute (`#mpt.loss_scale`) configures loss scaling, and
    `accumulate` the number of micro-batches whose gradients are summed
    before one update.

    The step is a description, not a function: `--mpt-expand-train-step`
    (alone, or at the end of `--auto-mixed-precision`) expands it into a
    `func.func` that takes the state (params, optimizer state, loss-scale
    state) and the batch and returns the new state, the loss and the
    overflow flag. Buffers move on every call, a skipped step or a
    micro-batch too, as PyTorch updates them in the forward pass; in
    evaluation they are read (see `mpt.mode_select`) and not updated.

    ```mlir
    mpt.train_step @regression
        params(%w: tensor<4x1xf32>, %b: tensor<1xf32>)
        batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
        optimizer(#mpt.adam<lr = 1.000000e-03>) {
      %p = mpt.linear %x, %w, %b : tensor<8x4xf32>, tensor<4x1xf32>, tensor<1xf32> -> tensor<8x1xf32>
      %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
      mpt.loss %l
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       I64Attr:$num_params,
                       DefaultValuedAttr<I64Attr, "0">:$num_buffers,
                       ArrayAttr:$arg_names,
                       MPT_Optimizer:$optimizer,
                       OptionalAttr<MPT_LossScaleAttr>:$loss_scale,
                       DefaultValuedAttr<I64Attr, "1">:$accumulate);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    ::llvm::ArrayRef<::mlir::BlockArgument> getParams() {
      return getBodyBlock().getArguments().take_front(getNumParams());
    }
    ::llvm::ArrayRef<::mlir::BlockArgument> getBuffers() {
      return getBodyBlock().getArguments().slice(getNumParams(),
                                                 getNumBuffers());
    }
    ::llvm::ArrayRef<::mlir::BlockArgument> getBatch() {
      return getBodyBlock().getArguments().drop_front(getNumParams() +
                                                      getNumBuffers());
    }
    ::llvm::StringRef getArgName(unsigned index) {
      return ::llvm::cast<::mlir::StringAttr>(getArgNames()[index]).getValue();
    }
    LossOp getLossOp();
  }];
}

def MPT_LossOp : MPT_Op<"loss", [Pure, Terminator, HasParent<"TrainStepOp">]> {
  let summary = "Terminates a training step with its scalar loss";
  let description = [{
    Names the scalar f32 value that training minimises, and, when the step
    has buffers, the next value of each buffer (of the buffer's type, in
    the order of the step's `buffers` group). The loss is differentiated;
    the buffer updates are not.

    ```mlir
    mpt.loss %l
    mpt.loss %l buffers(%next_mean, %next_var : tensor<8xf32>, tensor<8xf32>)
    ```
  }];
  let arguments = (ins F32:$loss, Variadic<MPT_MasterTensor>:$buffer_updates);
  let assemblyFormat = [{
    $loss (`buffers` `(` $buffer_updates^ `:` type($buffer_updates) `)`)?
    attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

// A forward op declares its precision class; the mixed-precision pass reads
// it through PrecisionClassOpInterface.
class MPT_ForwardOp<string mnemonic, string precisionClass,
                    list<Trait> traits = []>
    : MPT_Op<mnemonic, traits # [Pure, MPT_PrecisionClassOpInterface]> {
  string precisionClassDecl =
      "static constexpr ::mlir::mpt::PrecisionClass kPrecisionClass = "
      "::mlir::mpt::PrecisionClass::" # precisionClass # ";";
  let extraClassDeclaration = precisionClassDecl;
}

class MPT_UnaryOp<string mnemonic, string precisionClass, string formula,
                  string example>
    : MPT_ForwardOp<mnemonic, precisionClass,
                    [SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "Elementwise " # formula;
  let description = "Computes `" # formula # "` elementwise, in the element "
      "type of its operand. Precision class: `" # precisionClass # "`.\n\n"
      "```mlir\n" # example # "\n```";
  let arguments = (ins MPT_FloatTensor:$input);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def MPT_ReluOp : MPT_UnaryOp<"relu", "Clear", "max(x, 0)",
    "%r = mpt.relu %x : tensor<16x32xf16>">;
def MPT_GeluOp : MPT_UnaryOp<"gelu", "Infer",
    "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
    "%r = mpt.gelu %x : tensor<16x32xf16>">;
def MPT_TanhOp : MPT_UnaryOp<"tanh", "Infer", "tanh(x)",
    "%r = mpt.tanh %x : tensor<16x32xf16>">;
def MPT_SigmoidOp : MPT_UnaryOp<"sigmoid", "Infer", "1 / (1 + exp(-x))",
    "%r = mpt.sigmoid %x : tensor<16x32xf16>">;
def MPT_SqrtOp : MPT_UnaryOp<"sqrt", "Infer", "sqrt(x)",
    "%r = mpt.sqrt %x : tensor<16x32xf16>">;
def MPT_ExpOp : MPT_UnaryOp<"exp", "Deny", "exp(x)",
    "%r = mpt.exp %x : tensor<16x32xf32>">;
def MPT_LogOp : MPT_UnaryOp<"log", "Deny", "log(x)",
    "%r = mpt.log %x : tensor<16x32xf32>">;
// Sinusoidal embeddings of positions or timesteps computed by the step.
def MPT_SinOp : MPT_UnaryOp<"sin", "Infer", "sin(x)",
    "%r = mpt.sin %x : tensor<16x32xf32>">;
def MPT_CosOp : MPT_UnaryOp<"cos", "Infer", "cos(x)",
    "%r = mpt.cos %x : tensor<16x32xf32>">;

class MPT_BinaryOp<string mnemonic, string formula>
    : MPT_ForwardOp<mnemonic, "Infer",
                    [AllTypesMatch<["lhs", "result"]>]> {
  let summary = "Elementwise " # formula # " with trailing broadcast";
  let description = "Computes `" # formula # "` elementwise. `rhs` is either "
    "of the same shape as `lhs` or a bias broadcast along leading dims: its "
    "shape must equal the trailing dims of `lhs` (NumPy broadcasting with "
    "the leading dims dropped). Both operands have the same element type; "
    "the result has the type of `lhs`. Precision class: `infer`.\n\n"
    "```mlir\n"
    "%r = mpt." # mnemonic # " %x, %b : tensor<16x32xf16>, tensor<32xf16>\n"
    "```";
  let arguments = (ins MPT_FloatTensor:$lhs, MPT_FloatTensor:$rhs);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let hasVerifier = 1;
}

def MPT_AddOp : MPT_BinaryOp<"add", "lhs + rhs">;
def MPT_SubOp : MPT_BinaryOp<"sub", "lhs - rhs">;
def MPT_MulOp : MPT_BinaryOp<"mul", "lhs * rhs">;

def MPT_MatmulOp : MPT_ForwardOp<"matmul", "Allow"> {
  let summary = "Batched matrix product with transpose flags";
  let description = [{
    `result[..., i, j] = sum_k op(lhs)[..., i, k] * op(rhs)[..., k, j]` where
    `op` transposes the last two dims when `transpose_lhs`/`transpose_rhs` is
    set. Leading (batch) dims of `lhs` and `rhs` must be equal, or `rhs` is a
    rank-2 matrix shared by every batch. Both operands have one element type,
    which the result has too; products are accumulated in f32 (or f64 for
    f64) whatever the operand type. Precision class: `allow`.

    ```mlir
    %c = mpt.matmul %q, %k {transpose_rhs} : tensor<4x16x8xf16>, tensor<4x16x8xf16> -> tensor<4x16x16xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$lhs, MPT_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

def MPT_LinearOp : MPT_ForwardOp<"linear", "Allow"> {
  let summary = "Affine layer x·W + b";
  let description = [{
    `result[..., n] = sum_k input[..., k] * weight[k, n] + bias[n]`. The
    weight is `K x N`; the bias is optional. All operands share one element
    type; products are accumulated in f32. Precision class: `allow`.

    ```mlir
    %h = mpt.linear %x, %w, %b : tensor<32x256xf16>, tensor<256x1024xf16>, tensor<1024xf16> -> tensor<32x1024xf16>
    %g = mpt.linear %x, %w : tensor<32x256xf32>, tensor<256x8xf32> -> tensor<32x8xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, MPT_FloatTensor:$weight,
                       Optional<MPT_FloatTensor>:$bias);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def MPT_SoftmaxOp : MPT_ForwardOp<"softmax", "Deny",
    [SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "Softmax along one dim";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis` (default: the
    last dim), computed stably. Precision class: `deny` (the exponentials
    and the normaliser overflow in f16).

    ```mlir
    %p = mpt.softmax %s {axis = 2 : i64} : tensor<4x16x16xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = precisionClassDecl # [{
    /// The axis as a non-negative dim index.
    int64_t getNormalizedAxis();
  }];
}

def MPT_LayerNormOp : MPT_ForwardOp<"layer_norm", "Deny",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "Layer normalisation over the last dim";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * gamma + beta`, where mean and the
    biased variance are taken over the last dim and `gamma`/`beta` have the
    size of that dim. Precision class: `deny` (the statistics need f32).

    ```mlir
    %n = mpt.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f64} : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, MPT_FloatTensor:$gamma,
                       MPT_FloatTensor:$beta,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
    `,` type($beta)
  }];
  let hasVerifier = 1;
}

class MPT_ReduceOp<string mnemonic, string what>
    : MPT_ForwardOp<mnemonic, "Deny"> {
  let summary = what # " over the given dims";
  let description = "Reduces `input` by " # what # " over `dims` (all dims "
    "when `dims` is absent); `keep_dims` keeps reduced dims with size 1. "
    "Accumulates in f32 (f64 for f64). Precision class: `deny`.\n\n"
    "```mlir\n"
    "%s = mpt." # mnemonic # " %x {dims = array<i64: 1>} : tensor<16x64xf32> -> tensor<16xf32>\n"
    "```";
  let arguments = (ins MPT_FloatTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$dims,
                       UnitAttr:$keep_dims);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = precisionClassDecl # [{
    /// The reduced dims, sorted; all dims when `dims` is absent.
    ::llvm::SmallVector<int64_t> getReducedDims();
  }];
}

def MPT_ReduceSumOp : MPT_ReduceOp<"reduce_sum", "Sum">;
def MPT_ReduceMeanOp : MPT_ReduceOp<"reduce_mean", "Mean">;

def MPT_TransposeOp : MPT_ForwardOp<"transpose", "Clear"> {
  let summary = "Permutes dims";
  let description = [{
    Result dim `d` is input dim `permutation[d]`, i.e.
    `result[j0, ..., jn] = input[i0, ..., in]` with `j_d = i_permutation[d]`. Precision class: `clear`.

    ```mlir
    %t = mpt.transpose %x {permutation = array<i64: 1, 0>} : tensor<16x64xf16> -> tensor<64x16xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MPT_ReshapeOp : MPT_ForwardOp<"reshape", "Clear"> {
  let summary = "Changes the shape, keeping the row-major element order";
  let description = [{
    Reinterprets `input` with the static shape of the result; the number of
    elements and the element type stay the same. Precision class: `clear`.

    ```mlir
    %r = mpt.reshape %x : tensor<4x16x64xf16> -> tensor<64x64xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MPT_ModeSelectOp : MPT_ForwardOp<"mode_select", "Clear",
                                     [AllTypesMatch<["train", "eval", "result"]>]> {
  let summary = "One value in training, another in evaluation";
  let description = [{
    Is `train` in the training step and `eval` in the step's evaluation
    function (`--mpt-evaluation-function`), as a PyTorch module's
    `training` flag chooses between them: batch normalisation normalises
    with the batch's statistics in training and with its running
    statistics (buffers of the step) in evaluation. The cotangent flows to
    `train` only. Precision class: `clear`.

    ```mlir
    %m = mpt.mode_select train %batch_mean, eval %running_mean : tensor<8xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$train, MPT_FloatTensor:$eval);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    `train` $train `,` `eval` $eval attr-dict `:` type($result)
  }];
}

def MPT_MSELossOp : MPT_ForwardOp<"mse_loss", "Deny",
    [MPT_FixedPrecision, DeclareOpInterfaceMethods<MPT_LossOpInterface>]> {
  let summary = "Mean squared error, computed and returned in f32";
  let description = [{
    `mean((prediction - target)^2)` over all elements, as an f32 scalar.
    The operands have the same shape; each is widened to f32 (f64 operands
    are computed in f64 and rounded) before the subtraction, so an f16
    prediction is compared with the target in f32. Precision class: `deny`,
    and fixed: the loss is f32 by definition, so no class option or
    `mpt.precision` override moves it.

    ```mlir
    %l = mpt.mse_loss %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$prediction, MPT_FloatTensor:$target);
  let results = (outs F32:$loss);
  let assemblyFormat =
      "$prediction `,` $target attr-dict `:` type($prediction) `,` type($target)";
  let hasVerifier = 1;
}

def MPT_CastOp : MPT_Op<"cast", [Pure,
    DeclareOpInterfaceMethods<CastOpInterface>]> {
  let summary = "Converts between f16, bf16, f32 and f64";
  let description = [{
    Rounds every element to the result's element type (round to nearest
    even; values out of range become infinity). Works on tensors and on
    scalars; the shape never changes.

    Folding is exact by construction: a cast to the same type folds away, and
    a round trip through a wider type (`f16 -> f32 -> f16`) folds to its
    source. A round trip through a narrower type (`f32 -> f16 -> f32`) is
    lossy and is never folded. A chain whose first cast is exact is
    composed into one cast.

    ```mlir
    %h = mpt.cast %w : tensor<256x1024xf32> to tensor<256x1024xf16>
    ```
  }];
  let arguments = (ins MPT_FloatLike:$input);
  let results = (outs MPT_FloatLike:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Mixed-precision ops
//===----------------------------------------------------------------------===//

def MPT_ScaleLossOp : MPT_Op<"scale_loss", [Pure]> {
  let summary = "Multiplies the loss by the loss scale";
  let description = [{
    `scaled = loss * scale` in f32. Differentiating the scaled loss makes
    every gradient `scale` times larger, lifting small f16 gradients out of
    the subnormal range; `mpt.unscale` divides it out again in f32.

    ```mlir
    %s = mpt.scale_loss %l, %scale
    ```
  }];
  let arguments = (ins F32:$loss, F32:$scale);
  let results = (outs F32:$result);
  let assemblyFormat = "$loss `,` $scale attr-dict";
}

def MPT_UnscaleOp : MPT_Op<"unscale", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Divides gradients by the loss scale in f32";
  let description = [{
    `g * (1 / scale)` for every gradient, with the reciprocal computed once
    in f32 (PyTorch's `_amp_foreach_non_finite_check_and_unscale_`). The
    gradients must be f32. Non-finite gradients stay non-finite, so
    `mpt.all_finite` after it still sees the overflow.

    ```mlir
    %u:2 = mpt.unscale %g0, %g1 by %scale : tensor<4x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Variadic<MPT_F32Tensor>:$grads, F32:$scale);
  let results = (outs Variadic<MPT_F32Tensor>:$results);
  let assemblyFormat = "$grads `by` $scale attr-dict `:` type($grads)";
  let hasVerifier = 1;
}

def MPT_AllFiniteOp : MPT_Op<"all_finite", [Pure]> {
  let summary = "True when no element of any tensor is NaN or infinite";
  let description = [{
    `finite = not any(isnan(g) | isinf(g))` over every element of every
    operand: one flag for the whole step, so one overflowing gradient skips
    the whole update.

    ```mlir
    %ok = mpt.all_finite %g0, %g1 : tensor<4x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Variadic<MPT_FloatTensor>:$inputs);
  let results = (outs I1:$finite);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
  let hasVerifier = 1;
}

def MPT_UpdateLossScaleOp : MPT_Op<"update_loss_scale", [Pure]> {
  let summary = "Dynamic loss-scale update (GradScaler rule with hysteresis)";
  let description = [{
    Computes the next loss-scale state from the current one and the step's
    `finite` flag. With `hysteresis = H` (H = 1 is PyTorch's GradScaler):
    ```
    if !finite:
      good_steps = 0
      if hysteresis_left > 1: hysteresis_left -= 1          # tolerated
      else:
        scale *= backoff_factor                             # hysteresis_left stays
        if scale < min_scale: scale = min_scale; collapsed = true
    else:
      good_steps += 1
      if good_steps == growth_interval:
        scale = min(scale * growth_factor, max_scale)       # if finite
        good_steps = 0; hysteresis_left = H
    ```
    The tolerance is DeepSpeed's `hysteresis` with its default
    `consecutive_hysteresis=False`: H - 1 overflows are tolerated, and
    once spent the tolerance is refilled only by a growth, so every
    further overflow before then backs off at once.
    `collapsed` is true only when a backoff would take the scale below
    `min_scale`: the runtime stops training with an error instead of
    skipping steps forever.

    ```mlir
    %s, %g, %h, %c = mpt.update_loss_scale %scale, %good, %hyst, %finite
        {config = #mpt.loss_scale<mode = dynamic>}
    ```
  }];
  let arguments = (ins F32:$scale, I32:$good_steps, I32:$hysteresis_left,
                       I1:$finite, MPT_LossScaleAttr:$config);
  let results = (outs F32:$new_scale, I32:$new_good_steps,
                      I32:$new_hysteresis_left, I1:$collapsed);
  let assemblyFormat =
      "$scale `,` $good_steps `,` $hysteresis_left `,` $finite attr-dict";
  let hasVerifier = 1;
}

def MPT_GradientOp : MPT_Op<"gradient", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Symbolic gradient of a scalar with respect to values";
  let description = [{
    `d loss / d wrt[i]` for every `wrt` value, each with the type of its
    value. A placeholder that `--mpt-differentiate` replaces with the
    backward computation (it walks the ops that compute `loss` in reverse);
    it never reaches the backends.

    ```mlir
    %g:2 = mpt.gradient %scaled wrt %w, %b : tensor<4x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins F32:$loss, Variadic<MPT_FloatTensor>:$wrt);
  let results = (outs Variadic<MPT_FloatTensor>:$grads);
  let assemblyFormat = "$loss `wrt` $wrt attr-dict `:` type($wrt)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizer updates on fp32 master weights
//===----------------------------------------------------------------------===//

def MPT_SGDUpdateOp : MPT_Op<"sgd_update", [Pure,
    AllTypesMatch<["param", "grad", "new_param"]>]> {
  let summary = "One SGD update of an fp32 parameter, skippable";
  let description = [{
    `new_param = skip ? param : param - lr * (grad + weight_decay * param)`.
    When `skip` is true the result is bit-identical to `param`.

    ```mlir
    %w1 = mpt.sgd_update %w, %g skip %overflow {config = #mpt.sgd<lr = 1.000000e-02>} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins MPT_MasterTensor:$param,
                       MPT_MasterTensor:$grad, I1:$skip,
                       MPT_SGDAttr:$config);
  let results = (outs MPT_MasterTensor:$new_param);
  let assemblyFormat =
      "$param `,` $grad `skip` $skip attr-dict `:` type($param)";
}

def MPT_MomentumUpdateOp : MPT_Op<"momentum_update", [Pure,
    AllTypesMatch<["param", "velocity", "grad", "new_param", "new_velocity"]>]> {
  let summary = "One SGD-with-momentum update, skippable";
  let description = [{
    `v' = momentum * v + (grad + weight_decay * param)`,
    `p' = param - lr * v'`; when `skip` is true both results are
    bit-identical to their inputs.

    ```mlir
    %w1, %v1 = mpt.momentum_update %w, %v, %g skip %overflow {config = #mpt.momentum<lr = 1.000000e-02>} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins MPT_MasterTensor:$param,
                       MPT_MasterTensor:$velocity,
                       MPT_MasterTensor:$grad, I1:$skip,
                       MPT_MomentumAttr:$config);
  let results = (outs MPT_MasterTensor:$new_param,
                      MPT_MasterTensor:$new_velocity);
  let assemblyFormat =
      "$param `,` $velocity `,` $grad `skip` $skip attr-dict `:` type($param)";
}

def MPT_AdamUpdateOp : MPT_Op<"adam_update", [Pure,
    AllTypesMatch<["param", "m", "v", "grad", "new_param", "new_m", "new_v"]>]> {
  let summary = "One bias-corrected Adam update, skippable";
  let description = [{
    With `t` the 1-based number of this update (the caller increments it
    only on applied steps): `g' = grad + weight_decay * param`,
    `m' = beta1 m + (1 - beta1) g'`, `v' = beta2 v + (1 - beta2) g'^2`,
    `p' = param - lr * (m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + eps)`.
    When `skip` is true all results are bit-identical to their inputs.

    ```mlir
    %w1, %m1, %v1 = mpt.adam_update %w, %m, %v, %g step %t skip %overflow {config = #mpt.adam<lr = 1.000000e-03>} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins MPT_MasterTensor:$param,
                       MPT_MasterTensor:$m,
                       MPT_MasterTensor:$v,
                       MPT_MasterTensor:$grad, I32:$step, I1:$skip,
                       MPT_AdamAttr:$config);
  let results = (outs MPT_MasterTensor:$new_param,
                      MPT_MasterTensor:$new_m,
                      MPT_MasterTensor:$new_v);
  let assemblyFormat = [{
    $param `,` $m `,` $v `,` $grad `step` $step `skip` $skip attr-dict `:`
    type($param)
  }];
}

include "mpt/Dialect/MPT/IR/MPTGradOps.td"
include "mpt/Dialect/MPT/IR/MPTConvOps.td"
include "mpt/Dialect/MPT/IR/MPTDataOps.td"
include "mpt/Dialect/MPT/IR/MPTMathOps.td"
include "mpt/Dialect/MPT/IR/MPTActivationOps.td"
include "mpt/Dialect/MPT/IR/MPTMaskOps.td"
include "mpt/Dialect/MPT/IR/MPTCollectiveOps.td"
include "mpt/Dialect/MPT/IR/MPTRandomOps.td"

#endif // MPT_OPS_TD
