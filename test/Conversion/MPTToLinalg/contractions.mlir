// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// f16 operands, f32 accumulator started from the widened bias, one
// rounding to f16 at the end.
// CHECK-LABEL: func.func @linear_f16
// CHECK-SAME:    (%[[X:.*]]: tensor<8x4xf16>, %[[W:.*]]: tensor<4x2xf16>, %[[B:.*]]: tensor<2xf16>)
// CHECK:         %[[BIAS:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[B]] : tensor<2xf16>) outs(%{{.*}} : tensor<8x2xf32>)
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:         %[[MM:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<8x4xf16>, tensor<4x2xf16>) outs(%[[BIAS]] : tensor<8x2xf32>) -> tensor<8x2xf32>
// CHECK:         %[[R:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[MM]] : tensor<8x2xf32>) outs(%{{.*}} : tensor<8x2xf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to f16
// CHECK:         return %[[R]]
func.func @linear_f16(%x: tensor<8x4xf16>, %w: tensor<4x2xf16>, %b: tensor<2xf16>) -> tensor<8x2xf16> {
  %0 = mpt.linear %x, %w, %b : tensor<8x4xf16>, tensor<4x2xf16>, tensor<2xf16> -> tensor<8x2xf16>
  return %0 : tensor<8x2xf16>
}

// -----

// Leading dims of the input are rows of one GEMM; an f32 result needs no
// rounding.
// CHECK-LABEL: func.func @linear_3d_f32
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x8x4xf32> into tensor<16x4xf32>
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16x2xf32>)
// CHECK:         %[[MM:.*]] = linalg.matmul ins(%[[ROWS]], %{{.*}} : tensor<16x4xf32>, tensor<4x2xf32>) outs(%[[ZERO]] : tensor<16x2xf32>)
// CHECK-NOT:     arith.truncf
// CHECK:         tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]] output_shape [2, 8, 2]
func.func @linear_3d_f32(%x: tensor<2x8x4xf32>, %w: tensor<4x2xf32>) -> tensor<2x8x2xf32> {
  %0 = mpt.linear %x, %w : tensor<2x8x4xf32>, tensor<4x2xf32> -> tensor<2x8x2xf32>
  return %0 : tensor<2x8x2xf32>
}

// -----

// Transpose flags become indexing maps of linalg.matmul (m, n, k).
// CHECK-DAG:   #[[LHS_T:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG:   #[[RHS_T:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul_transposed_bf16
// CHECK:         %[[MM:.*]] = linalg.matmul indexing_maps = [#[[LHS_T]], #[[RHS_T]], #[[OUT]]]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : tensor<4x8xbf16>, tensor<16x4xbf16>) outs(%{{.*}} : tensor<8x16xf32>)
// CHECK:         arith.truncf %{{.*}} : f32 to bf16
func.func @matmul_transposed_bf16(%a: tensor<4x8xbf16>, %b: tensor<16x4xbf16>) -> tensor<8x16xbf16> {
  %0 = mpt.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<4x8xbf16>, tensor<16x4xbf16> -> tensor<8x16xbf16>
  return %0 : tensor<8x16xbf16>
}

// -----

// Batch dims collapse into one batch_matmul dim.
// CHECK-DAG:   #[[Q:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[K_T:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-LABEL: func.func @batch_matmul_f16
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<2x3x16x8xf16> into tensor<6x16x8xf16>
// CHECK:         %[[BMM:.*]] = linalg.batch_matmul indexing_maps = [#[[Q]], #[[K_T]], #{{.*}}]
// CHECK-SAME:      outs(%{{.*}} : tensor<6x16x16xf32>)
// CHECK:         %[[R:.*]] = linalg.generic
// CHECK:           arith.truncf
// CHECK:         tensor.expand_shape %[[R]] {{\[}}[0, 1], [2], [3]] output_shape [2, 3, 16, 16]
func.func @batch_matmul_f16(%q: tensor<2x3x16x8xf16>, %k: tensor<2x3x16x8xf16>) -> tensor<2x3x16x16xf16> {
  %0 = mpt.matmul %q, %k {transpose_rhs} : tensor<2x3x16x8xf16>, tensor<2x3x16x8xf16> -> tensor<2x3x16x16xf16>
  return %0 : tensor<2x3x16x16xf16>
}

// -----

// A rank-2 rhs shared by every batch: one GEMM over the stacked rows.
// CHECK-LABEL: func.func @shared_rhs
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x16x8xf32> into tensor<64x8xf32>
// CHECK:         linalg.matmul ins(%[[ROWS]], %{{.*}} : tensor<64x8xf32>, tensor<8x5xf32>)
func.func @shared_rhs(%a: tensor<4x16x8xf32>, %b: tensor<8x5xf32>) -> tensor<4x16x5xf32> {
  %0 = mpt.matmul %a, %b : tensor<4x16x8xf32>, tensor<8x5xf32> -> tensor<4x16x5xf32>
  return %0 : tensor<4x16x5xf32>
}

// -----

// With a transposed lhs the shared rhs is broadcast by its map instead.
// CHECK-DAG:   #[[LHS_T:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>
// CHECK-DAG:   #[[SHARED:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func.func @shared_rhs_transposed_lhs
// CHECK:         linalg.batch_matmul indexing_maps = [#[[LHS_T]], #[[SHARED]], #{{.*}}]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : tensor<4x8x16xf32>, tensor<8x5xf32>) outs(%{{.*}} : tensor<4x16x5xf32>)
func.func @shared_rhs_transposed_lhs(%a: tensor<4x8x16xf32>, %b: tensor<8x5xf32>) -> tensor<4x16x5xf32> {
  %0 = mpt.matmul %a, %b {transpose_lhs} : tensor<4x8x16xf32>, tensor<8x5xf32> -> tensor<4x16x5xf32>
  return %0 : tensor<4x16x5xf32>
}
