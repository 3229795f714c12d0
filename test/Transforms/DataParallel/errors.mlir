// RUN: mpt-opt --mpt-data-parallel --split-input-file --verify-diagnostics %s
// RUN: not mpt-opt "--mpt-data-parallel=comm-type=f8" %s 2>&1 | FileCheck %s --check-prefix=COMM
// RUN: not mpt-opt "--mpt-data-parallel=world-size=-2" %s 2>&1 | FileCheck %s --check-prefix=WORLD
// RUN: not mpt-opt "--mpt-data-parallel=bucket-bytes=-1" %s 2>&1 | FileCheck %s --check-prefix=BUCKET

// COMM: error: comm-type must be f32, f16 or bf16, found 'f8'
// WORLD: error: world-size must be 0 (the runtime's) or positive, found -2
// BUCKET: error: bucket-bytes must be 0 or positive, found -1

// expected-error@+1 {{'mpt.train_step' op must be expanded into a step function first: run --mpt-expand-train-step}}
mpt.train_step @unexpanded params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// A differentiated step has no mpt.gradient left to average after.

// expected-error@+1 {{'func.func' op holds 0 mpt.gradient ops, expected one: --mpt-data-parallel runs after --mpt-expand-train-step and before --mpt-differentiate}}
func.func @differentiated(%w: tensor<4xf32> {mpt.param = "w"}) -> (tensor<4xf32> {mpt.param = "w"}, f32 {mpt.loss}, i1 {mpt.overflow}) attributes {mpt.train_step} {
  %l = arith.constant 0.0 : f32
  %f = arith.constant false
  return %w, %l, %f : tensor<4xf32>, f32, i1
}
