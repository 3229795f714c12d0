// RUN: mpt-opt --mpt-evaluation-function %s | FileCheck %s

// The evaluation function takes the buffers (mpt.buffer) between the
// parameters and the batch, reads the evaluation side of each mode_select
// (the running statistic, where training reads the batch's), and updates
// nothing: the buffer updates of mpt.loss are not its results.

// CHECK-LABEL: func.func @norm_eval
// CHECK-SAME:    (%{{.*}}: tensor<4x3xf32> {mpt.param = "w"}, %[[MEAN:.*]]: tensor<3xf32> {mpt.buffer = "mean"}, %{{.*}}: tensor<8x4xf32> {mpt.batch = "x"}, %{{.*}}: tensor<8x3xf32> {mpt.batch = "y"})
// CHECK-SAME:    -> (tensor<8xf32> {mpt.sample_loss}, tensor<8x3xf32> {mpt.prediction}, tensor<8x3xf32> {mpt.target})
// CHECK-NOT:     mpt.mode_select
// CHECK:         %[[C:.*]] = mpt.sub %{{.*}}, %[[MEAN]] : tensor<8x3xf32>, tensor<3xf32>
// CHECK:         return %{{.*}}, %[[C]], %{{.*}} : tensor<8xf32>, tensor<8x3xf32>, tensor<8x3xf32>
// CHECK-LABEL: mpt.train_step @norm
// CHECK:         mpt.mode_select
mpt.train_step @norm
    params(%w: tensor<4x3xf32>)
    buffers(%mean: tensor<3xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x3xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>)
    loss_scale(#mpt.loss_scale<mode = dynamic>) accumulate(2) {
  %h = mpt.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %b = mpt.reduce_mean %h {dims = array<i64: 0>} : tensor<8x3xf32> -> tensor<3xf32>
  %m = mpt.mode_select train %b, eval %mean : tensor<3xf32>
  %c = mpt.sub %h, %m : tensor<8x3xf32>, tensor<3xf32>
  %k = arith.constant dense<0.5> : tensor<f32>
  %kept = mpt.mul %mean, %k : tensor<3xf32>, tensor<f32>
  %added = mpt.mul %b, %k : tensor<3xf32>, tensor<f32>
  %next = mpt.add %kept, %added : tensor<3xf32>, tensor<3xf32>
  %l = mpt.mse_loss %c, %y : tensor<8x3xf32>, tensor<8x3xf32>
  mpt.loss %l buffers(%next : tensor<3xf32>)
}
