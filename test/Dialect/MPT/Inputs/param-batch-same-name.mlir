// A batch input that reuses a parameter's name.
mpt.train_step @mlp params(%w: tensor<4x1xf32>)
    batch(%w: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %l = mpt.mse_loss %y, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
