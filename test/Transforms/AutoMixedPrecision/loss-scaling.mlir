// RUN: mpt-opt --auto-mixed-precision --split-input-file %s | FileCheck %s

// The MSE is computed in f32 from the prediction cast up; the differentiated
// quantity is mse * scale; the reported loss stays the unscaled MSE.
// Gradients are unscaled in f32, one all_finite flag guards the update, and
// the dynamic scale state is updated and returned with the overflow flag.

// CHECK-LABEL: func.func @scaled_mse
// CHECK-SAME:    (%[[W:[a-z0-9]+]]: tensor<4x1xf32> {mpt.param = "w"},
// CHECK-SAME:     %[[SCALE:[a-z0-9]+]]: f32 {mpt.loss_scale},
// CHECK-SAME:     %[[GOOD:[a-z0-9]+]]: i32 {mpt.good_steps},
// CHECK-SAME:     %[[HYST:[a-z0-9]+]]: i32 {mpt.hysteresis_left},
// CHECK-SAME:  -> (tensor<4x1xf32> {mpt.param = "w"}, f32 {mpt.loss_scale}, i32 {mpt.good_steps}, i32 {mpt.hysteresis_left}, f32 {mpt.loss}, i1 {mpt.overflow}, i1 {mpt.scale_collapsed})
// CHECK-SAME:  mpt.loss_scale = #mpt.loss_scale<>
// CHECK:       %[[P:.*]] = mpt.linear {{.*}} -> tensor<8x1xf16>
// CHECK-NEXT:  %[[PF:.*]] = mpt.cast %[[P]] : tensor<8x1xf16> to tensor<8x1xf32>
// CHECK-NEXT:  %[[MSE:.*]] = mpt.mse_loss %[[PF]], %{{.*}} : tensor<8x1xf32>, tensor<8x1xf32>
// CHECK-NEXT:  %[[SL:.*]] = mpt.scale_loss %[[MSE]], %[[SCALE]]
// CHECK-NEXT:  %[[G:.*]] = mpt.gradient %[[SL]] wrt %[[W]] : tensor<4x1xf32>
// CHECK-NEXT:  %[[U:.*]] = mpt.unscale %[[G]] by %[[SCALE]] : tensor<4x1xf32>
// CHECK-NEXT:  %[[OK:.*]] = mpt.all_finite %[[U]] : tensor<4x1xf32>
// CHECK:       %[[OVF:.*]] = arith.xori %[[OK]], %true : i1
// CHECK-NEXT:  %[[NW:.*]] = mpt.sgd_update %[[W]], %[[U]] skip %[[OVF]] {config = #mpt.sgd<lr = 1.000000e-01>} : tensor<4x1xf32>
// CHECK-NEXT:  %[[NS:.*]], %[[NG:.*]], %[[NH:.*]], %[[COL:.*]] = mpt.update_loss_scale %[[SCALE]], %[[GOOD]], %[[HYST]], %[[OK]] {config = #mpt.loss_scale<>}
// CHECK-NEXT:  return %[[NW]], %[[NS]], %[[NG]], %[[NH]], %[[MSE]], %[[OVF]], %[[COL]]
mpt.train_step @scaled_mse params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// Adam: moments are fp32 state next to the params, the step count only
// advances on applied steps.

// CHECK-LABEL: func.func @adam_state
// CHECK-SAME:    %[[W:[a-z0-9]+]]: tensor<4x1xf32> {mpt.param = "w"}
// CHECK-SAME:    %[[M:[a-z0-9]+]]: tensor<4x1xf32> {mpt.adam_m = "w"}
// CHECK-SAME:    %[[V:[a-z0-9]+]]: tensor<4x1xf32> {mpt.adam_v = "w"}
// CHECK-SAME:    %[[T:[a-z0-9]+]]: i32 {mpt.adam_step}
// CHECK:       %[[OVF:.*]] = arith.xori
// CHECK:       %[[T1:.*]] = arith.addi %[[T]], %{{.*}} : i32
// CHECK-NEXT:  %[[TN:.*]] = arith.select %[[OVF]], %[[T]], %[[T1]] : i32
// CHECK-NEXT:  mpt.adam_update %[[W]], %[[M]], %[[V]], %{{.*}} step %[[T1]] skip %[[OVF]]
mpt.train_step @adam_state params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.adam<lr = 1.000000e-03>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
