// Gradients of mpt.softmax (along the last, the first and a middle dim) and
// mpt.layer_norm (input, scale and shift) against central differences in
// f64.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @normalizations_grad: f32 promoted to f64, 7 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 7 parameters

mpt.train_step @normalizations
    params(%w_last: tensor<6x4xf32>, %w_first: tensor<6x4xf32>,
           %w_middle: tensor<6x4xf32>, %w_norm: tensor<6x4xf32>,
           %gamma: tensor<4xf32>, %beta: tensor<4xf32>,
           %w_head: tensor<4x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %u_last = mpt.linear %x, %w_last : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %last = mpt.softmax %u_last : tensor<8x4xf32>
  %u_first = mpt.linear %x, %w_first : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %first = mpt.softmax %u_first {axis = 0 : i64} : tensor<8x4xf32>
  %u_middle = mpt.linear %x, %w_middle : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %u_middle3 = mpt.reshape %u_middle : tensor<8x4xf32> -> tensor<2x4x4xf32>
  %middle3 = mpt.softmax %u_middle3 {axis = 1 : i64} : tensor<2x4x4xf32>
  %middle = mpt.reshape %middle3 : tensor<2x4x4xf32> -> tensor<8x4xf32>
  // The shift is zero and the scale one at the seeded init; the head makes
  // the loss depend on the normalised values through a product.
  %u_norm = mpt.linear %x, %w_norm : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %norm = mpt.layer_norm %u_norm, %gamma, %beta : tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>
  %head = mpt.linear %norm, %w_head : tensor<8x4xf32>, tensor<4x4xf32> -> tensor<8x4xf32>
  %s0 = mpt.add %last, %first : tensor<8x4xf32>, tensor<8x4xf32>
  %s1 = mpt.add %s0, %middle : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s1, %head : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
