// RUN: mpt-opt --mpt-expand-train-step %s | FileCheck %s

// A buffer is state of the step function (mpt.buffer, after the other
// state, before the batch), and its next value, the mpt.loss operand,
// comes back on every call: with accumulation and a dynamic scale too, as
// PyTorch moves running statistics in every forward pass, whether the
// update applies or not. Only the parameters are differentiated; the
// mode_select stays for the lowering, which reads its training side.

// CHECK-LABEL: func.func @norm
// CHECK-SAME:    %[[W:[a-z0-9]+]]: tensor<4x3xf32> {mpt.param = "w"}
// CHECK-SAME:    %[[MEAN:[a-z0-9]+]]: tensor<3xf32> {mpt.buffer = "mean"}, %{{.*}}: tensor<8x4xf32> {mpt.batch = "x"}
// CHECK-SAME:    -> (tensor<4x3xf32> {mpt.param = "w"}, {{.*}}, i32 {mpt.hysteresis_left}, tensor<3xf32> {mpt.buffer = "mean"}, f32 {mpt.loss}, i1 {mpt.overflow}, i1 {mpt.scale_collapsed})
// CHECK:         %[[B:.*]] = mpt.reduce_mean
// CHECK-NEXT:    mpt.mode_select train %[[B]], eval %[[MEAN]] : tensor<3xf32>
// CHECK:         %[[NEXT:.*]] = mpt.add %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32>
// CHECK:         mpt.gradient %{{.*}} wrt %[[W]] : tensor<4x3xf32>
// CHECK:         return {{.*}}, %[[NEXT]], %{{.*}}, %{{.*}}, %{{.*}} : {{.*}}, i32, tensor<3xf32>, f32, i1, i1
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
