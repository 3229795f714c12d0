// RUN: mpt-opt %s --mpt-expand-train-step --mpt-differentiate -split-input-file -verify-diagnostics | FileCheck %s

// Fan-out: %w feeds both linears and %h feeds tanh and the add; each
// receives the sum of its cotangents. The batch input gets none.
// CHECK-LABEL: func.func @fan_out
// CHECK-SAME: (%[[W:[^:]*]]: tensor<4x4xf32>, %[[X:[^:]*]]: tensor<8x4xf32>,
// CHECK: %[[H:.*]] = mpt.linear %[[X]], %[[W]]
// CHECK: %[[A:.*]] = mpt.tanh %[[H]]
// CHECK: %[[S:.*]] = mpt.add %[[A]], %[[H]]
// CHECK: %[[DP:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<f32>
// CHECK: %[[DS:.*]] = mpt.matmul %[[DP]], %[[W]] {transpose_rhs}
// CHECK: %[[DW2:.*]] = mpt.matmul %[[S]], %[[DP]] {transpose_lhs}
// CHECK: %[[DHT:.*]] = mpt.mul %[[DS]], %{{.*}} : tensor<8x4xf32>, tensor<8x4xf32>
// CHECK: %[[DH:.*]] = mpt.add %[[DS]], %[[DHT]] : tensor<8x4xf32>, tensor<8x4xf32>
// CHECK-NOT: mpt.matmul %[[DH]], %[[W]]
// CHECK: %[[DW1:.*]] = mpt.matmul %[[X]], %[[DH]] {transpose_lhs}
// CHECK: %[[DW:.*]] = mpt.add %[[DW2]], %[[DW1]] : tensor<4x4xf32>, tensor<4x4xf32>
// CHECK: return %[[DW]]
func.func @fan_out(%w: tensor<4x4xf32>, %x: tensor<8x4xf32>, %y: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %h = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x4xf32> -> tensor<8x4xf32>
  %a = mpt.tanh %h : tensor<8x4xf32>
  %s = mpt.add %a, %h : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.linear %s, %w : tensor<8x4xf32>, tensor<4x4xf32> -> tensor<8x4xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  %g = mpt.gradient %l wrt %w : tensor<4x4xf32>
  return %g : tensor<4x4xf32>
}

// -----

// Only ops between a wrt value and the loss are differentiated: the
// preprocessing of the batch (even through an op without an adjoint) and a
// side computation that the loss does not read are left alone.
// CHECK-LABEL: func.func @activity
// CHECK-SAME: (%[[W:[^:]*]]: tensor<4x1xf32>, %[[X:[^:]*]]: tensor<8x4xf32>,
// CHECK: %[[XN:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK: %[[XE:.*]] = mpt.exp %[[XN]]
// CHECK: %[[SIDE:.*]] = mpt.sigmoid %[[W]]
// CHECK: %[[DP:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<8x1xf32>, tensor<f32>
// CHECK-NEXT: %[[DW:.*]] = mpt.matmul %[[XE]], %[[DP]] {transpose_lhs}
// CHECK-NEXT: return %[[DW]], %[[SIDE]]
func.func @activity(%w: tensor<4x1xf32>, %x: tensor<8x4xf32>, %y: tensor<8x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %xn = arith.mulf %x, %x : tensor<8x4xf32>
  %xe = mpt.exp %xn : tensor<8x4xf32>
  %side = mpt.sigmoid %w : tensor<4x1xf32>
  %p = mpt.linear %xe, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  %g = mpt.gradient %l wrt %w : tensor<4x1xf32>
  return %g, %side : tensor<4x1xf32>, tensor<4x1xf32>
}

// -----

// A wrt value computed in the step is differentiated as an independent
// variable; the parameter it comes from also receives the path through it.
// CHECK-LABEL: func.func @intermediate
// CHECK-SAME: (%[[W:[^:]*]]: tensor<4x8xf32>, %[[Y:[^:]*]]: tensor<4x8xf32>)
// CHECK: %[[E:.*]] = mpt.exp %[[W]]
// CHECK: %[[DP:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DE:.*]] = mpt.mul %[[DP]], %[[Y]] : tensor<4x8xf32>, tensor<4x8xf32>
// CHECK: %[[DW:.*]] = mpt.mul %[[DE]], %[[E]]
// CHECK: return %[[DW]], %[[DE]]
func.func @intermediate(%w: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = mpt.exp %w : tensor<4x8xf32>
  %p = mpt.mul %e, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %l = mpt.mse_loss %p, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %w, %e : tensor<4x8xf32>, tensor<4x8xf32>
  return %g#0, %g#1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A parameter the loss does not depend on gets a zero gradient and a remark;
// the step's own dynamic loss scale is kept.
// CHECK-LABEL: func.func @unused_param
// CHECK-SAME: %[[B:[^:]*]]: tensor<3xf32> {mpt.param = "b"}
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK: %[[G:.*]]:2 = mpt.unscale %{{.*}}, %[[ZERO]] by
// CHECK: mpt.sgd_update %[[B]], %[[G]]#1
// CHECK: mpt.update_loss_scale
// expected-remark@+1 {{parameter 'b' does not influence the loss; its gradient is zero}}
mpt.train_step @unused_param
    params(%w: tensor<4x1xf32>, %b: tensor<3xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) loss_scale(#mpt.loss_scale<mode = dynamic>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// A loss that depends on no wrt value: every gradient is zero, nothing is
// built but the zeros, and the loss that only the gradient read is erased.
// The remark points at the wrt value.
// CHECK-LABEL: func.func @constant_loss
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT: return %[[ZERO]]
// expected-remark@+1 {{'wrt' value #0 does not influence the loss; its gradient is zero}}
func.func @constant_loss(%w: tensor<4xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %l = mpt.mse_loss %x, %x : tensor<4xf32>, tensor<4xf32>
  %g = mpt.gradient %l wrt %w : tensor<4xf32>
  return %g : tensor<4xf32>
}
