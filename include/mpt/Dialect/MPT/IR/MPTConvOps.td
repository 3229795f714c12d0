//===- MPTConvOps.td - Convolution and pooling ops ---------*- tablegen -*-===//
//
// 2-D convolution, transposed convolution and pooling on NCHW tensors (the
// layout of PyTorch and ONNX), and the derivative ops their adjoints build.
// Every window op shares one geometry: `strides`, `dilations` ([h, w]) and
// `padding` ([top, left, bottom, right], ONNX's `pads` order), and an output
// size of
// `floor((in + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride) + 1`
// per spatial dim. This file is included at the end of MPTOps.td and uses its
// classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONV_OPS_TD
#define MPT_CONV_OPS_TD

defvar MPT_WindowAttrs = (ins
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations);

def MPT_Conv2DOp : MPT_ForwardOp<"conv2d", "Allow"> {
  let summary = "2-D convolution (NCHW), with stride, padding, dilation and groups";
  let description = [{
    `result[n, f, y, x] = bias[f] + sum_{c, i, j} input[n, g * C/G + c,
    y * sh + i * dh - pt, x * sw + j * dw - pl] * weight[f, c, i, j]`, with
    `g = f / (F/G)` the group of output channel `f` and zero outside the
    input (the padding). `input` is `N x C x H x W`, `weight` is
    `F x C/G x KH x KW` (PyTorch's and ONNX's layout), the optional `bias`
    is `F`; `groups` (G) divides C and F. All operands share one element
    type; products are accumulated in f32 (f64 for f64), like `mpt.matmul`,
    and the CPU lowering is an im2col copy and one GEMM per group.
    Precision class: `allow`.

    ```mlir
    %y = mpt.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>}
        : tensor<8x3x28x28xf16>, tensor<16x3x3x3xf16>, tensor<16xf16> -> tensor<8x16x28x28xf16>
    ```
  }];
  let arguments = !con((ins MPT_FloatTensor:$input, MPT_FloatTensor:$weight,
                            Optional<MPT_FloatTensor>:$bias),
                       MPT_WindowAttrs,
                       (ins DefaultValuedAttr<I64Attr, "1">:$groups));
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def MPT_Conv2DInputGradOp : MPT_Op<"conv2d_input_grad", [Pure]> {
  let summary = "Cotangent of the input of mpt.conv2d";
  let description = [{
    Given the cotangent `output_grad` of the result of an `mpt.conv2d` with
    the same `weight` and attributes, the cotangent of its input, of the
    result type: every output element sends `output_grad * weight` back to
    the input elements its window read (a transposed convolution). Sums
    accumulate in f32 (f64 for f64) and round once.

    ```mlir
    %dx = mpt.conv2d_input_grad %dy, %w {padding = array<i64: 1, 1, 1, 1>}
        : tensor<8x16x28x28xf16>, tensor<16x3x3x3xf16> -> tensor<8x3x28x28xf16>
    ```
  }];
  let arguments = !con((ins MPT_FloatTensor:$output_grad,
                            MPT_FloatTensor:$weight),
                       MPT_WindowAttrs,
                       (ins DefaultValuedAttr<I64Attr, "1">:$groups));
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $output_grad `,` $weight attr-dict `:` type($output_grad) `,`
    type($weight) `->` type($input_grad)
  }];
  let hasVerifier = 1;
}

def MPT_Conv2DWeightGradOp : MPT_Op<"conv2d_weight_grad", [Pure]> {
  let summary = "Cotangent of the weight of mpt.conv2d";
  let description = [{
    Given the `input` of an `mpt.conv2d` with these attributes and the
    cotangent `output_grad` of its result, the cotangent of its weight, of
    the result type: `sum_{n, y, x} output_grad[n, f, y, x] * window(input)`,
    one GEMM per group over the im2col copy of the input, accumulated in f32
    (f64 for f64).

    ```mlir
    %dw = mpt.conv2d_weight_grad %x, %dy {padding = array<i64: 1, 1, 1, 1>}
        : tensor<8x3x28x28xf16>, tensor<8x16x28x28xf16> -> tensor<16x3x3x3xf16>
    ```
  }];
  let arguments = !con((ins MPT_FloatTensor:$input,
                            MPT_FloatTensor:$output_grad),
                       MPT_WindowAttrs,
                       (ins DefaultValuedAttr<I64Attr, "1">:$groups));
  let results = (outs MPT_FloatTensor:$weight_grad);
  let assemblyFormat = [{
    $input `,` $output_grad attr-dict `:` type($input) `,`
    type($output_grad) `->` type($weight_grad)
  }];
  let hasVerifier = 1;
}

def MPT_ConvTranspose2DOp : MPT_ForwardOp<"conv_transpose2d", "Allow"> {
  let summary = "2-D transposed convolution (NCHW), as PyTorch's ConvTranspose2d";
  let description = [{
    The transpose of `mpt.conv2d` (a "deconvolution"): every input element
    `input[n, c, y, x]` adds `input * weight[c, f % (F/G), i, j]` to
    `result[n, f, y * sh + i * dh - pt, x * sw + j * dw - pl]` for the output
    channels `f` of its group, and the optional `bias` (`F`) is added once per
    result element. `input` is `N x C x H x W`, `weight` is
    `C x F/G x KH x KW` (PyTorch's and ONNX's layout: input channels first),
    `groups` (G) divides C and F. The result size per spatial dim is
    `(in - 1) * stride - pad_begin - pad_end + dilation * (kernel - 1) + 1 +
    output_padding` with `0 <= output_padding < stride`: the sizes that an
    `mpt.conv2d` with these attributes maps back to the input size, so the
    result type carries the output padding. Products
    accumulate in f32 (f64 for f64) and round once.
    Precision class: `allow`.

    ```mlir
    %y = mpt.conv_transpose2d %x, %w, %b {strides = array<i64: 2, 2>,
                                          padding = array<i64: 1, 1, 1, 1>}
        : tensor<8x16x14x14xf16>, tensor<16x8x4x4xf16>, tensor<8xf16> -> tensor<8x8x28x28xf16>
    ```
  }];
  let arguments = !con((ins MPT_FloatTensor:$input, MPT_FloatTensor:$weight,
                            Optional<MPT_FloatTensor>:$bias),
                       MPT_WindowAttrs,
                       (ins DefaultValuedAttr<I64Attr, "1">:$groups));
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

class MPT_Pool2DOp<string mnemonic, string precisionClass>
    : MPT_ForwardOp<mnemonic, precisionClass> {
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def MPT_MaxPool2DOp : MPT_Pool2DOp<"max_pool2d", "Clear"> {
  let summary = "2-D max pooling (NCHW)";
  let description = [{
    `result[n, c, y, x]` is the largest `input[n, c, y * sh + i * dh - pt,
    x * sw + j * dw - pl]` over the `kernel` window (`[KH, KW]`), padding
    counting as -inf. Exact in any precision. Precision class: `clear`
    (TensorFlow's MaxPool).

    ```mlir
    %p = mpt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<8x16x28x28xf16> -> tensor<8x16x14x14xf16>
    ```
  }];
  let arguments = !con((ins MPT_FloatTensor:$input, DenseI64ArrayAttr:$kernel),
                       MPT_WindowAttrs);
}

def MPT_AvgPool2DOp : MPT_Pool2DOp<"avg_pool2d", "Infer"> {
  let summary = "2-D average pooling (NCHW)";
  let description = [{
    `result[n, c, y, x]` is the mean of the `kernel` window (`[KH, KW]`) at
    `(y * sh - pt, x * sw - pl)`. With `count_include_pad` the divisor is
    `KH * KW`; without it, the number of window elements inside the input
    (ONNX's and PyTorch's flag). Sums in f32, rounded once. Precision
    class: `infer` (TensorFlow's AvgPool).

    ```mlir
    %p = mpt.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<8x16x28x28xf16> -> tensor<8x16x14x14xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       UnitAttr:$count_include_pad);
}

def MPT_MaxPool2DGradOp : MPT_Op<"max_pool2d_grad", [Pure,
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["output", "output_grad"]>]> {
  let summary = "Cotangent of the input of mpt.max_pool2d";
  let description = [{
    Each window's cotangent `output_grad` goes to the first element of the
    window (in row-major window order) that equals the window's maximum
    `output`, as PyTorch's max pooling routes it; overlapping windows add
    up (in f32, rounded once).

    ```mlir
    %dx = mpt.max_pool2d_grad %x, %y, %dy {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<8x16x28x28xf16>, tensor<8x16x14x14xf16>
    ```
  }];
  let arguments = !con((ins MPT_FloatTensor:$input, MPT_FloatTensor:$output,
                            MPT_FloatTensor:$output_grad,
                            DenseI64ArrayAttr:$kernel),
                       MPT_WindowAttrs);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $input `,` $output `,` $output_grad attr-dict `:` type($input) `,`
    type($output)
  }];
  let hasVerifier = 1;
}

def MPT_AvgPool2DGradOp : MPT_Op<"avg_pool2d_grad", [Pure]> {
  let summary = "Cotangent of the input of mpt.avg_pool2d";
  let description = [{
    Every window's cotangent `output_grad`, divided by the window's divisor,
    is added to each input element of the window; the result has the type
    of the pooled input. Sums in f32, rounded once.

    ```mlir
    %dx = mpt.avg_pool2d_grad %dy {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<8x16x14x14xf16> -> tensor<8x16x28x28xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$output_grad, DenseI64ArrayAttr:$kernel,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       UnitAttr:$count_include_pad);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $output_grad attr-dict `:` type($output_grad) `->` type($input_grad)
  }];
  let hasVerifier = 1;
}

#endif // MPT_CONV_OPS_TD
