// Gradients of the elementwise ops against central differences in f64.
// Each op reads its own linear layer of the batch, so its inputs vary over
// the batch; sqrt and log read u * u + 0.5, which is positive and away from
// 0.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @elementwise_grad: f32 promoted to f64, 7 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      w_relu {{.*}} 24/24
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 7 parameters

mpt.train_step @elementwise
    params(%w_relu: tensor<6x4xf32>, %w_gelu: tensor<6x4xf32>,
           %w_tanh: tensor<6x4xf32>, %w_sigmoid: tensor<6x4xf32>,
           %w_sqrt: tensor<6x4xf32>, %w_exp: tensor<6x4xf32>,
           %w_log: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %half = arith.constant dense<5.000000e-01> : tensor<4xf32>
  %u_relu = mpt.linear %x, %w_relu : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %relu = mpt.relu %u_relu : tensor<8x4xf32>
  %u_gelu = mpt.linear %x, %w_gelu : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %gelu = mpt.gelu %u_gelu : tensor<8x4xf32>
  %u_tanh = mpt.linear %x, %w_tanh : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %tanh = mpt.tanh %u_tanh : tensor<8x4xf32>
  %u_sigmoid = mpt.linear %x, %w_sigmoid : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %sigmoid = mpt.sigmoid %u_sigmoid : tensor<8x4xf32>
  %u_exp = mpt.linear %x, %w_exp : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %exp = mpt.exp %u_exp : tensor<8x4xf32>
  %u_sqrt = mpt.linear %x, %w_sqrt : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %sq_sqrt = mpt.mul %u_sqrt, %u_sqrt : tensor<8x4xf32>, tensor<8x4xf32>
  %pos_sqrt = mpt.add %sq_sqrt, %half : tensor<8x4xf32>, tensor<4xf32>
  %sqrt = mpt.sqrt %pos_sqrt : tensor<8x4xf32>
  %u_log = mpt.linear %x, %w_log : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %sq_log = mpt.mul %u_log, %u_log : tensor<8x4xf32>, tensor<8x4xf32>
  %pos_log = mpt.add %sq_log, %half : tensor<8x4xf32>, tensor<4xf32>
  %log = mpt.log %pos_log : tensor<8x4xf32>
  %s0 = mpt.add %relu, %gelu : tensor<8x4xf32>, tensor<8x4xf32>
  %s1 = mpt.add %s0, %tanh : tensor<8x4xf32>, tensor<8x4xf32>
  %s2 = mpt.add %s1, %sigmoid : tensor<8x4xf32>, tensor<8x4xf32>
  %s3 = mpt.add %s2, %exp : tensor<8x4xf32>, tensor<8x4xf32>
  %s4 = mpt.add %s3, %sqrt : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s4, %log : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
