// RUN: mpt-opt %s --mpt-differentiate -split-input-file | FileCheck %s

// Every section: loss = mse(r, y), so %DR is the cotangent of r.

// dx = y * (dr - sum_axis(dr * y)), reusing the softmax result y.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[Y:.*]] = mpt.softmax
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[P:.*]] = mpt.mul %[[DR]], %[[Y]]
// CHECK: %[[S:.*]] = mpt.reduce_sum %[[P]] {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
// CHECK: %[[B:.*]] = mpt.broadcast %[[S]] {dims = array<i64: 1>} : tensor<4xf32> -> tensor<4x8xf32>
// CHECK: %[[D:.*]] = mpt.sub %[[DR]], %[[B]]
// CHECK: %[[DX:.*]] = mpt.mul %[[Y]], %[[D]]
// CHECK: return %[[DX]]
func.func @softmax(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.softmax %x : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// Any axis: the sum and the broadcast follow it.
// CHECK-LABEL: func.func @softmax_middle_axis
// CHECK: %[[Y:.*]] = mpt.softmax
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8x2xf32>, tensor<f32>
// CHECK: %[[P:.*]] = mpt.mul %[[DR]], %[[Y]]
// CHECK: %[[S:.*]] = mpt.reduce_sum %[[P]] {dims = array<i64: 1>} : tensor<4x8x2xf32> -> tensor<4x2xf32>
// CHECK: %[[B:.*]] = mpt.broadcast %[[S]] {dims = array<i64: 1>} : tensor<4x2xf32> -> tensor<4x8x2xf32>
// CHECK: %[[D:.*]] = mpt.sub %[[DR]], %[[B]]
// CHECK: %[[DX:.*]] = mpt.mul %[[Y]], %[[D]]
// CHECK: return %[[DX]]
func.func @softmax_middle_axis(%x: tensor<4x8x2xf32>, %y: tensor<4x8x2xf32>) -> tensor<4x8x2xf32> {
  %r = mpt.softmax %x {axis = -2 : i64} : tensor<4x8x2xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8x2xf32>, tensor<4x8x2xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8x2xf32>
  return %g : tensor<4x8x2xf32>
}

// -----

// dx from mpt.layer_norm_grad; dgamma = sum over rows of dr * xhat, with
// xhat the input normalised with unit gamma and zero beta; dbeta = sum over
// rows of dr. The epsilon follows the forward op.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x4x8xf32>, %[[G:[^:]*]]: tensor<8xf32>,
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<8xf32>
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.layer_norm_grad %[[X]], %[[G]], %[[DR]] {epsilon = 1.000000e-03 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
// CHECK: %[[XHAT:.*]] = mpt.layer_norm %[[X]], %[[ONE]], %[[ZERO]] {epsilon = 1.000000e-03 : f64}
// CHECK: %[[P:.*]] = mpt.mul %[[DR]], %[[XHAT]]
// CHECK: %[[DG:.*]] = mpt.reduce_sum %[[P]] {dims = array<i64: 0, 1>} : tensor<2x4x8xf32> -> tensor<8xf32>
// CHECK: %[[DB:.*]] = mpt.reduce_sum %[[DR]] {dims = array<i64: 0, 1>} : tensor<2x4x8xf32> -> tensor<8xf32>
// CHECK: return %[[DX]], %[[DG]], %[[DB]]
func.func @layer_norm(%x: tensor<2x4x8xf32>, %gamma: tensor<8xf32>, %beta: tensor<8xf32>, %y: tensor<2x4x8xf32>) -> (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %r = mpt.layer_norm %x, %gamma, %beta {epsilon = 1.0e-03 : f64} : tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>
  %l = mpt.mse_loss %r, %y : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  %g:3 = mpt.gradient %l wrt %x, %gamma, %beta : tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return %g#0, %g#1, %g#2 : tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Only the input needs a cotangent: no normalised input is recomputed.
// CHECK-LABEL: func.func @layer_norm_input_only
// CHECK: mpt.layer_norm_grad
// CHECK-NOT: mpt.layer_norm
// CHECK-NOT: mpt.reduce_sum
// CHECK: return
func.func @layer_norm_input_only(%x: tensor<4x8xf32>, %gamma: tensor<8xf32>, %beta: tensor<8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.layer_norm %x, %gamma, %beta : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}
