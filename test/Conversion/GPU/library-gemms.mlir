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

// A bias rounded to f16 first is no bias cuBLASLt adds: the rounding stays
// a kernel and the product accumulates into its result (beta = 1). The
// weight gradient's transposed operands: x^T dy, the left one transposed
// (k = 64 rows of 32).

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
