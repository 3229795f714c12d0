//===- MPTMaskOps.td - Comparisons and selection -------------*- tablegen -*-===//
//
// Conditions computed by the step (PyTorch's `x > y`, `torch.where`,
// `masked_fill` with a mask from the data): a comparison yields a 0/1 mask
// in the operands' float type (integer operands, token ids, give a mask of
// any float type), and a select picks between two values by it; indices
// computed from integer data (`lengths - 1`). All are
// exact in any precision (class `clear`); none passes a cotangent to a
// mask. This file is included at the end of MPTOps.td and
// uses its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_MASK_OPS_TD
#define MPT_MASK_OPS_TD

include "mpt/Dialect/MPT/IR/MPTMaskEnums.td"

def MPT_CompareOp : MPT_ForwardOp<"compare", "Clear",
    [SameOperandsAndResultType]> {
  let summary = "Elementwise comparison, as a 0/1 mask";
  let description = [{
    Compares `lhs` with `rhs` elementwise (`gt`, `ge`, `lt`, `le`, `eq`,
    `ne`) and yields 1 where the comparison holds and 0 where it does not,
    in the operands' type: PyTorch's `(x > y).float()`, and the condition
    `mpt.select` reads. A comparison with a NaN does not hold, except `ne`
    (IEEE's rules, ONNX's and PyTorch's). Its derivative is 0 wherever it
    has one, so no cotangent flows through it. Precision class: `clear`
    (it compares in the precision of its neighbours, as PyTorch compares
    autocast's f16 results in f16).

    ```mlir
    %m = mpt.compare gt, %x, %zero : tensor<16x32xf16>
    ```
  }];
  let arguments = (ins MPT_ComparePredicate:$predicate,
                       MPT_FloatTensor:$lhs, MPT_FloatTensor:$rhs);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat =
      "$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs)";
}

def MPT_IndexCompareOp : MPT_ForwardOp<"index_compare", "Clear",
    [AllElementTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Elementwise comparison of integer tensors, as a 0/1 mask";
  let description = [{
    Compares the integer tensors `lhs` and `rhs` elementwise (`gt`, `ge`,
    `lt`, `le`, `eq`, `ne`, as signed integers), broadcast to the result's
    shape by NumPy's rules (aligned at their last dims, a dim of size 1 or
    a missing leading dim repeated), and yields 1 where the comparison holds
    and 0 where it does not, in the float type of the result: the padding
    mask of a model that reads token ids (`tokens == pad`,
    `(tokens != 0).float()`), or a sequence mask from lengths
    (`positions < lengths[:, None]`). The comparison is exact whatever the
    result's type, so token ids above f16's 2048 still compare exactly when
    the mask is f16. The operands are data, not differentiable values, and
    the mask passes no cotangent. Precision class: `clear` (the mask takes
    the precision of its neighbours; the integers take no part).

    ```mlir
    %m = mpt.index_compare eq, %tokens, %pad : tensor<16x8xi64>, tensor<i64> -> tensor<16x8xf32>
    ```
  }];
  let arguments = (ins MPT_ComparePredicate:$predicate,
                       MPT_IndexTensor:$lhs, MPT_IndexTensor:$rhs);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def MPT_IndexArithOp : MPT_ForwardOp<"index_arith", "Clear",
    [AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "Elementwise arithmetic of integer tensors";
  let description = [{
    `add`, `sub`, `mul`, `div`, `mod`, `max` or `min` of the integer tensors
    `lhs` and `rhs` elementwise, as signed integers that wrap on overflow,
    broadcast
    to the result's shape by NumPy's rules: indices computed from the data,
    such as the last valid position of each sequence (`lengths - 1`) or a
    row's offset into a flattened tensor (`arange(B) * T + t`), clamped
    (`(lengths - 1).clamp(min=0)`). `div`
    truncates towards zero and `mod` takes the sign of the divisor
    (ONNX's Div and Mod of integers, Python's `%`); a zero divisor gives 0
    rather than a trap (PyTorch raises an error). Integers carry no
    cotangent and take no part in mixed precision. Precision class:
    `clear`.

    ```mlir
    %last = mpt.index_arith sub, %lengths, %one : tensor<16xi64>, tensor<i64> -> tensor<16xi64>
    ```
  }];
  let arguments = (ins MPT_IndexArithKind:$kind,
                       MPT_IndexTensor:$lhs, MPT_IndexTensor:$rhs);
  let results = (outs MPT_IndexTensor:$result);
  let assemblyFormat = [{
    $kind `,` $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def MPT_SelectOp : MPT_ForwardOp<"select", "Clear",
    [AllTypesMatch<["condition", "true_value", "false_value", "result"]>]> {
  let summary = "Elementwise choice between two values by a mask";
  let description = [{
    `condition != 0 ? true_value : false_value` elementwise (a NaN
    condition counts as nonzero): ONNX's Where with a condition computed by
    the step. The value not chosen does not reach the result, so an
    infinite fill (`masked_fill(mask, -inf)`) stays exact. The cotangent of
    the result goes to `true_value` where the condition holds and to
    `false_value` elsewhere; the condition gets none. Precision class:
    `clear`.

    ```mlir
    %r = mpt.select %m, %x, %y : tensor<16x32xf16>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$condition, MPT_FloatTensor:$true_value,
                       MPT_FloatTensor:$false_value);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat =
      "$condition `,` $true_value `,` $false_value attr-dict `:` type($result)";
}

#endif // MPT_MASK_OPS_TD
