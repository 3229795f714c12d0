// RUN: mpt-opt --mpt-expand-train-step --split-input-file --verify-diagnostics %s

// The optimizer updates f32 or f64 master weights: a step with f16
// parameters is reported at the step, not as invalid IR after the pass.
// expected-error@+1 {{'mpt.train_step' op parameter 'w' has type 'tensor<4x8xf16>', but the optimizer updates f32 or f64 master weights (keep parameters f32: --mpt-auto-mixed-precision casts them for the forward ops)}}
mpt.train_step @f16_params params(%w: tensor<4x8xf16>)
    batch(%x: tensor<16x4xf16>, %y: tensor<16x8xf16>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %h = mpt.linear %x, %w : tensor<16x4xf16>, tensor<4x8xf16> -> tensor<16x8xf16>
  %l = mpt.mse_loss %h, %y : tensor<16x8xf16>, tensor<16x8xf16>
  mpt.loss %l
}

// -----

// Loss scaling unscales the gradients in f32.
// expected-error@+1 {{'mpt.train_step' op parameter 'w' has type 'tensor<4x1xf64>', but with loss scaling or gradient accumulation parameters must be f32 (gradients are unscaled and averaged in f32)}}
mpt.train_step @f64_scaled params(%w: tensor<4x1xf64>)
    batch(%x: tensor<8x4xf64>, %y: tensor<8x1xf64>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) loss_scale(#mpt.loss_scale<mode = static>) {
  %p = mpt.linear %x, %w : tensor<8x4xf64>, tensor<4x1xf64> -> tensor<8x1xf64>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf64>, tensor<8x1xf64>
  mpt.loss %l
}

// -----

// So does gradient accumulation, to average them.
// expected-error@+1 {{'mpt.train_step' op parameter 'b' has type 'tensor<1xf64>', but with loss scaling or gradient accumulation parameters must be f32}}
mpt.train_step @f64_accumulated params(%w: tensor<4x1xf32>, %b: tensor<1xf64>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) accumulate(2) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
