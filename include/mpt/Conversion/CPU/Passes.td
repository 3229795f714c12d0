//===- Passes.td - Lowering of training steps to the CPU ---*- tablegen -*-===//
//
// The CPU passes of `--mpt-lower-to-llvm`, in pipeline order. Each one is
// registered on its own so that the IR between any two of them can be
// printed and tested.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_CPU_PASSES_TD
#define MPT_CONVERSION_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def OutlineKernels : Pass<"mpt-cpu-outline-kernels", "ModuleOp"> {
  let summary = "Outlines every fusion group of a function into a kernel function";
  let description = [{
    Splits each function into one private function per fusion group, as
    IREE forms dispatch regions, so that the passes whose cost grows faster
    than the size of a function (empty-tensor elimination, one-shot
    bufferization, LLVM's instruction selection and register allocation)
    see small functions, and identical groups can share one compiled
    kernel (`--mpt-cpu-deduplicate-kernels`).

    A group is one linalg op on tensors at the top level of the function
    with the ops the CPU kernels need beside it:

    - the producer of its accumulator when that is a `linalg.fill` (cloned
      into every group it starts) or, for a contraction, an elementwise
      generic used by nothing else (a bias broadcast);
    - for a contraction, its only user when that is an elementwise generic
      (the rounding the GEMM kernel can do in registers);
    - for a contraction, the float conversions (`arith.extf`/`arith.truncf`
      generics) of its operands whose every use is an operand of a
      contraction, cloned into every group that reads them: the GEMM
      kernel's panel copies read the source and convert in registers, so
      the converted copy (the 16-bit cast of a weight) is never stored.

    The kernel takes the values the group reads as arguments, in the order
    of their first use, with the tensors its last op writes into
    (destination-passing style), and returns the last op's results.
    Constants are cloned into it, and so are the empty tensors of its inner
    results, which then stay kernel temporaries. Kernels are marked
    `mpt.kernel`, get internal linkage and are never inlined by LLVM.

    ```mlir
    %f = linalg.fill ins(%zero : f32) outs(%e32 : tensor<64x256xf32>) -> tensor<64x256xf32>
    %m = linalg.matmul ins(%a, %b : tensor<64x256xf16>, tensor<256x256xf16>)
                       outs(%f : tensor<64x256xf32>) -> tensor<64x256xf32>
    %r = linalg.generic {...} ins(%m : tensor<64x256xf32>) outs(%e16 : tensor<64x256xf16>) {...}
    ```
    becomes
    ```mlir
    %r = call @step_kernel_0(%a, %b, %e16)
        : (tensor<64x256xf16>, tensor<256x256xf16>, tensor<64x256xf16>) -> tensor<64x256xf16>
    ...
    func.func private @step_kernel_0(%a: tensor<64x256xf16>, %b: tensor<256x256xf16>,
        %dest: tensor<64x256xf16>) -> tensor<64x256xf16>
        attributes {llvm.linkage = #llvm.linkage<internal>, mpt.kernel, passthrough = ["noinline"]} {
      %zero = arith.constant 0.000000e+00 : f32
      %e32 = tensor.empty() : tensor<64x256xf32>
      %f = linalg.fill ins(%zero : f32) outs(%e32 : tensor<64x256xf32>) -> tensor<64x256xf32>
      %m = linalg.matmul ...
      %r = linalg.generic {...} ins(%m : tensor<64x256xf32>) outs(%dest : tensor<64x256xf16>) {...}
      return %r : tensor<64x256xf16>
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::tensor::TensorDialect"];
}

def DeduplicateKernels : Pass<"mpt-cpu-deduplicate-kernels", "ModuleOp"> {
  let summary = "Merges identical kernel functions into one";
  let description = [{
    Replaces every kernel function (`mpt.kernel`) that is identical to an
    earlier one called from the same function, up to its name and the
    locations of its ops, by that earlier one: calls go to the kept kernel
    and the copy is erased. A stack of identical layers then compiles its
    kernels once, however deep it is; the calls are all that grows with
    depth. Kernels of different callers (a step and its evaluation
    function) stay apart, as does a kernel that several functions call:
    the memory plan (`--mpt-cpu-static-scratch`) places the temporaries of
    a kernel in the arena of its only caller.

    ```mlir
    %1 = call @step_kernel_0(%x, %w0, %e) : ...
    %2 = call @step_kernel_1(%1, %w1, %e) : ...   // the same body as kernel_0
    ```
    becomes
    ```mlir
    %1 = call @step_kernel_0(%x, %w0, %e) : ...
    %2 = call @step_kernel_0(%1, %w1, %e) : ...
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def ScheduleKernels : Pass<"mpt-cpu-schedule-kernels", "ModuleOp"> {
  let summary = "Moves kernel calls up when that frees more memory than it takes";
  let description = [{
    Outlining keeps the calls of a step in the order differentiation
    emitted its ops: a weight gradient that is the last reader of a saved
    activation can come long after its operands exist, keeping the
    activation alive across the largest kernels of the backward pass.

    A kernel (a function with the `mpt.kernel` attribute, on tensors) is a
    function of its operands, so each call at the top level of a function
    body, in order, moves up to just after the last op of the body that
    defines one of its operands, when the tensors it reads for the last
    time (those made in the body) are larger than the tensors it returns:
    the memory in use between its old and its new place only goes down.
    Empty destination tensors that only the call uses move with it.

    ```mlir
    %a = call @kernel_0(...)            // a large activation
    %g = call @kernel_1(%x, %e1)        // a large kernel that does not read %a
    %w = call @kernel_2(%a, %dy, %e2)   // last reader of %a, small result
    ```
    becomes
    ```mlir
    %a = call @kernel_0(...)
    %w = call @kernel_2(%a, %dy, %e2)   // when %dy exists before kernel_1
    %g = call @kernel_1(%x, %e1)
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def VectorizeContractions : Pass<"mpt-cpu-vectorize-contractions",
                                 "func::FuncOp"> {
  let summary = "Packs, tiles and vectorizes GEMMs into register-tiled kernels";
  let description = [{
    Rewrites every matmul-like linalg op on tensors (`linalg.matmul`,
    `linalg.batch_matmul` or an equivalent generic, with any transposition,
    f16/bf16/f32 operands and an f32 accumulator) whose m and n split into
    whole register tiles into the structure of a BLAS GEMM:

    1. *Pack* both operands into panels read contiguously by the kernel
       (`linalg.pack`): the lhs as `[M/MR][K][MR]`, the rhs as
       `[N/NR][K][NR]`, widened to f32 by an elementwise `arith.extf`.
       Packing also absorbs transposed operands. `--mpt-cpu-vectorize`
       lowers the packs.
    2. *Tile* the result into `MR x NR` blocks with an `scf.forall` over
       rhs panels (outer, so each panel is reused from cache) and lhs
       panels. When the lhs panels would exceed `lhs-panel-bytes`, an
       `scf.for` over chunks of rows packs each chunk's lhs panels into
       one reused buffer before the chunk's `scf.forall`.
    3. *Vectorize* each block into a kernel that keeps `MR` vectors of `NR`
       f32 accumulators in registers for the whole k loop and updates them
       with one `vector.fma` per row: a broadcast lhs element times the
       rhs row.

    ```mlir
    %r = linalg.matmul ins(%a, %b : tensor<256x256xf16>, tensor<256x1024xf16>)
                       outs(%c : tensor<256x1024xf32>) -> tensor<256x1024xf32>
    ```
    becomes
    ```mlir
    %a_pack = linalg.pack %a outer_dims_perm = [0, 1] inner_dims_pos = [0] inner_tiles = [8]
        into %e : tensor<256x256xf16> -> tensor<32x256x8xf16>
    %a_panels = linalg.generic ... ins(%a_pack : tensor<32x256x8xf16>)
        outs(%e32 : tensor<32x256x8xf32>) { arith.extf ... }
    // the same for %b, into tensor<32x256x32xf32>
    scf.forall (%j, %i) in (32, 32) shared_outs(%out = %c4) -> ... {
      %acc0 = vector.transfer_read %out_tile[...] : tensor<1x8x1x32xf32>, vector<32xf32>
      ...
      %acc:8 = scf.for %k = %c0 to %c256 step %c1 iter_args(...) {
        %row = vector.transfer_read %b_panel[%c0, %k, %c0] : ..., vector<32xf32>
        %a0 = tensor.extract %a_panel[%c0, %k, %c0] : tensor<1x256x8xf32>
        %s0 = vector.broadcast %a0 : f32 to vector<32xf32>
        %acc0_next = vector.fma %s0, %row, %acc0_in : vector<32xf32>
        ...
      }
      ...
    }
    ```
    Smaller or ragged contractions are left to `--mpt-cpu-vectorize`.

    With `amx`, contractions of bf16 operands without a batch dim whose m,
    n and k are multiples of 32 run on AMX tiles instead: the lhs is packed
    into 32 x 32 blocks (`[M/32][K/32][32][32]`), the rhs into the VNNI
    layout (`[N/32][K/2][32][2]`, pairs of k side by side), and each 32 x
    32 block of the result is accumulated in four 16 x 16 f32 tiles:
    ```mlir
    scf.forall (%j, %i) in (32, 8) shared_outs(%out = %c) -> (tensor<256x1024xf32>) {
      %a = bufferization.to_buffer %a_block read_only : ... to memref<8x32x32xbf16, strided<[1024, 32, 1], offset: ?>>
      %b = bufferization.to_buffer %b_panel read_only : ... to memref<128x64xbf16, strided<[64, 1], offset: ?>>
      %rows:32 = memref.alloca_scope -> (vector<32xf32>, ...) {
        %acc = amx.tile_zero : !amx.tile<16x16xf32>
        %a0 = amx.tile_load %a[%c0, %c0, %c0], %c32 : ... into !amx.tile<16x32xbf16>
        %b0 = amx.tile_load %b[%c0, %c0], %c64 : ... into !amx.tile<16x32xbf16>
        %acc1 = amx.tile_mulf %a0, %b0, %acc : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
        ...
        amx.tile_store %staging[%c0, %c0], %acc8 : memref<32x32xf32>, !amx.tile<16x16xf32>
        ...
      }
      // each row added to the accumulator's initial row and written back
    }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::x86vector::X86VectorDialect",
                           "::mlir::amx::AMXDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"registerRows", "register-rows", "int64_t", "8",
           "Rows of the register tile (MR): broadcast lhs elements per k">,
    Option<"registerCols", "register-cols", "int64_t", "32",
           "Columns of the register tile (NR): a multiple of the vector "
           "width">,
    Option<"minFlops", "min-flops", "int64_t", "262144",
           "Smallest contraction (2*M*N*K) worth packing">,
    Option<"bf16DotProduct", "bf16-dot-product", "bool", "false",
           "Run bf16 x bf16 contractions on the AVX512-BF16 dot-product "
           "kernel (pairs of k packed side by side, vdpbf16ps)">,
    Option<"narrowPanels", "narrow-panels", "bool", "true",
           "Keep the rhs of f16 x f16 and bf16 x bf16 contractions 16-bit in the "
           "panels of the FMA kernel, which widens it in registers (false: "
           "widen it to f32 while packing)">,
    Option<"lhsPanelBytes", "lhs-panel-bytes", "int64_t", "262144",
           "Largest lhs panels of the FMA and dot-product kernels: a GEMM "
           "whose lhs panels would be larger computes its rows in chunks, "
           "each copying the panels of its rows into one reused buffer of at "
           "most this size (0: the whole lhs at once)">,
    Option<"amx", "amx", "bool", "false",
           "Run bf16 x bf16 contractions on AMX tiles (needs amx_bf16 and "
           "the process's permission to use the tile registers)">,
    Option<"amxMaxKTiles", "amx-max-k-tiles", "int64_t", "64",
           "Largest k, in tiles of 32, of a contraction run on AMX (its k "
           "loop is unrolled)">,
  ];
}

def Vectorize : Pass<"mpt-cpu-vectorize", "func::FuncOp"> {
  let summary = "Tiles and vectorizes the remaining linalg ops on tensors";
  let description = [{
    First rewrites every `linalg.pack` as the copy it is (a reshape of its
    source and a transposing `linalg.generic`), fused into its only user
    when that is elementwise (the widening of GEMM panels), so that packed
    panels are written once, in their final type.

    Then tiles every linalg op on tensors so that its innermost loop of more
    than one iteration becomes a vector of at most `vector-bytes` bytes
    (the widest element type decides the width) and every other loop a
    scalar loop, with reduction loops inside parallel ones, then vectorizes
    the tile. The outermost parallel loop of a large op is first split into
    `parallel-chunks` iterations of an `scf.forall`, which the pipeline runs
    on threads. Accumulators of reduction loops
    are hoisted into vector loop arguments, and `tanh`, `exp` and `log` on
    vectors are replaced by polynomial approximations. Ops that do not
    vectorize are left to scalar loops.

    ```mlir
    %r = linalg.generic {... iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<256x1024xf32>) outs(%e : tensor<256x1024xf32>) {
      arith.maximumf ...
    }
    ```
    becomes
    ```mlir
    scf.for %i = %c0 to %c256 step %c1 iter_args(...) {
      scf.for %j = %c0 to %c1024 step %c64 iter_args(...) {
        %v = vector.transfer_read %x[%i, %j] ... : tensor<256x1024xf32>, vector<1x64xf32>
        %m = arith.maximumf %v, %zero : vector<1x64xf32>
        vector.transfer_write %m, ...
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
  let options = [
    Option<"vectorBytes", "vector-bytes", "int64_t", "256",
           "Bytes per vector of a tile (256: four 512-bit registers)">,
    Option<"parallelChunks", "parallel-chunks", "int64_t", "8",
           "Iterations of the scf.forall that splits the outermost parallel "
           "loop of a large op (the pipeline runs them on threads)">,
    Option<"minParallelElements", "min-parallel-elements", "int64_t",
           "65536", "Smallest iteration space split into parallel chunks">,
  ];
}

def GeneralizeBroadcasts : Pass<"mpt-cpu-generalize-broadcasts",
                                "func::FuncOp"> {
  let summary = "Rewrites linalg.broadcast as linalg.generic, for elementwise fusion";
  let description = [{
    Elementwise fusion takes `linalg.generic` producers only: a named
    `linalg.broadcast` (a row statistic spread over its rows, as the
    gradients of softmax and layer norm do) would stay an op of its own,
    its full-size result stored for the op that reads it. Its generic form,
    which reads the small tensor through a projected indexing map, is fused
    into its elementwise readers instead. Runs before
    `mpt-cpu-fuse-elementwise`.

    ```mlir
    %b = linalg.broadcast ins(%s : tensor<64xf32>) outs(%e : tensor<64x128xf32>) dimensions = [1]
    ```
    becomes
    ```mlir
    %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%s : tensor<64xf32>) outs(%e : tensor<64x128xf32>) { ... }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def FuseElementwise : Pass<"mpt-cpu-fuse-elementwise", "func::FuncOp"> {
  let summary = "Fuses elementwise linalg ops into ops of bounded size";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` (elementwise fusion of
    single-use producers, reshapes folded by expansion, splat constants and
    fills folded in, dead operands erased, the same cleanups), except that
    a fusion that would make an op of more than `max-operands` operands does
    not happen. A chain of elementwise updates as long as the model makes
    it, such as the running total of an unrolled loop (`total = total + h *
    (t + 1) / T`, one term per step), otherwise becomes one `linalg.generic`
    of hundreds of operands: over 256 steps, one of 512, which LLVM's DAG
    combiner took 100 s to compile on an AVX2 CPU. The chain is cut into
    ops of at most `max-operands` operands, each fused as before.
  }];
  let options = [
    Option<"maxOperands", "max-operands", "int64_t", "64",
           "The most operands (inputs and outputs) an op made by fusion may have">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def RematerializeWidenings : Pass<"mpt-cpu-rematerialize-widenings",
                                  "func::FuncOp"> {
  let summary = "Recomputes f32 widenings of 16-bit tensors in their elementwise readers";
  let description = [{
    An elementwise op that only widens 16-bit tensors (and reads rank-0
    scalars), such as a rounded gradient cast back to f32 and unscaled, is
    fused into each elementwise op that reads it, which then reads the
    16-bit tensor: the f32 copy, twice the memory of its source, is never
    stored. A widening read by a GEMM (a contraction with m and n dims,
    whose panel copies widen in registers), read twice by one op, or read
    by another widening is kept; a dot product along rows or a
    matrix-vector product reads it like any other reduction.

    Runs on tensors before --mpt-cpu-outline-kernels, so that each reader's
    kernel holds the recomputation.

    ```mlir
    %w = linalg.generic ... ins(%g : tensor<64xf16>) outs(%e : tensor<64xf32>) {
      %x = arith.extf %in : f16 to f32
      ...
    }
    %a = linalg.generic ... ins(%w, %p : tensor<64xf32>, tensor<64xf32>) ...
    ```
    becomes one generic `%a` on `ins(%g, %p : tensor<64xf16>, tensor<64xf32>)`
    whose body widens `%g` first.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SplitEmptyTensors : Pass<"mpt-cpu-split-empty-tensors", "func::FuncOp"> {
  let summary = "Gives every use of an empty tensor an empty tensor of its own";
  let description = [{
    CSE merges identical `tensor.empty` ops, so the kernel calls of a step
    end up writing their results into a handful of empty tensors, each with
    hundreds of uses. Every result written into one of them is then in the
    same alias set, and empty-tensor elimination and one-shot bufferization
    compare the uses of an alias set pairwise: their cost grows with the
    square of the depth of the model. An empty tensor has no contents, so
    one per use computes the same thing; the clones are made where the
    original is, so none moves into a loop.

    ```mlir
    %e = tensor.empty() : tensor<64x256xf16>
    %1 = call @kernel_0(%x, %e) : ...
    %2 = call @kernel_0(%1, %e) : ...
    ```
    becomes
    ```mlir
    %e = tensor.empty() : tensor<64x256xf16>
    %e_0 = tensor.empty() : tensor<64x256xf16>
    %1 = call @kernel_0(%x, %e) : ...
    %2 = call @kernel_0(%1, %e_0) : ...
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def StaticScratch : Pass<"mpt-cpu-static-scratch", "ModuleOp"> {
  let summary = "Places the temporaries of every call in one static arena, by liveness";
  let description = [{
    Replaces each `memref.alloc` of static shape made once per call of a
    function (in its entry block, outside any loop) by a `memref.view` into
    one private, uninitialized byte array of that function, so that buffers
    are allocated once per process instead of on every call (large
    temporaries otherwise come from the kernel on every call, and each of
    their pages faults on first touch).

    Offsets are planned by liveness over the function's straight-line body:
    two temporaries share bytes only when their live ranges do not overlap.
    A buffer is live from the first top-level op that touches it to the
    last; an op inside a loop counts as the whole loop; a buffer stays live
    while any view, reshape or cast of it is used. Making a view touches no
    memory, nor does a call of a kernel in the arena that never uses the
    argument it is passed (a destination the kernel no longer writes). Buffers are placed
    largest first at the lowest free 64-byte-aligned offset.

    The function is then not reentrant: two calls must not run at the same
    time (the step ABI states this). Runs after bufferization and before
    the deallocation passes, which leave globals alone.

    ```mlir
    %t = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
    ```
    becomes
    ```mlir
    memref.global "private" @step_scratch : memref<4096xi8> = uninitialized {alignment = 64 : i64}
    ...
    %arena = memref.get_global @step_scratch : memref<4096xi8>
    %t = memref.view %arena[%c0][] : memref<4096xi8> to memref<1024xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def LowerStridedCopies : Pass<"mpt-cpu-lower-strided-copies", "func::FuncOp"> {
  let summary = "Rewrites copies between non-contiguous buffers as linalg.copy";
  let description = [{
    The LLVM lowering turns a `memref.copy` between contiguous buffers into
    `llvm.memcpy`, and any other one into a call to `memrefCopy`, a function
    of MLIR's C runner utilities that neither the JIT nor the trainers link:
    a step whose bufferization copies into or out of a strided view (an
    insert into a slice of a tensor, a slice read from a read-only one)
    would not load. Such copies become `linalg.copy` ops, which the pipeline
    lowers to loops like every other linalg op.

    ```mlir
    memref.copy %src, %view : memref<4x16xf32> to memref<4x16xf32, strided<[64, 1], offset: 136>>
    ```
    becomes
    ```mlir
    linalg.copy ins(%src : memref<4x16xf32>) outs(%view : memref<4x16xf32, strided<[64, 1], offset: 136>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SelectBitPatterns : Pass<"mpt-cpu-select-bit-patterns", "func::FuncOp"> {
  let summary = "Selects bf16 values by their bit patterns";
  let description = [{
    A select only moves bits, but LLVM's x86 backend, on CPUs without
    AVX512-BF16, may promote a bf16 select to f32 and round the chosen value
    back with a call of `__truncsfbf2`; bf16 steps select values wherever
    data moves (a concatenation, a slice's gradient, a padded window, ReLU's
    gradient), and a 128-way concatenation of bf16 states spent half of its
    step in that call on an AMD Zen 3. The LLVM lowering runs this pass
    first, on every CPU: each `arith.select` of bf16 values, scalar or
    vector, selects their `i16` bit patterns instead. (f16 selects stay:
    LLVM selects them without conversions.)

    ```mlir
    %r = arith.select %c, %a, %b : bf16
    ```
    becomes
    ```mlir
    %ai = arith.bitcast %a : bf16 to i16
    %bi = arith.bitcast %b : bf16 to i16
    %ri = arith.select %c, %ai, %bi : i16
    %r = arith.bitcast %ri : i16 to bf16
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def ExpandBF16Conversions : Pass<"mpt-cpu-expand-bf16-conversions",
                                 "func::FuncOp"> {
  let summary = "Rounds to and widens from bf16 with integer arithmetic";
  let description = [{
    Without AVX512-BF16, LLVM rounds f32 to bf16 by calling
    `__truncsfbf2`, a compiler-rt function that neither the JIT nor the
    trainers link (and one call per element where the vectors would do
    sixteen); it also rounds back the f32 result of any arithmetic it
    promotes from bf16 (a `llvm.maximum` of a bf16 ReLU, an `fcmp`). On
    such CPUs `--mpt-lower-to-llvm{expand-bf16=true}` runs this pass before
    the LLVM lowering: arith ops on bf16 values are computed on widened
    operands in f32 and rounded back (upstream's emulation of unsupported
    floats; exact for the maxima, comparisons and negations that reach
    here), then every `arith.truncf` from f32 to bf16 becomes the integer
    form of round-to-nearest-even (NaN kept a NaN) on the f32 bits, and
    every `arith.extf` from bf16 a shift, on scalars and vectors alike.

    ```mlir
    %h = arith.truncf %x : vector<16xf32> to vector<16xbf16>
    ```
    becomes a bitcast of `%x` to `vector<16xi32>`, the rounding bias added,
    a shift right by 16, a truncation to `i16` and a bitcast to `bf16`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // MPT_CONVERSION_CPU_PASSES_TD
