// RUN: mpt-opt --mpt-auto-mixed-precision=report=true --split-input-file --verify-diagnostics %s | FileCheck %s

// A step that already runs in f16 has nothing to convert and is left as
// written (no casts, no loss-scale policy), with the reason in the report.

// CHECK-LABEL: mpt.train_step @already_f16
// CHECK-NOT:   loss_scale
// CHECK-NOT:   mpt.cast
// CHECK:       mpt.linear {{.*}} -> tensor<16x8xf16>
// CHECK:       mpt.loss
// expected-remark @+1 {{step left unchanged: no f32 op can run in f16}}
mpt.train_step @already_f16 params(%w: tensor<4x8xf16>)
    batch(%x: tensor<16x4xf16>, %y: tensor<16x8xf16>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %h = mpt.linear %x, %w : tensor<16x4xf16>, tensor<4x8xf16> -> tensor<16x8xf16>
  %a = mpt.relu %h : tensor<16x8xf16>
  %l = mpt.mse_loss %a, %y : tensor<16x8xf16>, tensor<16x8xf16>
  mpt.loss %l
}

// -----

// No allow-class op: nothing would profit from f16.

// CHECK-LABEL: mpt.train_step @no_allow_op
// CHECK-NOT:   mpt.cast
// CHECK:       mpt.tanh %{{.*}} : tensor<4x4xf32>
// expected-remark @+1 {{step left unchanged: no f32 op can run in f16 (no allow-class op, or all already low precision)}}
mpt.train_step @no_allow_op params(%w: tensor<4x4xf32>) batch(%y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.tanh %w : tensor<4x4xf32>
  %1 = mpt.add %0, %w : tensor<4x4xf32>, tensor<4x4xf32>
  %l = mpt.mse_loss %1, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}
