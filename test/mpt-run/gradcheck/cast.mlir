// Gradients through mpt.cast, checked in the step's own types
// (--check-precision=fp32), where the casts stay.
//
// f32 parameters cast up to f64: the computation and the loss are f64, and
// the gradient, cast back to f32 by the adjoint of the cast, is exact to the
// f32 rounding of its elements (2^-24 = 6e-8 relative; measured 2.6e-8 for
// every h from 1e-4 to 1e-6). The prediction is f64 and the target f32, so
// the unrounded loss widens the target.
// RUN: mpt-run %s --step=cast_up --check-gradients=64 --check-precision=fp32 \
// RUN:   --check-step-size=1e-5 --check-tolerance=1e-7 | FileCheck %s --check-prefix=UP
// UP:      gradient check of @cast_up_grad: the step's own types
// UP-NOT:  {{FAILED|zero within}}
// UP:      w 6x4xf32
// UP-NOT:  {{FAILED|zero within}}
// UP:      gradient check passed: 1 parameters

// f64 parameters cast down to f32: the forward pass rounds to f32, so the
// defaults for an f32 computation apply (h = 1e-3); the measured relative
// error is 2.8e-5.
// RUN: mpt-run %s --step=cast_down --check-gradients=64 --check-precision=fp32 \
// RUN:   --check-tolerance=1e-4 | FileCheck %s --check-prefix=DOWN
// DOWN:      gradient check of @cast_down_grad: the step's own types
// DOWN-NOT:  {{FAILED|zero within}}
// DOWN:      w 6x4xf64
// DOWN-NOT:  {{FAILED|zero within}}
// DOWN:      gradient check passed: 1 parameters

mpt.train_step @cast_up
    params(%w: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %w64 = mpt.cast %w : tensor<6x4xf32> to tensor<6x4xf64>
  %x64 = mpt.cast %x : tensor<8x6xf32> to tensor<8x6xf64>
  %u = mpt.linear %x64, %w64 : tensor<8x6xf64>, tensor<6x4xf64> -> tensor<8x4xf64>
  %p = mpt.tanh %u : tensor<8x4xf64>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf64>, tensor<8x4xf32>
  mpt.loss %loss
}

mpt.train_step @cast_down
    params(%w: tensor<6x4xf64>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf64>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %w32 = mpt.cast %w : tensor<6x4xf64> to tensor<6x4xf32>
  %u = mpt.linear %x, %w32 : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %t = mpt.tanh %u : tensor<8x4xf32>
  %p = mpt.cast %t : tensor<8x4xf32> to tensor<8x4xf64>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf64>, tensor<8x4xf64>
  mpt.loss %loss
}
