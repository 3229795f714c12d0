//===- MPTRandomOps.td - Ops with random masks -------------*- tablegen -*-===//
//
// Dropout, and the random numbers of networks that sample in their forward
// pass (a variational autoencoder's `randn_like`, noise injection). Each
// is a pure function of a seed, a step counter and the element's position
// (a counter-based hash), so that the backward pass recomputes the forward
// pass's mask instead of storing it, and a run is reproducible. This file
// is included at the end of MPTOps.td and uses its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RANDOM_OPS_TD
#define MPT_RANDOM_OPS_TD

def MPT_DropoutOp : MPT_ForwardOp<"dropout", "Infer",
                                  [AllTypesMatch<["input", "result"]>,
                                   MPT_CountedRandomOpInterface]> {
  let summary = "Inverted dropout, as PyTorch's nn.Dropout in training mode";
  let description = [{
    Zeroes each element with probability `p` and scales the others by
    `1 / (1 - p)`, so that the expected value is unchanged (PyTorch's
    `nn.Dropout` in training mode). The scaling computes in f32 for
    f16/bf16 operands and rounds once.

    The mask is a counter-based hash of `seed`, the i32 `step` and the
    element's row-major position: the same operands and attributes give the
    same mask, the derivative is the same op applied to the cotangent, and
    a different `step` gives an independent mask. In a `mpt.train_step` the
    op has no `step`: `--mpt-expand-train-step` passes the step's dropout
    counter, which every step advances (skipped steps too). A missing
    `step` means 0. Ops of one step need different seeds for independent
    masks. Evaluation functions leave dropout out, as PyTorch's `eval()`.
    Precision class: `infer`.

    ```mlir
    %h = mpt.dropout %x {p = 0.1 : f64, seed = 3 : i64} : tensor<32x256xf16>
    %h2 = mpt.dropout %x, %step {p = 0.1 : f64, seed = 3 : i64} : tensor<32x256xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, Optional<I32>:$step,
                       F64Attr:$p, DefaultValuedAttr<I64Attr, "0">:$seed);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input (`,` $step^)? attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def MPT_RandomNormalOp : MPT_ForwardOp<"random_normal", "Clear",
                                       [MPT_CountedRandomOpInterface]> {
  let summary = "Normally distributed random numbers (randn_like)";
  let description = [{
    A tensor of independent samples of the normal distribution of `mean`
    and standard deviation `scale` (PyTorch's `torch.randn_like(x) * scale
    + mean`, ONNX's RandomNormal and RandomNormalLike), drawn by the
    Box-Muller transform from two uniform numbers, each a counter-based
    hash of `seed`, the i32 `step` and the element's row-major position, as
    `mpt.dropout` draws its mask: the same operands and attributes give the
    same numbers on the CPU and the GPU, and a different `step` gives
    independent ones. In a `mpt.train_step` the op has no `step`:
    `--mpt-expand-train-step` passes the step's random counter. Evaluation
    functions draw with step 0. No cotangent flows into it (it has no
    float operand). Computed in f32 (f64 for f64) and rounded once.
    Precision class: `clear`.

    ```mlir
    %eps = mpt.random_normal {mean = 0.0 : f64, scale = 1.0 : f64, seed = 7 : i64} : tensor<32x16xf32>
    ```
  }];
  let arguments = (ins Optional<I32>:$step,
                       DefaultValuedAttr<F64Attr, "0.0">:$mean,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       DefaultValuedAttr<I64Attr, "0">:$seed);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "($step^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def MPT_RandomUniformOp : MPT_ForwardOp<"random_uniform", "Clear",
                                        [MPT_CountedRandomOpInterface]> {
  let summary = "Uniformly distributed random numbers (rand_like)";
  let description = [{
    A tensor of independent samples of the uniform distribution on
    [`low`, `high`) (PyTorch's `torch.rand_like`, ONNX's RandomUniform and
    RandomUniformLike; a Bernoulli draw is `uniform < p`), each from a
    counter-based hash of `seed`, the i32 `step` and the element's
    row-major position with 24 random bits, as `mpt.dropout` draws its
    mask. In a `mpt.train_step` the op has no `step`:
    `--mpt-expand-train-step` passes the step's random counter. Evaluation
    functions draw with step 0. Computed in f32 (f64 for f64) and rounded
    once. Precision class: `clear`.

    ```mlir
    %u = mpt.random_uniform {low = 0.0 : f64, high = 1.0 : f64, seed = 3 : i64} : tensor<32x1xf32>
    ```
  }];
  let arguments = (ins Optional<I32>:$step,
                       DefaultValuedAttr<F64Attr, "0.0">:$low,
                       DefaultValuedAttr<F64Attr, "1.0">:$high,
                       DefaultValuedAttr<I64Attr, "0">:$seed);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "($step^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

#endif // MPT_RANDOM_OPS_TD
