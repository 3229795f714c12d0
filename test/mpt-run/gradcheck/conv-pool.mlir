// Gradients of mpt.conv2d (weight, bias and, through a second convolution,
// its input; stride, padding, dilation and groups), max and average pooling
// against central differences in f64. The batch is reshaped into images;
// tanh keeps the pooled values away from ties.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @conv_pool_grad: f32 promoted to f64, 7 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 7 parameters

mpt.train_step @conv_pool
    params(%w1: tensor<4x2x3x3xf32>, %b1: tensor<4xf32>,
           %w2: tensor<4x2x2x2xf32>, %b2: tensor<4xf32>,
           %w3: tensor<4x1x3x3xf32>,
           %head: tensor<16x3xf32>, %head_avg: tensor<16x3xf32>)
    batch(%x: tensor<4x72xf32>, %y: tensor<4x3xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %img = mpt.reshape %x : tensor<4x72xf32> -> tensor<4x2x6x6xf32>
  // Padded, strided convolution: 6x6 -> 3x3.
  %c1 = mpt.conv2d %img, %w1, %b1 {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<4x2x6x6xf32>, tensor<4x2x3x3xf32>, tensor<4xf32> -> tensor<4x4x3x3xf32>
  %t1 = mpt.tanh %c1 : tensor<4x4x3x3xf32>
  // Grouped convolution (2 groups of 2 channels), asymmetric padding: 3x3 -> 3x3.
  %c2 = mpt.conv2d %t1, %w2, %b2 {groups = 2 : i64, padding = array<i64: 1, 0, 0, 1>}
      : tensor<4x4x3x3xf32>, tensor<4x2x2x2xf32>, tensor<4xf32> -> tensor<4x4x3x3xf32>
  %t2 = mpt.tanh %c2 : tensor<4x4x3x3xf32>
  // Overlapping max pooling with padding: 3x3 -> 2x2.
  %p = mpt.max_pool2d %t2 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<4x4x3x3xf32> -> tensor<4x4x2x2xf32>
  %f = mpt.reshape %p : tensor<4x4x2x2xf32> -> tensor<4x16xf32>
  %o1 = mpt.linear %f, %head : tensor<4x16xf32>, tensor<16x3xf32> -> tensor<4x3xf32>
  // Depthwise dilated convolution, then average pooling without the
  // padding in the divisor.
  %c3 = mpt.conv2d %t1, %w3 {groups = 4 : i64, dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>}
      : tensor<4x4x3x3xf32>, tensor<4x1x3x3xf32> -> tensor<4x4x3x3xf32>
  %a = mpt.avg_pool2d %c3 {kernel = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>}
      : tensor<4x4x3x3xf32> -> tensor<4x4x2x2xf32>
  %g = mpt.reshape %a : tensor<4x4x2x2xf32> -> tensor<4x16xf32>
  %o2 = mpt.linear %g, %head_avg : tensor<4x16xf32>, tensor<16x3xf32> -> tensor<4x3xf32>
  %o = mpt.add %o1, %o2 : tensor<4x3xf32>, tensor<4x3xf32>
  %loss = mpt.mse_loss %o, %y : tensor<4x3xf32>, tensor<4x3xf32>
  mpt.loss %loss
}
