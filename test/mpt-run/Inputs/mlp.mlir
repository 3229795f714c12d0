// A small two-layer MLP regression step, 16 -> 64 -> 1 with batch 32, for
// the end-to-end training tests. The optimizer is set by substitution.
module {
  mpt.train_step @mlp
      params(%w1: tensor<16x64xf32>, %b1: tensor<64xf32>,
             %w2: tensor<64x1xf32>, %b2: tensor<1xf32>)
      batch(%x: tensor<32x16xf32>, %y: tensor<32x1xf32>)
      optimizer(#mpt.sgd<lr = 1.000000e-01>) {
    %h = mpt.linear %x, %w1, %b1 : tensor<32x16xf32>, tensor<16x64xf32>, tensor<64xf32> -> tensor<32x64xf32>
    %a = mpt.relu %h : tensor<32x64xf32>
    %p = mpt.linear %a, %w2, %b2 : tensor<32x64xf32>, tensor<64x1xf32>, tensor<1xf32> -> tensor<32x1xf32>
    %l = mpt.mse_loss %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
    mpt.loss %l
  }
}
