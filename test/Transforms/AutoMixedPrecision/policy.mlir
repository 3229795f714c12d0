// --mpt-auto-mixed-precision rewrites the step's precision and records the
// loss-scale policy on the step, which stays an mpt.train_step; the scaled
// loss, the guard and the scale update are --mpt-expand-train-step's.
//
// RUN: mpt-opt --mpt-auto-mixed-precision %s | FileCheck %s --check-prefix=DEFAULT
// RUN: mpt-opt --mpt-auto-mixed-precision=compute-type=bf16 %s | FileCheck %s --check-prefix=BF16
// RUN: mpt-opt --mpt-auto-mixed-precision="loss-scale=static:1024" %s | FileCheck %s --check-prefix=STATIC
// RUN: mpt-opt --mpt-auto-mixed-precision=hysteresis=2 %s | FileCheck %s --check-prefix=KNOB
// RUN: mpt-opt --mpt-auto-mixed-precision=loss-scale=none %s | FileCheck %s --check-prefix=NONE

// Defaults: a dynamic scale for f16; a step's own policy wins over them.
// DEFAULT-LABEL: mpt.train_step @no_policy
// DEFAULT:       optimizer(#mpt.sgd<lr = 1.000000e-01>) loss_scale(#mpt.loss_scale<>) {
// DEFAULT:       mpt.cast
// DEFAULT-NOT:   mpt.scale_loss
// DEFAULT-NOT:   mpt.gradient
// DEFAULT:       mpt.loss
// DEFAULT-LABEL: mpt.train_step @own_policy
// DEFAULT:       loss_scale(#mpt.loss_scale<mode = static, init = 1.280000e+02>) {

// bf16 scales nothing by default.
// BF16-LABEL:    mpt.train_step @no_policy
// BF16-NOT:      loss_scale
// BF16:          mpt.linear {{.*}} -> tensor<8x1xbf16>
// BF16-LABEL:    mpt.train_step @own_policy
// BF16:          loss_scale(#mpt.loss_scale<mode = static, init = 1.280000e+02>) {

// An explicit loss-scale option replaces the step's own policy.
// STATIC-LABEL:  mpt.train_step @no_policy
// STATIC:        loss_scale(#mpt.loss_scale<mode = static, init = 1.024000e+03>) {
// STATIC-LABEL:  mpt.train_step @own_policy
// STATIC:        loss_scale(#mpt.loss_scale<mode = static, init = 1.024000e+03>) {

// So does any knob of the scale. The other knobs keep the attribute's
// defaults, so only the one given is printed: the pass options' defaults
// (include/mpt/Transforms/Passes.td) cannot drift from #mpt.loss_scale's.
// KNOB-LABEL:    mpt.train_step @own_policy
// KNOB:          loss_scale(#mpt.loss_scale<hysteresis = 2>) {

// loss-scale=none removes the step's own policy.
// NONE-LABEL:    mpt.train_step @no_policy
// NONE-NOT:      loss_scale
// NONE:          mpt.cast
// NONE-LABEL:    mpt.train_step @own_policy
// NONE-NOT:      loss_scale
// NONE:          mpt.cast

mpt.train_step @no_policy params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

mpt.train_step @own_policy params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>)
    loss_scale(#mpt.loss_scale<mode = static, init = 128.0>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
