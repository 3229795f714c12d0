//===- MPTMathOps.td - Erf, trigonometry, rounding, pow, ... -*- tablegen -*-===//
//
// The math that exported networks use beyond the core ops (exact GELU,
// decomposed layer norms, classification losses, trigonometry, rounding),
// and the derivative ops their adjoints build. Precision classes follow
// TensorFlow's lists: Erf and the inverse trigonometric functions are
// infer; tan (unbounded near odd multiples of pi/2, like exp), Pow,
// LogSoftmax and the softmax cross-entropy are deny; Max and the rounding
// ops are clear. This file is included at the end of MPTOps.td and uses
// its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_MATH_OPS_TD
#define MPT_MATH_OPS_TD

def MPT_ErfOp : MPT_UnaryOp<"erf", "Infer", "erf(x)",
    "%r = mpt.erf %x : tensor<16x32xf16>">;

// The inverse and the other trigonometric functions (angles and phases
// computed by a network: torch.atan, asin, acos, tan).
def MPT_AtanOp : MPT_UnaryOp<"atan", "Infer", "atan(x)",
    "%r = mpt.atan %x : tensor<16x32xf32>">;
def MPT_AsinOp : MPT_UnaryOp<"asin", "Infer", "asin(x)",
    "%r = mpt.asin %x : tensor<16x32xf32>">;
def MPT_AcosOp : MPT_UnaryOp<"acos", "Infer", "acos(x)",
    "%r = mpt.acos %x : tensor<16x32xf32>">;
def MPT_TanOp : MPT_UnaryOp<"tan", "Deny", "tan(x)",
    "%r = mpt.tan %x : tensor<16x32xf32>">;

// Rounding to integers (torch.floor, ceil, round, and the floored division
// and remainder PyTorch builds from floor). Exact in any precision; their
// derivative is 0 wherever it exists, so no cotangent flows through them,
// as in PyTorch. round takes a tie to the even integer, as torch.round and
// ONNX's Round do.
def MPT_FloorOp : MPT_UnaryOp<"floor", "Clear", "floor(x)",
    "%r = mpt.floor %x : tensor<16x32xf16>">;
def MPT_CeilOp : MPT_UnaryOp<"ceil", "Clear", "ceil(x)",
    "%r = mpt.ceil %x : tensor<16x32xf16>">;
def MPT_RoundOp : MPT_UnaryOp<"round", "Clear", "round half to even(x)",
    "%r = mpt.round %x : tensor<16x32xf16>">;

def MPT_PowOp : MPT_ForwardOp<"pow", "Deny",
    [AllTypesMatch<["lhs", "result"]>]> {
  let summary = "Elementwise lhs ^ rhs with trailing broadcast";
  let description = [{
    Computes `lhs ^ rhs` elementwise in f32 (f64 for f64), with C's `pow`
    rules (a negative base needs an integral exponent). `rhs` is of the
    shape of `lhs` or of its trailing dims (a rank-0 exponent), like
    `mpt.add`. Precision class: `deny` (powers overflow f16 quickly).

    ```mlir
    %sq = mpt.pow %x, %two : tensor<16x32xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$lhs, MPT_FloatTensor:$rhs);
  let results = (outs MPT_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let hasVerifier = 1;
}

def MPT_ReduceMaxOp : MPT_ForwardOp<"reduce_max", "Clear"> {
  let summary = "Maximum over the given dims";
  let description = [{
    Reduces `input` by its maximum over `dims` (all dims when `dims` is
    absent); `keep_dims` keeps reduced dims with size 1. Exact in any
    precision, so its class is `clear` (TensorFlow's Max), not `deny` like
    the sums.

    ```mlir
    %m = mpt.reduce_max %x {dims = array<i64: 1>} : tensor<16x64xf32> -> tensor<16xf32>
    ```
  }];
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

def MPT_ReduceMaxGradOp : MPT_Op<"reduce_max_grad", [Pure,
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["output", "output_grad"]>]> {
  let summary = "Cotangent of the input of mpt.reduce_max";
  let description = [{
    The cotangent of each reduced group is shared equally by the elements
    that equal its maximum `output` (PyTorch's `amax` rule); the others get
    zero. `dims` and `keep_dims` are those of the `mpt.reduce_max`.

    ```mlir
    %dx = mpt.reduce_max_grad %x, %m, %dm {dims = array<i64: 1>} : tensor<16x64xf32>, tensor<16xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$input, MPT_FloatTensor:$output,
                       MPT_FloatTensor:$output_grad,
                       OptionalAttr<DenseI64ArrayAttr>:$dims,
                       UnitAttr:$keep_dims);
  let results = (outs MPT_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $input `,` $output `,` $output_grad attr-dict `:` type($input) `,`
    type($output)
  }];
  let hasVerifier = 1;
}

def MPT_LogSoftmaxOp : MPT_ForwardOp<"log_softmax", "Deny",
    [SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "Log of the softmax along one dim";
  let description = [{
    `x - max(x) - log(sum(exp(x - max(x))))` along `axis` (default: the last
    dim), computed stably in f32 (f64 for f64). Precision class: `deny`.

    ```mlir
    %lp = mpt.log_softmax %logits : tensor<32x10xf32>
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

def MPT_CrossEntropyLossOp : MPT_ForwardOp<"cross_entropy_loss", "Deny",
    [DeclareOpInterfaceMethods<MPT_IndexingOpInterface>,
     DeclareOpInterfaceMethods<MPT_LossOpInterface>]> {
  let summary = "Softmax cross-entropy, computed and returned in f32";
  let description = [{
    The mean over the `N` rows of `logits` (`N x C`) of
    `-sum_c target[n, c] * log_softmax(logits)[n, c]`, as an f32 scalar,
    with the log-softmax computed stably in f32 (f64 for f64 logits). The
    target is either an integer tensor of `N` class indices (PyTorch's
    `CrossEntropyLoss` with class labels; an index outside `[0, C)`
    contributes zero) or a float `N x C` tensor of class probabilities
    (one-hot labels, label smoothing). Like `mpt.mse_loss` it can be the
    value `mpt.loss` takes. Precision class: `deny`.

    ```mlir
    %l = mpt.cross_entropy_loss %logits, %labels : tensor<32x10xf32>, tensor<32xi64>
    %m = mpt.cross_entropy_loss %logits, %onehot : tensor<32x10xf32>, tensor<32x10xf32>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$logits,
                       AnyTypeOf<[MPT_IndexTensor, MPT_FloatTensor]>:$target);
  let results = (outs F32:$loss);
  let assemblyFormat =
      "$logits `,` $target attr-dict `:` type($logits) `,` type($target)";
  let hasVerifier = 1;
}

def MPT_CrossEntropyLossGradOp : MPT_Op<"cross_entropy_loss_grad", [Pure,
    DeclareOpInterfaceMethods<MPT_IndexingOpInterface>,
    AllTypesMatch<["logits", "logits_grad"]>]> {
  let summary = "Cotangent of the logits of mpt.cross_entropy_loss";
  let description = [{
    `logits_grad[n, c] = loss_grad / N * (softmax(logits)[n, c] * sum_k
    target[n, k] - target[n, c])`, in f32 (f64 for f64 logits) and rounded
    once, where `loss_grad` is the f32 cotangent of the loss and an integer
    target stands for its one-hot rows.

    ```mlir
    %dz = mpt.cross_entropy_loss_grad %logits, %labels, %dl : tensor<32x10xf32>, tensor<32xi64>
    ```
  }];
  let arguments = (ins MPT_FloatTensor:$logits,
                       AnyTypeOf<[MPT_IndexTensor, MPT_FloatTensor]>:$target,
                       F32:$loss_grad);
  let results = (outs MPT_FloatTensor:$logits_grad);
  let assemblyFormat = [{
    $logits `,` $target `,` $loss_grad attr-dict `:` type($logits) `,`
    type($target)
  }];
  let hasVerifier = 1;
}

#endif // MPT_MATH_OPS_TD
