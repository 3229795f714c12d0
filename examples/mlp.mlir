// A two-layer MLP regression step: 256 -> 1024 -> 1, batch 256, SGD.
// Train it with `mpt-run examples/mlp.mlir`; see its mixed-precision form
// with `mpt-opt --auto-mixed-precision examples/mlp.mlir`.
module {
  mpt.train_step @mlp
      params(%w1: tensor<256x1024xf32>, %b1: tensor<1024xf32>,
             %w2: tensor<1024x1xf32>, %b2: tensor<1xf32>)
      batch(%x: tensor<256x256xf32>, %y: tensor<256x1xf32>)
      optimizer(#mpt.sgd<lr = 1.000000e-02>) {
    %h = mpt.linear %x, %w1, %b1 : tensor<256x256xf32>, tensor<256x1024xf32>, tensor<1024xf32> -> tensor<256x1024xf32>
    %a = mpt.relu %h : tensor<256x1024xf32>
    %p = mpt.linear %a, %w2, %b2 : tensor<256x1024xf32>, tensor<1024x1xf32>, tensor<1xf32> -> tensor<256x1xf32>
    %l = mpt.mse_loss %p, %y : tensor<256x1xf32>, tensor<256x1xf32>
    mpt.loss %l
  }
}
