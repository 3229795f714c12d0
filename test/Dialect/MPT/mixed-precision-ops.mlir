// Round trip of the loss-scaling, guard and gradient ops through the custom
// and the generic form.
// RUN: mpt-opt %s -split-input-file | mpt-opt -split-input-file | FileCheck %s
// RUN: mpt-opt %s -split-input-file --mlir-print-op-generic | mpt-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @scale_loss
// CHECK-SAME: (%[[L:.*]]: f32, %[[S:.*]]: f32)
// CHECK: mpt.scale_loss %[[L]], %[[S]]{{$}}
func.func @scale_loss(%loss: f32, %scale: f32) -> f32 {
  %0 = mpt.scale_loss %loss, %scale
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @gradient_unscale_all_finite
// CHECK-SAME: (%[[L:.*]]: f32, %[[S:.*]]: f32, %[[W:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[G:.*]]:2 = mpt.gradient %[[L]] wrt %[[W]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK: %[[U:.*]]:2 = mpt.unscale %[[G]]#0, %[[G]]#1 by %[[S]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK: mpt.all_finite %[[U]]#0, %[[U]]#1 : tensor<4x8xf32>, tensor<8xf32>
func.func @gradient_unscale_all_finite(%loss: f32, %scale: f32,
                                       %w: tensor<4x8xf32>, %b: tensor<8xf32>)
    -> (tensor<4x8xf32>, tensor<8xf32>, i1) {
  %g:2 = mpt.gradient %loss wrt %w, %b : tensor<4x8xf32>, tensor<8xf32>
  %u:2 = mpt.unscale %g#0, %g#1 by %scale : tensor<4x8xf32>, tensor<8xf32>
  %ok = mpt.all_finite %u#0, %u#1 : tensor<4x8xf32>, tensor<8xf32>
  return %u#0, %u#1, %ok : tensor<4x8xf32>, tensor<8xf32>, i1
}

// -----

// Gradients take the type of their value; all_finite reads any float tensor.
// CHECK-LABEL: func.func @gradient_low_precision
// CHECK: mpt.gradient %{{.*}} wrt %{{.*}} : tensor<16xf16>
// CHECK: mpt.all_finite %{{.*}}, %{{.*}} : tensor<16xf16>, tensor<2x2xbf16>
func.func @gradient_low_precision(%loss: f32, %h: tensor<16xf16>,
                                  %b: tensor<2x2xbf16>) -> i1 {
  %g = mpt.gradient %loss wrt %h : tensor<16xf16>
  %ok = mpt.all_finite %g, %b : tensor<16xf16>, tensor<2x2xbf16>
  return %ok : i1
}

// -----

// Defaults of the loss-scale config are not printed; set values are.
// CHECK-LABEL: func.func @update_loss_scale
// CHECK-SAME: (%[[S:.*]]: f32, %[[G:.*]]: i32, %[[H:.*]]: i32, %[[F:.*]]: i1)
// CHECK: %[[S1:.*]], %[[G1:.*]], %[[H1:.*]], %{{.*}} = mpt.update_loss_scale %[[S]], %[[G]], %[[H]], %[[F]] {config = #mpt.loss_scale<>}
// CHECK: mpt.update_loss_scale %[[S1]], %[[G1]], %[[H1]], %[[F]] {config = #mpt.loss_scale<init = 1.024000e+03, growth_factor = 4.000000e+00, backoff_factor = 2.500000e-01, growth_interval = 100, hysteresis = 3, min_scale = 6.250000e-02, max_scale = 6.553600e+04>}
func.func @update_loss_scale(%scale: f32, %good: i32, %hyst: i32, %finite: i1)
    -> (f32, i32, i32, i1) {
  %0:4 = mpt.update_loss_scale %scale, %good, %hyst, %finite
      {config = #mpt.loss_scale<mode = dynamic>}
  %1:4 = mpt.update_loss_scale %0#0, %0#1, %0#2, %finite
      {config = #mpt.loss_scale<mode = dynamic, init = 1024.0,
                                growth_factor = 4.0, backoff_factor = 0.25,
                                growth_interval = 100, hysteresis = 3,
                                min_scale = 0.0625, max_scale = 65536.0>}
  return %1#0, %1#1, %1#2, %1#3 : f32, i32, i32, i1
}
