//===- Passes.td - Lowering of training steps to NVIDIA GPUs -*- tablegen -*-===//
//
// The passes of `--mpt-lower-to-nvvm`, in pipeline order. Each one is
// registered on its own so that the IR between any two of them can be
// printed and tested.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_GPU_PASSES_TD
#define MPT_CONVERSION_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def GPUDeviceScalars : Pass<"mpt-gpu-device-scalars", "ModuleOp"> {
  let summary = "Keeps the scalars of a step (loss, scale, flags) on the device";
  let description = [{
    On a GPU every tensor of a step lives in device memory, so a scalar read
    out of a tensor (`tensor.extract`) and everything computed from it (the
    loss, the overflow flag, the skip decision, the new loss scale) would
    need the host to wait for the device and copy the value back, once per
    step. This pass keeps them on the device instead:

    - scalar arguments and results of public functions become 0-d tensors,
      so the runtime passes them as device buffers like any other state;
      in a step entry point (`--mpt-step-abi`), a scalar loaded from or
      stored to a step buffer becomes a 0-d tensor read from
      (`bufferization.to_tensor`) or materialized into that buffer;
    - every scalar op that depends on device data becomes a 0-d
      `linalg.generic`, which later runs as a (tiny) kernel or fuses into
      its consumer;
    - a device scalar captured by a `linalg.generic` body becomes one more
      input of that op, broadcast with the map `(d0, ...) -> ()`.

    Only index and constant arithmetic is left to the host. A device scalar
    used by an op that needs its value on the host (an `scf.if` condition,
    a dynamic size) is reported as an error.

    Before:
    ```mlir
    func.func @f(%t: tensor<8xi1>, %s: f32) -> f32 {
      %ok = tensor.extract %r[] : tensor<i1>     // %r reduces %t
      %half = arith.mulf %s, %c0_5 : f32
      %new = arith.select %ok, %s, %half : f32
      return %new : f32
    }
    ```
    After:
    ```mlir
    func.func @f(%t: tensor<8xi1>, %s: tensor<f32>) -> tensor<f32> {
      %half = linalg.generic ... ins(%s : tensor<f32>) ... { arith.mulf ... }
      %new = linalg.generic ... ins(%r, %s, %half : tensor<i1>, ...) ... {
        arith.select ...
      }
      return %new : tensor<f32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def GPUDeviceCollectives : Pass<"mpt-gpu-device-collectives", "ModuleOp"> {
  let summary = "Reduces the collectives of a GPU step on the device";
  let description = [{
    `--convert-mpt-to-linalg` lowers `mpt.all_reduce` to a call of the
    runtime's `mptCommAllReduce`, which combines host memory. On a GPU every
    buffer is device memory, so this pass retargets each such call to
    `mptCommAllReduceDevice` (the same arguments), which MPT's CUDA runtime
    implements with NCCL on the device buffer: no copy to the host and
    back. `gpu-async-region` later makes the host wait for the kernels that
    wrote the buffer before the call, and the call returns once the
    reduction is done.

    ```mlir
    call @mptCommAllReduce(%p, %n, %dtype, %op, %ranks) : (!llvm.ptr, i64, i32, i32, i64) -> ()
    ```
    becomes
    ```mlir
    call @mptCommAllReduceDevice(%p, %n, %dtype, %op, %ranks) : (!llvm.ptr, i64, i32, i32, i64) -> ()
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def GPUFuseElementwise : Pass<"mpt-gpu-fuse-elementwise", "func::FuncOp"> {
  let summary = "Fuses elementwise chains so that each becomes one kernel";
  let description = [{
    First rewrites each `linalg.broadcast` as a `linalg.generic` (shared
    with the CPU's `--mpt-cpu-generalize-broadcasts`), so that a row
    statistic spread over its rows is fused into its readers instead of
    stored at full size. Then fuses producer `linalg.generic` ops whose
    iterators are all parallel into their consumers (casts, bias, activation, unscale, the optimizer
    update, the per-element part of a reduction), so that a chain of
    elementwise ops costs one read of its inputs and one write of its
    output. A producer is fused when it has a single use, or when it is
    cheap to recompute: 0-d producers (the loss-scale arithmetic, the skip
    flag) are fused into every consumer. Finally each op gets its own
    initial output (`tensor.empty`, `linalg.fill`): shared ones would make
    bufferization reuse one buffer for unrelated results, or copy a filled
    buffer for every further user.

    ```mlir
    %h = linalg.generic ... { arith.addf }   // bias
    %a = linalg.generic ins(%h ...) { arith.maximumf }   // relu
    ```
    becomes one `linalg.generic` computing `max(x + b, 0)`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def GPURecomputeRoundings : Pass<"mpt-gpu-recompute-roundings",
                                 "func::FuncOp"> {
  let summary = "Rounds a tensor again before each reader of its 16-bit copy";
  let description = [{
    A 16-bit copy of a tensor made by an op that only rounds it, and read
    far apart (by the forward pass and again by the backward pass), would
    hold device memory for all the time in between. Each of its readers
    gets a rounding of its own, right before it (through the reshapes
    between them), which the device memory pass frees right after it,
    when that costs no memory elsewhere, that is when the tensor rounded
    stays in memory anyway:

    - it is a batch input of the step (`mpt.batch` in the step's signature,
      the `mpt.steps` module attribute), rounded for the first layer's GEMM
      and for the first layer's weight gradient at the end of the step;
    - it is computed by the step and read again after the copy's last
      reader (softmax's f32 probabilities, which its gradient reads, and
      their f16 copy for the product with the values and its gradient).

    The parameters' copies are made once per step, unless
    `parameters=true`. Each extra reader costs one more elementwise kernel
    (or none, when the reader is elementwise: fusion takes the rounding
    into it), and the same values are read. Runs before
    `--mpt-gpu-fuse-elementwise`.

    ```mlir
    %x16 = linalg.generic ... ins(%x : tensor<64x32xf32>) outs(%e : tensor<64x32xf16>) { arith.truncf }
    %h = linalg.matmul ins(%x16, %w ...)
    ...
    %g = linalg.matmul ins(%x16t, %d ...)   // at the end of the step
    ```
    becomes one rounding of `%x` right before each matmul.
  }];
  let options = [
    Option<"parameters", "parameters", "bool", /*default=*/"false",
           "Also recompute the roundings of the step's other inputs (the "
           "parameters' 16-bit copies), once more per extra reader">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def GPURematerializeWidenings : Pass<"mpt-gpu-rematerialize-widenings",
                                     "func::FuncOp"> {
  let summary = "Recomputes f32 widenings of 16-bit results in their readers";
  let description = [{
    A GEMM result rounded to f16/bf16 and widened back to f32 for its
    readers (the prediction that an f32 loss reads, a rounded gradient of
    softmax's scores) would be stored in f32, at twice the bytes of the
    16-bit value it holds. The rounding is split off into an op of its own,
    which the GEMM's kernel runs as its epilogue, and the widening (an
    elementwise op that only widens 16-bit tensors and reads rank-0
    scalars) is fused into each of its readers when all of them are
    elementwise (reductions included) and none is a GEMM: only the 16-bit
    tensor is stored, and the same f32 values are read. A rounding followed
    by more than a widening (an activation) stays in its op.

    On the GPU a widening may also read broadcasts of smaller tensors (row
    statistics) when all its inputs take fewer bytes than its result:
    softmax's f32 probabilities, computed from its 16-bit scores and their
    row maximum and sum, are recomputed by each of their readers (the
    16-bit copies for the products with the values and for the values'
    gradient, the row sums and the scores' gradient), so the step keeps
    the 16-bit scores instead. A reader that becomes a widening once it
    recomputes one is recomputed in turn.

    The code is the CPU back end's (`--mpt-cpu-rematerialize-widenings`,
    which keeps to widenings of 16-bit tensors and scalars), run after
    `--mpt-gpu-fuse-elementwise`, which makes each rounding and its
    widening one op.

    ```mlir
    %p = linalg.generic ... ins(%mm : tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
      %r = arith.truncf %in : f32 to f16
      %w = arith.extf %r : f16 to f32
      linalg.yield %w : f32
    }
    %l = linalg.generic ... ins(%p, %y ...)   // the loss
    %g = linalg.generic ... ins(%p, %y ...)   // its gradient
    ```
    becomes a rounding of `%mm` into a `tensor<64x32xf16>` that both
    `%l` and `%g` read, each widening it itself.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LinalgToGPU : Pass<"mpt-linalg-to-gpu", "func::FuncOp"> {
  let summary = "Maps each linalg op on buffers to a gpu.launch";
  let description = [{
    Turns every linalg op of a function into one kernel (a `gpu.launch`),
    choosing the mapping from the op's structure:

    - *contractions* (matmul and its transposed forms, batched or not):
      a tiled GEMM. With f16/bf16 operands and `tensor-cores` on a chip of
      sm_80 or newer it runs on tensor cores (`mma.sync.m16n8k16`,
      accumulating in f32, operand tiles copied by a 4-stage `cp.async`
      pipeline into shared memory and read with `ldmatrix`; on sm_90a
      `wgmma.mma_async.m64n128k16` instead, reading the tiles from shared
      memory through matrix descriptors); otherwise a
      shared-memory tiled GEMM on the ordinary cores, with fused
      multiply-adds;
    - *reductions*: one block per output (or several blocks and a second
      combining kernel when there are few outputs and much to reduce),
      threads striding over the reduced elements, combined with
      `gpu.all_reduce`; when the reduced dimension is not the contiguous
      one, one thread per output walks it so that loads stay coalesced;
    - *everything else*: one thread per element of the iteration space,
      or per 4 consecutive elements read and written in vectors when the
      outputs allow it.

    With `gemm=cublaslt`, a contraction cuBLASLt can compute (a plain or
    transposed matrix product of dense row-major buffers with f16/bf16
    operands accumulating in f32, or f32 operands without TF32) becomes a
    call to the runtime's `mptCublasLtMatmul` instead: its zero fill
    becomes beta = 0, its broadcast bias cuBLASLt's bias epilogue, any other
    initial value stays in the output for the product to add to. The call
    only enqueues the product; `mpt-gpu-stream-ordered-calls` gives it the
    step's stream once `gpu-async-region` has made one.

    Kernels are named after the function and the strategy (`@<func>_kernels
    ::@<func>_<strategy>_<n>`), so that PTX and profiles read back to the
    source. Afterwards no host op may read or write a buffer, since every
    buffer lives on the device; one that does is reported as an error.

    ```mlir
    linalg.generic {iterator_types = ["parallel"]} ins(%a : memref<1024xf32>)
        outs(%b : memref<1024xf32>) { ... }
    ```
    becomes
    ```mlir
    gpu.launch blocks(%bx, ...) in (%gx = %c4, ...) threads(%tx, ...) in
        (%sx = %c256, ...) {
      // %i = %bx * 256 + %tx; if %i < 1024: %b[%i] = f(%a[%i])
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"chip", "chip", "std::string", "\"sm_90\"",
           "Target chip (sm_<major><minor>[a]); tensor cores need sm_80 or "
           "newer, warpgroup MMA (wgmma) sm_90a">,
    Option<"tensorCores", "tensor-cores", "bool", "true",
           "Run f16/bf16 contractions on tensor cores when the chip has them">,
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block of elementwise and reduction kernels">,
    Option<"gemm", "gemm", "std::string", "\"generated\"",
           "Matrix products: generated (kernels of this pass) or cublaslt "
           "(runtime calls into cuBLASLt where it can compute them, "
           "generated kernels elsewhere)">,
  ];
}

def GPUStreamOrderedCalls : Pass<"mpt-gpu-stream-ordered-calls",
                                 "ModuleOp"> {
  let summary = "Puts runtime calls that enqueue device work on the step's "
                "stream";
  let description = [{
    Some runtime functions (those declared with the `mpt.stream_ordered`
    unit attribute, such as the `mptCublasLtMatmul` of `gemm=cublaslt`)
    only enqueue work on a stream. `gpu-async-region`, which runs first,
    takes their calls for host code: it synchronizes the stream before each
    and starts a new one after. This pass undoes both: each call takes the
    stream of the step (the async token live before it, lowered to the
    stream by `gpu-to-llvm`) as its first argument, the synchronization
    before it goes, and the next asynchronous work continues on the same
    stream; the stream is synchronized only where the host next needs the
    device's results (a terminator or an op with side effects).

    ```mlir
    %t1 = gpu.launch_func async [%t0] @k::@a ...
    gpu.wait [%t1]
    call @mptCublasLtMatmul(%args...)
    %t2 = gpu.wait async
    %t3 = gpu.launch_func async [%t2] @k::@b ...
    ```
    becomes
    ```mlir
    %t1 = gpu.launch_func async [%t0] @k::@a ...
    %s = builtin.unrealized_conversion_cast %t1 : !gpu.async.token to !llvm.ptr
    call @mptCublasLtMatmul(%s, %args...)
    %t3 = gpu.launch_func async [%t1] @k::@b ...
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def GPUKernelBufferFacts : Pass<"mpt-gpu-kernel-buffer-facts", "ModuleOp"> {
  let summary = "States what outlined kernels may assume about their buffers";
  let description = [{
    After kernel outlining, a kernel (`gpu.func`) sees its buffers as plain
    arguments. Its launches (`gpu.launch_func`) know more: every buffer of a
    step is a view of a step buffer or of a runtime allocation, both aligned
    to 16 bytes, and a temporary the step allocates overlaps no other
    buffer. This pass writes, on each kernel, what all its launches
    guarantee, as LLVM argument attributes, so that the NVPTX back end can
    use 8- and 16-byte vector accesses and read-only buffers through the
    non-coherent data cache (`ld.global.nc`):

    - `llvm.align = 16` on a memref argument that every launch passes as a
      view that keeps its buffer's start as base (not a `memref.view`,
      which moves it by a byte shift), and on every workgroup buffer;
    - `llvm.noalias` on a memref argument whose buffer no other argument of
      the launch views, for every launch, unless that buffer is an argument
      of the enclosing function (its caller may pass overlapping buffers;
      the buffers of a step entry point are allocations of the step or come
      from its buffer array, whose results overlap nothing).

    The pipeline passes buffers to kernels as bare pointers (the aligned
    pointer of each memref), the calling convention that carries these
    attributes to the NVVM function; it needs static shapes, offsets and
    strides, and a kernel argument without them is an error.

    ```mlir
    gpu.func @f(%a: memref<1024xf32>, %b: memref<1024xf32>) kernel
    ```
    launched with two distinct temporaries becomes
    ```mlir
    gpu.func @f(%a: memref<1024xf32> {llvm.align = 16 : i64, llvm.noalias},
                %b: memref<1024xf32> {llvm.align = 16 : i64, llvm.noalias})
        kernel
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def GPUDeviceMemory : Pass<"mpt-gpu-device-memory", "func::FuncOp"> {
  let summary = "Places a step's buffers in device memory";
  let description = [{
    Replaces the buffer operations of a step's host code by their device
    counterparts, since every buffer of a step lives on the device:

    - `memref.alloc` becomes a `gpu.alloc` right before the buffer's first
      use, and a `gpu.dealloc` is placed right after its last use (unless
      the function returns the buffer or frees it itself): with the
      runtime's stream-ordered allocator, later temporaries of the same
      step reuse the memory, which keeps the peak activation memory down;
    - `memref.dealloc` becomes `gpu.dealloc`;
    - `memref.copy` becomes `gpu.memcpy` when both buffers are contiguous,
      and `linalg.copy` (a kernel, later) otherwise;
    - a constant (`memref.get_global`) is copied into a device buffer.

    ```mlir
    %t = memref.alloc() : memref<256x1024xf16>
    memref.copy %a, %b : memref<8xf32> to memref<8xf32>
    ```
    becomes
    ```mlir
    %t = gpu.alloc () : memref<256x1024xf16>
    gpu.memcpy %b, %a : memref<8xf32>, memref<8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect"];
}

#endif // MPT_CONVERSION_GPU_PASSES_TD
