// RUN: mpt-opt %s --mpt-differentiate -split-input-file | FileCheck %s

// Every section: loss = mse(r, y), so %DR is the cotangent of r.

// CHECK-LABEL: func.func @reduce_sum
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.broadcast %[[DR]] {dims = array<i64: 1>} : tensor<4x2xf32> -> tensor<4x8x2xf32>
// CHECK: return %[[DX]]
func.func @reduce_sum(%x: tensor<4x8x2xf32>, %y: tensor<4x2xf32>) -> tensor<4x8x2xf32> {
  %r = mpt.reduce_sum %x {dims = array<i64: 1>} : tensor<4x8x2xf32> -> tensor<4x2xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x2xf32>, tensor<4x2xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8x2xf32>
  return %g : tensor<4x8x2xf32>
}

// -----

// Without dims every dim is reduced.
// CHECK-LABEL: func.func @reduce_sum_all
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.broadcast %[[DR]] {dims = array<i64: 0, 1>} : tensor<f32> -> tensor<4x8xf32>
// CHECK: return %[[DX]]
func.func @reduce_sum_all(%x: tensor<4x8xf32>, %y: tensor<f32>) -> tensor<4x8xf32> {
  %r = mpt.reduce_sum %x : tensor<4x8xf32> -> tensor<f32>
  %l = mpt.mse_loss %r, %y : tensor<f32>, tensor<f32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// f16 mean over dim 1: the cotangent is scaled by 1/8 in f16, then spread.
// CHECK-LABEL: func.func @reduce_mean
// CHECK: %[[EIGHTH:.*]] = arith.constant dense<1.250000e-01> : tensor<f16>
// CHECK: %[[DR:.*]] = mpt.cast %{{.*}} : tensor<4xf32> to tensor<4xf16>
// CHECK: %[[S:.*]] = mpt.mul %[[DR]], %[[EIGHTH]] : tensor<4xf16>, tensor<f16>
// CHECK: %[[DX:.*]] = mpt.broadcast %[[S]] {dims = array<i64: 1>} : tensor<4xf16> -> tensor<4x8xf16>
// CHECK: return %[[DX]]
func.func @reduce_mean(%x: tensor<4x8xf16>, %y: tensor<4xf16>) -> tensor<4x8xf16> {
  %r = mpt.reduce_mean %x {dims = array<i64: 1>} : tensor<4x8xf16> -> tensor<4xf16>
  %l = mpt.mse_loss %r, %y : tensor<4xf16>, tensor<4xf16>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf16>
  return %g : tensor<4x8xf16>
}

// -----

// keep_dims: the unit dims are dropped before the spread; 1/(4*2).
// CHECK-LABEL: func.func @reduce_mean_keep_dims
// CHECK: %[[EIGHTH:.*]] = arith.constant dense<1.250000e-01> : tensor<f32>
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<1x8x1xf32>, tensor<f32>
// CHECK: %[[R:.*]] = mpt.reshape %[[DR]] : tensor<1x8x1xf32> -> tensor<8xf32>
// CHECK: %[[S:.*]] = mpt.mul %[[R]], %[[EIGHTH]] : tensor<8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.broadcast %[[S]] {dims = array<i64: 0, 2>} : tensor<8xf32> -> tensor<4x8x2xf32>
// CHECK: return %[[DX]]
func.func @reduce_mean_keep_dims(%x: tensor<4x8x2xf32>, %y: tensor<1x8x1xf32>) -> tensor<4x8x2xf32> {
  %r = mpt.reduce_mean %x {dims = array<i64: 2, 0>, keep_dims} : tensor<4x8x2xf32> -> tensor<1x8x1xf32>
  %l = mpt.mse_loss %r, %y : tensor<1x8x1xf32>, tensor<1x8x1xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8x2xf32>
  return %g : tensor<4x8x2xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.reduce_sum %[[DR]] {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
// CHECK: return %[[DX]]
func.func @broadcast(%x: tensor<4xf32>, %y: tensor<4x8xf32>) -> tensor<4xf32> {
  %r = mpt.broadcast %x {dims = array<i64: 1>} : tensor<4xf32> -> tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

// The inverse permutation of [2, 0, 1] is [1, 2, 0].
// CHECK-LABEL: func.func @transpose
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<8x2x4xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.transpose %[[DR]] {permutation = array<i64: 1, 2, 0>} : tensor<8x2x4xf32> -> tensor<2x4x8xf32>
// CHECK: return %[[DX]]
func.func @transpose(%x: tensor<2x4x8xf32>, %y: tensor<8x2x4xf32>) -> tensor<2x4x8xf32> {
  %r = mpt.transpose %x {permutation = array<i64: 2, 0, 1>} : tensor<2x4x8xf32> -> tensor<8x2x4xf32>
  %l = mpt.mse_loss %r, %y : tensor<8x2x4xf32>, tensor<8x2x4xf32>
  %g = mpt.gradient %l wrt %x : tensor<2x4x8xf32>
  return %g : tensor<2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.reshape %[[DR]] : tensor<8x8xf32> -> tensor<2x4x8xf32>
// CHECK: return %[[DX]]
func.func @reshape(%x: tensor<2x4x8xf32>, %y: tensor<8x8xf32>) -> tensor<2x4x8xf32> {
  %r = mpt.reshape %x : tensor<2x4x8xf32> -> tensor<8x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<8x8xf32>, tensor<8x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<2x4x8xf32>
  return %g : tensor<2x4x8xf32>
}
