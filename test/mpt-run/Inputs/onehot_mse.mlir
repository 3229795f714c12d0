// A linear classifier of 3 classes trained with the MSE against one-hot
// rows.
module {
  mpt.train_step @onehot
      params(%w: tensor<4x3xf32>, %b: tensor<3xf32>)
      batch(%x: tensor<8x4xf32>, %y: tensor<8x3xf32>)
      optimizer(#mpt.sgd<lr = 1.000000e-01>) {
    %p = mpt.linear %x, %w, %b : tensor<8x4xf32>, tensor<4x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
    %l = mpt.mse_loss %p, %y : tensor<8x3xf32>, tensor<8x3xf32>
    mpt.loss %l
  }
}
