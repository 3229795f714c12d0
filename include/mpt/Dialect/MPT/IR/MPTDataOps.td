//===- MPTDataOps.td - Concatenation, slicing and gathering -*- tablegen -*-===//
//
// Ops that move elements without arithmetic: they are exact in any
// precision (class `clear`, as TensorFlow has ConcatV2, StridedSlice and
// GatherV2), and the derivative ops their adjoints build. This file is
// included at the end of MPTOps.td and uses its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_DATA_OPS_TD
#define MPT_DATA_OPS_TD

def MPT_IndexTensor : StaticShapeTensorOf<[I32, I64]>;

def MPT_ConcatOp : MPT_ForwardOp<"concat", "Clear"> {
  let summary = "Joins tensors along one dim";
  let description = [{
    Places the operands one after the other along `axis` (negative counts
    from the end); they agree on every other dim and on the element type.
    Precision class: `clear`.

    ```mlir
    %c = mpt.concat %a, %b {axis = 1 : i64} : tensor<8x16xf16>, tensor<8x4xf16> -> tensor<8x20xf16>
    ```
  }];
  let arguments = (ins Variadic<MPT_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = precisionClassDecl # [{
    /// The axis as a non-negative dim index.
    int64_t getNormalizedAxis();
  }];
}

def MPT_SliceOp : MPT_ForwardOp<"slice", "Clear"> {
  let summary = "A strided box of a tensor";
  let description = [{
    `result[i] = input[offsets + i * strides]` for every index `i` of the
    result, whose shape is the box's size; the box lies inside the input
    and strides are positive. Precision class: `clear`.

    ```mlir
    %s = mpt.slice %x {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>}
        : tensor<8x16xf16> -> tensor<8x6xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$strides);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def MPT_SliceGradOp : MPT_Op<"slice_grad", [Pure]> {
  let summary = "Cotangent of the input of mpt.slice";
  let description = [{
    A zero tensor of the result type with `output_grad` written into the box
    that an `mpt.slice` with the same `offsets` and `strides` reads.

    ```mlir
    %dx = mpt.slice_grad %dy {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>}
        : tensor<8x6xf16> -> tensor<8x16xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$output_grad,
                       DenseI64ArrayAttr:$offsets, DenseI64ArrayAttr:$strides);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat =
      "$output_grad attr-dict `:` type($output_grad) `->` type($input_grad)";
  let hasVerifier = 1;
}

def MPT_GatherOp : MPT_ForwardOp<"gather", "Clear",
    [DeclareOpInterfaceMethods<MPT_IndexingOpInterface>]> {
  let summary = "Picks slices of a tensor by integer indices (embedding lookup)";
  let description = [{
    ONNX's Gather: with `input` of shape `P x V x S` around `axis` (P the
    dims before it, S those after) and integer `indices` of shape `I`, the
    result has shape `P x I x S` and
    `result[p, i, s] = input[p, indices[i], s]`. A negative index counts
    from the end; an index outside `[-V, V)` reads zeros (and receives no
    gradient). With `axis = 0` and a `V x D` table this is an embedding
    lookup. Only the float operand takes part in mixed precision.
    Precision class: `clear`.

    ```mlir
    %e = mpt.gather %table, %tokens {axis = 0 : i64} : tensor<65x32xf32>, tensor<16x8xi64> -> tensor<16x8x32xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, MPT_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` type($input) `,` type($indices) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = precisionClassDecl # [{
    /// The axis as a non-negative dim index.
    int64_t getNormalizedAxis();
  }];
}

def MPT_IndexToFloatOp : MPT_ForwardOp<"index_to_float", "Deny",
    [MPT_FixedPrecision, AllShapesMatch<["input", "result"]>]> {
  let summary = "Converts an integer tensor to floats";
  let description = [{
    Each integer of `input` (read as signed) becomes the nearest value of
    the result's float type: an attention mask given as integers, made a
    float factor (`attention_mask.to(torch.float32)`). It converts through
    f32 (f64 for an f64 result), which is exact for integers up to 2^24
    (2^53). Its operand is data, with no cotangent. Precision class: `deny`,
    and fixed: like an explicit `.to(float32)` under PyTorch's autocast,
    the result keeps its type, and the infer and clear ops that carry it to
    a deny op (the additive mask of attention scores before a softmax) stay
    in f32, so that a mask scaled by f32's lowest value does not overflow
    to an infinity in f16.

    ```mlir
    %m = mpt.index_to_float %attention_mask : tensor<16x8xi64> -> tensor<16x8xf32>
    ```
  }];
  let arguments = (ins MPT_IndexTensor:$input);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result)";
}

def MPT_IndexCastOp : MPT_ForwardOp<"index_cast", "Deny",
    [AllShapesMatch<["input", "result"]>]> {
  let summary = "Converts a tensor of integers to an integer type";
  let description = [{
    An integer `input` is sign-extended or truncated (wrapping) to the
    result's integer type: ONNX's Cast between INT32 and INT64 of integers
    computed by the step (`ids.long()` of int32 token ids). A float `input`
    holding integers (a 0/1 mask, or a count of mask elements) becomes
    those integers: rounded toward zero, a value beyond the result type's
    range saturates to its bound and NaN becomes 0, so that no input gives
    an undefined result. A float input's derivative is 0 wherever it has
    one, so no cotangent flows through it. Precision class: `deny` (a float
    input is read in f32).

    ```mlir
    %ids = mpt.index_cast %tokens : tensor<16x8xi32> -> tensor<16x8xi64>
    %keep = mpt.index_cast %mask : tensor<16x8xf32> -> tensor<16x8xi64>
    ```
  }];
  let arguments = (ins MPT_FloatOrIndexTensor:$input);
  let results = (outs MPT_IndexTensor:$result);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result)";
}

def MPT_GatherGradOp : MPT_Op<"gather_grad", [Pure,
    DeclareOpInterfaceMethods<MPT_IndexingOpInterface>]> {
  let summary = "Cotangent of the gathered input of mpt.gather";
  let description = [{
    The cotangent of `input` of an `mpt.gather` along `axis` with these
    `indices`, given the cotangent `output_grad` of its result: every slice
    of `output_grad` is added to the slice of the result (the input's type)
    that it was read from, `result[p, v, s] = sum_{i : indices[i] = v}
    output_grad[p, i, s]`, in f32 (f64 for f64) and rounded once.

    ```mlir
    %dt = mpt.gather_grad %tokens, %de {axis = 0 : i64} : tensor<16x8xi64>, tensor<16x8x32xf32> -> tensor<65x32xf32>
    ```
  }];
  let arguments = (ins MPT_IndexTensor:$indices, MPT_FloatTensor:$output_grad,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $indices `,` $output_grad attr-dict `:` type($indices) `,`
    type($output_grad) `->` type($input_grad)
  }];
  let hasVerifier = 1;
}

def MPT_GatherElementsOp : MPT_ForwardOp<"gather_elements", "Clear",
    [DeclareOpInterfaceMethods<MPT_IndexingOpInterface>]> {
  let summary = "Picks elements along one dim by integer indices";
  let description = [{
    ONNX's GatherElements (`torch.gather`, `torch.take_along_dim`): `input`
    and the integer `indices` have the same rank and agree on every dim but
    `axis`, and the result, of the indices' shape, holds
    `result[..., k, ...] = input[..., indices[..., k, ...], ...]` (the
    indices at the position of `axis`, the other coordinates unchanged). A
    negative index counts from the end; an index outside `[-V, V)`, with V
    the input's size along `axis`, reads zero (and receives no gradient).
    The values of `mpt.top_k` are the input gathered at its indices. Only
    the float operand takes part in mixed precision. Precision class:
    `clear`.

    ```mlir
    %v = mpt.gather_elements %x, %i {axis = 1 : i64} : tensor<8x16xf32>, tensor<8x4xi64> -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, MPT_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` type($input) `,` type($indices) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = precisionClassDecl # [{
    /// The axis as a non-negative dim index.
    int64_t getNormalizedAxis();
  }];
}

def MPT_GatherElementsGradOp : MPT_Op<"gather_elements_grad", [Pure,
    DeclareOpInterfaceMethods<MPT_IndexingOpInterface>]> {
  let summary = "Cotangent of the input of mpt.gather_elements";
  let description = [{
    The cotangent of `input` of an `mpt.gather_elements` along `axis` with
    these `indices`, given the cotangent `output_grad` of its result: each
    element of `output_grad` is added to the element of the result (the
    input's type) it was read from, `result[..., v, ...] = sum_{k :
    indices[..., k, ...] = v} output_grad[..., k, ...]`, in f32 (f64 for
    f64) and rounded once.

    ```mlir
    %dx = mpt.gather_elements_grad %i, %dv {axis = 1 : i64} : tensor<8x4xi64>, tensor<8x4xf32> -> tensor<8x16xf32>
    ```
  }];
  let arguments = (ins MPT_IndexTensor:$indices, MPT_FloatTensor:$output_grad,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $indices `,` $output_grad attr-dict `:` type($indices) `,`
    type($output_grad) `->` type($input_grad)
  }];
  let hasVerifier = 1;
}

def MPT_TopKOp : MPT_ForwardOp<"top_k", "Clear"> {
  let summary = "Indices of the k largest (or smallest) elements along a dim";
  let description = [{
    ONNX's TopK (`torch.topk`, and `torch.sort`, which exports as a TopK of
    the whole dim), as the indices alone: along `axis`, the result holds the
    positions of the `k` largest elements of `input` in descending order
    (`largest = true`), or of the `k` smallest in ascending order. Equal
    elements keep their order (the lower index first), and a NaN counts as
    larger than every number, as in PyTorch. The values are
    `mpt.gather_elements` of the input at these indices, through which the
    gradient flows; the indices themselves are integers and have none. The
    result has the input's shape with `k` along `axis`. Precision class:
    `clear` (the order is that of the type the input arrives in, as under
    autocast).

    ```mlir
    %i = mpt.top_k %x {axis = 1 : i64, k = 4 : i64, largest = true} : tensor<8x16xf16> -> tensor<8x4xi64>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, I64Attr:$k,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs MPT_IndexTensor:$indices);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($indices)";
  let hasVerifier = 1;
  let extraClassDeclaration = precisionClassDecl # [{
    /// The axis as a non-negative dim index.
    int64_t getNormalizedAxis();
  }];
}

#endif // MPT_DATA_OPS_TD
