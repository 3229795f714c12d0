// Buffers of a step (state it updates but does not train, as batch
// normalisation's running statistics) and mpt.mode_select survive the
// custom and the generic form; mpt.loss lists the next value of each
// buffer.
// RUN: mpt-opt %s | mpt-opt | FileCheck %s
// RUN: mpt-opt %s --mlir-print-op-generic | mpt-opt | FileCheck %s

// CHECK-LABEL: mpt.train_step @running_mean
// CHECK-NEXT:    params(%w: tensor<4x3xf32>)
// CHECK-NEXT:    buffers(%mean: tensor<3xf32>, %count: tensor<1xf64>)
// CHECK-NEXT:    batch(%x: tensor<8x4xf32>, %y: tensor<8x3xf32>)
// CHECK-NEXT:    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
// CHECK-NEXT:    %[[H:.*]] = mpt.matmul %x, %w
// CHECK-NEXT:    %[[B:.*]] = mpt.reduce_mean %[[H]]
// CHECK-NEXT:    %[[M:.*]] = mpt.mode_select train %[[B]], eval %mean : tensor<3xf32>
// CHECK-NEXT:    %[[C:.*]] = mpt.sub %[[H]], %[[M]]
// CHECK-NEXT:    %[[L:.*]] = mpt.mse_loss %[[C]], %y
// CHECK-NEXT:    mpt.loss %[[L]] buffers(%[[B]], %count : tensor<3xf32>, tensor<1xf64>)
mpt.train_step @running_mean
    params(%w: tensor<4x3xf32>)
    buffers(%mean: tensor<3xf32>, %count: tensor<1xf64>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x3xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %h = mpt.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %b = mpt.reduce_mean %h {dims = array<i64: 0>} : tensor<8x3xf32> -> tensor<3xf32>
  %m = mpt.mode_select train %b, eval %mean : tensor<3xf32>
  %c = mpt.sub %h, %m : tensor<8x3xf32>, tensor<3xf32>
  %l = mpt.mse_loss %c, %y : tensor<8x3xf32>, tensor<8x3xf32>
  mpt.loss %l buffers(%b, %count : tensor<3xf32>, tensor<1xf64>)
}
