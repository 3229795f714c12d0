//===- MPTActivationOps.td - Piecewise activations ---------*- tablegen -*-===//
//
// The activations of exported networks beyond ReLU, GELU, tanh and sigmoid
// (ONNX's LeakyRelu, Elu, Selu, Celu, Softplus, Abs, Clip, HardSigmoid,
// HardSwish, Shrink and Sign), and the derivative ops their adjoints build: the derivatives
// are piecewise, with no short form in the other ops. Each computes in f32
// for f16/bf16 operands and rounds once. Precision classes follow
// TensorFlow's lists: the exact ones (Abs, ClipByValue, Relu6, Sign) are
// clear, the others infer. This file is included at the end of MPTOps.td and uses
// its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_ACTIVATION_OPS_TD
#define MPT_ACTIVATION_OPS_TD

// An elementwise activation `formula` with the attributes `parameters`.
class MPT_ActivationOp<string mnemonic, string precisionClass, string formula,
                       dag parameters, string example, string notes = "">
    : MPT_ForwardOp<mnemonic, precisionClass,
                    [SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "Elementwise " # formula;
  let description = "Computes `" # formula # "` elementwise, in f32 for "
      "f16/bf16 operands, rounding once to the operand's type. " # notes #
      "Precision class: `" # precisionClass # "`.\n\n"
      "```mlir\n" # example # "\n```";
  let arguments = !con((ins MPT_FloatTensor:$input), parameters);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

// The cotangent of the input of the activation `forward`, whose
// derivative is `derivative`, given the cotangent of its result.
class MPT_ActivationGradOp<string mnemonic, string forward, string derivative,
                           dag parameters, string example>
    : MPT_Op<mnemonic, [Pure,
                        AllTypesMatch<["input", "output_grad", "input_grad"]>]> {
  let summary = "Cotangent of the input of mpt." # forward;
  let description = "`input_grad = output_grad * f'(input)` elementwise, "
      "where `f` is `mpt." # forward # "` with the same attributes and "
      "`f'(x) = " # derivative # "` (PyTorch's choice at the kinks). "
      "Computes in f32 for f16/bf16 operands and rounds once.\n\n"
      "```mlir\n" # example # "\n```";
  let arguments = !con((ins MPT_FloatTensor:$input,
                            MPT_FloatTensor:$output_grad), parameters);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = "$input `,` $output_grad attr-dict `:` type($input)";
}

def MPT_LeakyReluOp : MPT_ActivationOp<"leaky_relu", "Infer",
    "x > 0 ? x : alpha x", (ins DefaultValuedAttr<F64Attr, "0.01">:$alpha),
    "%r = mpt.leaky_relu %x {alpha = 0.2 : f64} : tensor<16x32xf16>">;
def MPT_LeakyReluGradOp : MPT_ActivationGradOp<"leaky_relu_grad",
    "leaky_relu", "x > 0 ? 1 : alpha",
    (ins DefaultValuedAttr<F64Attr, "0.01">:$alpha),
    "%dx = mpt.leaky_relu_grad %x, %dy {alpha = 0.2 : f64} : tensor<16x32xf16>">;

def MPT_EluOp : MPT_ActivationOp<"elu", "Infer",
    "scale (x > 0 ? x : alpha (exp(input_scale x) - 1))",
    (ins DefaultValuedAttr<F64Attr, "1.0">:$alpha,
         DefaultValuedAttr<F64Attr, "1.0">:$scale,
         DefaultValuedAttr<F64Attr, "1.0">:$input_scale),
    "%r = mpt.elu %x {alpha = 1.0 : f64} : tensor<16x32xf16>",
    "`exp(x) - 1` is computed without cancellation near 0 (expm1). The "
    "three attributes are those of PyTorch's `elu` kernel: ONNX's Elu has "
    "`scale = input_scale = 1`, its Selu `alpha = 1.67326...` and "
    "`scale = 1.0507...`, its Celu `input_scale = 1 / alpha`. ">;
def MPT_EluGradOp : MPT_ActivationGradOp<"elu_grad", "elu",
    "scale (x > 0 ? 1 : alpha input_scale exp(input_scale x))",
    (ins DefaultValuedAttr<F64Attr, "1.0">:$alpha,
         DefaultValuedAttr<F64Attr, "1.0">:$scale,
         DefaultValuedAttr<F64Attr, "1.0">:$input_scale),
    "%dx = mpt.elu_grad %x, %dy {alpha = 1.0 : f64} : tensor<16x32xf16>">;

def MPT_SoftplusOp : MPT_ActivationOp<"softplus", "Infer",
    "log(1 + exp(x))", (ins),
    "%r = mpt.softplus %x : tensor<16x32xf16>",
    "Computed as `max(x, 0) + log(1 + exp(-|x|))`, which neither overflows "
    "for large `x` nor loses `exp(-|x|)` next to 1. ">;
def MPT_SoftplusGradOp : MPT_ActivationGradOp<"softplus_grad", "softplus",
    "1 / (1 + exp(-x))", (ins),
    "%dx = mpt.softplus_grad %x, %dy : tensor<16x32xf16>">;

def MPT_AbsOp : MPT_ActivationOp<"abs", "Clear", "|x|", (ins),
    "%r = mpt.abs %x : tensor<16x32xf16>", "Exact in any precision. ">;
def MPT_AbsGradOp : MPT_ActivationGradOp<"abs_grad", "abs",
    "sign(x), 0 at 0", (ins),
    "%dx = mpt.abs_grad %x, %dy : tensor<16x32xf16>">;

def MPT_ClampOp : MPT_ActivationOp<"clamp", "Clear",
    "min(max(x, min), max)",
    (ins OptionalAttr<F64Attr>:$min, OptionalAttr<F64Attr>:$max),
    "%r = mpt.clamp %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<16x32xf16>",
    "An absent bound does not bound; a NaN stays NaN. Exact in any "
    "precision (the bounds are rounded to the operand's type). ONNX's Clip, "
    "from PyTorch's Hardtanh, ReLU6 and clamp. The bounds are not NaN, and "
    "`min <= max`. "> {
  let hasVerifier = 1;
}
def MPT_ClampGradOp : MPT_ActivationGradOp<"clamp_grad", "clamp",
    "min < x < max ? 1 : 0",
    (ins OptionalAttr<F64Attr>:$min, OptionalAttr<F64Attr>:$max),
    "%dx = mpt.clamp_grad %x, %dy {min = 0.0 : f64, max = 6.0 : f64} : tensor<16x32xf16>"> {
  let hasVerifier = 1;
}

def MPT_HardSigmoidOp : MPT_ActivationOp<"hard_sigmoid", "Infer",
    "max(0, min(1, alpha x + beta))",
    (ins DefaultValuedAttr<F64Attr, "0.2">:$alpha,
         DefaultValuedAttr<F64Attr, "0.5">:$beta),
    "%r = mpt.hard_sigmoid %x {alpha = 0.16666666666666666 : f64} : tensor<16x32xf16>",
    "PyTorch's Hardsigmoid is `alpha = 1/6`. ">;
def MPT_HardSigmoidGradOp : MPT_ActivationGradOp<"hard_sigmoid_grad",
    "hard_sigmoid", "0 < alpha x + beta < 1 ? alpha : 0",
    (ins DefaultValuedAttr<F64Attr, "0.2">:$alpha,
         DefaultValuedAttr<F64Attr, "0.5">:$beta),
    "%dx = mpt.hard_sigmoid_grad %x, %dy {alpha = 0.16666666666666666 : f64} : tensor<16x32xf16>">;

def MPT_HardSwishOp : MPT_ActivationOp<"hard_swish", "Infer",
    "x min(max(x + 3, 0), 6) / 6", (ins),
    "%r = mpt.hard_swish %x : tensor<16x32xf16>">;
def MPT_HardSwishGradOp : MPT_ActivationGradOp<"hard_swish_grad",
    "hard_swish", "x < -3 ? 0 : x <= 3 ? x / 3 + 1 / 2 : 1", (ins),
    "%dx = mpt.hard_swish_grad %x, %dy : tensor<16x32xf16>">;

def MPT_ShrinkOp : MPT_ActivationOp<"shrink", "Infer",
    "x < -lambd ? x + bias : x > lambd ? x - bias : 0",
    (ins DefaultValuedAttr<F64Attr, "0.5">:$lambd,
         DefaultValuedAttr<F64Attr, "0.0">:$bias),
    "%r = mpt.shrink %x {lambd = 5.000000e-01 : f64, bias = 5.000000e-01 : f64} : tensor<16x32xf16>",
    "ONNX's Shrink: PyTorch's Hardshrink is `bias = 0`, its Softshrink "
    "`bias = lambd`. A NaN stays NaN. `lambd` is not negative. "> {
  let hasVerifier = 1;
}
def MPT_ShrinkGradOp : MPT_ActivationGradOp<"shrink_grad", "shrink",
    "-lambd <= x <= lambd ? 0 : 1",
    (ins DefaultValuedAttr<F64Attr, "0.5">:$lambd,
         DefaultValuedAttr<F64Attr, "0.0">:$bias),
    "%dx = mpt.shrink_grad %x, %dy {lambd = 5.000000e-01 : f64} : tensor<16x32xf16>"> {
  let hasVerifier = 1;
}

def MPT_SignOp : MPT_ActivationOp<"sign", "Clear",
    "x > 0 ? 1 : x < 0 ? -1 : x", (ins),
    "%r = mpt.sign %x : tensor<16x32xf16>",
    "Exact in any precision; a zero keeps its sign and a NaN stays NaN. "
    "Its derivative is 0 wherever it has one, so no cotangent flows "
    "through it (PyTorch's choice at 0 too). ">;

#endif // MPT_ACTIVATION_OPS_TD
