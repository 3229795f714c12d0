// A small regression MLP, 16 -> 64 -> 1 with a tanh, batch 256. The tests
// derive its batch-128 twin with `sed s/256x/128x/g`: 256 appears only as
// the batch dim.
module {
  mpt.train_step @mlp
      params(%w1: tensor<16x64xf32>, %b1: tensor<64xf32>,
             %w2: tensor<64x1xf32>, %b2: tensor<1xf32>)
      batch(%x: tensor<256x16xf32>, %y: tensor<256x1xf32>)
      optimizer(#mpt.momentum<lr = 5.000000e-02>) {
    %h = mpt.linear %x, %w1, %b1 : tensor<256x16xf32>, tensor<16x64xf32>, tensor<64xf32> -> tensor<256x64xf32>
    %a = mpt.tanh %h : tensor<256x64xf32>
    %p = mpt.linear %a, %w2, %b2 : tensor<256x64xf32>, tensor<64x1xf32>, tensor<1xf32> -> tensor<256x1xf32>
    %l = mpt.mse_loss %p, %y : tensor<256x1xf32>, tensor<256x1xf32>
    mpt.loss %l
  }
}
