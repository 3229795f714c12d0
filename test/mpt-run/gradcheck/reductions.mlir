// Gradients of mpt.reduce_sum and mpt.reduce_mean (over some dims, with and
// without keep_dims, and over all dims), mpt.transpose and mpt.reshape
// against central differences in f64.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @reductions_grad: f32 promoted to f64, 8 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 8 parameters

mpt.train_step @reductions
    params(%a_sum: tensor<2x8x4xf32>, %a_sum_keep: tensor<2x8x4xf32>,
           %a_mean: tensor<8x2x4xf32>, %a_mean_keep: tensor<2x8x4xf32>,
           %a_all: tensor<4x4xf32>,
           %a_t: tensor<4x8xf32>, %a_t3: tensor<4x2x4xf32>,
           %a_r: tensor<4x8xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %sum = mpt.reduce_sum %a_sum {dims = array<i64: 0>} : tensor<2x8x4xf32> -> tensor<8x4xf32>
  %sum_keep = mpt.reduce_sum %a_sum_keep {dims = array<i64: 0>, keep_dims} : tensor<2x8x4xf32> -> tensor<1x8x4xf32>
  %sum_keep2 = mpt.reshape %sum_keep : tensor<1x8x4xf32> -> tensor<8x4xf32>
  %mean = mpt.reduce_mean %a_mean {dims = array<i64: 1>} : tensor<8x2x4xf32> -> tensor<8x4xf32>
  %mean_keep = mpt.reduce_mean %a_mean_keep {dims = array<i64: 0, 2>, keep_dims} : tensor<2x8x4xf32> -> tensor<1x8x1xf32>
  %mean_keep2 = mpt.reshape %mean_keep : tensor<1x8x1xf32> -> tensor<8xf32>
  %mean_keep3 = mpt.broadcast %mean_keep2 {dims = array<i64: 1>} : tensor<8xf32> -> tensor<8x4xf32>
  %all = mpt.reduce_sum %a_all : tensor<4x4xf32> -> tensor<f32>
  %all_mean = mpt.reduce_mean %a_all : tensor<4x4xf32> -> tensor<f32>
  %t = mpt.transpose %a_t {permutation = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  %t3 = mpt.transpose %a_t3 {permutation = array<i64: 1, 2, 0>} : tensor<4x2x4xf32> -> tensor<2x4x4xf32>
  %t3r = mpt.reshape %t3 : tensor<2x4x4xf32> -> tensor<8x4xf32>
  %r = mpt.reshape %a_r : tensor<4x8xf32> -> tensor<8x4xf32>
  %s0 = mpt.add %sum, %sum_keep2 : tensor<8x4xf32>, tensor<8x4xf32>
  %s1 = mpt.add %s0, %mean : tensor<8x4xf32>, tensor<8x4xf32>
  %s2 = mpt.add %s1, %mean_keep3 : tensor<8x4xf32>, tensor<8x4xf32>
  %s3 = mpt.add %s2, %all : tensor<8x4xf32>, tensor<f32>
  %s4 = mpt.mul %s3, %all_mean : tensor<8x4xf32>, tensor<f32>
  %s5 = mpt.add %s4, %t : tensor<8x4xf32>, tensor<8x4xf32>
  %s6 = mpt.add %s5, %t3r : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s6, %r : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
