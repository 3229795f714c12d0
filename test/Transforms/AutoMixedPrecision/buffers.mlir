// RUN: mpt-opt --mpt-auto-mixed-precision=compute-type=f16 %s | FileCheck %s

// Buffers stay f32 like master weights: the batch statistic comes from an
// f32 reduction (deny list), and the running average that moves a buffer
// reads f32 values only, so it stays f32 (no low-precision neighbour).

// CHECK-LABEL: mpt.train_step @norm
// CHECK:         buffers(%mean: tensor<3xf32>)
// CHECK:         mpt.matmul %{{.*}}, %{{.*}} : tensor<8x4xf16>, tensor<4x3xf16> -> tensor<8x3xf16>
// CHECK:         %[[B:.*]] = mpt.reduce_mean %{{.*}} {dims = array<i64: 0>} : tensor<8x3xf32> -> tensor<3xf32>
// CHECK:         mpt.mode_select train %[[B]], eval %mean : tensor<3xf32>
// CHECK:         %[[KEPT:.*]] = mpt.mul %mean, %{{.*}} : tensor<3xf32>, tensor<f32>
// CHECK-NEXT:    %[[ADDED:.*]] = mpt.mul %[[B]], %{{.*}} : tensor<3xf32>, tensor<f32>
// CHECK-NEXT:    %[[NEXT:.*]] = mpt.add %[[KEPT]], %[[ADDED]] : tensor<3xf32>, tensor<3xf32>
// CHECK:         mpt.loss %{{.*}} buffers(%[[NEXT]] : tensor<3xf32>)
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
