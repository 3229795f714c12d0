// Gradients of the piecewise activations (mpt.leaky_relu, mpt.elu with
// SELU's and with CELU's constants, mpt.softplus, mpt.abs, mpt.clamp with
// both and one bound, mpt.hard_sigmoid, mpt.hard_swish, mpt.shrink as
// Hardshrink and as Softshrink, and mpt.sign, whose cotangent is zero: the
// gradient of u * sign(u) = |u| comes through the first factor alone)
// against central differences in f64, each on its own projection of the
// batch so that its inputs fall on both sides of its kinks.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @activations_grad: f32 promoted to f64, 12 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 12 parameters

mpt.train_step @activations
    params(%w_leaky: tensor<6x4xf32>, %w_elu: tensor<6x4xf32>,
           %w_softplus: tensor<6x4xf32>, %w_abs: tensor<6x4xf32>,
           %w_clamp: tensor<6x4xf32>, %w_floor: tensor<6x4xf32>,
           %w_hsig: tensor<6x4xf32>, %w_hswish: tensor<6x4xf32>,
           %w_celu: tensor<6x4xf32>, %w_hshrink: tensor<6x4xf32>,
           %w_sshrink: tensor<6x4xf32>, %w_sign: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // Spreads hard_swish's inputs over its three pieces.
  %four = arith.constant dense<4.000000e+00> : tensor<4xf32>
  %u_leaky = mpt.linear %x, %w_leaky : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %leaky = mpt.leaky_relu %u_leaky {alpha = 2.000000e-01 : f64} : tensor<8x4xf32>
  %u_elu = mpt.linear %x, %w_elu : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %elu = mpt.elu %u_elu {alpha = 1.6732632423543772 : f64, scale = 1.0507009873554805 : f64} : tensor<8x4xf32>
  %u_softplus = mpt.linear %x, %w_softplus : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %softplus = mpt.softplus %u_softplus : tensor<8x4xf32>
  %u_abs = mpt.linear %x, %w_abs : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %abs = mpt.abs %u_abs : tensor<8x4xf32>
  %u_clamp = mpt.linear %x, %w_clamp : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %clamp = mpt.clamp %u_clamp {min = -2.500000e-01 : f64, max = 2.500000e-01 : f64} : tensor<8x4xf32>
  %u_floor = mpt.linear %x, %w_floor : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %floor = mpt.clamp %u_floor {min = 1.000000e-01 : f64} : tensor<8x4xf32>
  %u_hsig = mpt.linear %x, %w_hsig : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %hsig = mpt.hard_sigmoid %u_hsig {alpha = 4.0 : f64, beta = 5.000000e-01 : f64} : tensor<8x4xf32>
  %u_hswish = mpt.linear %x, %w_hswish : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %scaled = mpt.mul %u_hswish, %four : tensor<8x4xf32>, tensor<4xf32>
  %hswish = mpt.hard_swish %scaled : tensor<8x4xf32>
  %u_celu = mpt.linear %x, %w_celu : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %celu = mpt.elu %u_celu {alpha = 2.000000e+00 : f64, input_scale = 5.000000e-01 : f64} : tensor<8x4xf32>
  %u_hshrink = mpt.linear %x, %w_hshrink : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %hshrink = mpt.shrink %u_hshrink {lambd = 2.500000e-01 : f64} : tensor<8x4xf32>
  %u_sshrink = mpt.linear %x, %w_sshrink : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %sshrink = mpt.shrink %u_sshrink {lambd = 2.500000e-01 : f64, bias = 2.500000e-01 : f64} : tensor<8x4xf32>
  %u_sign = mpt.linear %x, %w_sign : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %sign = mpt.sign %u_sign : tensor<8x4xf32>
  %magnitude = mpt.mul %u_sign, %sign : tensor<8x4xf32>, tensor<8x4xf32>
  %s0 = mpt.add %leaky, %elu : tensor<8x4xf32>, tensor<8x4xf32>
  %s1 = mpt.add %s0, %softplus : tensor<8x4xf32>, tensor<8x4xf32>
  %s2 = mpt.add %s1, %abs : tensor<8x4xf32>, tensor<8x4xf32>
  %s3 = mpt.add %s2, %clamp : tensor<8x4xf32>, tensor<8x4xf32>
  %s4 = mpt.add %s3, %floor : tensor<8x4xf32>, tensor<8x4xf32>
  %s5 = mpt.add %s4, %hsig : tensor<8x4xf32>, tensor<8x4xf32>
  %s6 = mpt.add %s5, %hswish : tensor<8x4xf32>, tensor<8x4xf32>
  %s7 = mpt.add %s6, %celu : tensor<8x4xf32>, tensor<8x4xf32>
  %s8 = mpt.add %s7, %hshrink : tensor<8x4xf32>, tensor<8x4xf32>
  %s9 = mpt.add %s8, %sshrink : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s9, %magnitude : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
