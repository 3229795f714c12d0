//===- MPTRandomOps.td - Ops with random masks -------------*- tablegen -*-===//
//
// Dropout, the one random op of training networks. Its mask is a pure
// function of a seed, a step counter and the element's position (a
// counter-based hash), so that the backward pass recomputes the forward
// pass's mask instead of storing it, and a run is reproducible. This file
// is included at the end of MPTOps.td and uses its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RANDOM_OPS_TD
#define MPT_RANDOM_OPS_TD

def MPT_DropoutOp : MPT_ForwardOp<"dropout", "Infer",
                                  [AllTypesMatch<["input", "result"]>]> {
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

#endif // MPT_RANDOM_OPS_TD
