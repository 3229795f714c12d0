// Gradients through comparisons and selects against central differences in
// f64: a leaky ReLU written as select(u > 0, u, 0.1 u), a threshold
// select(v >= 0.1, v, 0), and a mask used as a factor, g * (g < 0.1). The
// masks pass no cotangent; each value gets the cotangent where it is
// chosen.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @masks_grad: f32 promoted to f64, 3 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 3 parameters

mpt.train_step @masks
    params(%w_leaky: tensor<6x4xf32>, %w_fill: tensor<6x4xf32>,
           %w_gate: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %zero = arith.constant dense<0.000000e+00> : tensor<8x4xf32>
  %tenth = arith.constant dense<1.000000e-01> : tensor<8x4xf32>
  %u = mpt.linear %x, %w_leaky : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %positive = mpt.compare gt, %u, %zero : tensor<8x4xf32>
  %scaled = mpt.mul %u, %tenth : tensor<8x4xf32>, tensor<8x4xf32>
  %leaky = mpt.select %positive, %u, %scaled : tensor<8x4xf32>
  %v = mpt.linear %x, %w_fill : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %large = mpt.compare ge, %v, %tenth : tensor<8x4xf32>
  %threshold = mpt.select %large, %v, %zero : tensor<8x4xf32>
  %g = mpt.linear %x, %w_gate : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %small = mpt.compare lt, %g, %tenth : tensor<8x4xf32>
  %gated = mpt.mul %g, %small : tensor<8x4xf32>, tensor<8x4xf32>
  %s0 = mpt.add %leaky, %threshold : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s0, %gated : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
