// Round trip of mpt.train_step and mpt.loss through the custom and the
// generic form: the parameter and batch names, each optimizer, the loss-scale
// policy and gradient accumulation survive both.
// RUN: mpt-opt %s -split-input-file | mpt-opt -split-input-file | FileCheck %s
// RUN: mpt-opt %s -split-input-file --mlir-print-op-generic | mpt-opt -split-input-file | FileCheck %s

// CHECK-LABEL: mpt.train_step @sgd
// CHECK-NEXT: params(%w: tensor<4x1xf32>, %b: tensor<1xf32>)
// CHECK-NEXT: batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
// CHECK-NEXT: optimizer(#mpt.sgd<lr = 1.000000e-01>) {
// CHECK-NEXT: %[[P:.*]] = mpt.linear %x, %w, %b
// CHECK-NEXT: %[[L:.*]] = mpt.mse_loss %[[P]], %y
// CHECK-NEXT: mpt.loss %[[L]]{{$}}
// CHECK-NEXT: }
mpt.train_step @sgd params(%w: tensor<4x1xf32>, %b: tensor<1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w, %b : tensor<8x4xf32>, tensor<4x1xf32>, tensor<1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// CHECK-LABEL: mpt.train_step @momentum
// CHECK: optimizer(#mpt.momentum<lr = 5.000000e-02, momentum = 5.000000e-01, weight_decay = 1.000000e-04>) {
mpt.train_step @momentum params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.momentum<lr = 0.05, momentum = 0.5, weight_decay = 1.0e-4>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// CHECK-LABEL: mpt.train_step @adam
// CHECK: optimizer(#mpt.adam<lr = 1.000000e-03>) {
mpt.train_step @adam params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.adam<lr = 1.0e-3>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// CHECK-LABEL: mpt.train_step @dynamic_loss_scale
// CHECK: optimizer(#mpt.sgd<lr = 1.000000e-01>) loss_scale(#mpt.loss_scale<hysteresis = 2, min_scale = 2.500000e-01>) {
mpt.train_step @dynamic_loss_scale params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 0.1>)
    loss_scale(#mpt.loss_scale<mode = dynamic, hysteresis = 2, min_scale = 0.25>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// A static scale may lie outside [min_scale, max_scale]: only a dynamic
// scale moves between them.
// CHECK-LABEL: mpt.train_step @static_loss_scale
// CHECK: loss_scale(#mpt.loss_scale<mode = static, init = 1.280000e+02, max_scale = 6.400000e+01>) {
mpt.train_step @static_loss_scale params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 0.1>)
    loss_scale(#mpt.loss_scale<mode = static, init = 128.0, max_scale = 64.0>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// CHECK-LABEL: mpt.train_step @no_loss_scale_accumulate
// CHECK: optimizer(#mpt.sgd<lr = 1.000000e-01>) loss_scale(#mpt.loss_scale<mode = none>) accumulate(4) {
mpt.train_step @no_loss_scale_accumulate params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 0.1>)
    loss_scale(#mpt.loss_scale<mode = none>) accumulate(4) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// accumulate(1) is the default and is not printed.
// CHECK-LABEL: mpt.train_step @accumulate_one
// CHECK: optimizer(#mpt.sgd<lr = 1.000000e-01>) {
mpt.train_step @accumulate_one params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) accumulate(1) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// An empty batch, and extra attributes after the keyword `attributes`.
// CHECK-LABEL: mpt.train_step @no_batch
// CHECK-NEXT: params(%w: tensor<8xf32>)
// CHECK-NEXT: batch()
// CHECK-NEXT: optimizer(#mpt.sgd<lr = 1.000000e-01>) attributes {note = "regularise"} {
mpt.train_step @no_batch params(%w: tensor<8xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) attributes {note = "regularise"} {
  %l = mpt.mse_loss %w, %w : tensor<8xf32>, tensor<8xf32>
  mpt.loss %l
}

// -----

// Numbered arguments get positional names; parameters may be any float type
// and batch inputs any statically shaped tensor.
// CHECK-LABEL: mpt.train_step @numbered
// CHECK-NEXT: params(%arg0: tensor<4x1xf64>)
// CHECK-NEXT: batch(%arg1: tensor<8x4xf64>, %arg2: tensor<8x1xf64>, %ids: tensor<8xi32>)
mpt.train_step @numbered params(%0: tensor<4x1xf64>)
    batch(%1: tensor<8x4xf64>, %2: tensor<8x1xf64>, %ids: tensor<8xi32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %p = mpt.linear %1, %0 : tensor<8x4xf64>, tensor<4x1xf64> -> tensor<8x1xf64>
  %l = mpt.mse_loss %p, %2 : tensor<8x1xf64>, tensor<8x1xf64>
  mpt.loss %l
}

// -----

// Steps are symbols: several live side by side in one module.
// CHECK-LABEL: mpt.train_step @first
// CHECK-LABEL: mpt.train_step @second
mpt.train_step @first params(%w: tensor<2xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<2xf32>, tensor<2xf32>
  mpt.loss %l
}
mpt.train_step @second params(%w: tensor<2xf32>) batch()
    optimizer(#mpt.adam<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<2xf32>, tensor<2xf32>
  mpt.loss %l
}
