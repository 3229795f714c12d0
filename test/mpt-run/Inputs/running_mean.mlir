// A step with two buffers: a running mean of the batch that moves halfway
// to the batch's mean each step, read in evaluation, and a buffer that
// stays as it is.
mpt.train_step @running
    params(%w: tensor<2x1xf32>)
    buffers(%mean: tensor<2xf32>, %var: tensor<2xf32>)
    batch(%x: tensor<4x2xf32>, %y: tensor<4x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) attributes {mpt.buffer_inits = ["zeros", "ones"]} {
  %b = mpt.reduce_mean %x {dims = array<i64: 0>} : tensor<4x2xf32> -> tensor<2xf32>
  %m = mpt.mode_select train %b, eval %mean : tensor<2xf32>
  %c = mpt.sub %x, %m : tensor<4x2xf32>, tensor<2xf32>
  %p = mpt.matmul %c, %w : tensor<4x2xf32>, tensor<2x1xf32> -> tensor<4x1xf32>
  %half = arith.constant dense<5.000000e-01> : tensor<f32>
  %kept = mpt.mul %mean, %half : tensor<2xf32>, tensor<f32>
  %added = mpt.mul %b, %half : tensor<2xf32>, tensor<f32>
  %next = mpt.add %kept, %added : tensor<2xf32>, tensor<2xf32>
  %l = mpt.mse_loss %p, %y : tensor<4x1xf32>, tensor<4x1xf32>
  mpt.loss %l buffers(%next, %var : tensor<2xf32>, tensor<2xf32>)
}
