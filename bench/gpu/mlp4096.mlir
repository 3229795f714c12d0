// The GPU benchmark's model: a 4-layer MLP, 4096 wide, trained on batches
// of 8192 with SGD and an MSE loss (bench/gpu/run.sh times it against
// PyTorch).
module {
  mpt.train_step @mlp4096
      params(%w1: tensor<4096x4096xf32>, %b1: tensor<4096xf32>,
             %w2: tensor<4096x4096xf32>, %b2: tensor<4096xf32>,
             %w3: tensor<4096x4096xf32>, %b3: tensor<4096xf32>,
             %w4: tensor<4096x4096xf32>, %b4: tensor<4096xf32>)
      batch(%x: tensor<8192x4096xf32>, %y: tensor<8192x4096xf32>)
      optimizer(#mpt.sgd<lr = 1.000000e-03>) {
    %h1 = mpt.linear %x, %w1, %b1 : tensor<8192x4096xf32>, tensor<4096x4096xf32>, tensor<4096xf32> -> tensor<8192x4096xf32>
    %a1 = mpt.relu %h1 : tensor<8192x4096xf32>
    %h2 = mpt.linear %a1, %w2, %b2 : tensor<8192x4096xf32>, tensor<4096x4096xf32>, tensor<4096xf32> -> tensor<8192x4096xf32>
    %a2 = mpt.relu %h2 : tensor<8192x4096xf32>
    %h3 = mpt.linear %a2, %w3, %b3 : tensor<8192x4096xf32>, tensor<4096x4096xf32>, tensor<4096xf32> -> tensor<8192x4096xf32>
    %a3 = mpt.relu %h3 : tensor<8192x4096xf32>
    %h4 = mpt.linear %a3, %w4, %b4 : tensor<8192x4096xf32>, tensor<4096x4096xf32>, tensor<4096xf32> -> tensor<8192x4096xf32>
    %l = mpt.mse_loss %h4, %y : tensor<8192x4096xf32>, tensor<8192x4096xf32>
    mpt.loss %l
  }
}
