// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file --verify-diagnostics %s

func.func @not_differentiated(%w: tensor<4xf32>, %l: f32) -> tensor<4xf32> {
  // expected-error @below {{'mpt.gradient' op is still present: run --mpt-differentiate first}}
  %g = mpt.gradient %l wrt %w : tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

// expected-error @below {{'mpt.train_step' op must be expanded into a step function first: run --mpt-expand-train-step}}
mpt.train_step @s params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
