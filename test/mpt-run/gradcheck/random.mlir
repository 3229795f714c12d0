// Gradients of a variational autoencoder's reparameterised sample against
// central differences in f64: z = mu + exp(logvar / 2) * eps with eps from
// mpt.random_normal, and a uniform jitter added to the input. The gradient
// function passes no step counter, so the draws are fixed (step 0) and
// flow into the derivative as constants.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @reparameterised_grad: f32 promoted to f64, 3 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 3 parameters

mpt.train_step @reparameterised
    params(%wm: tensor<16x8xf32>, %wv: tensor<16x8xf32>, %wo: tensor<8x4xf32>)
    batch(%x: tensor<8x16xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %jitter = mpt.random_uniform {low = -0.1 : f64, high = 0.1 : f64, seed = 5 : i64} : tensor<8x16xf32>
  %xj = mpt.add %x, %jitter : tensor<8x16xf32>, tensor<8x16xf32>
  %mu = mpt.linear %xj, %wm : tensor<8x16xf32>, tensor<16x8xf32> -> tensor<8x8xf32>
  %logvar = mpt.linear %xj, %wv : tensor<8x16xf32>, tensor<16x8xf32> -> tensor<8x8xf32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %hv = mpt.mul %logvar, %half : tensor<8x8xf32>, tensor<f32>
  %std = mpt.exp %hv : tensor<8x8xf32>
  %eps = mpt.random_normal {seed = 6 : i64} : tensor<8x8xf32>
  %noise = mpt.mul %std, %eps : tensor<8x8xf32>, tensor<8x8xf32>
  %z = mpt.add %mu, %noise : tensor<8x8xf32>, tensor<8x8xf32>
  %o = mpt.linear %z, %wo : tensor<8x8xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %l = mpt.mse_loss %o, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %l
}
