// bf16 training on the AVX512-BF16 dot-product kernel (vdpbf16ps) matches
// the FMA kernel: the losses of 20 steps from the same init and batches
// agree to bf16 rounding, on GEMMs with a bias, transposed operands and
// k pairs.
//
// REQUIRES: avx512-bf16
// RUN: rm -rf %t && mkdir %t
// RUN: mpt-run %s --steps=20 --print-every=0 --precision=bf16 --amx=false --bf16-dot=false --metrics=%t/fma.csv
// RUN: mpt-run %s --steps=20 --print-every=0 --precision=bf16 --amx=false --bf16-dot=true --metrics=%t/dot.csv
// RUN: %python %S/../../mpt-run/Inputs/metrics_tool.py close %t/dot.csv %t/fma.csv 0.01 | FileCheck %s
// CHECK: within 1%

// 64 x 96 x 64 contractions, forward and backward, on the register tiles.
module {
  mpt.train_step @mlp
      params(%w1: tensor<96x64xf32>, %b1: tensor<64xf32>,
             %w2: tensor<64x64xf32>, %b2: tensor<64xf32>,
             %w3: tensor<64x1xf32>, %b3: tensor<1xf32>)
      batch(%x: tensor<64x96xf32>, %y: tensor<64x1xf32>)
      optimizer(#mpt.sgd<lr = 1.000000e-01>) {
    %h1 = mpt.linear %x, %w1, %b1 : tensor<64x96xf32>, tensor<96x64xf32>, tensor<64xf32> -> tensor<64x64xf32>
    %a1 = mpt.relu %h1 : tensor<64x64xf32>
    %h2 = mpt.linear %a1, %w2, %b2 : tensor<64x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<64x64xf32>
    %a2 = mpt.relu %h2 : tensor<64x64xf32>
    %p = mpt.linear %a2, %w3, %b3 : tensor<64x64xf32>, tensor<64x1xf32>, tensor<1xf32> -> tensor<64x1xf32>
    %l = mpt.mse_loss %p, %y : tensor<64x1xf32>, tensor<64x1xf32>
    mpt.loss %l
  }
}
