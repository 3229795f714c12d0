// RUN: mpt-opt --mpt-expand-train-step --split-input-file %s | FileCheck %s

// Without a loss_scale the loss is differentiated as is; the guard still
// skips the update on NaN/Inf gradients.

// CHECK-LABEL: func.func @plain_sgd
// CHECK-SAME:    (%[[W:[a-z0-9]+]]: tensor<4x1xf32> {mpt.param = "w"}, %{{.*}}: tensor<8x4xf32> {mpt.batch = "x"}, %{{.*}}: tensor<8x1xf32> {mpt.batch = "y"})
// CHECK-SAME:    -> (tensor<4x1xf32> {mpt.param = "w"}, f32 {mpt.loss}, i1 {mpt.overflow})
// CHECK-SAME:    attributes {mpt.optimizer = #mpt.sgd<lr = 1.000000e-01>, mpt.train_step}
// CHECK:         %[[L:.*]] = mpt.mse_loss
// CHECK-NEXT:    %[[G:.*]] = mpt.gradient %[[L]] wrt %[[W]] : tensor<4x1xf32>
// CHECK-NEXT:    %[[OK:.*]] = mpt.all_finite %[[G]]
// CHECK:         %[[SKIP:.*]] = arith.xori %[[OK]]
// CHECK-NEXT:    %[[NW:.*]] = mpt.sgd_update %[[W]], %[[G]] skip %[[SKIP]]
// CHECK-NEXT:    return %[[NW]], %[[L]], %[[SKIP]]
mpt.train_step @plain_sgd params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// Momentum keeps one velocity per parameter, in and out; the step's own
// loss_scale attribute is honoured.

// CHECK-LABEL: func.func @momentum_with_static_scale
// CHECK-SAME:    %[[W:[a-z0-9]+]]: tensor<4x1xf32> {mpt.param = "w"}, %[[V:[a-z0-9]+]]: tensor<4x1xf32> {mpt.velocity = "w"}, %[[S:[a-z0-9]+]]: f32 {mpt.loss_scale}
// CHECK-SAME:    -> (tensor<4x1xf32> {mpt.param = "w"}, tensor<4x1xf32> {mpt.velocity = "w"}, f32 {mpt.loss_scale}, f32 {mpt.loss}, i1 {mpt.overflow})
// CHECK:         mpt.scale_loss %{{.*}}, %[[S]]
// CHECK:         %[[NW:.*]], %[[NV:.*]] = mpt.momentum_update %[[W]], %[[V]], %{{.*}} skip
// CHECK:         return %[[NW]], %[[NV]], %[[S]],
mpt.train_step @momentum_with_static_scale params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.momentum<lr = 1.000000e-01, momentum = 9.000000e-01>)
    loss_scale(#mpt.loss_scale<mode = static, init = 1.024000e+03>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// accumulate(4): gradients are summed in f32 accumulators, the update uses
// their mean on every 4th micro-batch and is skipped in between; the
// accumulators and the micro-step counter reset when it applies, and the
// dynamic scale only moves then.

// CHECK-LABEL: func.func @accumulate
// CHECK-SAME:    %[[ACC:[a-z0-9_]+]]: tensor<4x1xf32> {mpt.grad_accumulator = "w"}, %[[MICRO:[a-z0-9_]+]]: i32 {mpt.micro_step}
// CHECK-SAME:    -> (tensor<4x1xf32> {mpt.param = "w"}, tensor<4x1xf32> {mpt.grad_accumulator = "w"}, i32 {mpt.micro_step}, f32 {mpt.loss_scale}, i32 {mpt.good_steps}, i32 {mpt.hysteresis_left}, f32 {mpt.loss}, i1 {mpt.overflow}, i1 {mpt.scale_collapsed})
// CHECK-SAME:    mpt.accumulate = 4 : i64
// CHECK:         %[[U:.*]] = mpt.unscale %{{.*}} by %{{.*}} : tensor<4x1xf32>
// CHECK:         %[[NEXT:.*]] = arith.addi %[[MICRO]], %{{.*}} : i32
// CHECK:         %[[APPLY:.*]] = arith.cmpi eq, %[[NEXT]], %{{.*}} : i32
// CHECK:         %[[SUM:.*]] = mpt.add %[[ACC]], %[[U]]
// CHECK:         %[[MEAN:.*]] = mpt.unscale %[[SUM]] by %{{.*}} : tensor<4x1xf32>
// CHECK:         %[[NACC:.*]] = arith.select %[[APPLY]], %{{.*}}, %[[SUM]] : tensor<4x1xf32>
// CHECK:         %[[NMICRO:.*]] = arith.select %[[APPLY]], %{{.*}}, %[[NEXT]] : i32
// CHECK:         %[[OK:.*]] = mpt.all_finite %[[MEAN]]
// CHECK:         %[[SKIP:.*]] = arith.ori
// CHECK:         %[[NW:.*]] = mpt.sgd_update %{{.*}}, %[[MEAN]] skip %[[SKIP]]
// CHECK:         %[[NS:.*]], %{{.*}}, %{{.*}}, %[[COL:.*]] = mpt.update_loss_scale
// CHECK:         %[[S:.*]] = arith.select %[[APPLY]], %[[NS]], %{{.*}} : f32
// CHECK:         return %[[NW]], %[[NACC]], %[[NMICRO]], %[[S]],
mpt.train_step @accumulate params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>)
    loss_scale(#mpt.loss_scale<mode = dynamic>) accumulate(4) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// f64 master weights without loss scaling or accumulation: the update runs
// in f64.

// CHECK-LABEL: func.func @f64_params
// CHECK-SAME:    %[[W:[a-z0-9]+]]: tensor<4x1xf64> {mpt.param = "w"}
// CHECK:         %[[G:.*]] = mpt.gradient %{{.*}} wrt %[[W]] : tensor<4x1xf64>
// CHECK:         mpt.sgd_update %[[W]], %[[G]] skip %{{.*}} : tensor<4x1xf64>
mpt.train_step @f64_params params(%w: tensor<4x1xf64>) batch(%x: tensor<8x4xf64>, %y: tensor<8x1xf64>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf64>, tensor<4x1xf64> -> tensor<8x1xf64>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf64>, tensor<8x1xf64>
  mpt.loss %l
}

// -----

// Dropout draws its masks from a counter of the step function's own: an i32
// state argument after the loss-scale state that every call advances, and
// the step operand of every dropout op.

// CHECK-LABEL: func.func @dropout
// CHECK-SAME:    %[[C:[a-z0-9]+]]: i32 {mpt.dropout_step}, %{{.*}}: tensor<8x4xf32> {mpt.batch = "x"}
// CHECK-SAME:    -> (tensor<4x1xf32> {mpt.param = "w"}, i32 {mpt.dropout_step}, f32 {mpt.loss}, i1 {mpt.overflow})
// CHECK:         mpt.dropout %{{.*}}, %[[C]] {p = 5.000000e-01 : f64, seed = 1 : i64}
// CHECK:         mpt.dropout %{{.*}}, %[[C]] {p = 2.500000e-01 : f64, seed = 2 : i64}
// CHECK:         %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-NEXT:    %[[NEXT:.*]] = arith.addi %[[C]], %[[ONE]] : i32
// CHECK-NEXT:    return %{{.*}}, %[[NEXT]], %{{.*}}, %{{.*}} :
mpt.train_step @dropout params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %d = mpt.dropout %x {p = 0.5 : f64, seed = 1 : i64} : tensor<8x4xf32>
  %p = mpt.linear %d, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %q = mpt.dropout %p {p = 0.25 : f64, seed = 2 : i64} : tensor<8x1xf32>
  %l = mpt.mse_loss %q, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// Random numbers draw from the same counter as dropout: a step with only a
// random op gets one, and the op its step operand.

// CHECK-LABEL: func.func @noise
// CHECK-SAME:    %[[C:[a-z0-9]+]]: i32 {mpt.dropout_step}
// CHECK:         mpt.random_normal %[[C]] {scale = 1.000000e-01 : f64, seed = 4 : i64} : tensor<8x4xf32>
// CHECK:         mpt.random_uniform %[[C]] {seed = 5 : i64} : tensor<8x1xf32>
// CHECK:         arith.addi %[[C]], %{{.*}} : i32
mpt.train_step @noise params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %n = mpt.random_normal {scale = 0.1 : f64, seed = 4 : i64} : tensor<8x4xf32>
  %d = mpt.add %x, %n : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.linear %d, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %u = mpt.random_uniform {seed = 5 : i64} : tensor<8x1xf32>
  %q = mpt.mul %p, %u : tensor<8x1xf32>, tensor<8x1xf32>
  %l = mpt.mse_loss %q, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
