// RUN: mpt-opt --mpt-cpu-vectorize-contractions=min-flops=1000 --canonicalize --cse --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-cpu-vectorize-contractions="min-flops=1000 bf16-dot-product" --canonicalize --cse --split-input-file %s | FileCheck %s --check-prefix=DOT

// f16 operands are packed (`linalg.pack`) into panels, the lhs as
// [M/8][K][8], the rhs as [N/32][K][32], and widened to f32. One
// scf.forall iteration per 8x32 block keeps 8 vectors of 32 accumulators
// in registers for the whole k loop; a zero fill becomes zero registers and
// the fill itself goes away.
// CHECK-LABEL: func.func @gemm_f16
// CHECK-SAME:    (%[[A:.*]]: tensor<16x64xf16>, %[[B:.*]]: tensor<64x64xf16>)
// CHECK-DAG:     %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : vector<32xf32>
// CHECK:         %[[A_PACK:.*]] = linalg.pack %[[A]] outer_dims_perm = [0, 1] inner_dims_pos = [0] inner_tiles = [8] into %{{.*}} : tensor<16x64xf16> -> tensor<2x64x8xf16>
// CHECK:         %[[A_PANELS:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[A_PACK]] : tensor<2x64x8xf16>) outs(%{{.*}} : tensor<2x64x8xf32>)
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:         %[[B_PACK:.*]] = linalg.pack %[[B]] outer_dims_perm = [1, 0] inner_dims_pos = [1] inner_tiles = [32] into %{{.*}} : tensor<64x64xf16> -> tensor<2x64x32xf16>
// CHECK:         %[[B_PANELS:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[B_PACK]] : tensor<2x64x32xf16>) outs(%{{.*}} : tensor<2x64x32xf32>)
// CHECK-NOT:     linalg.fill
// CHECK:         %[[BLOCKS:.*]] = scf.forall (%[[J:.*]], %[[I:.*]]) in (2, 2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<2x8x2x32xf32>)
// CHECK:           %[[A_PANEL:.*]] = tensor.extract_slice %[[A_PANELS]][%[[I]], 0, 0] [1, 64, 8]
// CHECK:           %[[B_PANEL:.*]] = tensor.extract_slice %[[B_PANELS]][%[[J]], 0, 0] [1, 64, 32]
// CHECK:           %[[ACC:.*]]:8 = scf.for %[[K:[^ ]*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC0:[^ ]*]] = %[[ZEROS]], {{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK:             %[[ROW:.*]] = vector.transfer_read %[[B_PANEL]][%{{.*}}, %[[K]], %{{.*}}]{{.*}} : tensor<1x64x32xf32>, vector<32xf32>
// CHECK:             %[[A0:.*]] = tensor.extract %[[A_PANEL]][%{{.*}}, %[[K]], %{{.*}}] : tensor<1x64x8xf32>
// CHECK:             %[[S0:.*]] = vector.broadcast %[[A0]] : f32 to vector<32xf32>
// CHECK:             vector.fma %[[S0]], %[[ROW]], %[[ACC0]] : vector<32xf32>
// CHECK-COUNT-7:     vector.fma
// CHECK:             scf.yield
// CHECK-COUNT-8:   vector.transfer_write %[[ACC]]#{{[0-7]}}
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[I]], 0, %[[J]], 0] [1, 8, 1, 32]
// CHECK:         tensor.collapse_shape %[[BLOCKS]] {{\[}}[0, 1], [2, 3]] : tensor<2x8x2x32xf32> into tensor<16x64xf32>
func.func @gemm_f16(%a: tensor<16x64xf16>, %b: tensor<64x64xf16>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf16>, tensor<64x64xf16>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A transposed lhs packs into the same panels; f32 operands need no
// widening. An accumulator that is not a fill (a bias) is read into the
// registers.
// CHECK-LABEL: func.func @gemm_transposed_lhs_with_bias
// CHECK:         linalg.pack %{{.*}} outer_dims_perm = [1, 0] inner_dims_pos = [1] inner_tiles = [8] into %{{.*}} : tensor<64x16xf32> -> tensor<2x64x8xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         %[[C4:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [2, 8, 2, 32] : tensor<16x64xf32> into tensor<2x8x2x32xf32>
// CHECK:         scf.forall {{.*}} shared_outs(%[[OUT:.*]] = %[[C4]])
// CHECK:           %[[TILE:.*]] = tensor.extract_slice %[[OUT]]
// CHECK:           vector.transfer_read %[[TILE]]{{.*}} : tensor<1x8x1x32xf32>, vector<32xf32>
// CHECK:           scf.for
func.func @gemm_transposed_lhs_with_bias(%a: tensor<64x16xf32>, %b: tensor<64x64xf32>, %bias: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<64x16xf32>, tensor<64x64xf32>) outs(%bias : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// Batches become one more parallel loop.
// CHECK-LABEL: func.func @batch_gemm
// CHECK:         scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (3, 2, 2)
func.func @batch_gemm(%a: tensor<3x16x64xf32>, %b: tensor<3x64x64xf32>, %c: tensor<3x16x64xf32>) -> tensor<3x16x64xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x16x64xf32>, tensor<3x64x64xf32>) outs(%c : tensor<3x16x64xf32>) -> tensor<3x16x64xf32>
  return %r : tensor<3x16x64xf32>
}

// -----

// A matrix-vector product has no register tile of 32 columns: left alone.
// CHECK-LABEL: func.func @matvec_not_packed
// CHECK:         linalg.matmul
// CHECK-NOT:     scf.forall
func.func @matvec_not_packed(%a: tensor<256x1024xf32>, %b: tensor<1024x1xf32>, %c: tensor<256x1xf32>) -> tensor<256x1xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<256x1024xf32>, tensor<1024x1xf32>) outs(%c : tensor<256x1xf32>) -> tensor<256x1xf32>
  return %r : tensor<256x1xf32>
}

// -----

// With bf16-dot-product, bf16 operands stay bf16 in panels that keep pairs
// of k side by side ([M/8][K/2][8][2], [N/32][K/2][32][2]); each pair step
// broadcasts the pair of each lhs row as one 32-bit lane and takes its dot
// product with 16 columns of rhs pairs, accumulating in f32.
// CHECK-LABEL: func.func @gemm_bf16_dot
// DOT-LABEL: func.func @gemm_bf16_dot
// DOT:         linalg.pack %{{.*}} inner_dims_pos = [0, 1] inner_tiles = [8, 2] into %{{.*}} : tensor<16x64xbf16> -> tensor<2x32x8x2xbf16>
// DOT:         linalg.pack %{{.*}} inner_dims_pos = [1, 0] inner_tiles = [32, 2] into %{{.*}} : tensor<64x64xbf16> -> tensor<2x32x32x2xbf16>
// DOT-NOT:     linalg.generic
// DOT:         scf.forall
// DOT:           %[[A_ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<1x32x8x2xbf16> into tensor<1x32x16xbf16>
// DOT:           %[[B_ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<1x32x32x2xbf16> into tensor<1x32x64xbf16>
// DOT:           scf.for %[[K:[^ ]*]] = {{.*}} -> (vector<16xf32>,
// DOT:             %[[B0:.*]] = vector.transfer_read %[[B_ROWS]][%{{.*}}, %[[K]], %{{.*}}]{{.*}} : tensor<1x32x64xbf16>, vector<32xbf16>
// DOT:             %[[PAIR:.*]] = vector.transfer_read %[[A_ROWS]][%{{.*}}, %[[K]], %{{.*}}]{{.*}} : tensor<1x32x16xbf16>, vector<2xbf16>
// DOT:             %[[LANE:.*]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// DOT:             %[[LANES:.*]] = vector.broadcast %[[LANE]] : vector<1xi32> to vector<16xi32>
// DOT:             %[[A0:.*]] = vector.bitcast %[[LANES]] : vector<16xi32> to vector<32xbf16>
// DOT:             x86vector.avx512.dot %{{.*}}, %[[A0]], %[[B0]] : vector<32xbf16> -> vector<16xf32>
// DOT-COUNT-15:    x86vector.avx512.dot
func.func @gemm_bf16_dot(%a: tensor<16x64xbf16>, %b: tensor<64x64xbf16>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xbf16>, tensor<64x64xbf16>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}
