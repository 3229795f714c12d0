// RUN: mpt-opt %s --auto-mixed-precision --mpt-differentiate | FileCheck %s

// A residual block after --auto-mixed-precision: the matmuls and gelu run
// in f16 forward and backward, layer_norm and the loss stay f32, the
// cotangents of the f16 parameter copies are cast back so the fp32 master
// weights receive f32 gradients, and the two uses of %h (gelu, residual
// add) have their cotangents summed in f16.

// CHECK-LABEL: func.func @block
// CHECK-SAME: (%[[W1:[^:]*]]: tensor<16x32xf32> {mpt.param = "w1"}, %[[B1:[^:]*]]: tensor<32xf32> {mpt.param = "b1"}, %[[W2:[^:]*]]: tensor<32x32xf32> {mpt.param = "w2"}, %[[GAMMA:[^:]*]]: tensor<32xf32> {mpt.param = "gamma"}, %[[BETA:[^:]*]]: tensor<32xf32> {mpt.param = "beta"},
// CHECK-SAME: %[[SCALE:[^:]*]]: f32 {mpt.loss_scale}
// CHECK: %[[X16:.*]] = mpt.cast %{{.*}} : tensor<8x16xf32> to tensor<8x16xf16>
// CHECK: %[[W2H:.*]] = mpt.cast %[[W2]] : tensor<32x32xf32> to tensor<32x32xf16>
// CHECK: %[[H:.*]] = mpt.linear %[[X16]], {{.*}} -> tensor<8x32xf16>
// CHECK: %[[A:.*]] = mpt.gelu %[[H]] : tensor<8x32xf16>
// CHECK: %[[R32:.*]] = mpt.cast %{{.*}} : tensor<8x32xf16> to tensor<8x32xf32>
// CHECK: %[[N:.*]] = mpt.layer_norm %[[R32]], %[[GAMMA]], %[[BETA]] : tensor<8x32xf32>
// CHECK: %[[L:.*]] = mpt.mse_loss %[[N]]
// The scaled loss is only differentiated, never read: it is gone.
// CHECK-NOT: mpt.scale_loss
// The seed, scaled: every gradient is `scale` times larger.
// CHECK: %[[DL:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: %[[DN:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<8x32xf32>, tensor<f32>
// CHECK: %[[DR32:.*]] = mpt.layer_norm_grad %[[R32]], %[[GAMMA]], %[[DN]] : tensor<8x32xf32>, tensor<32xf32>
// CHECK: %[[DGAMMA:.*]] = mpt.reduce_sum %{{.*}} {dims = array<i64: 0>} : tensor<8x32xf32> -> tensor<32xf32>
// CHECK: %[[DBETA:.*]] = mpt.reduce_sum %[[DN]] {dims = array<i64: 0>} : tensor<8x32xf32> -> tensor<32xf32>
// CHECK: %[[DR:.*]] = mpt.cast %[[DR32]] : tensor<8x32xf32> to tensor<8x32xf16>
// CHECK: %[[DA:.*]] = mpt.matmul %[[DR]], %[[W2H]] {transpose_rhs} : tensor<8x32xf16>, tensor<32x32xf16> -> tensor<8x32xf16>
// CHECK: %[[DW2H:.*]] = mpt.matmul %[[A]], %[[DR]] {transpose_lhs} : tensor<8x32xf16>, tensor<8x32xf16> -> tensor<32x32xf16>
// CHECK: %[[DHG:.*]] = mpt.gelu_grad %[[H]], %[[DA]] : tensor<8x32xf16>
// CHECK: %[[DH:.*]] = mpt.add %[[DR]], %[[DHG]] : tensor<8x32xf16>, tensor<8x32xf16>
// CHECK: %[[DW1H:.*]] = mpt.matmul %[[X16]], %[[DH]] {transpose_lhs} : tensor<8x16xf16>, tensor<8x32xf16> -> tensor<16x32xf16>
// CHECK: %[[DB1H:.*]] = mpt.reduce_sum %[[DH]] {dims = array<i64: 0>} : tensor<8x32xf16> -> tensor<32xf16>
// CHECK-DAG: %[[DW2:.*]] = mpt.cast %[[DW2H]] : tensor<32x32xf16> to tensor<32x32xf32>
// CHECK-DAG: %[[DB1:.*]] = mpt.cast %[[DB1H]] : tensor<32xf16> to tensor<32xf32>
// CHECK-DAG: %[[DW1:.*]] = mpt.cast %[[DW1H]] : tensor<16x32xf16> to tensor<16x32xf32>
// CHECK: %[[G:.*]]:5 = mpt.unscale %[[DW1]], %[[DB1]], %[[DW2]], %[[DGAMMA]], %[[DBETA]] by %[[SCALE]]
// CHECK: mpt.adam_update %[[W1]], %{{.*}}, %{{.*}}, %[[G]]#0
mpt.train_step @block
    params(%w1: tensor<16x32xf32>, %b1: tensor<32xf32>, %w2: tensor<32x32xf32>,
           %gamma: tensor<32xf32>, %beta: tensor<32xf32>)
    batch(%x: tensor<8x16xf32>, %y: tensor<8x32xf32>)
    optimizer(#mpt.adam<lr = 1.000000e-03>) {
  %h = mpt.linear %x, %w1, %b1 : tensor<8x16xf32>, tensor<16x32xf32>, tensor<32xf32> -> tensor<8x32xf32>
  %a = mpt.gelu %h : tensor<8x32xf32>
  %o = mpt.linear %a, %w2 : tensor<8x32xf32>, tensor<32x32xf32> -> tensor<8x32xf32>
  %r = mpt.add %o, %h : tensor<8x32xf32>, tensor<8x32xf32>
  %n = mpt.layer_norm %r, %gamma, %beta : tensor<8x32xf32>, tensor<32xf32>, tensor<32xf32>
  %l = mpt.mse_loss %n, %y : tensor<8x32xf32>, tensor<8x32xf32>
  mpt.loss %l
}
