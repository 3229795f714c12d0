// The CPU benchmark MLP: 256 -> 1024 -> 1024 -> 1 with ReLU, MSE
// loss, SGD, batch 256 (bench/cpu/models.py; torch_models.py builds it in PyTorch).
mpt.train_step @bench_mlp
    params(%w1: tensor<256x1024xf32>, %b1: tensor<1024xf32>,
           %w2: tensor<1024x1024xf32>, %b2: tensor<1024xf32>,
           %w3: tensor<1024x1xf32>, %b3: tensor<1xf32>)
    batch(%x: tensor<256x256xf32>, %y: tensor<256x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %h1 = mpt.linear %x, %w1, %b1 : tensor<256x256xf32>, tensor<256x1024xf32>, tensor<1024xf32> -> tensor<256x1024xf32>
  %a1 = mpt.relu %h1 : tensor<256x1024xf32>
  %h2 = mpt.linear %a1, %w2, %b2 : tensor<256x1024xf32>, tensor<1024x1024xf32>, tensor<1024xf32> -> tensor<256x1024xf32>
  %a2 = mpt.relu %h2 : tensor<256x1024xf32>
  %p = mpt.linear %a2, %w3, %b3 : tensor<256x1024xf32>, tensor<1024x1xf32>, tensor<1xf32> -> tensor<256x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<256x1xf32>, tensor<256x1xf32>
  mpt.loss %l
}
