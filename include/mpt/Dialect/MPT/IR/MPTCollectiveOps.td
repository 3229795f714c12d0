//===- MPTCollectiveOps.td - Communication between ranks ---*- tablegen -*-===//
//
// Ops that combine the values of the ranks of a data-parallel job. This file
// is included at the end of MPTOps.td and uses its classes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_COLLECTIVE_OPS_TD
#define MPT_COLLECTIVE_OPS_TD

include "mpt/Dialect/MPT/IR/MPTCollectiveEnums.td"

def MPT_CommType : TypeAttrOf<AnyTypeOf<[F16, BF16]>>;

def MPT_AllReduceOp : MPT_Op<"all_reduce", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Combines a value across the ranks of a data-parallel job";
  let description = [{
    Every rank of the job runs the same step and reaches the same
    `mpt.all_reduce` with operands of the same types; each result is, on
    every rank, the elementwise combination of that operand over all ranks:

    - `sum`: the sum over the ranks;
    - `mean`: the sum divided by the world size (the number of ranks);
    - `max`, `min`: the largest or smallest value.

    The operands travel as one message, so a runtime may pack several small
    tensors into one buffer (a gradient bucket). Every rank gets the same
    result, bit for bit: the runtime reduces in one order for all ranks.

    `as f16` or `as bf16` compresses a `sum` or `mean` as PyTorch DDP's
    `fp16_compress_hook` and `bf16_compress_hook` do: each rank divides its
    operand by the world size first (for `mean`), rounds it to the
    communication type, the ranks sum in that type, and the sum is widened
    back to the operand type. A sum beyond the communication type's range is
    infinite, so the `mpt.all_finite` guard after it sees the overflow.
    Without it, all operands have one element type and the reduction runs in
    it.

    `world_size` fixes the number of ranks the step is compiled for; the
    runtime then refuses to run it with another. Without it, the step asks
    the runtime.

    The op is `Pure` (as upstream's `shard.all_reduce`): its results depend
    only on its operands and on the other ranks, which run the same step.

    ```mlir
    %r:2 = mpt.all_reduce mean %g0, %g1 : tensor<4x8xf32>, tensor<8xf32>
    %c = mpt.all_reduce mean %g2 as f16 {world_size = 4 : i64} : tensor<8x8xf32>
    ```
  }];
  let arguments = (ins MPT_ReductionKind:$kind,
                       Variadic<MPT_FloatTensor>:$inputs,
                       OptionalAttr<MPT_CommType>:$comm_type,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$world_size);
  let results = (outs Variadic<MPT_FloatTensor>:$results);
  let assemblyFormat = [{
    $kind $inputs (`as` $comm_type^)? attr-dict `:` type($inputs)
  }];
  let hasVerifier = 1;
}

def MPT_WorldSizeOp : MPT_Op<"world_size", [Pure]> {
  let summary = "The number of ranks of the data-parallel job";
  let description = [{
    The world size the runtime reports: the number of processes that run
    this step together (1 for a single process). It is the same on every
    rank for the whole job.

    ```mlir
    %n = mpt.world_size
    ```
  }];
  let results = (outs I64:$ranks);
  let assemblyFormat = "attr-dict";
}

#endif // MPT_COLLECTIVE_OPS_TD
