// RUN: mpt-opt --mpt-cpu-vectorize-contractions="min-flops=1000 amx" --canonicalize --cse --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-lower-to-llvm="threads=1 amx" --split-input-file %s | FileCheck %s --check-prefix=LLVM

// A bf16 GEMM runs on AMX tiles: the lhs packed into 32x32 blocks, the rhs
// into the VNNI layout (pairs of k side by side), each 32x32 result block
// accumulated in four f32 tiles over the unrolled k loop (two steps of 32
// here), and the zero fill added in registers instead of written.
// CHECK-LABEL: func.func @gemm_bf16
// CHECK-NOT:     linalg.fill
// CHECK:         %[[A:.*]] = linalg.pack %{{.*}} inner_dims_pos = [0, 1] inner_tiles = [32, 32] into %{{.*}} -> tensor<2x2x32x32xbf16>
// CHECK:         %[[B:.*]] = linalg.pack %{{.*}} inner_dims_pos = [1, 0] inner_tiles = [32, 2] into %{{.*}} -> tensor<2x32x32x2xbf16>
// CHECK:         %[[B_VNNI:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0], [1], [2, 3]] : tensor<2x32x32x2xbf16> into tensor<2x32x64xbf16>
// CHECK:         scf.forall (%[[J:.*]], %[[I:.*]]) in (2, 2)
// CHECK:           %[[A_BLOCK:.*]] = tensor.extract_slice %[[A]][%[[I]], 0, 0, 0] [1, 2, 32, 32]
// CHECK:           %[[B_PANEL:.*]] = tensor.extract_slice %[[B_VNNI]][%[[J]], 0, 0] [1, 32, 64]
// CHECK:           %[[A_BUF:.*]] = bufferization.to_buffer %[[A_BLOCK]] read_only
// CHECK:           %[[B_BUF:.*]] = bufferization.to_buffer %[[B_PANEL]] read_only
// CHECK:           memref.alloca_scope
// CHECK-COUNT-4:     amx.tile_zero : !amx.tile<16x16xf32>
// CHECK:             %[[A0:.*]] = amx.tile_load %[[A_BUF]][%{{.*}}], %{{.*}} : {{.*}} into !amx.tile<16x32xbf16>
// CHECK:             %[[B0:.*]] = amx.tile_load %[[B_BUF]][%{{.*}}], %{{.*}} : {{.*}} into !amx.tile<16x32xbf16>
// CHECK:             amx.tile_mulf %[[A0]], %[[B0]], %{{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// CHECK-COUNT-7:     amx.tile_mulf
// CHECK-NOT:         amx.tile_mulf
// CHECK-COUNT-4:     amx.tile_store
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %{{.*}} [32, 32] [1, 1]

// The whole pipeline turns the tile ops into the AMX intrinsics, in the
// kernel function the GEMM is outlined into.
// LLVM-LABEL: llvm.func internal @gemm_bf16_kernel_0(
// LLVM:         llvm.call_intrinsic "llvm.x86.tileloadd64.internal"
// LLVM:         llvm.call_intrinsic "llvm.x86.tdpbf16ps.internal"
// LLVM:         llvm.call_intrinsic "llvm.x86.tilestored64.internal"
func.func @gemm_bf16(%a: tensor<64x64xbf16>, %b: tensor<64x64xbf16>) -> tensor<64x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x64xbf16>, tensor<64x64xbf16>) outs(%c : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// f16 operands have no AMX kernel on this target: the FMA kernel.
// CHECK-LABEL: func.func @gemm_f16
// CHECK-NOT:     amx.
// CHECK:         vector.fma
// LLVM-LABEL: llvm.func internal @gemm_f16_kernel_0(
// LLVM-NOT:     x86.tdpbf16ps
func.func @gemm_f16(%a: tensor<64x64xf16>, %b: tensor<64x64xf16>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x64xf16>, tensor<64x64xf16>) outs(%c : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// A k that is not a multiple of 32 cannot fill the tiles: the FMA kernel.
// CHECK-LABEL: func.func @gemm_bf16_ragged_k
// CHECK-NOT:     amx.
// CHECK:         vector.fma
// LLVM-LABEL: llvm.func internal @gemm_bf16_ragged_k_kernel_0(
func.func @gemm_bf16_ragged_k(%a: tensor<64x48xbf16>, %b: tensor<48x64xbf16>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x48xbf16>, tensor<48x64xbf16>) outs(%c : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}
