// A bf16 step whose maximum over a dim runs on vectors of four bf16 values:
// on a CPU without AVX512-BF16, LLVM promotes such vectors to f32 where
// they cross a loop and rounds them back by calling __truncsfbf2, which the
// code generation defines for the step (a step that calls it would not load
// otherwise). The bf16 run trains to within 2% of the fp32 run's final
// loss.
// RUN: rm -rf %t && mkdir %t
// RUN: mpt-run %s --steps=60 --print-every=0 --no-cache --metrics=%t/fp32.csv
// RUN: mpt-run %s --steps=60 --print-every=0 --no-cache --precision=bf16 --metrics=%t/bf16.csv | FileCheck %s --check-prefix=BF16
// BF16: step @narrow: bf16
// BF16: skipped steps     0 of 60
// RUN: %python %S/Inputs/metrics_tool.py close %t/bf16.csv %t/fp32.csv 0.02 | FileCheck %s
// CHECK: within 2%

mpt.train_step @narrow
    params(%w: tensor<4x4xf32>)
    batch(%x: tensor<8x20xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %r = mpt.reshape %x : tensor<8x20xf32> -> tensor<8x5x4xf32>
  %h = mpt.matmul %r, %w : tensor<8x5x4xf32>, tensor<4x4xf32> -> tensor<8x5x4xf32>
  %m = mpt.reduce_max %h {dims = array<i64: 1>} : tensor<8x5x4xf32> -> tensor<8x4xf32>
  %l = mpt.mse_loss %m, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %l
}
