// RUN: mpt-opt --mpt-gradient-function=promote-f64 --split-input-file --verify-diagnostics %s

func.func @s_grad() {
  return
}

// expected-error@+1 {{'mpt.train_step' op cannot get the gradient function '@s_grad': the module already has a symbol of that name}}
mpt.train_step @s params(%w: tensor<4xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.mul %x, %w : tensor<8x4xf32>, tensor<4xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %l
}

// -----

// A constant whose values are not spelled out cannot be promoted.

mpt.train_step @opaque params(%w: tensor<4xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  // expected-error@+1 {{'arith.constant' op cannot be promoted to f64: expected dense float elements, found dense_resource<blob> : tensor<4xf32>}}
  %c = arith.constant dense_resource<blob> : tensor<4xf32>
  %a = mpt.add %w, %c : tensor<4xf32>, tensor<4xf32>
  %p = mpt.mul %x, %a : tensor<8x4xf32>, tensor<4xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %l
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F0000803F0000803F0000803F"
    }
  }
#-}
