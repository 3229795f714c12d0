// Gradients of mpt.conv_transpose2d (weight, bias and, through a convolution
// in front of it, its input) against central differences in f64: a strided
// transposed convolution with padding and an output padding, a grouped one
// with dilation and asymmetric padding, and one without bias.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @conv_transpose_grad: f32 promoted to f64, 8 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 8 parameters

mpt.train_step @conv_transpose
    params(%w0: tensor<4x2x3x3xf32>,
           %w1: tensor<4x3x3x3xf32>, %b1: tensor<3xf32>,
           %w2: tensor<3x2x2x2xf32>, %b2: tensor<6xf32>,
           %w3: tensor<4x2x4x4xf32>,
           %head: tensor<150x3xf32>, %head3: tensor<98x3xf32>)
    batch(%x: tensor<2x32xf32>, %y: tensor<2x3xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %img = mpt.reshape %x : tensor<2x32xf32> -> tensor<2x2x4x4xf32>
  // A convolution in front, so that the input of the transposed ones has a
  // gradient to check: 4x4 -> 2x2.
  %c0 = mpt.conv2d %img, %w0 {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x2x4x4xf32>, tensor<4x2x3x3xf32> -> tensor<2x4x2x2xf32>
  %t0 = mpt.tanh %c0 : tensor<2x4x2x2xf32>
  // Stride 2, padding 1, output padding 1: (2 - 1) * 2 - 2 + 3 + 1 = 4.
  %u1 = mpt.conv_transpose2d %t0, %w1, %b1 {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x4x2x2xf32>, tensor<4x3x3x3xf32>, tensor<3xf32> -> tensor<2x3x4x4xf32>
  %t1 = mpt.tanh %u1 : tensor<2x3x4x4xf32>
  // 3 groups of 1 input channel, 2 output channels each, dilation 2 and
  // asymmetric padding: (4 - 1) - 1 + 3 = 5 rows, (4 - 1) - 1 + 3 = 5 columns.
  %u2 = mpt.conv_transpose2d %t1, %w2, %b2 {groups = 3 : i64, dilations = array<i64: 2, 2>, padding = array<i64: 1, 0, 0, 1>}
      : tensor<2x3x4x4xf32>, tensor<3x2x2x2xf32>, tensor<6xf32> -> tensor<2x6x5x5xf32>
  %t2 = mpt.tanh %u2 : tensor<2x6x5x5xf32>
  %f = mpt.reshape %t2 : tensor<2x6x5x5xf32> -> tensor<2x150xf32>
  %o1 = mpt.linear %f, %head : tensor<2x150xf32>, tensor<150x3xf32> -> tensor<2x3xf32>
  // No bias, stride 3 with a window wider than the stride: 2 -> 7.
  %u3 = mpt.conv_transpose2d %t0, %w3 {strides = array<i64: 3, 3>}
      : tensor<2x4x2x2xf32>, tensor<4x2x4x4xf32> -> tensor<2x2x7x7xf32>
  %g = mpt.reshape %u3 : tensor<2x2x7x7xf32> -> tensor<2x98xf32>
  %o2 = mpt.linear %g, %head3 : tensor<2x98xf32>, tensor<98x3xf32> -> tensor<2x3xf32>
  %o = mpt.add %o1, %o2 : tensor<2x3xf32>, tensor<2x3xf32>
  %loss = mpt.mse_loss %o, %y : tensor<2x3xf32>, tensor<2x3xf32>
  mpt.loss %loss
}
