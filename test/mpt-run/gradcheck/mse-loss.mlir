// Gradients of mpt.mse_loss with respect to its prediction and its target
// against central differences in f64.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @mse_grad: f32 promoted to f64, 3 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 3 parameters

mpt.train_step @mse
    params(%w: tensor<6x4xf32>, %offset: tensor<8x4xf32>, %shift: tensor<4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %u = mpt.linear %x, %w : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %prediction = mpt.add %u, %offset : tensor<8x4xf32>, tensor<8x4xf32>
  %target = mpt.add %y, %shift : tensor<8x4xf32>, tensor<4xf32>
  %loss = mpt.mse_loss %prediction, %target : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
