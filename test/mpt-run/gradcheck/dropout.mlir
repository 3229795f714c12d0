// Gradients through mpt.dropout against central differences in f64: the
// gradient function passes no step counter, so the masks are fixed (step 0)
// and the derivative is the same mask and scale applied to the cotangent.
// Two dropout ops with different seeds and rates, before and after a
// nonlinearity.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @dropout_grad: f32 promoted to f64, 3 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 3 parameters

mpt.train_step @dropout
    params(%w1: tensor<16x32xf32>, %b1: tensor<32xf32>, %w2: tensor<32x4xf32>)
    batch(%x: tensor<8x16xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %d = mpt.dropout %x {p = 0.2 : f64, seed = 11 : i64} : tensor<8x16xf32>
  %h = mpt.linear %d, %w1, %b1 : tensor<8x16xf32>, tensor<16x32xf32>, tensor<32xf32> -> tensor<8x32xf32>
  %t = mpt.tanh %h : tensor<8x32xf32>
  %e = mpt.dropout %t {p = 0.5 : f64, seed = 12 : i64} : tensor<8x32xf32>
  %o = mpt.linear %e, %w2 : tensor<8x32xf32>, tensor<32x4xf32> -> tensor<8x4xf32>
  %l = mpt.mse_loss %o, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %l
}
