// A step with an empty body.
mpt.train_step @mlp params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
}
