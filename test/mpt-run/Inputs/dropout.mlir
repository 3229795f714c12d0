// A step whose loss measures its dropout mask: with x = 1, w = 0, y = 0 and
// p = 0.5 the loss is 4 times the kept fraction (expected 2).
mpt.train_step @drop
    params(%w: tensor<512xf32>)
    batch(%x: tensor<8x512xf32>, %y: tensor<8x512xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-09>) {
  %a = mpt.add %x, %w : tensor<8x512xf32>, tensor<512xf32>
  %d = mpt.dropout %a {p = 0.5 : f64, seed = 3 : i64} : tensor<8x512xf32>
  %l = mpt.mse_loss %d, %y : tensor<8x512xf32>, tensor<8x512xf32>
  mpt.loss %l
}
