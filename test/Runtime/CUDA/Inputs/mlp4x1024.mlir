// The GPU benchmark's model (bench/gpu/mlp4096.mlir) at 1/4 of its width
// and batch: the same proportions of weights, activations and batch.
module {
  mpt.train_step @mlp4x1024
      params(%w1: tensor<1024x1024xf32>, %b1: tensor<1024xf32>,
             %w2: tensor<1024x1024xf32>, %b2: tensor<1024xf32>,
             %w3: tensor<1024x1024xf32>, %b3: tensor<1024xf32>,
             %w4: tensor<1024x1024xf32>, %b4: tensor<1024xf32>)
      batch(%x: tensor<2048x1024xf32>, %y: tensor<2048x1024xf32>)
      optimizer(#mpt.sgd<lr = 1.000000e-03>) {
    %h1 = mpt.linear %x, %w1, %b1 : tensor<2048x1024xf32>, tensor<1024x1024xf32>, tensor<1024xf32> -> tensor<2048x1024xf32>
    %a1 = mpt.relu %h1 : tensor<2048x1024xf32>
    %h2 = mpt.linear %a1, %w2, %b2 : tensor<2048x1024xf32>, tensor<1024x1024xf32>, tensor<1024xf32> -> tensor<2048x1024xf32>
    %a2 = mpt.relu %h2 : tensor<2048x1024xf32>
    %h3 = mpt.linear %a2, %w3, %b3 : tensor<2048x1024xf32>, tensor<1024x1024xf32>, tensor<1024xf32> -> tensor<2048x1024xf32>
    %a3 = mpt.relu %h3 : tensor<2048x1024xf32>
    %h4 = mpt.linear %a3, %w4, %b4 : tensor<2048x1024xf32>, tensor<1024x1024xf32>, tensor<1024xf32> -> tensor<2048x1024xf32>
    %l = mpt.mse_loss %h4, %y : tensor<2048x1024xf32>, tensor<2048x1024xf32>
    mpt.loss %l
  }
}
