// A step whose loss measures its random numbers: with x = 1 and w = 0 the
// loss is the mean of (u - y)^2 over 4096 uniform samples u on [-1, 3), so
// runs with y = 0 and y = 1 give the samples' mean and second moment.
mpt.train_step @noise
    params(%w: tensor<512xf32>)
    batch(%x: tensor<8x512xf32>, %y: tensor<8x512xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-09>) {
  %n = mpt.random_uniform {low = -1.0 : f64, high = 3.0 : f64, seed = 3 : i64} : tensor<8x512xf32>
  %s = mpt.mul %n, %x : tensor<8x512xf32>, tensor<8x512xf32>
  %a = mpt.add %s, %w : tensor<8x512xf32>, tensor<512xf32>
  %l = mpt.mse_loss %a, %y : tensor<8x512xf32>, tensor<8x512xf32>
  mpt.loss %l
}
