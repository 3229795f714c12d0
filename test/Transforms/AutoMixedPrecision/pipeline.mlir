// --auto-mixed-precision, the command users type, is the pipeline
// --mpt-auto-mixed-precision then --mpt-expand-train-step, with the pass's
// options.
//
// RUN: mpt-opt --auto-mixed-precision="compute-type=bf16 loss-scale=dynamic hysteresis=2 deny-add=mpt.gelu" %mpt_src_root/examples/transformer_block.mlir -o %t.alias.mlir
// RUN: mpt-opt --mpt-auto-mixed-precision="compute-type=bf16 loss-scale=dynamic hysteresis=2 deny-add=mpt.gelu" --mpt-expand-train-step %mpt_src_root/examples/transformer_block.mlir -o %t.passes.mlir
// RUN: diff %t.alias.mlir %t.passes.mlir
//
// Options reach the pass as given: one that is not about the loss scale
// leaves the step's own policy in place.
// RUN: mpt-opt --auto-mixed-precision=compute-type=f16 %S/Inputs/static-scale-step.mlir | FileCheck %s --check-prefix=OWN
// OWN: mpt.loss_scale = #mpt.loss_scale<mode = static, init = 1.280000e+02>
//
// The same in a textual pipeline.
// RUN: mpt-opt --pass-pipeline="builtin.module(auto-mixed-precision{loss-scale=static:512})" %S/Inputs/static-scale-step.mlir | FileCheck %s --check-prefix=TEXTUAL
// TEXTUAL: func.func @static_scale
// TEXTUAL-SAME: mpt.loss_scale = #mpt.loss_scale<mode = static, init = 5.120000e+02>
//
// --help names the passes and where the options are listed.
// RUN: mpt-opt --help | FileCheck %s --check-prefix=HELP
// HELP: --auto-mixed-precision {{.*}} --mpt-auto-mixed-precision (whose options it takes), then --mpt-expand-train-step
//
// An unknown option is an error.
// RUN: not mpt-opt --auto-mixed-precision=no-such-option=1 %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: <Pass-Options-Parser>: no such option no-such-option
//
// A step the pass leaves unchanged is still expanded, with its own policy.
// RUN: mpt-opt --auto-mixed-precision %s | FileCheck %s --check-prefix=UNCHANGED
// UNCHANGED-LABEL: func.func @no_allow_op
// UNCHANGED-SAME:  mpt.loss_scale = #mpt.loss_scale<mode = static, init = 6.400000e+01>
// UNCHANGED-NOT:   mpt.cast
// UNCHANGED:       mpt.tanh %{{.*}} : tensor<4x4xf32>
// UNCHANGED:       mpt.scale_loss
mpt.train_step @no_allow_op params(%w: tensor<4x4xf32>) batch(%y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>)
    loss_scale(#mpt.loss_scale<mode = static, init = 64.0>) {
  %0 = mpt.tanh %w : tensor<4x4xf32>
  %l = mpt.mse_loss %0, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}
