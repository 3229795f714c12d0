// The evaluation function computes no gradient and gets no collective: every
// rank evaluates the same parameters. The step function beside it is made
// data parallel.
// RUN: mpt-opt --mpt-evaluation-function --mpt-expand-train-step --mpt-data-parallel %s | FileCheck %s

// CHECK-LABEL: func.func @eval_eval
// CHECK-NOT:     mpt.world_size
// CHECK-NOT:     mpt.all_reduce
// CHECK:         return
// CHECK-LABEL: func.func @eval
// CHECK:         mpt.world_size
// CHECK:         mpt.all_reduce sum
mpt.train_step @eval params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
