// Cross-entropy over 10 classes of logits W x + b: with W = 0 and b one
// large logit, every row's loss is log(1 + 9 exp(-b0)).
module {
  mpt.train_step @margin
      params(%w: tensor<10x10xf32>, %b: tensor<10xf32>)
      batch(%x: tensor<4x10xf32>, %y: tensor<4xi64>)
      optimizer(#mpt.sgd<lr = 1.000000e-03>) {
    %z = mpt.linear %x, %w, %b : tensor<4x10xf32>, tensor<10x10xf32>, tensor<10xf32> -> tensor<4x10xf32>
    %l = mpt.cross_entropy_loss %z, %y : tensor<4x10xf32>, tensor<4xi64>
    mpt.loss %l
  }
}
