// RUN: mpt-opt %s --mpt-differentiate -split-input-file | FileCheck %s

// Every section: loss = mse(r, y), so %DR is the cotangent of r. With
// A' = op(lhs) and B' = op(rhs): dA' = dr B'^T and dB' = A'^T dr.

// f16 forward, f16 backward matmuls.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x6xf16>, %[[B:[^:]*]]: tensor<6x8xf16>,
// CHECK: %[[DR:.*]] = mpt.cast %{{.*}} : tensor<4x8xf32> to tensor<4x8xf16>
// CHECK: %[[DA:.*]] = mpt.matmul %[[DR]], %[[B]] {transpose_rhs} : tensor<4x8xf16>, tensor<6x8xf16> -> tensor<4x6xf16>
// CHECK: %[[DB:.*]] = mpt.matmul %[[A]], %[[DR]] {transpose_lhs} : tensor<4x6xf16>, tensor<4x8xf16> -> tensor<6x8xf16>
// CHECK: return %[[DA]], %[[DB]]
func.func @matmul(%a: tensor<4x6xf16>, %b: tensor<6x8xf16>, %y: tensor<4x8xf16>) -> (tensor<4x6xf16>, tensor<6x8xf16>) {
  %r = mpt.matmul %a, %b : tensor<4x6xf16>, tensor<6x8xf16> -> tensor<4x8xf16>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf16>, tensor<4x8xf16>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<4x6xf16>, tensor<6x8xf16>
  return %g#0, %g#1 : tensor<4x6xf16>, tensor<6x8xf16>
}

// -----

// r = a^T b: da = b dr^T, db = a dr.
// CHECK-LABEL: func.func @matmul_transpose_lhs
// CHECK-SAME: (%[[A:[^:]*]]: tensor<6x4xf32>, %[[B:[^:]*]]: tensor<6x8xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.matmul %[[B]], %[[DR]] {transpose_rhs} : tensor<6x8xf32>, tensor<4x8xf32> -> tensor<6x4xf32>
// CHECK: %[[DB:.*]] = mpt.matmul %[[A]], %[[DR]] : tensor<6x4xf32>, tensor<4x8xf32> -> tensor<6x8xf32>
// CHECK: return %[[DA]], %[[DB]]
func.func @matmul_transpose_lhs(%a: tensor<6x4xf32>, %b: tensor<6x8xf32>, %y: tensor<4x8xf32>) -> (tensor<6x4xf32>, tensor<6x8xf32>) {
  %r = mpt.matmul %a, %b {transpose_lhs} : tensor<6x4xf32>, tensor<6x8xf32> -> tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<6x4xf32>, tensor<6x8xf32>
  return %g#0, %g#1 : tensor<6x4xf32>, tensor<6x8xf32>
}

// -----

// r = a b^T: da = dr b, db = dr^T a.
// CHECK-LABEL: func.func @matmul_transpose_rhs
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x6xf32>, %[[B:[^:]*]]: tensor<8x6xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.matmul %[[DR]], %[[B]] : tensor<4x8xf32>, tensor<8x6xf32> -> tensor<4x6xf32>
// CHECK: %[[DB:.*]] = mpt.matmul %[[DR]], %[[A]] {transpose_lhs} : tensor<4x8xf32>, tensor<4x6xf32> -> tensor<8x6xf32>
// CHECK: return %[[DA]], %[[DB]]
func.func @matmul_transpose_rhs(%a: tensor<4x6xf32>, %b: tensor<8x6xf32>, %y: tensor<4x8xf32>) -> (tensor<4x6xf32>, tensor<8x6xf32>) {
  %r = mpt.matmul %a, %b {transpose_rhs} : tensor<4x6xf32>, tensor<8x6xf32> -> tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<4x6xf32>, tensor<8x6xf32>
  return %g#0, %g#1 : tensor<4x6xf32>, tensor<8x6xf32>
}

// -----

// r = a^T b^T: da = b^T dr^T, db = dr^T a^T.
// CHECK-LABEL: func.func @matmul_transpose_both
// CHECK-SAME: (%[[A:[^:]*]]: tensor<6x4xf32>, %[[B:[^:]*]]: tensor<8x6xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.matmul %[[B]], %[[DR]] {transpose_lhs, transpose_rhs} : tensor<8x6xf32>, tensor<4x8xf32> -> tensor<6x4xf32>
// CHECK: %[[DB:.*]] = mpt.matmul %[[DR]], %[[A]] {transpose_lhs, transpose_rhs} : tensor<4x8xf32>, tensor<6x4xf32> -> tensor<8x6xf32>
// CHECK: return %[[DA]], %[[DB]]
func.func @matmul_transpose_both(%a: tensor<6x4xf32>, %b: tensor<8x6xf32>, %y: tensor<4x8xf32>) -> (tensor<6x4xf32>, tensor<8x6xf32>) {
  %r = mpt.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<6x4xf32>, tensor<8x6xf32> -> tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<6x4xf32>, tensor<8x6xf32>
  return %g#0, %g#1 : tensor<6x4xf32>, tensor<8x6xf32>
}

// -----

// Batch dims carry through unchanged.
// CHECK-LABEL: func.func @matmul_batched
// CHECK-SAME: (%[[A:[^:]*]]: tensor<2x4x6xf32>, %[[B:[^:]*]]: tensor<2x8x6xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.matmul %[[DR]], %[[B]] : tensor<2x4x8xf32>, tensor<2x8x6xf32> -> tensor<2x4x6xf32>
// CHECK: %[[DB:.*]] = mpt.matmul %[[DR]], %[[A]] {transpose_lhs} : tensor<2x4x8xf32>, tensor<2x4x6xf32> -> tensor<2x8x6xf32>
// CHECK: return %[[DA]], %[[DB]]
func.func @matmul_batched(%a: tensor<2x4x6xf32>, %b: tensor<2x8x6xf32>, %y: tensor<2x4x8xf32>) -> (tensor<2x4x6xf32>, tensor<2x8x6xf32>) {
  %r = mpt.matmul %a, %b {transpose_rhs} : tensor<2x4x6xf32>, tensor<2x8x6xf32> -> tensor<2x4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<2x4x6xf32>, tensor<2x8x6xf32>
  return %g#0, %g#1 : tensor<2x4x6xf32>, tensor<2x8x6xf32>
}

// -----

// A rank-2 rhs shared by all batches: its cotangent sums over the batches,
// as one matmul over the batches stacked as rows.
// CHECK-LABEL: func.func @matmul_shared_rhs
// CHECK-SAME: (%[[A:[^:]*]]: tensor<2x3x4x6xf32>, %[[B:[^:]*]]: tensor<6x8xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<2x3x4x8xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.matmul %[[DR]], %[[B]] {transpose_rhs} : tensor<2x3x4x8xf32>, tensor<6x8xf32> -> tensor<2x3x4x6xf32>
// CHECK: %[[AR:.*]] = mpt.reshape %[[A]] : tensor<2x3x4x6xf32> -> tensor<24x6xf32>
// CHECK: %[[DRR:.*]] = mpt.reshape %[[DR]] : tensor<2x3x4x8xf32> -> tensor<24x8xf32>
// CHECK: %[[DB:.*]] = mpt.matmul %[[AR]], %[[DRR]] {transpose_lhs} : tensor<24x6xf32>, tensor<24x8xf32> -> tensor<6x8xf32>
// CHECK: return %[[DA]], %[[DB]]
func.func @matmul_shared_rhs(%a: tensor<2x3x4x6xf32>, %b: tensor<6x8xf32>, %y: tensor<2x3x4x8xf32>) -> (tensor<2x3x4x6xf32>, tensor<6x8xf32>) {
  %r = mpt.matmul %a, %b : tensor<2x3x4x6xf32>, tensor<6x8xf32> -> tensor<2x3x4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<2x3x4x6xf32>, tensor<6x8xf32>
  return %g#0, %g#1 : tensor<2x3x4x6xf32>, tensor<6x8xf32>
}

// -----

// A transposed batched lhs with a shared rhs: the lhs cotangent is built
// untransposed and transposed, the rhs cotangent per batch and summed.
// CHECK-LABEL: func.func @matmul_shared_rhs_transposed
// CHECK-SAME: (%[[A:[^:]*]]: tensor<2x6x4xf32>, %[[B:[^:]*]]: tensor<8x6xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<f32>
// CHECK: %[[T:.*]] = mpt.matmul %[[DR]], %[[B]] : tensor<2x4x8xf32>, tensor<8x6xf32> -> tensor<2x4x6xf32>
// CHECK: %[[DA:.*]] = mpt.transpose %[[T]] {permutation = array<i64: 0, 2, 1>} : tensor<2x4x6xf32> -> tensor<2x6x4xf32>
// CHECK: %[[P:.*]] = mpt.matmul %[[DR]], %[[A]] {transpose_lhs, transpose_rhs} : tensor<2x4x8xf32>, tensor<2x6x4xf32> -> tensor<2x8x6xf32>
// CHECK: %[[DB:.*]] = mpt.reduce_sum %[[P]] {dims = array<i64: 0>} : tensor<2x8x6xf32> -> tensor<8x6xf32>
// CHECK: return %[[DA]], %[[DB]]
func.func @matmul_shared_rhs_transposed(%a: tensor<2x6x4xf32>, %b: tensor<8x6xf32>, %y: tensor<2x4x8xf32>) -> (tensor<2x6x4xf32>, tensor<8x6xf32>) {
  %r = mpt.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<2x6x4xf32>, tensor<8x6xf32> -> tensor<2x4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<2x6x4xf32>, tensor<8x6xf32>
  return %g#0, %g#1 : tensor<2x6x4xf32>, tensor<8x6xf32>
}

// -----

// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x6xf32>, %[[W:[^:]*]]: tensor<6x8xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.matmul %[[DR]], %[[W]] {transpose_rhs} : tensor<4x8xf32>, tensor<6x8xf32> -> tensor<4x6xf32>
// CHECK: %[[DW:.*]] = mpt.matmul %[[X]], %[[DR]] {transpose_lhs} : tensor<4x6xf32>, tensor<4x8xf32> -> tensor<6x8xf32>
// CHECK: %[[DB:.*]] = mpt.reduce_sum %[[DR]] {dims = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
// CHECK: return %[[DX]], %[[DW]], %[[DB]]
func.func @linear(%x: tensor<4x6xf32>, %w: tensor<6x8xf32>, %b: tensor<8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x6xf32>, tensor<6x8xf32>, tensor<8xf32>) {
  %r = mpt.linear %x, %w, %b : tensor<4x6xf32>, tensor<6x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:3 = mpt.gradient %l wrt %x, %w, %b : tensor<4x6xf32>, tensor<6x8xf32>, tensor<8xf32>
  return %g#0, %g#1, %g#2 : tensor<4x6xf32>, tensor<6x8xf32>, tensor<8xf32>
}

// -----

// Without a bias, on a rank-3 f16 input: the weight cotangent folds every
// leading dim into the rows of one f16 matmul.
// CHECK-LABEL: func.func @linear_rank3_no_bias
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x4x6xf16>, %[[W:[^:]*]]: tensor<6x8xf16>,
// CHECK: %[[DR:.*]] = mpt.cast %{{.*}} : tensor<2x4x8xf32> to tensor<2x4x8xf16>
// CHECK: %[[DX:.*]] = mpt.matmul %[[DR]], %[[W]] {transpose_rhs} : tensor<2x4x8xf16>, tensor<6x8xf16> -> tensor<2x4x6xf16>
// CHECK: %[[XR:.*]] = mpt.reshape %[[X]] : tensor<2x4x6xf16> -> tensor<8x6xf16>
// CHECK: %[[DRR:.*]] = mpt.reshape %[[DR]] : tensor<2x4x8xf16> -> tensor<8x8xf16>
// CHECK: %[[DW:.*]] = mpt.matmul %[[XR]], %[[DRR]] {transpose_lhs} : tensor<8x6xf16>, tensor<8x8xf16> -> tensor<6x8xf16>
// CHECK: return %[[DX]], %[[DW]]
func.func @linear_rank3_no_bias(%x: tensor<2x4x6xf16>, %w: tensor<6x8xf16>, %y: tensor<2x4x8xf16>) -> (tensor<2x4x6xf16>, tensor<6x8xf16>) {
  %r = mpt.linear %x, %w : tensor<2x4x6xf16>, tensor<6x8xf16> -> tensor<2x4x8xf16>
  %l = mpt.mse_loss %r, %y : tensor<2x4x8xf16>, tensor<2x4x8xf16>
  %g:2 = mpt.gradient %l wrt %x, %w : tensor<2x4x6xf16>, tensor<6x8xf16>
  return %g#0, %g#1 : tensor<2x4x6xf16>, tensor<6x8xf16>
}

// -----

// A rank-1 input is one row; the row form of dr is built once.
// CHECK-LABEL: func.func @linear_rank1
// CHECK-SAME: (%[[X:[^:]*]]: tensor<6xf32>, %[[W:[^:]*]]: tensor<6x8xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<8xf32>, tensor<f32>
// CHECK: %[[DRR:.*]] = mpt.reshape %[[DR]] : tensor<8xf32> -> tensor<1x8xf32>
// CHECK: %[[T:.*]] = mpt.matmul %[[DRR]], %[[W]] {transpose_rhs} : tensor<1x8xf32>, tensor<6x8xf32> -> tensor<1x6xf32>
// CHECK: %[[DX:.*]] = mpt.reshape %[[T]] : tensor<1x6xf32> -> tensor<6xf32>
// CHECK: %[[XR:.*]] = mpt.reshape %[[X]] : tensor<6xf32> -> tensor<1x6xf32>
// CHECK: %[[DW:.*]] = mpt.matmul %[[XR]], %[[DRR]] {transpose_lhs} : tensor<1x6xf32>, tensor<1x8xf32> -> tensor<6x8xf32>
// CHECK: return %[[DX]], %[[DW]], %[[DR]]
func.func @linear_rank1(%x: tensor<6xf32>, %w: tensor<6x8xf32>, %b: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<6xf32>, tensor<6x8xf32>, tensor<8xf32>) {
  %r = mpt.linear %x, %w, %b : tensor<6xf32>, tensor<6x8xf32>, tensor<8xf32> -> tensor<8xf32>
  %l = mpt.mse_loss %r, %y : tensor<8xf32>, tensor<8xf32>
  %g:3 = mpt.gradient %l wrt %x, %w, %b : tensor<6xf32>, tensor<6x8xf32>, tensor<8xf32>
  return %g#0, %g#1, %g#2 : tensor<6xf32>, tensor<6x8xf32>, tensor<8xf32>
}
