//===- MPTGradOps.td - Ops of the backward computation -----*- tablegen -*-===//
//
// Ops that reverse-mode differentiation needs beyond the forward ops. Two of
// them, `mpt.div` and `mpt.broadcast`, are ordinary tensor ops (with a
// precision class and an adjoint of their own); the `*_grad` ops are the
// derivatives of forward ops whose adjoint has no short form in the other
// ops. This file is included at the end of MPTOps.td and uses its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_GRAD_OPS_TD
#define MPT_GRAD_OPS_TD

def MPT_DivOp : MPT_BinaryOp<"div", "lhs / rhs">;

def MPT_BroadcastOp : MPT_ForwardOp<"broadcast", "Clear"> {
  let summary = "Repeats a tensor along new dims";
  let description = [{
    Inserts the result dims listed in `dims` (sorted, each once) and repeats
    `input` along them: the result indexed by `i` reads `input` at the
    indices of `i` whose dims are not in `dims`. The result without the dims
    in `dims` has the shape of `input`; both have one element type. It is
    the inverse of `mpt.reduce_sum` without `keep_dims`, and the adjoint of
    reductions uses it. Integer tensors (indices) broadcast too (`idx[:, :,
    None].expand(...)` before a `torch.gather`); they have no cotangent.
    Precision class: `clear`.

    ```mlir
    %b = mpt.broadcast %s {dims = array<i64: 1>} : tensor<16xf32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins MPT_FloatOrIndexTensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs MPT_FloatOrIndexTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def MPT_ReluGradOp : MPT_Op<"relu_grad", [Pure,
    AllTypesMatch<["output", "output_grad", "input_grad"]>]> {
  let summary = "Cotangent of the input of mpt.relu";
  let description = [{
    `input_grad = output > 0 ? output_grad : 0` elementwise, where `output`
    is the result of `mpt.relu` and `output_grad` its cotangent (the
    derivative at 0 is taken as 0). `relu(x) > 0` exactly when `x > 0`, so
    the backward pass keeps the relu's result alive rather than its input,
    which the next layer's adjoint needs anyway.

    ```mlir
    %dx = mpt.relu_grad %y, %dy : tensor<16x32xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$output, MPT_FloatTensor:$output_grad);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = "$output `,` $output_grad attr-dict `:` type($output)";
}

def MPT_GeluGradOp : MPT_Op<"gelu_grad", [Pure,
    AllTypesMatch<["input", "output_grad", "input_grad"]>]> {
  let summary = "Cotangent of the input of mpt.gelu";
  let description = [{
    `input_grad = output_grad * gelu'(input)` elementwise, the derivative of
    the tanh approximation that `mpt.gelu` computes: with
    `t = tanh(sqrt(2/pi) (x + 0.044715 x^3))`,
    ```
    gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
    ```

    ```mlir
    %dx = mpt.gelu_grad %x, %dy : tensor<16x32xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, MPT_FloatTensor:$output_grad);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = "$input `,` $output_grad attr-dict `:` type($input)";
}

def MPT_LayerNormGradOp : MPT_Op<"layer_norm_grad", [Pure,
    AllTypesMatch<["input", "output_grad", "input_grad"]>]> {
  let summary = "Cotangent of the input of mpt.layer_norm";
  let description = [{
    The cotangent of `input` of `mpt.layer_norm %input, %gamma, %beta` with
    the same `epsilon`, given the cotangent `output_grad` of its result.
    Over the last dim, of size `D`, with `mean` and the biased `var` of the
    input row:
    ```
    rstd = 1 / sqrt(var + epsilon)
    xhat = (input - mean) * rstd
    g = output_grad * gamma
    input_grad = rstd * (g - sum(g) / D - xhat * sum(g * xhat) / D)
    ```
    The sums accumulate in f32 (f64 for f64), like the statistics of the
    forward op. The cotangents of `gamma` and `beta` are reductions over the
    leading dims, which `mpt.reduce_sum` expresses.

    ```mlir
    %dx = mpt.layer_norm_grad %x, %g, %dy {epsilon = 1.0e-05 : f64} : tensor<16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, MPT_FloatTensor:$gamma,
                       MPT_FloatTensor:$output_grad,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $input `,` $gamma `,` $output_grad attr-dict `:` type($input) `,`
    type($gamma)
  }];
  let hasVerifier = 1;
}

#endif // MPT_GRAD_OPS_TD
