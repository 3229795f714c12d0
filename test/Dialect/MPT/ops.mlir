// Round trip of the forward ops and mpt.cast through the custom and the
// generic form.
// RUN: mpt-opt %s -split-input-file | mpt-opt -split-input-file | FileCheck %s
// RUN: mpt-opt %s -split-input-file --mlir-print-op-generic | mpt-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @unary
// CHECK-SAME: (%[[X:.*]]: tensor<16x32xf16>, %[[Y:.*]]: tensor<16x32xf32>)
func.func @unary(%x: tensor<16x32xf16>, %y: tensor<16x32xf32>)
    -> (tensor<16x32xf16>, tensor<16x32xf32>) {
  // CHECK: %[[R:.*]] = mpt.relu %[[X]] : tensor<16x32xf16>
  // CHECK: %[[G:.*]] = mpt.gelu %[[R]] : tensor<16x32xf16>
  // CHECK: %[[T:.*]] = mpt.tanh %[[G]] : tensor<16x32xf16>
  // CHECK: %[[S:.*]] = mpt.sigmoid %[[T]] : tensor<16x32xf16>
  // CHECK: %[[Q:.*]] = mpt.sqrt %[[S]] : tensor<16x32xf16>
  // CHECK: %[[E:.*]] = mpt.exp %[[Y]] : tensor<16x32xf32>
  // CHECK: %[[L:.*]] = mpt.log %[[E]] : tensor<16x32xf32>
  // CHECK: %[[SIN:.*]] = mpt.sin %[[L]] : tensor<16x32xf32>
  // CHECK: %[[COS:.*]] = mpt.cos %[[SIN]] : tensor<16x32xf32>
  // CHECK: return %[[Q]], %[[COS]]
  %r = mpt.relu %x : tensor<16x32xf16>
  %g = mpt.gelu %r : tensor<16x32xf16>
  %t = mpt.tanh %g : tensor<16x32xf16>
  %s = mpt.sigmoid %t : tensor<16x32xf16>
  %q = mpt.sqrt %s : tensor<16x32xf16>
  %e = mpt.exp %y : tensor<16x32xf32>
  %l = mpt.log %e : tensor<16x32xf32>
  %sin = mpt.sin %l : tensor<16x32xf32>
  %cos = mpt.cos %sin : tensor<16x32xf32>
  return %q, %cos : tensor<16x32xf16>, tensor<16x32xf32>
}

// -----

// Unary ops take every float element type and any rank, scalars included.
// CHECK-LABEL: func.func @unary_element_types
// CHECK: mpt.relu %{{.*}} : tensor<bf16>
// CHECK: mpt.tanh %{{.*}} : tensor<2x3x4xf64>
func.func @unary_element_types(%x: tensor<bf16>, %y: tensor<2x3x4xf64>)
    -> (tensor<bf16>, tensor<2x3x4xf64>) {
  %r = mpt.relu %x : tensor<bf16>
  %t = mpt.tanh %y : tensor<2x3x4xf64>
  return %r, %t : tensor<bf16>, tensor<2x3x4xf64>
}

// -----

// CHECK-LABEL: func.func @binary_same_shape
// CHECK-SAME: (%[[A:.*]]: tensor<16x32xf16>, %[[B:.*]]: tensor<16x32xf16>)
// CHECK: %[[ADD:.*]] = mpt.add %[[A]], %[[B]] : tensor<16x32xf16>, tensor<16x32xf16>
// CHECK: %[[SUB:.*]] = mpt.sub %[[ADD]], %[[B]] : tensor<16x32xf16>, tensor<16x32xf16>
// CHECK: mpt.mul %[[SUB]], %[[A]] : tensor<16x32xf16>, tensor<16x32xf16>
func.func @binary_same_shape(%a: tensor<16x32xf16>, %b: tensor<16x32xf16>)
    -> tensor<16x32xf16> {
  %add = mpt.add %a, %b : tensor<16x32xf16>, tensor<16x32xf16>
  %sub = mpt.sub %add, %b : tensor<16x32xf16>, tensor<16x32xf16>
  %mul = mpt.mul %sub, %a : tensor<16x32xf16>, tensor<16x32xf16>
  return %mul : tensor<16x32xf16>
}

// -----

// rhs broadcasts along the leading dims of lhs: a bias of the last dim, a
// matrix of the last two dims, or a rank-0 scalar.
// CHECK-LABEL: func.func @binary_broadcast
// CHECK: mpt.add %{{.*}}, %{{.*}} : tensor<4x16x32xf32>, tensor<32xf32>
// CHECK: mpt.sub %{{.*}}, %{{.*}} : tensor<4x16x32xf32>, tensor<16x32xf32>
// CHECK: mpt.mul %{{.*}}, %{{.*}} : tensor<4x16x32xf32>, tensor<f32>
func.func @binary_broadcast(%x: tensor<4x16x32xf32>, %bias: tensor<32xf32>,
                            %m: tensor<16x32xf32>, %s: tensor<f32>)
    -> tensor<4x16x32xf32> {
  %add = mpt.add %x, %bias : tensor<4x16x32xf32>, tensor<32xf32>
  %sub = mpt.sub %add, %m : tensor<4x16x32xf32>, tensor<16x32xf32>
  %mul = mpt.mul %sub, %s : tensor<4x16x32xf32>, tensor<f32>
  return %mul : tensor<4x16x32xf32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK: mpt.matmul %{{.*}}, %{{.*}} : tensor<16x8xf16>, tensor<8x32xf16> -> tensor<16x32xf16>
func.func @matmul(%a: tensor<16x8xf16>, %b: tensor<8x32xf16>)
    -> tensor<16x32xf16> {
  %c = mpt.matmul %a, %b : tensor<16x8xf16>, tensor<8x32xf16> -> tensor<16x32xf16>
  return %c : tensor<16x32xf16>
}

// -----

// CHECK-LABEL: func.func @matmul_transpose_flags
// CHECK: mpt.matmul %{{.*}}, %{{.*}} {transpose_lhs} : tensor<8x16xf32>, tensor<8x32xf32> -> tensor<16x32xf32>
// CHECK: mpt.matmul %{{.*}}, %{{.*}} {transpose_rhs} : tensor<16x8xf32>, tensor<32x8xf32> -> tensor<16x32xf32>
// CHECK: mpt.matmul %{{.*}}, %{{.*}} {transpose_lhs, transpose_rhs} : tensor<8x16xf32>, tensor<32x8xf32> -> tensor<16x32xf32>
func.func @matmul_transpose_flags(%at: tensor<8x16xf32>, %a: tensor<16x8xf32>,
                                  %b: tensor<8x32xf32>, %bt: tensor<32x8xf32>)
    -> (tensor<16x32xf32>, tensor<16x32xf32>, tensor<16x32xf32>) {
  %0 = mpt.matmul %at, %b {transpose_lhs} : tensor<8x16xf32>, tensor<8x32xf32> -> tensor<16x32xf32>
  %1 = mpt.matmul %a, %bt {transpose_rhs} : tensor<16x8xf32>, tensor<32x8xf32> -> tensor<16x32xf32>
  %2 = mpt.matmul %at, %bt {transpose_lhs, transpose_rhs} : tensor<8x16xf32>, tensor<32x8xf32> -> tensor<16x32xf32>
  return %0, %1, %2 : tensor<16x32xf32>, tensor<16x32xf32>, tensor<16x32xf32>
}

// -----

// Batch dims: equal on both sides, or a rank-2 rhs shared by every batch.
// CHECK-LABEL: func.func @matmul_batch
// CHECK: mpt.matmul %{{.*}}, %{{.*}} {transpose_rhs} : tensor<4x2x16x8xbf16>, tensor<4x2x16x8xbf16> -> tensor<4x2x16x16xbf16>
// CHECK: mpt.matmul %{{.*}}, %{{.*}} : tensor<4x2x16x16xbf16>, tensor<16x8xbf16> -> tensor<4x2x16x8xbf16>
func.func @matmul_batch(%q: tensor<4x2x16x8xbf16>, %k: tensor<4x2x16x8xbf16>,
                        %w: tensor<16x8xbf16>) -> tensor<4x2x16x8xbf16> {
  %s = mpt.matmul %q, %k {transpose_rhs} : tensor<4x2x16x8xbf16>, tensor<4x2x16x8xbf16> -> tensor<4x2x16x16xbf16>
  %o = mpt.matmul %s, %w : tensor<4x2x16x16xbf16>, tensor<16x8xbf16> -> tensor<4x2x16x8xbf16>
  return %o : tensor<4x2x16x8xbf16>
}

// -----

// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<32x256xf16>, %[[W:.*]]: tensor<256x64xf16>, %[[B:.*]]: tensor<64xf16>)
// CHECK: mpt.linear %[[X]], %[[W]], %[[B]] : tensor<32x256xf16>, tensor<256x64xf16>, tensor<64xf16> -> tensor<32x64xf16>
// CHECK: mpt.linear %[[X]], %[[W]] : tensor<32x256xf16>, tensor<256x64xf16> -> tensor<32x64xf16>
func.func @linear(%x: tensor<32x256xf16>, %w: tensor<256x64xf16>,
                  %b: tensor<64xf16>) -> (tensor<32x64xf16>, tensor<32x64xf16>) {
  %0 = mpt.linear %x, %w, %b : tensor<32x256xf16>, tensor<256x64xf16>, tensor<64xf16> -> tensor<32x64xf16>
  %1 = mpt.linear %x, %w : tensor<32x256xf16>, tensor<256x64xf16> -> tensor<32x64xf16>
  return %0, %1 : tensor<32x64xf16>, tensor<32x64xf16>
}

// -----

// The input may have any number of leading dims.
// CHECK-LABEL: func.func @linear_batched_input
// CHECK: mpt.linear %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x16x32xf32>, tensor<32x8xf32>, tensor<8xf32> -> tensor<4x16x8xf32>
// CHECK: mpt.linear %{{.*}}, %{{.*}} : tensor<32xf32>, tensor<32x8xf32> -> tensor<8xf32>
func.func @linear_batched_input(%x: tensor<4x16x32xf32>, %v: tensor<32xf32>,
                                %w: tensor<32x8xf32>, %b: tensor<8xf32>)
    -> (tensor<4x16x8xf32>, tensor<8xf32>) {
  %0 = mpt.linear %x, %w, %b : tensor<4x16x32xf32>, tensor<32x8xf32>, tensor<8xf32> -> tensor<4x16x8xf32>
  %1 = mpt.linear %v, %w : tensor<32xf32>, tensor<32x8xf32> -> tensor<8xf32>
  return %0, %1 : tensor<4x16x8xf32>, tensor<8xf32>
}

// -----

// The default axis (-1) is not printed.
// CHECK-LABEL: func.func @softmax
// CHECK: mpt.softmax %{{.*}} : tensor<4x16x16xf32>
// CHECK: mpt.softmax %{{.*}} {axis = 1 : i64} : tensor<4x16x16xf32>
// CHECK: mpt.softmax %{{.*}} {axis = -3 : i64} : tensor<4x16x16xf32>
func.func @softmax(%x: tensor<4x16x16xf32>) -> tensor<4x16x16xf32> {
  %0 = mpt.softmax %x {axis = -1 : i64} : tensor<4x16x16xf32>
  %1 = mpt.softmax %0 {axis = 1 : i64} : tensor<4x16x16xf32>
  %2 = mpt.softmax %1 {axis = -3 : i64} : tensor<4x16x16xf32>
  return %2 : tensor<4x16x16xf32>
}

// -----

// CHECK-LABEL: func.func @layer_norm
// CHECK: mpt.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
// CHECK: mpt.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.9999999999999995E-7 : f64} : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
func.func @layer_norm(%x: tensor<16x64xf32>, %g: tensor<64xf32>,
                      %b: tensor<64xf32>) -> tensor<16x64xf32> {
  %0 = mpt.layer_norm %x, %g, %b : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
  %1 = mpt.layer_norm %0, %g, %b {epsilon = 1.0e-06 : f64} : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
  return %1 : tensor<16x64xf32>
}

// -----

// CHECK-LABEL: func.func @reductions
// CHECK: mpt.reduce_sum %{{.*}} {dims = array<i64: 1>} : tensor<16x64xf32> -> tensor<16xf32>
// CHECK: mpt.reduce_sum %{{.*}} {dims = array<i64: 0>, keep_dims} : tensor<16x64xf32> -> tensor<1x64xf32>
// CHECK: mpt.reduce_mean %{{.*}} : tensor<16x64xf32> -> tensor<f32>
// CHECK: mpt.reduce_mean %{{.*}} {keep_dims} : tensor<16x64xf32> -> tensor<1x1xf32>
func.func @reductions(%x: tensor<16x64xf32>)
    -> (tensor<16xf32>, tensor<1x64xf32>, tensor<f32>, tensor<1x1xf32>) {
  %0 = mpt.reduce_sum %x {dims = array<i64: 1>} : tensor<16x64xf32> -> tensor<16xf32>
  %1 = mpt.reduce_sum %x {dims = array<i64: 0>, keep_dims} : tensor<16x64xf32> -> tensor<1x64xf32>
  %2 = mpt.reduce_mean %x : tensor<16x64xf32> -> tensor<f32>
  %3 = mpt.reduce_mean %x {keep_dims} : tensor<16x64xf32> -> tensor<1x1xf32>
  return %0, %1, %2, %3 : tensor<16xf32>, tensor<1x64xf32>, tensor<f32>, tensor<1x1xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_reshape
// CHECK: mpt.transpose %{{.*}} {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x16x2x8xf16> -> tensor<4x2x16x8xf16>
// CHECK: mpt.reshape %{{.*}} : tensor<4x2x16x8xf16> -> tensor<128x8xf16>
func.func @transpose_reshape(%x: tensor<4x16x2x8xf16>) -> tensor<128x8xf16> {
  %t = mpt.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x16x2x8xf16> -> tensor<4x2x16x8xf16>
  %r = mpt.reshape %t : tensor<4x2x16x8xf16> -> tensor<128x8xf16>
  return %r : tensor<128x8xf16>
}

// -----

// The operands of mse_loss may differ in element type; the loss is f32.
// CHECK-LABEL: func.func @mse_loss
// CHECK: mpt.mse_loss %{{.*}}, %{{.*}} : tensor<32x1xf32>, tensor<32x1xf32>
// CHECK: mpt.mse_loss %{{.*}}, %{{.*}} : tensor<32x1xf16>, tensor<32x1xf32>
func.func @mse_loss(%p: tensor<32x1xf32>, %h: tensor<32x1xf16>,
                    %y: tensor<32x1xf32>) -> (f32, f32) {
  %0 = mpt.mse_loss %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
  %1 = mpt.mse_loss %h, %y : tensor<32x1xf16>, tensor<32x1xf32>
  return %0, %1 : f32, f32
}

// -----

// CHECK-LABEL: func.func @cast_tensors
// CHECK: mpt.cast %{{.*}} : tensor<256x64xf32> to tensor<256x64xf16>
// CHECK: mpt.cast %{{.*}} : tensor<256x64xf16> to tensor<256x64xbf16>
// CHECK: mpt.cast %{{.*}} : tensor<256x64xbf16> to tensor<256x64xf64>
func.func @cast_tensors(%w: tensor<256x64xf32>) -> tensor<256x64xf64> {
  %0 = mpt.cast %w : tensor<256x64xf32> to tensor<256x64xf16>
  %1 = mpt.cast %0 : tensor<256x64xf16> to tensor<256x64xbf16>
  %2 = mpt.cast %1 : tensor<256x64xbf16> to tensor<256x64xf64>
  return %2 : tensor<256x64xf64>
}

// -----

// CHECK-LABEL: func.func @cast_scalars
// CHECK: mpt.cast %{{.*}} : f32 to f16
// CHECK: mpt.cast %{{.*}} : f16 to bf16
// CHECK: mpt.cast %{{.*}} : bf16 to f64
func.func @cast_scalars(%s: f32) -> f64 {
  %0 = mpt.cast %s : f32 to f16
  %1 = mpt.cast %0 : f16 to bf16
  %2 = mpt.cast %1 : bf16 to f64
  return %2 : f64
}
