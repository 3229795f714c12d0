// Each option of --auto-mixed-precision (the options of
// --mpt-auto-mixed-precision), on one small MLP.
//
// RUN: mpt-opt --auto-mixed-precision %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=DEFAULT
// DEFAULT:     mpt.loss_scale = #mpt.loss_scale<>
// DEFAULT:     mpt.linear {{.*}} -> tensor<16x8xf16>
// DEFAULT:     mpt.tanh %{{.*}} : tensor<16x8xf16>
// DEFAULT:     mpt.update_loss_scale
//
// bf16 computes in bf16 and, like PyTorch, scales nothing by default.
// RUN: mpt-opt --auto-mixed-precision=compute-type=bf16 %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=BF16
// BF16:        func.func @small
// BF16-NOT:    mpt.loss_scale
// BF16:        mpt.linear {{.*}} -> tensor<16x8xbf16>
// BF16-NOT:    mpt.scale_loss
// BF16-NOT:    mpt.unscale
// BF16:        mpt.all_finite
// BF16-NOT:    mpt.update_loss_scale
//
// bf16 with an explicit dynamic scale.
// RUN: mpt-opt --auto-mixed-precision="compute-type=bf16 loss-scale=dynamic" %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=BF16DYN
// BF16DYN:     mpt.scale_loss
// BF16DYN:     mpt.update_loss_scale
//
// A static scale multiplies and divides but never changes.
// RUN: mpt-opt --auto-mixed-precision=loss-scale=static:1024 %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=STATIC
// STATIC:      %[[S:[a-z0-9]+]]: f32 {mpt.loss_scale}
// STATIC-NOT:  mpt.good_steps
// STATIC-SAME: mpt.loss_scale = #mpt.loss_scale<mode = static, init = 1.024000e+03>
// STATIC:      mpt.scale_loss %{{.*}}, %[[S]]
// STATIC:      mpt.unscale {{.*}} by %[[S]]
// STATIC-NOT:  mpt.update_loss_scale
// STATIC:      return {{.*}}%[[S]],
//
// No loss scaling.
// RUN: mpt-opt --auto-mixed-precision=loss-scale=none %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=NONE
// NONE:        func.func @small
// NONE-NOT:    mpt.scale_loss
// NONE:        mpt.linear {{.*}} -> tensor<16x8xf16>
// NONE-NOT:    mpt.scale_loss
// NONE-NOT:    mpt.update_loss_scale
//
// The dynamic-scale knobs land in the loss-scale config.
// RUN: mpt-opt --auto-mixed-precision="init-scale=256 growth-factor=4 backoff-factor=0.25 growth-interval=10 hysteresis=3 min-scale=0.5 max-scale=4096" %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=KNOBS
// KNOBS:       mpt.update_loss_scale {{.*}} {config = #mpt.loss_scale<init = 2.560000e+02, growth_factor = 4.000000e+00, backoff_factor = 2.500000e-01, growth_interval = 10, hysteresis = 3, min_scale = 5.000000e-01, max_scale = 4.096000e+03>}
//
// Taking linear off the allow list leaves nothing to convert.
// RUN: mpt-opt --mpt-auto-mixed-precision=allow-remove=mpt.linear %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=NOALLOW
// NOALLOW:     mpt.train_step @small
// NOALLOW-NOT: mpt.cast
//
// Adding tanh to the deny list keeps it (and its taint) in f32.
// RUN: mpt-opt --auto-mixed-precision=deny-add=tanh %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=DENYADD
// DENYADD:     %[[H:.*]] = mpt.linear {{.*}} -> tensor<16x8xf16>
// DENYADD-NEXT: %[[HF:.*]] = mpt.cast %[[H]] : tensor<16x8xf16> to tensor<16x8xf32>
// DENYADD-NEXT: mpt.tanh %[[HF]] : tensor<16x8xf32>
//
// Taking tanh off the infer list keeps it in f32 too.
// RUN: mpt-opt --auto-mixed-precision=infer-remove=mpt.tanh %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=DENYADD
//
// Making tanh an allow op converts it even when nothing low feeds it.
// RUN: mpt-opt --auto-mixed-precision="allow-remove=mpt.linear allow-add=mpt.tanh" %S/Inputs/small-mlp.mlir | FileCheck %s --check-prefix=ALLOWADD
// ALLOWADD:    mpt.linear {{.*}} -> tensor<16x8xf32>
// ALLOWADD:    mpt.tanh %{{.*}} : tensor<16x8xf16>
// ALLOWADD:    mpt.linear {{.*}} -> tensor<16x1xf32>
//
// Taking exp off the deny list makes it an infer op that follows a matmul.
// RUN: mpt-opt --auto-mixed-precision=deny-remove=mpt.exp %s | FileCheck %s --check-prefix=DENYREMOVE
// DENYREMOVE:  mpt.exp %{{.*}} : tensor<4x4xf16>
//
// Making relu an infer op: it no longer pulls precision backwards.
// RUN: mpt-opt --auto-mixed-precision=infer-add=mpt.relu %s | FileCheck %s --check-prefix=INFERADD
// INFERADD:    mpt.relu %{{.*}} : tensor<4x4xf32>
// INFERADD:    mpt.matmul {{.*}} -> tensor<4x4xf16>
//
// Making sqrt a clear op: it is pulled to f16 by the matmul it feeds.
// RUN: mpt-opt --auto-mixed-precision=clear-add=mpt.sqrt %s | FileCheck %s --check-prefix=CLEARADD
// CLEARADD:    mpt.sqrt %{{.*}} : tensor<4x4xf16>
//
// Taking relu off the clear list keeps it f32.
// RUN: mpt-opt --auto-mixed-precision=clear-remove=mpt.relu %s | FileCheck %s --check-prefix=CLEARREMOVE
// CLEARREMOVE: mpt.relu %{{.*}} : tensor<4x4xf32>
mpt.train_step @lists params(%w: tensor<4x4xf32>) batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %r = mpt.relu %x : tensor<4x4xf32>
  %s = mpt.sqrt %r : tensor<4x4xf32>
  %0 = mpt.matmul %s, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = mpt.exp %0 : tensor<4x4xf32>
  %l = mpt.mse_loss %1, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}
//
// A loss_scale written on the step wins over the defaults, but not over an
// explicit option.
// RUN: mpt-opt --auto-mixed-precision %S/Inputs/static-scale-step.mlir | FileCheck %s --check-prefix=STEPSCALE
// STEPSCALE:   mpt.loss_scale = #mpt.loss_scale<mode = static, init = 1.280000e+02>
// RUN: mpt-opt --auto-mixed-precision=loss-scale=dynamic %S/Inputs/static-scale-step.mlir | FileCheck %s --check-prefix=OPTSCALE
// OPTSCALE:    mpt.loss_scale = #mpt.loss_scale<>
