// A step that is already data parallel is left as it is.
// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel %s | mpt-opt --mpt-data-parallel | FileCheck %s

// CHECK-LABEL: func.func @twice
// CHECK-COUNT-1: mpt.all_reduce
// CHECK-NOT:     mpt.all_reduce
mpt.train_step @twice params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
