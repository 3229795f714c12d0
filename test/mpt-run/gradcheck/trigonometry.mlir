// Gradients of mpt.atan, mpt.asin, mpt.acos and mpt.tan against central
// differences in f64 (asin and acos read tanh(u) / 2, tan reads tanh(u),
// inside their domains), and of the rounding ops, whose cotangent is zero:
// x - floor(x) and the other roundings pass the gradient of x alone.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @trigonometry_grad: f32 promoted to f64, 5 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 5 parameters

mpt.train_step @trigonometry
    params(%w_atan: tensor<6x4xf32>, %w_asin: tensor<6x4xf32>,
           %w_acos: tensor<6x4xf32>, %w_tan: tensor<6x4xf32>,
           %w_round: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %half = arith.constant dense<5.000000e-01> : tensor<f32>
  %three = arith.constant dense<3.000000e+00> : tensor<f32>
  %u_atan = mpt.linear %x, %w_atan : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %atan = mpt.atan %u_atan : tensor<8x4xf32>
  %u_asin = mpt.linear %x, %w_asin : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %t_asin = mpt.tanh %u_asin : tensor<8x4xf32>
  %h_asin = mpt.mul %t_asin, %half : tensor<8x4xf32>, tensor<f32>
  %asin = mpt.asin %h_asin : tensor<8x4xf32>
  %u_acos = mpt.linear %x, %w_acos : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %t_acos = mpt.tanh %u_acos : tensor<8x4xf32>
  %h_acos = mpt.mul %t_acos, %half : tensor<8x4xf32>, tensor<f32>
  %acos = mpt.acos %h_acos : tensor<8x4xf32>
  %u_tan = mpt.linear %x, %w_tan : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %t_tan = mpt.tanh %u_tan : tensor<8x4xf32>
  %tan = mpt.tan %t_tan : tensor<8x4xf32>
  %u_round = mpt.linear %x, %w_round : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %scaled = mpt.mul %u_round, %three : tensor<8x4xf32>, tensor<f32>
  %floor = mpt.floor %scaled : tensor<8x4xf32>
  %ceil = mpt.ceil %scaled : tensor<8x4xf32>
  %round = mpt.round %scaled : tensor<8x4xf32>
  %frac = mpt.sub %scaled, %floor : tensor<8x4xf32>, tensor<8x4xf32>
  %r0 = mpt.add %ceil, %round : tensor<8x4xf32>, tensor<8x4xf32>
  %r1 = mpt.mul %r0, %half : tensor<8x4xf32>, tensor<f32>
  %r2 = mpt.add %frac, %r1 : tensor<8x4xf32>, tensor<8x4xf32>
  %s0 = mpt.add %atan, %asin : tensor<8x4xf32>, tensor<8x4xf32>
  %s1 = mpt.add %s0, %acos : tensor<8x4xf32>, tensor<8x4xf32>
  %s2 = mpt.add %s1, %tan : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s2, %r2 : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
