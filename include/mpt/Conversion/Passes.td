//===- Passes.td - Conversions shared by the back ends -----*- tablegen -*-===//
//
// The conversions every back end starts with: the step's C entry point and
// mpt ops to linalg on tensors. The back ends' own passes are declared in
// CPU/Passes.td and GPU/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_PASSES_TD
#define MPT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def StepABI : Pass<"mpt-step-abi", "ModuleOp"> {
  let summary = "Gives every step function the C entry point of the runtime";
  let description = [{
    Replaces every step function (a `func.func` marked `mpt.train_step`)
    `@<name>` by `@<name>_step`, which the runtime calls as

    ```c
    void <name>_step(void **buffers);
    ```

    `buffers` holds one pointer per argument of the step function, in order,
    followed by one pointer per result. Each points to a dense row-major
    buffer of the value's element type and static shape: a scalar is one
    element, an `i1` is one byte holding 0 or 1, `f16` and `bf16` take two
    bytes. Tensors hold floats, or `i32`/`i64` (token ids, class labels). Arguments are only read. Results are written into the buffers
    the caller passes, which must not overlap the arguments' buffers; the
    function allocates nothing that outlives the call.

    The body of the step is moved into the entry point: each argument
    buffer is read as a tensor (`bufferization.to_tensor restrict`) and each
    result is materialized into its buffer
    (`bufferization.materialize_in_destination`), so that bufferization
    computes the results in the caller's buffers without copies.

    The signature of the step (types, shapes and `mpt.*` role attributes of
    its arguments and results, the optimizer and loss-scale policy) is kept
    as the module attribute `mpt.steps`, a dictionary from step name to a
    dictionary with `entry`, `function_type`, `arg_attrs`, `res_attrs`,
    `optimizer` and `loss_scale` (the last two printed as strings, so that
    tools without the `mpt` dialect can read the module), and as the
    NUL-terminated JSON string `@<name>_step_signature`, which survives
    translation to LLVM IR and object code. An integer batch input that ops
    read as indices (`IndexingOpInterface`, followed through reshapes) gets
    the values they all accept there as its `index_range`, which a runtime
    checks the data against.

    Before:
    ```mlir
    func.func @s(%w: tensor<4xf32> {mpt.param = "w"}, %x: tensor<4xf32> {mpt.batch = "x"})
        -> (tensor<4xf32> {mpt.param = "w"}, f32 {mpt.loss}) attributes {mpt.train_step} {
      ...
      return %w1, %l : tensor<4xf32>, f32
    }
    ```
    After:
    ```mlir
    module attributes {mpt.steps = {s = {entry = "s_step", function_type = ...}}} {
      llvm.mlir.global internal constant @s_step_signature("{...}\00")
      func.func @s_step(%buffers: !llvm.ptr) {
        // %w, %x: tensors read from buffers[0], buffers[1]
        ...
        bufferization.materialize_in_destination %w1 in restrict writable %out0
            : (tensor<4xf32>, memref<4xf32>) -> ()
        memref.store %l, %out1[] : memref<f32>
        return
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"entrySuffix", "entry-suffix", "std::string", "\"_step\"",
           "Suffix that turns a step's name into its entry point's">,
  ];
}

def ConvertMPTToLinalg : Pass<"convert-mpt-to-linalg", "ModuleOp"> {
  let summary = "Lowers mpt ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every op of a differentiated step function into named linalg
    ops (`linalg.matmul`, `linalg.batch_matmul`, `linalg.transpose`,
    `linalg.fill`), `linalg.generic` for the elementwise ops and
    reductions, `tensor` reshapes and scalar `arith`/`math`:

    - contractions take f16/bf16 operands and accumulate in f32 (f64 for
      f64); the result is rounded to the op's type by a separate
      `arith.truncf` only when that type is narrower. `mpt.linear` starts
      its accumulator from the (widened) bias;
    - reductions, softmax, layer norm and the MSE loss compute in f32 (f64
      for f64) and round once at the end; transcendental elementwise ops on
      f16/bf16 compute in f32 and round their result;
    - `mpt.all_finite` is one `i1` or-reduction of `|x| >= inf or x != x`
      over every element of every operand;
    - the optimizer updates select, per element, between the updated and
      the old value, so a skipped step leaves every bit of the state as it
      was; Adam's bias corrections are computed once per step in f64;
    - `mpt.all_reduce` is one call of the runtime's `mptCommAllReduce`
      with the addresses of one flat buffer per operand (rounded to its
      communication type, divided first for a compressed mean), each
      between `bufferization.to_buffer` and a `restrict writable`
      `bufferization.to_tensor`; the runtime reduces them as one message,
      and the results are widened back or divided by the world size.

    `mpt.gradient` must have been differentiated away
    (`--mpt-differentiate`) and `mpt.train_step` expanded before this pass.

    ```mlir
    %h = mpt.linear %x, %w, %b : tensor<8x4xf16>, tensor<4x2xf16>, tensor<2xf16> -> tensor<8x2xf16>
    ```
    becomes
    ```mlir
    %acc = linalg.generic ... ins(%b : tensor<2xf16>) outs(%e : tensor<8x2xf32>) { arith.extf }
    %mm = linalg.matmul ins(%x, %w : tensor<8x4xf16>, tensor<4x2xf16>) outs(%acc : tensor<8x2xf32>) -> tensor<8x2xf32>
    %h = linalg.generic ... ins(%mm : tensor<8x2xf32>) outs(%e2 : tensor<8x2xf16>) { arith.truncf }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def StructuralCSE : Pass<"mpt-cse"> {
  let summary = "Common subexpression elimination that hashes regions too";
  let description = [{
    Upstream `--cse`, with one difference: an op with regions is found among
    the ops seen before it by a hash of its regions as well as of its
    operands. Upstream's hash leaves regions out, so ops that differ only in
    their bodies collide: in a lowered step, every gather (`linalg.generic`
    with no inputs whose body reads other tensors with `tensor.extract`,
    as slices, concats and pads lower) of one result shape has the same
    hash, and `--cse` compares each with all the earlier ones, body by
    body. An unrolled recurrent network has thousands of them, and its
    CSE took most of its compile time (quadratic in their number).

    The region hash is consistent with upstream's equivalence: an op's
    nested ops are hashed by name, attributes, properties and result types,
    their operands by position when defined inside the op and by identity
    when defined outside it, so equivalent ops hash alike. It is kept on
    each op as a temporary discardable attribute, `mpt.cse_hash`, which
    upstream's hash and equivalence then include; the pass removes it
    before it returns. What is eliminated, the side-effect rules and the
    dominance rules are upstream's (`mlir::eliminateCommonSubExpressions`).
  }];
}

#endif // MPT_CONVERSION_PASSES_TD
