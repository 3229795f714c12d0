// Gradients of mpt.matmul (every transpose flag, batch dims, a rank-2 rhs
// shared by the batches) and mpt.linear (with and without bias, batched
// input) against central differences in f64. Each parameter feeds one op.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @contractions_grad: f32 promoted to f64, 24 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      a0 {{.*}} 48/48
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 24 parameters

mpt.train_step @contractions
    params(%a0: tensor<8x6xf32>, %b0: tensor<6x4xf32>,
           %a1: tensor<6x8xf32>, %b1: tensor<6x4xf32>,
           %a2: tensor<8x6xf32>, %b2: tensor<4x6xf32>,
           %a3: tensor<6x8xf32>, %b3: tensor<4x6xf32>,
           %a4: tensor<2x4x6xf32>, %b4: tensor<2x6x4xf32>,
           %a5: tensor<2x4x6xf32>, %b5: tensor<6x4xf32>,
           %a6: tensor<2x6x4xf32>, %b6: tensor<6x4xf32>,
           %a7: tensor<2x4x6xf32>, %b7: tensor<4x6xf32>,
           %a8: tensor<2x6x4xf32>, %b8: tensor<2x4x6xf32>,
           %w: tensor<6x4xf32>, %bias: tensor<4xf32>,
           %w_nobias: tensor<6x4xf32>,
           %a9: tensor<2x4x6xf32>, %w9: tensor<6x4xf32>, %bias9: tensor<4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %m0 = mpt.matmul %a0, %b0 : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %m1 = mpt.matmul %a1, %b1 {transpose_lhs} : tensor<6x8xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %m2 = mpt.matmul %a2, %b2 {transpose_rhs} : tensor<8x6xf32>, tensor<4x6xf32> -> tensor<8x4xf32>
  %m3 = mpt.matmul %a3, %b3 {transpose_lhs, transpose_rhs} : tensor<6x8xf32>, tensor<4x6xf32> -> tensor<8x4xf32>
  // Batched, and with a rank-2 rhs shared by the batches.
  %m4 = mpt.matmul %a4, %b4 : tensor<2x4x6xf32>, tensor<2x6x4xf32> -> tensor<2x4x4xf32>
  %m5 = mpt.matmul %a5, %b5 : tensor<2x4x6xf32>, tensor<6x4xf32> -> tensor<2x4x4xf32>
  %m6 = mpt.matmul %a6, %b6 {transpose_lhs} : tensor<2x6x4xf32>, tensor<6x4xf32> -> tensor<2x4x4xf32>
  %m7 = mpt.matmul %a7, %b7 {transpose_rhs} : tensor<2x4x6xf32>, tensor<4x6xf32> -> tensor<2x4x4xf32>
  %m8 = mpt.matmul %a8, %b8 {transpose_lhs, transpose_rhs} : tensor<2x6x4xf32>, tensor<2x4x6xf32> -> tensor<2x4x4xf32>
  %l0 = mpt.linear %x, %w, %bias : tensor<8x6xf32>, tensor<6x4xf32>, tensor<4xf32> -> tensor<8x4xf32>
  %l1 = mpt.linear %x, %w_nobias : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %l2 = mpt.linear %a9, %w9, %bias9 : tensor<2x4x6xf32>, tensor<6x4xf32>, tensor<4xf32> -> tensor<2x4x4xf32>
  %batched0 = mpt.add %m4, %m5 : tensor<2x4x4xf32>, tensor<2x4x4xf32>
  %batched1 = mpt.add %batched0, %m6 : tensor<2x4x4xf32>, tensor<2x4x4xf32>
  %batched2 = mpt.add %batched1, %m7 : tensor<2x4x4xf32>, tensor<2x4x4xf32>
  %batched3 = mpt.add %batched2, %m8 : tensor<2x4x4xf32>, tensor<2x4x4xf32>
  %batched4 = mpt.add %batched3, %l2 : tensor<2x4x4xf32>, tensor<2x4x4xf32>
  %batched = mpt.reshape %batched4 : tensor<2x4x4xf32> -> tensor<8x4xf32>
  %s0 = mpt.add %m0, %m1 : tensor<8x4xf32>, tensor<8x4xf32>
  %s1 = mpt.add %s0, %m2 : tensor<8x4xf32>, tensor<8x4xf32>
  %s2 = mpt.add %s1, %m3 : tensor<8x4xf32>, tensor<8x4xf32>
  %s3 = mpt.add %s2, %l0 : tensor<8x4xf32>, tensor<8x4xf32>
  %s4 = mpt.add %s3, %l1 : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %s4, %batched : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
