// RUN: mpt-opt --mpt-cpu-vectorize-contractions="min-flops=1000 amx" --canonicalize --cse --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-lower-to-llvm="threads=1 amx" --split-input-file %s | FileCheck %s --check-prefix=LLVM

// A bf16 GEMM runs on AMX tiles: the lhs packed into 32x32 blocks, the rhs
// copied into the VNNI layout (pairs of k interleaved in registers, as for
// the dot-product kernel), each 32x32 result block
// accumulated in four f32 tiles over the unrolled k loop (two steps of 32
// here), and the zero fill added in registers instead of written.
// CHECK-LABEL: func.func @gemm_bf16
// CHECK-NOT:     linalg.fill
// CHECK:         %[[A:.*]] = linalg.pack %{{.*}} inner_dims_pos = [0, 1] inner_tiles = [32, 32] into %{{.*}} -> tensor<2x2x32x32xbf16>
// CHECK:         %[[B_VNNI:.*]] = scf.forall (%{{.*}}) in (2) {{.*}} -> (tensor<2x32x64xbf16>)
// CHECK:           vector.interleave %{{.*}}, %{{.*}} : vector<32xbf16> -> vector<64xbf16>
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

// A bias broadcast over the rows starts every row of a block from the bias
// vector of its columns, computed in registers, and a result that is only
// rounded to bf16 is rounded as it leaves the tiles, and the ReLU reads
// the rounded values: neither the broadcast bias nor the f32 result is
// stored. The weight, a rounding of f32 parameters, is read in f32 and
// rounded while copied into the VNNI panels.
// CHECK-LABEL: func.func @rounded_from_bias
// CHECK-SAME:    %[[W:[^:]*]]: tensor<64x64xf32>, %[[BIAS:[^:]*]]: tensor<64xf32>
// CHECK-NOT:     tensor<64x64xf32>
// CHECK:         scf.forall (%{{.*}}) in (2) {{.*}} -> (tensor<2x32x64xbf16>)
// CHECK:           %[[ROW:.*]] = vector.transfer_read %[[W]]{{.*}} : tensor<64x64xf32>, vector<32xf32>
// CHECK:           arith.truncf %[[ROW]] : vector<32xf32> to vector<32xbf16>
// CHECK:         %[[OUT:.*]] = tensor.empty() : tensor<64x64xbf16>
// CHECK:         %[[RESULT:.*]] = scf.forall (%[[J:.*]], %{{.*}}) in (2, 2) shared_outs(%{{.*}} = %[[OUT]]) -> (tensor<64x64xbf16>)
// CHECK-COUNT-4:   amx.tile_store
// CHECK:           %[[COL:.*]] = arith.muli %[[J]], %c32
// CHECK:           %[[START:.*]] = vector.transfer_read %[[BIAS]][%[[COL]]]{{.*}} : tensor<64xf32>, vector<32xf32>
// CHECK:           %[[SUM:.*]] = arith.addf %[[START]], %{{.*}} : vector<32xf32>
// CHECK:           %[[ROUNDED:.*]] = arith.truncf %[[SUM]] : vector<32xf32> to vector<32xbf16>
// CHECK:           vector.transfer_write %[[ROUNDED]]
// CHECK-COUNT-31:  arith.truncf {{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[RESULT]] : tensor<64x64xbf16>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: bf16,
// CHECK-NEXT:      arith.maximumf %[[IN]]
// LLVM-LABEL: llvm.func internal @rounded_from_bias_kernel_0(
// LLVM:         llvm.call_intrinsic "llvm.x86.tdpbf16ps.internal"
// LLVM:         llvm.fptrunc {{.*}} : vector<32xf32> to vector<32xbf16>
func.func @rounded_from_bias(%a: tensor<64x64xbf16>, %w: tensor<64x64xf32>, %bias: tensor<64xf32>) -> tensor<64x64xbf16> {
  %zero = arith.constant 0.0 : bf16
  %wempty = tensor.empty() : tensor<64x64xbf16>
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<64x64xf32>) outs(%wempty : tensor<64x64xbf16>) {
  ^bb0(%in: f32, %o: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<64x64xbf16>
  %empty = tensor.empty() : tensor<64x64xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<64xf32>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  } -> tensor<64x64xf32>
  %c = linalg.matmul ins(%a, %b : tensor<64x64xbf16>, tensor<64x64xbf16>) outs(%acc : tensor<64x64xf32>) -> tensor<64x64xf32>
  %out = tensor.empty() : tensor<64x64xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<64x64xf32>) outs(%out : tensor<64x64xbf16>) {
  ^bb0(%in: f32, %o: bf16):
    %t = arith.truncf %in : f32 to bf16
    %m = arith.maximumf %t, %zero : bf16
    linalg.yield %m : bf16
  } -> tensor<64x64xbf16>
  return %r : tensor<64x64xbf16>
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
