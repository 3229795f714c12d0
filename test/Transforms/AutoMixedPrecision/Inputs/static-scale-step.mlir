mpt.train_step @static_scale params(%w: tensor<4x4xf32>) batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>)
    loss_scale(#mpt.loss_scale<mode = static, init = 1.280000e+02>) {
  %0 = mpt.matmul %x, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %0, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}
