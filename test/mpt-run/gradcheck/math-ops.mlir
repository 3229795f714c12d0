// Gradients of mpt.erf, mpt.pow (base and a broadcast exponent), mpt.div as
// a forward op, mpt.reduce_max and mpt.log_softmax against central
// differences in f64. Pow reads a positive base so that its exponent is
// differentiable; the squares of the layer-norm pattern read a signed one.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @math_ops_grad: f32 promoted to f64, 6 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 6 parameters

mpt.train_step @math_ops
    params(%w_erf: tensor<6x4xf32>, %w_pow: tensor<6x4xf32>, %e: tensor<4xf32>,
           %w_sq: tensor<6x4xf32>, %w_max: tensor<6x8xf32>,
           %w_lsm: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %half = arith.constant dense<5.000000e-01> : tensor<4xf32>
  %two = arith.constant dense<2.000000e+00> : tensor<f32>
  %u_erf = mpt.linear %x, %w_erf : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %erf = mpt.erf %u_erf : tensor<8x4xf32>
  %u_pow = mpt.linear %x, %w_pow : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %sq_pow = mpt.mul %u_pow, %u_pow : tensor<8x4xf32>, tensor<8x4xf32>
  %base = mpt.add %sq_pow, %half : tensor<8x4xf32>, tensor<4xf32>
  %exponent = mpt.add %e, %half : tensor<4xf32>, tensor<4xf32>
  %pow = mpt.pow %base, %exponent : tensor<8x4xf32>, tensor<4xf32>
  %u_sq = mpt.linear %x, %w_sq : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %sq = mpt.pow %u_sq, %two : tensor<8x4xf32>, tensor<f32>
  %ratio = mpt.div %sq, %base : tensor<8x4xf32>, tensor<8x4xf32>
  %u_max = mpt.linear %x, %w_max : tensor<8x6xf32>, tensor<6x8xf32> -> tensor<8x8xf32>
  %u_max3 = mpt.reshape %u_max : tensor<8x8xf32> -> tensor<8x4x2xf32>
  %max = mpt.reduce_max %u_max3 {dims = array<i64: 2>} : tensor<8x4x2xf32> -> tensor<8x4xf32>
  %u_lsm = mpt.linear %x, %w_lsm : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %lsm = mpt.log_softmax %u_lsm {axis = 0 : i64} : tensor<8x4xf32>
  %s0 = mpt.add %erf, %pow : tensor<8x4xf32>, tensor<8x4xf32>
  %s1 = mpt.add %s0, %ratio : tensor<8x4xf32>, tensor<8x4xf32>
  %s2 = mpt.add %s1, %max : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s2, %lsm : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
