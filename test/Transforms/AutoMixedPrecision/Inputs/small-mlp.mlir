mpt.train_step @small params(%w1: tensor<4x8xf32>, %b1: tensor<8xf32>, %w2: tensor<8x1xf32>)
    batch(%x: tensor<16x4xf32>, %y: tensor<16x1xf32>)
    optimizer(#mpt.momentum<lr = 1.000000e-02, momentum = 9.000000e-01>) {
  %h = mpt.linear %x, %w1, %b1 : tensor<16x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<16x8xf32>
  %a = mpt.tanh %h : tensor<16x8xf32>
  %p = mpt.linear %a, %w2 : tensor<16x8xf32>, tensor<8x1xf32> -> tensor<16x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<16x1xf32>, tensor<16x1xf32>
  mpt.loss %l
}
