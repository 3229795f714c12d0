// Linear regression whose gradients fall below 2^-24, the smallest f16
// subnormal: the targets are ~5e-5 and the MSE averages 256 x 16 elements,
// so d loss / d prediction is ~2e-8. In f16 without loss scaling they
// round to zero and training stalls; a loss scale of 2^16 lifts them into
// range.
module {
  mpt.train_step @underflow
      params(%w: tensor<16x16xf32>, %b: tensor<16xf32>)
      batch(%x: tensor<256x16xf32>, %y: tensor<256x16xf32>)
      optimizer(#mpt.sgd<lr = 1.000000e+00>) {
    %p = mpt.linear %x, %w, %b : tensor<256x16xf32>, tensor<16x16xf32>, tensor<16xf32> -> tensor<256x16xf32>
    %l = mpt.mse_loss %p, %y : tensor<256x16xf32>, tensor<256x16xf32>
    mpt.loss %l
  }
}
