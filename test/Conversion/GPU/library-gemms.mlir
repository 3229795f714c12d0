// RUN: mpt-opt %s --split-input-file --mpt-linalg-to-gpu="gemm=cublaslt" --canonicalize | FileCheck %s
// RUN: not mpt-opt %s --split-input-file --mpt-linalg-to-gpu="gemm=bogus" 2>&1 | FileCheck %s --check-prefix=BAD-GEMM

// BAD-GEMM: error: unknown gemm 'bogus'; expected generated or cublaslt

// An f16 product into f32 with its zero fill: one cuBLASLt call (operands
// f16 = 1, output f32 = 0, neither transposed, m = 64, n = 128, k = 32),
// beta = 0, no bias, no kernel.

// CHECK-LABEL: func.func @zero_filled
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[M:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 128 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-DAG: %[[XI:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[WI:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK-DAG: %[[YI:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK: call @mptCublasLtMatmul(%[[ONE]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[M]], %[[N]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}}, %[[NULL]], %[[ZERO]])
// CHECK-NOT: gpu.launch
// CHECK-NOT: linalg
// CHECK: func.func private @mptCublasLtMatmul(i32, i32, i32, i32, i64, i64, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i32) attributes {mpt.stream_ordered}
func.func @zero_filled(%x: memref<64x32xf16>, %w: memref<32x128xf16>, %y: memref<64x128xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xf16>, memref<32x128xf16>) outs(%y : memref<64x128xf32>)
  return
}

// -----

// An f32 linear layer: its broadcast bias becomes cuBLASLt's bias epilogue
// (the bias's address), beta = 0.

// CHECK-LABEL: func.func @biased
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[BI:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK-DAG: %[[BL:.*]] = arith.index_cast %[[BI]] : index to i64
// CHECK-DAG: %[[BIAS:.*]] = llvm.inttoptr %[[BL]] : i64 to !llvm.ptr
// CHECK: call @mptCublasLtMatmul(%[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[BIAS]], %[[ZERO]])
// CHECK-NOT: gpu.launch
func.func @biased(%x: memref<64x32xf32>, %b: memref<128xf32>, %w: memref<32x128xf32>, %y: memref<64x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%y : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%y : memref<64x128xf32>)
  return
}

// -----

// A bias rounded to f16 into an f32 result that is kept (here an argument)
// is no bias cuBLASLt adds, since its bias has its result's type: the
// rounding stays a kernel and the product accumulates into its result
// (beta = 1). The weight gradient's transposed operands: x^T dy, the left
// one transposed (k = 64 rows of 32).

// CHECK-LABEL: func.func @rounded_bias
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: gpu.launch
// CHECK: call @mptCublasLtMatmul(%[[ONE]], %[[ZERO]], %[[ONE]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]])
#lhsT = affine_map<(m, n, k) -> (k, m)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#out = affine_map<(m, n, k) -> (m, n)>
func.func @rounded_bias(%x: memref<64x32xf16>, %b: memref<128xf32>, %dy: memref<64x128xf16>, %y: memref<32x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%y : memref<32x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %h = arith.truncf %in : f32 to f16
    %e = arith.extf %h : f16 to f32
    linalg.yield %e : f32
  }
  linalg.generic {indexing_maps = [#lhsT, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %dy : memref<64x32xf16>, memref<64x128xf16>) outs(%y : memref<32x128xf32>) {
  ^bb0(%a: f16, %c: f16, %o: f32):
    %ae = arith.extf %a : f16 to f32
    %ce = arith.extf %c : f16 to f32
    %p = arith.mulf %ae, %ce : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// bf16 into bf16 with the right operand transposed (dy W^T): bf16 = 2.

// CHECK-LABEL: func.func @bf16_transposed_rhs
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : i32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: call @mptCublasLtMatmul(%[[TWO]], %[[TWO]], %[[ZERO]], %[[ONE]],
func.func @bf16_transposed_rhs(%dy: memref<64x128xbf16>, %w: memref<32x128xbf16>, %dx: memref<64x32xbf16>) {
  %zero = arith.constant 0.0 : bf16
  linalg.fill ins(%zero : bf16) outs(%dx : memref<64x32xbf16>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %w : memref<64x128xbf16>, memref<32x128xbf16>) outs(%dx : memref<64x32xbf16>) {
  ^bb0(%a: bf16, %b: bf16, %o: bf16):
    %p = arith.mulf %a, %b : bf16
    %s = arith.addf %o, %p : bf16
    linalg.yield %s : bf16
  }
  return
}

// -----

// What cuBLASLt is not asked for keeps the generated kernels: batched
// products, and mixed operand types.

// CHECK-LABEL: func.func @batched
// CHECK-NOT: call
// CHECK: gpu.launch
// CHECK-NOT: call
func.func @batched(%a: memref<4x64x32xf16>, %b: memref<4x32x128xf16>, %c: memref<4x64x128xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x64x32xf16>, memref<4x32x128xf16>) outs(%c : memref<4x64x128xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @mixed_operands
// CHECK-NOT: call
// CHECK: gpu.launch
// CHECK-NOT: call
func.func @mixed_operands(%a: memref<64x32xf16>, %b: memref<32x128xf32>, %c: memref<64x128xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf16>, memref<32x128xf32>) outs(%c : memref<64x128xf32>)
  return
}

// -----

// ReLU after a biased f32 product, as cuBLASLt computes it (maxnumf: NaN
// to 0): RELU_BIAS (epilogue 1), the product's result going straight to the
// ReLU's output; the temporary between them goes away.

// CHECK-LABEL: func.func @relu_bias
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[RELU:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-DAG: %[[AI:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK-DAG: %[[AL:.*]] = arith.index_cast %[[AI]] : index to i64
// CHECK-DAG: %[[A:.*]] = llvm.inttoptr %[[AL]] : i64 to !llvm.ptr
// CHECK-DAG: %[[BI:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK-DAG: %[[BL:.*]] = arith.index_cast %[[BI]] : index to i64
// CHECK-DAG: %[[BIAS:.*]] = llvm.inttoptr %[[BL]] : i64 to !llvm.ptr
// CHECK: call @mptCublasLtMatmulEpilogue(%[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[A]], %[[BIAS]], %[[ZERO]], %[[RELU]], %[[NULL]])
// CHECK-NOT: gpu.alloc
// CHECK-NOT: gpu.launch
// CHECK-NOT: gpu.dealloc
// CHECK: func.func private @mptCublasLtMatmulEpilogue(i32, i32, i32, i32, i64, i64, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i32, i32, !llvm.ptr) attributes {mpt.stream_ordered}
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu_bias(%x: memref<64x32xf32>, %b: memref<128xf32>, %w: memref<32x128xf32>, %a: memref<64x128xf32>) {
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%h : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%a : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maxnumf %in, %zero : f32
    linalg.yield %r : f32
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// An f16 product accumulating in f32, rounded to f16 and then ReLU'd:
// cuBLASLt writes the f16 result (output element 1) after its ReLU, which
// commutes with the rounding. The ReLU's output is allocated after the
// product: its allocation moves before the call.

// CHECK-LABEL: func.func @rounded_relu
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[A:.*]] = gpu.alloc () : memref<64x128xf16>
// CHECK: memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: call @mptCublasLtMatmulEpilogue(%[[ONE]], %[[ONE]], %[[ZERO]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NULL]], %[[ZERO]], %[[ONE]], %[[NULL]])
// CHECK-NOT: gpu.launch
// CHECK: return %[[A]]
func.func @rounded_relu(%x: memref<64x32xf16>, %w: memref<32x128xf16>) -> memref<64x128xf16> {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xf16>, memref<32x128xf16>) outs(%h : memref<64x128xf32>)
  %a = gpu.alloc () : memref<64x128xf16>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%a : memref<64x128xf16>) {
  ^bb0(%in: f32, %out: f16):
    %zh = arith.constant 0.0 : f16
    %t = arith.truncf %in : f32 to f16
    %r = arith.maxnumf %zh, %t : f16
    linalg.yield %r : f16
  }
  gpu.dealloc %h : memref<64x128xf32>
  return %a : memref<64x128xf16>
}

// -----

// A product only rounded to f16 afterwards: cuBLASLt writes f16 itself
// (epilogue 0, nothing else).

// CHECK-LABEL: func.func @rounded
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : i32
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: call @mptCublasLtMatmulEpilogue(%[[TWO]], %[[TWO]], {{.*}}, %[[NULL]], %[[ZERO]], %[[ZERO]], %[[NULL]])
// CHECK-NOT: gpu.launch
func.func @rounded(%x: memref<64x32xbf16>, %w: memref<32x128xbf16>, %y: memref<64x128xbf16>) {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xbf16>, memref<32x128xbf16>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%y : memref<64x128xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// mpt.gelu's tanh GELU (operands in another order than mpt's lowering
// makes them) after a biased f32 product, read by nothing else: GELU_BIAS
// (epilogue 2).

// CHECK-LABEL: func.func @gelu_bias
// CHECK-DAG: %[[GELU:.*]] = arith.constant 2 : i32
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: call @mptCublasLtMatmulEpilogue({{.*}}, %[[GELU]], %[[NULL]])
// CHECK-NOT: gpu.launch
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @gelu_bias(%x: memref<64x32xf32>, %b: memref<128xf32>, %w: memref<32x128xf32>, %g: memref<64x128xf32>) {
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%h : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%g : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.constant 0.044715 : f32
    %c = arith.constant 0.797884583 : f32
    %one = arith.constant 1.0 : f32
    %half = arith.constant 0.5 : f32
    %x2 = arith.mulf %in, %in : f32
    %x3 = arith.mulf %x2, %in : f32
    %ax3 = arith.mulf %a, %x3 : f32
    %inner = arith.addf %ax3, %in : f32
    %scaled = arith.mulf %c, %inner : f32
    %t = math.tanh %scaled : f32
    %onePlus = arith.addf %one, %t : f32
    %halfX = arith.mulf %half, %in : f32
    %r = arith.mulf %onePlus, %halfX : f32
    linalg.yield %r : f32
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// The same GELU, its input also read later (by mpt.gelu_grad in a
// training step): GELU_AUX_BIAS (epilogue 3) writes the GELU's output and
// keeps its input where the product put it.

// CHECK-LABEL: func.func @gelu_keeping_input
// CHECK-DAG: %[[AUX:.*]] = arith.constant 3 : i32
// CHECK: %[[H:.*]] = gpu.alloc () : memref<64x128xf32>
// CHECK-DAG: %[[GI:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK-DAG: %[[GL:.*]] = arith.index_cast %[[GI]] : index to i64
// CHECK-DAG: %[[G:.*]] = llvm.inttoptr %[[GL]] : i64 to !llvm.ptr
// CHECK-DAG: %[[HI:.*]] = memref.extract_aligned_pointer_as_index %[[H]]
// CHECK-DAG: %[[HL:.*]] = arith.index_cast %[[HI]] : index to i64
// CHECK-DAG: %[[HP:.*]] = llvm.inttoptr %[[HL]] : i64 to !llvm.ptr
// CHECK: call @mptCublasLtMatmulEpilogue({{.*}}, %[[G]], %{{.*}}, %{{.*}}, %[[AUX]], %[[HP]])
// CHECK: gpu.launch
// CHECK: gpu.dealloc %[[H]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @gelu_keeping_input(%x: memref<64x32xf32>, %b: memref<128xf32>, %w: memref<32x128xf32>, %g: memref<64x128xf32>, %dg: memref<64x128xf32>) {
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%h : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%g : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.constant 0.044715 : f32
    %c = arith.constant 0.797884583 : f32
    %one = arith.constant 1.0 : f32
    %half = arith.constant 0.5 : f32
    %x2 = arith.mulf %in, %in : f32
    %x3 = arith.mulf %in, %x2 : f32
    %ax3 = arith.mulf %x3, %a : f32
    %inner = arith.addf %in, %ax3 : f32
    %scaled = arith.mulf %inner, %c : f32
    %t = math.tanh %scaled : f32
    %onePlus = arith.addf %t, %one : f32
    %halfX = arith.mulf %in, %half : f32
    %r = arith.mulf %halfX, %onePlus : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%dg : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// The weight gradient x^T dy with the bias gradient, dy's sum over the
// batch (k), right after it: BGRADA (epilogue 4) writes the sum, whose
// allocation moves before the call; its fill and the sum go away.

// CHECK-LABEL: func.func @bias_gradient
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[BGRADA:.*]] = arith.constant 4 : i32
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[DB:.*]] = gpu.alloc () : memref<128xf32>
// CHECK-DAG: %[[DBI:.*]] = memref.extract_aligned_pointer_as_index %[[DB]]
// CHECK-DAG: %[[DBL:.*]] = arith.index_cast %[[DBI]] : index to i64
// CHECK-DAG: %[[DBP:.*]] = llvm.inttoptr %[[DBL]] : i64 to !llvm.ptr
// CHECK: call @mptCublasLtMatmulEpilogue(%[[ONE]], %[[ZERO]], %[[ONE]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NULL]], %[[ZERO]], %[[BGRADA]], %[[DBP]])
// CHECK-NOT: linalg
// CHECK-NOT: gpu.launch
// CHECK: return %[[DB]]
func.func @bias_gradient(%x: memref<64x32xf16>, %dy: memref<64x128xf16>, %dw: memref<32x128xf32>) -> memref<128xf32> {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%dw : memref<32x128xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %dy : memref<64x32xf16>, memref<64x128xf16>) outs(%dw : memref<32x128xf32>)
  %db = gpu.alloc () : memref<128xf32>
  linalg.fill ins(%zero : f32) outs(%db : memref<128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<64x128xf16>) outs(%db : memref<128xf32>) {
  ^bb0(%in: f16, %out: f32):
    %e = arith.extf %in : f16 to f32
    %s = arith.addf %e, %out : f32
    linalg.yield %s : f32
  }
  return %db : memref<128xf32>
}

// -----

// A mixed-precision weight gradient and its bias gradient, each read only
// rounded to f16 (as the unscaling does), later: cuBLASLt writes both in
// f16 (its bias gradient has the output's type) into new buffers, which
// the readers read without their roundings. The f32 ones are gone.

// CHECK-LABEL: func.func @rounded_bias_gradient
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[BGRADA:.*]] = arith.constant 4 : i32
// CHECK-NOT: xf32>
// CHECK: %[[DW:.*]] = gpu.alloc () : memref<32x128xf16>
// CHECK: %[[DB:.*]] = gpu.alloc () : memref<128xf16>
// CHECK: call @mptCublasLtMatmulEpilogue(%[[ONE]], %[[ONE]], %[[ONE]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %[[BGRADA]], %{{.*}})
// CHECK: gpu.launch
// CHECK: vector.load %[[DW]]{{.*}} : memref<32x128xf16>
// CHECK-NOT: arith.truncf
// CHECK: gpu.launch
// CHECK: vector.load %[[DB]]{{.*}} : memref<128xf16>
// CHECK-NOT: arith.truncf
// CHECK: gpu.dealloc %[[DW]] : memref<32x128xf16>
// CHECK: gpu.dealloc %[[DB]] : memref<128xf16>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @rounded_bias_gradient(%x: memref<64x32xf16>, %dy: memref<64x128xf16>, %gw: memref<32x128xf32>, %gb: memref<128xf32>) {
  %zero = arith.constant 0.0 : f32
  %dw = gpu.alloc () : memref<32x128xf32>
  linalg.fill ins(%zero : f32) outs(%dw : memref<32x128xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %dy : memref<64x32xf16>, memref<64x128xf16>) outs(%dw : memref<32x128xf32>)
  %db = gpu.alloc () : memref<128xf32>
  linalg.fill ins(%zero : f32) outs(%db : memref<128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<64x128xf16>) outs(%db : memref<128xf32>) {
  ^bb0(%in: f16, %out: f32):
    %e = arith.extf %in : f16 to f32
    %s = arith.addf %e, %out : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%dw : memref<32x128xf32>) outs(%gw : memref<32x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %in : f32 to f16
    %w = arith.extf %t : f16 to f32
    linalg.yield %w : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%db : memref<128xf32>) outs(%gb : memref<128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %in : f32 to f16
    %w = arith.extf %t : f16 to f32
    linalg.yield %w : f32
  }
  gpu.dealloc %dw : memref<32x128xf32>
  gpu.dealloc %db : memref<128xf32>
  return
}

// -----

// The same with a bias gradient read unrounded: both stay f32, since
// cuBLASLt's bias gradient has its output's type.

// CHECK-LABEL: func.func @unrounded_bias_gradient
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[BGRADA:.*]] = arith.constant 4 : i32
// CHECK: call @mptCublasLtMatmulEpilogue(%[[ONE]], %[[ZERO]], %[[ONE]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %[[BGRADA]], %{{.*}})
// CHECK: vector.load {{.*}} : memref<32x128xf32>, vector<4xf32>
// CHECK: arith.truncf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @unrounded_bias_gradient(%x: memref<64x32xf16>, %dy: memref<64x128xf16>, %gw: memref<32x128xf32>, %gb: memref<128xf32>) {
  %zero = arith.constant 0.0 : f32
  %dw = gpu.alloc () : memref<32x128xf32>
  linalg.fill ins(%zero : f32) outs(%dw : memref<32x128xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %dy : memref<64x32xf16>, memref<64x128xf16>) outs(%dw : memref<32x128xf32>)
  %db = gpu.alloc () : memref<128xf32>
  linalg.fill ins(%zero : f32) outs(%db : memref<128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<64x128xf16>) outs(%db : memref<128xf32>) {
  ^bb0(%in: f16, %out: f32):
    %e = arith.extf %in : f16 to f32
    %s = arith.addf %e, %out : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%dw : memref<32x128xf32>) outs(%gw : memref<32x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %in : f32 to f16
    %w = arith.extf %t : f16 to f32
    linalg.yield %w : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%db : memref<128xf32>) outs(%gb : memref<128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  }
  gpu.dealloc %dw : memref<32x128xf32>
  gpu.dealloc %db : memref<128xf32>
  return
}

// -----

// The sum over k of the left operand, transposed (its rows run along k):
// BGRADB (epilogue 5), the sum's zero fill before the product.

// CHECK-LABEL: func.func @bias_gradient_of_lhs
// CHECK-DAG: %[[BGRADB:.*]] = arith.constant 5 : i32
// CHECK-DAG: %[[SI:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK-DAG: %[[SL:.*]] = arith.index_cast %[[SI]] : index to i64
// CHECK-DAG: %[[S:.*]] = llvm.inttoptr %[[SL]] : i64 to !llvm.ptr
// CHECK: call @mptCublasLtMatmulEpilogue({{.*}}, %[[BGRADB]], %[[S]])
// CHECK-NOT: linalg
// CHECK-NOT: gpu.launch
func.func @bias_gradient_of_lhs(%a: memref<64x32xf32>, %b: memref<128x64xf32>, %c: memref<32x128xf32>, %s: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<32xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<32x128xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<64x32xf32>, memref<128x64xf32>) outs(%c : memref<32x128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%a : memref<64x32xf32>) outs(%s : memref<32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// What cuBLASLt's epilogues do not compute the same stays a kernel, after
// a product without an epilogue. The ReLU mpt.relu lowers to (maximumf)
// propagates NaN; cuBLASLt's makes it 0.

// CHECK-LABEL: func.func @nan_propagating_relu
// CHECK: call @mptCublasLtMatmul(
// CHECK: gpu.launch
// CHECK: arith.maximumf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @nan_propagating_relu(%x: memref<64x32xf32>, %w: memref<32x128xf32>, %a: memref<64x128xf32>) {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%a : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// A ReLU whose input is read again: cuBLASLt would keep a bit mask, not
// the input.

// CHECK-LABEL: func.func @relu_input_read_again
// CHECK-NOT: mptCublasLtMatmulEpilogue
// CHECK: call @mptCublasLtMatmul(
// CHECK-COUNT-2: gpu.launch
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu_input_read_again(%x: memref<64x32xf32>, %w: memref<32x128xf32>, %a: memref<64x128xf32>, %s: memref<64x128xf32>) {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%a : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maxnumf %in, %zero : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%s : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// The exact GELU, 0.5 x (1 + erf(x / sqrt(2))), is not cuBLASLt's.

// CHECK-LABEL: func.func @erf_gelu
// CHECK: call @mptCublasLtMatmul(
// CHECK: gpu.launch
// CHECK: math.erf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @erf_gelu(%x: memref<64x32xf32>, %w: memref<32x128xf32>, %g: memref<64x128xf32>) {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%g : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %rsqrt2 = arith.constant 0.707106769 : f32
    %one = arith.constant 1.0 : f32
    %half = arith.constant 0.5 : f32
    %s = arith.mulf %in, %rsqrt2 : f32
    %e = math.erf %s : f32
    %onePlus = arith.addf %one, %e : f32
    %halfX = arith.mulf %half, %in : f32
    %r = arith.mulf %halfX, %onePlus : f32
    linalg.yield %r : f32
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// A GELU of the product rounded to f16 (an f16 product, widened for the
// GELU): cuBLASLt's GELU would see the unrounded product.

// CHECK-LABEL: func.func @gelu_of_rounded_product
// CHECK: call @mptCublasLtMatmul(
// CHECK: gpu.launch
// CHECK: math.tanh
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @gelu_of_rounded_product(%x: memref<64x32xf16>, %w: memref<32x128xf16>, %g: memref<64x128xf16>) {
  %zero = arith.constant 0.0 : f16
  %h = gpu.alloc () : memref<64x128xf16>
  linalg.fill ins(%zero : f16) outs(%h : memref<64x128xf16>)
  linalg.matmul ins(%x, %w : memref<64x32xf16>, memref<32x128xf16>) outs(%h : memref<64x128xf16>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf16>) outs(%g : memref<64x128xf16>) {
  ^bb0(%in16: f16, %out: f16):
    %in = arith.extf %in16 : f16 to f32
    %a = arith.constant 0.044715 : f32
    %c = arith.constant 0.797884583 : f32
    %one = arith.constant 1.0 : f32
    %half = arith.constant 0.5 : f32
    %x2 = arith.mulf %in, %in : f32
    %x3 = arith.mulf %in, %x2 : f32
    %ax3 = arith.mulf %x3, %a : f32
    %inner = arith.addf %in, %ax3 : f32
    %scaled = arith.mulf %inner, %c : f32
    %t = math.tanh %scaled : f32
    %onePlus = arith.addf %t, %one : f32
    %halfX = arith.mulf %in, %half : f32
    %r = arith.mulf %halfX, %onePlus : f32
    %r16 = arith.truncf %r : f32 to f16
    linalg.yield %r16 : f16
  }
  gpu.dealloc %h : memref<64x128xf16>
  return
}

// -----

// A GELU whose input is read again, with n = 100: cuBLASLt keeps the GELU's
// input only with a leading dimension (n) that is a multiple of 8.

// CHECK-LABEL: func.func @gelu_input_kept_narrow
// CHECK: call @mptCublasLtMatmul(
// CHECK-COUNT-2: gpu.launch
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @gelu_input_kept_narrow(%x: memref<64x32xf32>, %w: memref<32x100xf32>, %g: memref<64x100xf32>, %dg: memref<64x100xf32>) {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x100xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x100xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x100xf32>) outs(%h : memref<64x100xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x100xf32>) outs(%g : memref<64x100xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.constant 0.044715 : f32
    %c = arith.constant 0.797884583 : f32
    %one = arith.constant 1.0 : f32
    %half = arith.constant 0.5 : f32
    %x2 = arith.mulf %in, %in : f32
    %x3 = arith.mulf %in, %x2 : f32
    %ax3 = arith.mulf %x3, %a : f32
    %inner = arith.addf %in, %ax3 : f32
    %scaled = arith.mulf %inner, %c : f32
    %t = math.tanh %scaled : f32
    %onePlus = arith.addf %t, %one : f32
    %halfX = arith.mulf %in, %half : f32
    %r = arith.mulf %halfX, %onePlus : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x100xf32>) outs(%dg : memref<64x100xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  }
  gpu.dealloc %h : memref<64x100xf32>
  return
}

// -----

// A mixed-precision linear layer: its bias rounded to f16, the f32 product
// rounded to f16 and ReLU'd (NaN to 0). cuBLASLt adds the bias in f16, the
// type of its f16 result, which goes to the ReLU's output (RELU_BIAS);
// the bias is rounded into a buffer of its own by a kernel before the call
// and freed after it.

// CHECK-LABEL: func.func @rounded_bias_relu
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: %[[B16:.*]] = gpu.alloc () : memref<128xf16>
// CHECK: gpu.launch
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: memref.extract_aligned_pointer_as_index %arg3
// CHECK: memref.extract_aligned_pointer_as_index %[[B16]]
// CHECK: call @mptCublasLtMatmulEpilogue(%[[ONE]], %[[ONE]], %[[ZERO]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %[[ONE]], %{{.*}})
// CHECK-NEXT: gpu.dealloc %[[B16]]
// CHECK-NOT: gpu.launch
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @rounded_bias_relu(%x: memref<64x32xf16>, %b: memref<128xf32>, %w: memref<32x128xf16>, %a: memref<64x128xf16>) {
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%h : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.truncf %in : f32 to f16
    %e = arith.extf %r : f16 to f32
    linalg.yield %e : f32
  }
  linalg.matmul ins(%x, %w : memref<64x32xf16>, memref<32x128xf16>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%a : memref<64x128xf16>) {
  ^bb0(%in: f32, %out: f16):
    %zh = arith.constant 0.0 : f16
    %t = arith.truncf %in : f32 to f16
    %r = arith.maxnumf %t, %zh : f16
    linalg.yield %r : f16
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// The same layer with mpt.relu's NaN-propagating ReLU, which stays a
// kernel: cuBLASLt still adds the f16 bias and writes the f16 result
// (epilogue 0) into a new buffer, which the ReLU's kernel reads instead
// of the f32 product and its rounding. The f32 product is gone.

// CHECK-LABEL: func.func @rounded_bias_read_rounded
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-NOT: memref<64x128xf32>
// CHECK: %[[H16:.*]] = gpu.alloc () : memref<64x128xf16>
// CHECK: %[[B16:.*]] = gpu.alloc () : memref<128xf16>
// CHECK: gpu.launch
// CHECK: memref.extract_aligned_pointer_as_index %[[H16]]
// CHECK: memref.extract_aligned_pointer_as_index %[[B16]]
// CHECK: call @mptCublasLtMatmulEpilogue(%[[ONE]], %[[ONE]], %[[ZERO]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %[[ZERO]], %{{.*}})
// CHECK: gpu.launch
// CHECK: vector.load %[[H16]]{{.*}} : memref<64x128xf16>, vector<4xf16>
// CHECK-NOT: arith.truncf
// CHECK: arith.maximumf
// CHECK: gpu.dealloc %[[H16]] : memref<64x128xf16>
// CHECK-NOT: memref<64x128xf32>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @rounded_bias_read_rounded(%x: memref<64x32xf16>, %b: memref<128xf32>, %w: memref<32x128xf16>, %a: memref<64x128xf16>) {
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%h : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.truncf %in : f32 to f16
    %e = arith.extf %r : f16 to f32
    linalg.yield %e : f32
  }
  linalg.matmul ins(%x, %w : memref<64x32xf16>, memref<32x128xf16>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%a : memref<64x128xf16>) {
  ^bb0(%in: f32, %out: f16):
    %zh = arith.constant 0.0 : f16
    %t = arith.truncf %in : f32 to f16
    %r = arith.maximumf %t, %zh : f16
    linalg.yield %r : f16
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// A bf16 product of a 3-D input read through a reshape, its result rounded
// and then used with another input: cuBLASLt writes bf16, and the reader
// reads it through the same reshape.

// CHECK-LABEL: func.func @rounded_through_reshape
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : i32
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[H:.*]] = gpu.alloc () : memref<64x128xbf16>
// CHECK: call @mptCublasLtMatmulEpilogue(%[[TWO]], %[[TWO]], %[[ZERO]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NULL]], %[[ZERO]], %[[ZERO]], %[[NULL]])
// CHECK: %[[VIEW:.*]] = memref.expand_shape %[[H]] {{.*}} : memref<64x128xbf16> into memref<4x16x128xbf16>
// CHECK: gpu.launch
// CHECK: vector.load %[[VIEW]]{{.*}} : memref<4x16x128xbf16>, vector<4xbf16>
// CHECK-NOT: arith.truncf
// CHECK: gpu.dealloc %[[H]] : memref<64x128xbf16>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @rounded_through_reshape(%x: memref<64x32xbf16>, %w: memref<32x128xbf16>, %r: memref<4x16x128xbf16>, %y: memref<4x16x128xbf16>) {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xbf16>, memref<32x128xbf16>) outs(%h : memref<64x128xf32>)
  %v = memref.expand_shape %h [[0, 1], [2]] output_shape [4, 16, 128] : memref<64x128xf32> into memref<4x16x128xf32>
  linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%v, %r : memref<4x16x128xf32>, memref<4x16x128xbf16>) outs(%y : memref<4x16x128xbf16>) {
  ^bb0(%in: f32, %res: bf16, %out: bf16):
    %t = arith.truncf %in : f32 to bf16
    %s = arith.addf %t, %res : bf16
    linalg.yield %s : bf16
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// A reader that also reads the unrounded product keeps it in f32, and so
// does the bias: rounded by its kernel into the output, which the product
// accumulates into (beta = 1).

// CHECK-LABEL: func.func @unrounded_reader
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: gpu.alloc () : memref<64x128xf32>
// CHECK: gpu.launch
// CHECK: call @mptCublasLtMatmul(%[[ONE]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]])
// CHECK: gpu.launch
// CHECK: arith.truncf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @unrounded_reader(%x: memref<64x32xf16>, %b: memref<128xf32>, %w: memref<32x128xf16>, %a: memref<64x128xf16>) {
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%h : memref<64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.truncf %in : f32 to f16
    %e = arith.extf %r : f16 to f32
    linalg.yield %e : f32
  }
  linalg.matmul ins(%x, %w : memref<64x32xf16>, memref<32x128xf16>) outs(%h : memref<64x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<64x128xf32>) outs(%a : memref<64x128xf16>) {
  ^bb0(%in: f32, %out: f16):
    %sq = arith.mulf %in, %in : f32
    %t = arith.truncf %sq : f32 to f16
    linalg.yield %t : f16
  }
  gpu.dealloc %h : memref<64x128xf32>
  return
}

// -----

// The bias gradient with an op between it and the product, which could
// write what it reads, stays a kernel; so does a sum over k of the left
// operand when it is not transposed (its columns run along k), which
// cuBLASLt's BGRADB does not sum.

// CHECK-LABEL: func.func @bias_gradient_not_next
// CHECK-NOT: mptCublasLtMatmulEpilogue
// CHECK: call @mptCublasLtMatmul(
// CHECK-COUNT-2: gpu.launch
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @bias_gradient_not_next(%x: memref<64x32xf16>, %dy: memref<64x128xf16>, %dw: memref<32x128xf32>, %db: memref<128xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%dw : memref<32x128xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %dy : memref<64x32xf16>, memref<64x128xf16>) outs(%dw : memref<32x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%dy : memref<64x128xf16>) outs(%dy : memref<64x128xf16>) {
  ^bb0(%in: f16, %out: f16):
    %d = arith.addf %in, %in : f16
    linalg.yield %d : f16
  }
  linalg.fill ins(%zero : f32) outs(%db : memref<128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<64x128xf16>) outs(%db : memref<128xf32>) {
  ^bb0(%in: f16, %out: f32):
    %e = arith.extf %in : f16 to f32
    %s = arith.addf %e, %out : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// CHECK-LABEL: func.func @sum_along_columns
// CHECK-NOT: mptCublasLtMatmulEpilogue
// CHECK: call @mptCublasLtMatmul(
// CHECK: gpu.launch
func.func @sum_along_columns(%a: memref<32x64xf32>, %b: memref<64x128xf32>, %c: memref<32x128xf32>, %s: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<32x128xf32>)
  linalg.matmul ins(%a, %b : memref<32x64xf32>, memref<64x128xf32>) outs(%c : memref<32x128xf32>)
  linalg.fill ins(%zero : f32) outs(%s : memref<32xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<32x64xf32>) outs(%s : memref<32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A linear layer of a 3-D input: the ReLU reads the product through a
// reshape, which goes away with the temporary; the bias gradient of the
// next product sums the 3-D output gradient whose 2-D reshape it reads.

// CHECK-LABEL: func.func @reshaped
// CHECK-DAG: %[[RELU:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[BGRADA:.*]] = arith.constant 4 : i32
// CHECK: call @mptCublasLtMatmulEpilogue({{.*}}, %[[RELU]], %{{.*}})
// CHECK: call @mptCublasLtMatmulEpilogue({{.*}}, %[[BGRADA]], %{{.*}})
// CHECK-NOT: linalg
// CHECK-NOT: memref.expand_shape
// CHECK-NOT: gpu.launch
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @reshaped(%x: memref<64x32xf32>, %w: memref<32x128xf32>, %a: memref<4x16x128xf32>, %dy: memref<4x16x128xf32>, %dw: memref<32x128xf32>, %db: memref<128xf32>) {
  %zero = arith.constant 0.0 : f32
  %h = gpu.alloc () : memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x128xf32>)
  linalg.matmul ins(%x, %w : memref<64x32xf32>, memref<32x128xf32>) outs(%h : memref<64x128xf32>)
  %h3 = memref.expand_shape %h [[0, 1], [2]] output_shape [4, 16, 128] : memref<64x128xf32> into memref<4x16x128xf32>
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%h3 : memref<4x16x128xf32>) outs(%a : memref<4x16x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maxnumf %in, %zero : f32
    linalg.yield %r : f32
  }
  gpu.dealloc %h : memref<64x128xf32>
  %dy2 = memref.collapse_shape %dy [[0, 1], [2]] : memref<4x16x128xf32> into memref<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%dw : memref<32x128xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %dy2 : memref<64x32xf32>, memref<64x128xf32>) outs(%dw : memref<32x128xf32>)
  linalg.fill ins(%zero : f32) outs(%db : memref<128xf32>)
  linalg.generic {indexing_maps = [#id3, affine_map<(d0, d1, d2) -> (d2)>], iterator_types = ["reduction", "reduction", "parallel"]}
      ins(%dy : memref<4x16x128xf32>) outs(%db : memref<128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  return
}
