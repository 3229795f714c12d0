// Gradients through mpt.top_k's values (the input gathered at its indices,
// largest and smallest, along a middle axis) and through mpt.gather_elements
// with constant indices (negative, repeated and out of range) against
// central differences in f64. The random data has no ties, so the order is
// locally constant and the values are differentiable.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @selection_grad: f32 promoted to f64, 2 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 2 parameters

mpt.train_step @selection
    params(%w1: tensor<6x12xf32>, %w2: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %a = mpt.linear %x, %w1 : tensor<8x6xf32>, tensor<6x12xf32> -> tensor<8x12xf32>
  %a3 = mpt.reshape %a : tensor<8x12xf32> -> tensor<8x6x2xf32>
  %top = mpt.top_k %a3 {axis = 1 : i64, k = 2 : i64} : tensor<8x6x2xf32> -> tensor<8x2x2xi64>
  %v = mpt.gather_elements %a3, %top {axis = 1 : i64} : tensor<8x6x2xf32>, tensor<8x2x2xi64> -> tensor<8x2x2xf32>
  %v2 = mpt.reshape %v : tensor<8x2x2xf32> -> tensor<8x4xf32>
  %low = mpt.top_k %a {k = 4 : i64, largest = false} : tensor<8x12xf32> -> tensor<8x4xi32>
  %m = mpt.gather_elements %a, %low {axis = 1 : i64} : tensor<8x12xf32>, tensor<8x4xi32> -> tensor<8x4xf32>
  %b = mpt.linear %x, %w2 : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %tb = mpt.tanh %b : tensor<8x4xf32>
  %idx = arith.constant dense<[[3, -1, 0, 0], [7, 1, -4, 2], [0, 0, 0, 0], [2, 2, 1, 3], [1, 0, 3, 2], [-2, -3, 4, 3], [3, 3, 3, 3], [0, 1, 2, 3]]> : tensor<8x4xi64>
  %e = mpt.gather_elements %tb, %idx {axis = 1 : i64} : tensor<8x4xf32>, tensor<8x4xi64> -> tensor<8x4xf32>
  %s = mpt.add %v2, %m : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s, %e : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
