// The log of weights drawn from uniform(-1/sqrt(6), 1/sqrt(6)): some are
// negative, so the loss is NaN.
mpt.train_step @log_of_weights
    params(%w: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %l = mpt.log %w : tensor<6x4xf32>
  %p = mpt.linear %x, %l : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
