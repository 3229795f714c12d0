// Gradients of mpt.concat (of two inputs, and of ten: a tree), mpt.slice
// (strided) and mpt.gather along a middle axis with constant indices (negative, repeated and out of range)
// against central differences in f64.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @data_ops_grad: f32 promoted to f64, 3 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 3 parameters

mpt.train_step @data_ops
    params(%w1: tensor<6x4xf32>, %w2: tensor<6x3xf32>, %w3: tensor<6x6xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %a = mpt.linear %x, %w1 : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %b = mpt.linear %x, %w2 : tensor<8x6xf32>, tensor<6x3xf32> -> tensor<8x3xf32>
  %ta = mpt.tanh %a : tensor<8x4xf32>
  %c = mpt.concat %ta, %b {axis = -1 : i64} : tensor<8x4xf32>, tensor<8x3xf32> -> tensor<8x7xf32>
  // Columns 1, 3, 5 of rows 0, 2, 4, 6, then 4 rows again via concat on dim 0.
  %s = mpt.slice %c {offsets = array<i64: 0, 1>, strides = array<i64: 2, 2>} : tensor<8x7xf32> -> tensor<4x3xf32>
  %s2 = mpt.concat %s, %s {axis = 0 : i64} : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %u = mpt.linear %x, %w3 : tensor<8x6xf32>, tensor<6x6xf32> -> tensor<8x6xf32>
  %u3 = mpt.reshape %u : tensor<8x6xf32> -> tensor<8x3x2xf32>
  %idx = arith.constant dense<[2, -1, 0, 7]> : tensor<4xi64>
  %g = mpt.gather %u3, %idx {axis = 1 : i64} : tensor<8x3x2xf32>, tensor<4xi64> -> tensor<8x4x2xf32>
  %g2 = mpt.reshape %g : tensor<8x4x2xf32> -> tensor<8x8xf32>
  %h = mpt.slice %g2 {offsets = array<i64: 0, 0>, strides = array<i64: 1, 2>} : tensor<8x8xf32> -> tensor<8x4xf32>
  %p0 = mpt.slice %s2 {offsets = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<8x3xf32> -> tensor<8x1xf32>
  %p1 = mpt.concat %p0, %s2 {axis = 1 : i64} : tensor<8x1xf32>, tensor<8x3xf32> -> tensor<8x4xf32>
  %p = mpt.add %p1, %h : tensor<8x4xf32>, tensor<8x4xf32>
  // Ten inputs: a tree of concatenations; columns 3, 12, 21 and 30 read
  // inputs 0, 3, 6 and 8 (the last in the second group of the tree).
  %many = mpt.concat %ta, %b, %ta, %b, %ta, %b, %ta, %b, %ta, %b {axis = 1 : i64} : tensor<8x4xf32>, tensor<8x3xf32>, tensor<8x4xf32>, tensor<8x3xf32>, tensor<8x4xf32>, tensor<8x3xf32>, tensor<8x4xf32>, tensor<8x3xf32>, tensor<8x4xf32>, tensor<8x3xf32> -> tensor<8x35xf32>
  %picked = mpt.slice %many {offsets = array<i64: 0, 3>, strides = array<i64: 1, 9>} : tensor<8x35xf32> -> tensor<8x4xf32>
  %q = mpt.add %p, %picked : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %q, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
