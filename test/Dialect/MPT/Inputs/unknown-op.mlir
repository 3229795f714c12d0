// There is no mpt.softsign.
mpt.train_step @mlp params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %a = mpt.softsign %p : tensor<8x1xf32>
  %l = mpt.mse_loss %a, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
