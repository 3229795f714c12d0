// RUN: mpt-opt --mpt-cpu-vectorize-contractions=min-flops=1000 --canonicalize --cse --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-cpu-vectorize-contractions="min-flops=1000 bf16-dot-product" --canonicalize --cse --split-input-file %s | FileCheck %s --check-prefix=DOT
// RUN: mpt-opt --mpt-cpu-vectorize-contractions="min-flops=1000 narrow-panels=false" --canonicalize --cse --split-input-file %s | FileCheck %s --check-prefix=WIDE
// RUN: mpt-opt --mpt-cpu-vectorize-contractions="min-flops=1000 register-rows=4 register-cols=16" --canonicalize --cse --split-input-file %s | FileCheck %s --check-prefix=AVX2
// RUN: mpt-opt --mpt-cpu-vectorize-contractions="min-flops=1000 lhs-panel-bytes=4096" --canonicalize --cse --split-input-file %s | FileCheck %s --check-prefix=CHUNK

// f16 operands: the lhs, read along k, is copied into f32 panels [M/8][K][8]
// by blocks of 8 rows x 16 k transposed in registers, in three rounds of
// interleaving shuffles (8 per round), each result two k rows of the
// panel; the rhs, read along
// n, into f16 panels [N/32][K][32] one k row at a time. One scf.forall
// iteration per 8x32 block keeps 8 vectors of 32 accumulators in
// registers for the whole k loop, widening each rhs row in registers; a
// zero fill becomes zero registers and the fill itself goes away.
// CHECK-LABEL: func.func @gemm_f16
// CHECK-SAME:    (%[[A:.*]]: tensor<16x64xf16>, %[[B:.*]]: tensor<64x64xf16>)
// CHECK-DAG:     %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : vector<32xf32>
// CHECK:         %[[A_PANELS:.*]] = scf.forall (%[[P:.*]]) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<2x64x8xf32>)
// CHECK:           scf.for %[[KA:.*]] = %{{.*}} to %{{.*}} step %c16
// CHECK:             %[[A_ROW:.*]] = vector.transfer_read %[[A]][%{{.*}}, %[[KA]]]{{.*}} : tensor<16x64xf16>, vector<16xf16>
// CHECK:             arith.extf %[[A_ROW]] : vector<16xf16> to vector<16xf32>
// CHECK-COUNT-7:     vector.transfer_read %[[A]]
// CHECK-COUNT-24:    vector.shuffle {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK-NOT:         vector.shuffle
// CHECK-COUNT-8:     vector.transfer_write %{{.*}} : vector<2x8xf32>, tensor<64x8xf32>
// CHECK:         %[[B_PANELS:.*]] = scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<2x64x32xf16>)
// CHECK:           scf.for %[[KB:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK:             %[[B_ROW:.*]] = vector.transfer_read %[[B]][%[[KB]], %{{.*}}]{{.*}} : tensor<64x64xf16>, vector<32xf16>
// CHECK:             vector.transfer_write %[[B_ROW]], %{{.*}}[%[[KB]], %c0]{{.*}} : vector<32xf16>, tensor<64x32xf16>
// CHECK-NOT:     linalg.fill
// CHECK:         %[[BLOCKS:.*]] = scf.forall (%[[J:.*]], %[[I:.*]]) in (2, 2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<2x8x2x32xf32>)
// CHECK:           %[[A_PANEL:.*]] = tensor.extract_slice %[[A_PANELS]][%[[I]], 0, 0] [1, 64, 8] [1, 1, 1] : tensor<2x64x8xf32> to tensor<64x8xf32>
// CHECK:           %[[B_PANEL:.*]] = tensor.extract_slice %[[B_PANELS]][%[[J]], 0, 0] [1, 64, 32] [1, 1, 1] : tensor<2x64x32xf16> to tensor<64x32xf16>
// CHECK:           %[[ACC:.*]]:8 = scf.for %[[K:[^ ]*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC0:[^ ]*]] = %[[ZEROS]], {{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK:             %[[HALF_ROW:.*]] = vector.transfer_read %[[B_PANEL]][%[[K]], %{{.*}}]{{.*}} : tensor<64x32xf16>, vector<32xf16>
// CHECK:             %[[ROW:.*]] = arith.extf %[[HALF_ROW]] : vector<32xf16> to vector<32xf32>
// CHECK:             %[[A0:.*]] = tensor.extract %[[A_PANEL]][%[[K]], %{{.*}}] : tensor<64x8xf32>
// CHECK:             %[[S0:.*]] = vector.broadcast %[[A0]] : f32 to vector<32xf32>
// CHECK:             vector.fma %[[S0]], %[[ROW]], %[[ACC0]] : vector<32xf32>
// CHECK-COUNT-7:     vector.fma
// CHECK:             scf.yield
// CHECK-COUNT-8:   vector.transfer_write %[[ACC]]#{{[0-7]}}
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[I]], 0, %[[J]], 0] [1, 8, 1, 32]
// CHECK:         tensor.collapse_shape %[[BLOCKS]] {{\[}}[0, 1], [2, 3]] : tensor<2x8x2x32xf32> into tensor<16x64xf32>
// Without AVX-512 (mpt-run's choice on AVX2-only CPUs) the blocks are
// 4 x 16: 4 accumulators of 16 f32, ymm registers.
// AVX2-LABEL: func.func @gemm_f16
// AVX2:         scf.forall {{.*}} -> (tensor<4x64x4xf32>)
// AVX2:         scf.forall {{.*}} -> (tensor<4x64x16xf16>)
// AVX2:         scf.forall (%{{.*}}, %{{.*}}) in (4, 4) {{.*}} -> (tensor<4x4x4x16xf32>)
// AVX2:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// AVX2-COUNT-4:     vector.fma {{.*}} : vector<16xf32>
// AVX2:             scf.yield
// WIDE-LABEL: func.func @gemm_f16
// WIDE:         scf.forall {{.*}} -> (tensor<2x64x8xf32>)
// WIDE:         scf.forall {{.*}} -> (tensor<2x64x32xf32>)
// WIDE:           arith.extf %{{.*}} : vector<32xf16> to vector<32xf32>
func.func @gemm_f16(%a: tensor<16x64xf16>, %b: tensor<64x64xf16>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf16>, tensor<64x64xf16>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A transposed lhs is read along m: its panels are copied one k row at a
// time like the rhs's. An accumulator that is neither a fill nor a bias
// broadcast is read into the registers.
// CHECK-LABEL: func.func @gemm_transposed_lhs_with_bias
// CHECK-SAME:    (%[[A:.*]]: tensor<64x16xf32>,
// CHECK:         scf.forall {{.*}} -> (tensor<2x64x8xf32>)
// CHECK:           scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK:             vector.transfer_read %[[A]][%[[K]], %{{.*}}]{{.*}} : tensor<64x16xf32>, vector<8xf32>
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

// A bias broadcast over the rows starts each block's rows from the bias
// vector of its columns, in registers: the broadcast is never stored.
// CHECK-LABEL: func.func @gemm_bias_rows
// CHECK-SAME:    %[[BIAS:[^:]*]]: tensor<64xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         scf.forall (%[[J:.*]], %{{.*}}) in (2, 2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<2x8x2x32xf32>)
// CHECK:           %[[COL:.*]] = arith.muli %[[J]], %c32
// CHECK:           %[[START:.*]] = vector.transfer_read %[[BIAS]][%[[COL]]]{{.*}} : tensor<64xf32>, vector<32xf32>
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %[[START]], %{{.*}} = %[[START]],
func.func @gemm_bias_rows(%a: tensor<16x64xf32>, %b: tensor<64x64xf32>, %bias: tensor<64xf32>) -> tensor<16x64xf32> {
  %empty = tensor.empty() : tensor<16x64xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<64xf32>) outs(%empty : tensor<16x64xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  } -> tensor<16x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A bf16 operand that is the rounding of an f32 tensor is read in f32 and
// rounded while packed: the rounded copy is not needed.
// CHECK-LABEL: func.func @gemm_packs_from_f32
// CHECK-SAME:    %[[W:[^:]*]]: tensor<64x64xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         scf.forall {{.*}} -> (tensor<2x64x32xbf16>)
// CHECK:           %[[ROW:.*]] = vector.transfer_read %[[W]]{{.*}} : tensor<64x64xf32>, vector<32xf32>
// CHECK:           arith.truncf %[[ROW]] : vector<32xf32> to vector<32xbf16>
func.func @gemm_packs_from_f32(%a: tensor<16x64xbf16>, %w: tensor<64x64xf32>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %empty = tensor.empty() : tensor<64x64xbf16>
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<64x64xf32>) outs(%empty : tensor<64x64xbf16>) {
  ^bb0(%in: f32, %o: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<64x64xbf16>
  %r = linalg.matmul ins(%a, %b : tensor<16x64xbf16>, tensor<64x64xbf16>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
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
// of k side by side ([M/8][K/2][8 * 2], [N/32][K/2][32 * 2]): the lhs, read
// along k, moves pairs as 32-bit lanes through a register transpose; the
// rhs interleaves two k rows. Each pair step broadcasts the pair of each
// lhs row as one 32-bit lane and takes its dot product with 16 columns of
// rhs pairs, accumulating in f32.
// CHECK-LABEL: func.func @gemm_bf16_dot
// DOT-LABEL: func.func @gemm_bf16_dot
// DOT:         scf.forall {{.*}} -> (tensor<2x32x16xbf16>)
// DOT:           vector.bitcast %{{.*}} : vector<32xbf16> to vector<16xi32>
// DOT-COUNT-24:  vector.shuffle {{.*}} : vector<16xi32>, vector<16xi32>
// DOT:           vector.bitcast %{{.*}} : vector<16xi32> to vector<32xbf16>
// DOT:           vector.transfer_write %{{.*}} : vector<2x16xbf16>, tensor<32x16xbf16>
// DOT:         scf.forall {{.*}} -> (tensor<2x32x64xbf16>)
// DOT:           vector.interleave %{{.*}}, %{{.*}} : vector<32xbf16> -> vector<64xbf16>
// DOT:         scf.forall
// DOT:           scf.for %[[K:[^ ]*]] = {{.*}} -> (vector<16xf32>,
// DOT:             %[[B0:.*]] = vector.transfer_read %[[B_ROWS:.*]][%[[K]], %{{.*}}]{{.*}} : tensor<32x64xbf16>, vector<32xbf16>
// DOT:             %[[PAIR:.*]] = vector.transfer_read %[[A_ROWS:.*]][%[[K]], %{{.*}}]{{.*}} : tensor<32x16xbf16>, vector<2xbf16>
// DOT:             %[[LANE:.*]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// DOT:             %[[LANES:.*]] = vector.broadcast %[[LANE]] : vector<1xi32> to vector<16xi32>
// DOT:             %[[A0:.*]] = vector.bitcast %[[LANES]] : vector<16xi32> to vector<32xbf16>
// DOT:             x86vector.avx512.dot %{{.*}}, %[[A0]], %[[B0]] : vector<32xbf16> -> vector<16xf32>
// DOT-COUNT-15:    x86vector.avx512.dot
func.func @gemm_bf16_dot(%a: tensor<16x64xbf16>, %b: tensor<64x64xbf16>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xbf16>, tensor<64x64xbf16>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A transposed bf16 rhs (a weight read along k) is copied into its 32-column
// panels 16 rows at a time, each group along the whole k: each 16 x 16
// block of k pairs is transposed in registers (four rounds of 16
// interleaving shuffles) and written, a pair row at a time, to one half of
// the panel's pair rows.
// CHECK-LABEL: func.func @gemm_bf16_dot_transposed_rhs
// DOT-LABEL: func.func @gemm_bf16_dot_transposed_rhs
// DOT:         scf.forall {{.*}} -> (tensor<2x32x64xbf16>)
// DOT:           %[[LOW:.*]] = scf.for {{.*}} -> (tensor<32x64xbf16>)
// DOT-COUNT-64:    vector.shuffle {{.*}} : vector<16xi32>, vector<16xi32>
// DOT:             %[[LOW_ROW:.*]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<32xbf16>
// DOT:             vector.transfer_write %[[LOW_ROW]], %{{.*}}[%{{.*}}, %c0] {{.*}} : vector<32xbf16>, tensor<32x64xbf16>
// DOT:           scf.for {{.*}} iter_args(%{{.*}} = %[[LOW]]) -> (tensor<32x64xbf16>)
// DOT-COUNT-64:    vector.shuffle {{.*}} : vector<16xi32>, vector<16xi32>
// DOT:             %[[HIGH_ROW:.*]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<32xbf16>
// DOT:             vector.transfer_write %[[HIGH_ROW]], %{{.*}}[%{{.*}}, %c32] {{.*}} : vector<32xbf16>, tensor<32x64xbf16>
func.func @gemm_bf16_dot_transposed_rhs(%a: tensor<16x64xbf16>, %b: tensor<64x64xbf16>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%a, %b : tensor<16x64xbf16>, tensor<64x64xbf16>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A linear layer on [batch][seq][width] into heads has two m loops and two
// n loops: each pair is contiguous in every operand, so it is collapsed
// into one and the contraction runs as a 64 x 64 x 32 GEMM.
// CHECK-LABEL: func.func @collapsed_dims
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x16x32xf32> into tensor<64x32xf32>
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<32x4x16xf32> into tensor<32x64xf32>
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (2, 8)
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [4, 16, 4, 16] : tensor<64x64xf32> into tensor<4x16x4x16xf32>
func.func @collapsed_dims(%x: tensor<4x16x32xf32>, %w: tensor<32x4x16xf32>, %c: tensor<4x16x4x16xf32>) -> tensor<4x16x4x16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(b, s, h, d, k) -> (b, s, k)>, affine_map<(b, s, h, d, k) -> (k, h, d)>, affine_map<(b, s, h, d, k) -> (b, s, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x16x32xf32>, tensor<32x4x16xf32>) outs(%c : tensor<4x16x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x16x4x16xf32>
  return %r : tensor<4x16x4x16xf32>
}

// -----

// A weight gradient sums over two k loops (batch and sequence), collapsed
// into one.
// CHECK-LABEL: func.func @collapsed_k
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x16x32xf32> into tensor<64x32xf32>
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (2, 4)
func.func @collapsed_k(%x: tensor<4x16x32xf32>, %dy: tensor<4x16x64xf32>, %c: tensor<32x64xf32>) -> tensor<32x64xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, b, s) -> (b, s, m)>, affine_map<(m, n, b, s) -> (b, s, n)>, affine_map<(m, n, b, s) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %dy : tensor<4x16x32xf32>, tensor<4x16x64xf32>) outs(%c : tensor<32x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<32x64xf32>
  return %r : tensor<32x64xf32>
}

// -----

// A transposed rhs (read along k) is copied in groups of 16 rows, each
// along the whole k: blocks of 16 rows x 16 k are transposed in four rounds
// of 16 interleaving shuffles, each result the group's half of a panel row.
// The last 3 k, no power of two, go through one transpose of the whole
// 16 x 3 block.
// CHECK-LABEL: func.func @gemm_transposed_rhs
// CHECK:         scf.forall {{.*}} -> (tensor<2x19x32xf32>)
// CHECK-COUNT-64:  vector.shuffle {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK-NOT:       vector.shuffle
// CHECK:           vector.transfer_write %{{.*}}[%c0, %c0] {{.*}} : vector<16xf32>, tensor<19x32xf32>
// CHECK:           vector.transfer_write %{{.*}}[%c16, %c0] {{.*}} : vector<3x16xf32>, tensor<19x32xf32>
// CHECK-COUNT-64:  vector.shuffle {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK-NOT:       vector.shuffle
// CHECK:           vector.transfer_write %{{.*}}[%c0, %c16] {{.*}} : vector<16xf32>, tensor<19x32xf32>
// CHECK:           vector.transfer_write %{{.*}}[%c16, %c16] {{.*}} : vector<3x16xf32>, tensor<19x32xf32>
func.func @gemm_transposed_rhs(%a: tensor<16x19xf32>, %b: tensor<64x19xf32>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<16x19xf32>, tensor<64x19xf32>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// Lhs panels larger than lhs-panel-bytes (here 32 KiB of f32 panels against
// 4 KiB) are copied and used in chunks of rows: one buffer of eight panels,
// made once, is refilled by each chunk of 64 rows (the fewest a chunk takes
// with a 16-bit rhs, which every chunk reads again) before that chunk's
// blocks run; the rhs panels are copied once for all chunks.
// CHUNK-LABEL: func.func @gemm_f16_lhs_chunks
// CHUNK-SAME:    (%[[A:.*]]: tensor<128x64xf16>, %[[B:.*]]: tensor<64x64xf16>)
// CHUNK:         %[[B_PANELS:.*]] = scf.forall (%{{.*}}) in (2) {{.*}} -> (tensor<2x64x32xf16>)
// CHUNK:         %[[BLOCKS:.*]] = tensor.expand_shape {{.*}} : tensor<128x64xf32> into tensor<16x8x2x32xf32>
// CHUNK:         %[[BUFFER:.*]] = tensor.empty() : tensor<8x64x8xf32>
// CHUNK:         %[[CHUNKS:.*]]:2 = scf.for %[[FIRST:.*]] = %c0 to %c16 step %c8 iter_args(%[[OUT:.*]] = %[[BLOCKS]], %[[PANELS:.*]] = %[[BUFFER]]) -> (tensor<16x8x2x32xf32>, tensor<8x64x8xf32>)
// CHUNK:           %[[A_PANELS:.*]] = scf.forall (%[[P:.*]]) in (8) shared_outs(%{{.*}} = %[[PANELS]]) -> (tensor<8x64x8xf32>)
// CHUNK:             %[[BLOCK:.*]] = arith.addi %[[FIRST]], %[[P]] : index
// CHUNK:             %[[ROW:.*]] = arith.muli %[[BLOCK]], %c8 : index
// CHUNK:             vector.transfer_read %[[A]][%[[ROW]], %{{.*}}]{{.*}} : tensor<128x64xf16>, vector<16xf16>
// CHUNK:           %[[UPDATED:.*]] = scf.forall (%[[J:.*]], %[[I:.*]]) in (2, 8) shared_outs(%[[TILES:.*]] = %[[OUT]]) -> (tensor<16x8x2x32xf32>)
// CHUNK:             %[[I_ROW:.*]] = arith.addi %[[FIRST]], %[[I]] : index
// CHUNK:             tensor.extract_slice %[[A_PANELS]][%[[I]], 0, 0] [1, 64, 8]
// CHUNK:             tensor.extract_slice %[[B_PANELS]][%[[J]], 0, 0] [1, 64, 32]
// CHUNK-COUNT-8:     vector.fma
// CHUNK:             tensor.parallel_insert_slice %{{.*}} into %[[TILES]][%[[I_ROW]], 0, %[[J]], 0] [1, 8, 1, 32]
// CHUNK:           scf.yield %[[UPDATED]], %[[A_PANELS]]
// CHUNK:         tensor.collapse_shape %[[CHUNKS]]#0
func.func @gemm_f16_lhs_chunks(%a: tensor<128x64xf16>, %b: tensor<64x64xf16>) -> tensor<128x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<128x64xf32>) -> tensor<128x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<128x64xf16>, tensor<64x64xf16>)
                     outs(%c : tensor<128x64xf32>) -> tensor<128x64xf32>
  return %r : tensor<128x64xf32>
}

// -----

// 104 rows split into no chunk of at least 64 rows that divides them: the
// lhs is packed whole rather than in chunks too small to reuse the rhs.
// CHUNK-LABEL: func.func @gemm_f16_no_even_chunk
// CHUNK:         scf.forall (%{{.*}}) in (13) {{.*}} -> (tensor<13x64x8xf32>)
// CHUNK:         scf.forall (%{{.*}}, %{{.*}}) in (2, 13)
func.func @gemm_f16_no_even_chunk(%a: tensor<104x64xf16>, %b: tensor<64x64xf16>) -> tensor<104x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<104x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<104x64xf32>) -> tensor<104x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<104x64xf16>, tensor<64x64xf16>)
                     outs(%c : tensor<104x64xf32>) -> tensor<104x64xf32>
  return %r : tensor<104x64xf32>
}
