// Forward ops compute on float tensors only.
mpt.train_step @mlp params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xi32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %a = mpt.relu %x : tensor<8x4xi32>
  %l = mpt.mse_loss %y, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
