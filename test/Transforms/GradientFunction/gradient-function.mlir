// RUN: mpt-opt --mpt-gradient-function --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-gradient-function=promote-f64 --split-input-file %s \
// RUN:   | FileCheck %s --check-prefix=F64

// The step becomes @<step>_grad: params and batch in, the loss and one
// gradient per parameter out; the optimizer, the loss scale and the
// accumulation play no part. An f32 loss has no unrounded value.

// CHECK-LABEL: func.func @sgd_grad
// CHECK-SAME:    (%[[W:[a-z0-9]+]]: tensor<4x1xf32> {mpt.param = "w"}, %[[B:[a-z0-9]+]]: tensor<1xf32> {mpt.param = "b"}, %{{.*}}: tensor<8x4xf32> {mpt.batch = "x"}, %{{.*}}: tensor<8x1xf32> {mpt.batch = "y"})
// CHECK-SAME:    -> (f32 {mpt.loss}, tensor<4x1xf32> {mpt.grad = "w"}, tensor<1xf32> {mpt.grad = "b"})
// CHECK-SAME:    attributes {mpt.gradient_function, mpt.train_step}
// CHECK:         %[[L:.*]] = mpt.mse_loss
// CHECK-NEXT:    %[[G:.*]]:2 = mpt.gradient %[[L]] wrt %[[W]], %[[B]] : tensor<4x1xf32>, tensor<1xf32>
// CHECK-NEXT:    return %[[L]], %[[G]]#0, %[[G]]#1 : f32, tensor<4x1xf32>, tensor<1xf32>
// CHECK-NOT:     mpt.train_step @

// With promote-f64 every f32 tensor is f64 and the loss comes back twice:
// the f32 scalar of mpt.mse_loss, and its value before the rounding.

// F64-LABEL: func.func @sgd_grad
// F64-SAME:    (%[[W:[a-z0-9]+]]: tensor<4x1xf64> {mpt.param = "w"}, %{{.*}}: tensor<1xf64> {mpt.param = "b"}, %{{.*}}: tensor<8x4xf64> {mpt.batch = "x"}, %[[Y:[a-z0-9]+]]: tensor<8x1xf64> {mpt.batch = "y"})
// F64-SAME:    -> (f32 {mpt.loss}, tensor<f64> {mpt.unrounded_loss}, tensor<4x1xf64> {mpt.grad = "w"}, tensor<1xf64> {mpt.grad = "b"})
// F64:         %[[P:.*]] = mpt.linear {{.*}} -> tensor<8x1xf64>
// F64-NEXT:    %[[L:.*]] = mpt.mse_loss %[[P]], %[[Y]] : tensor<8x1xf64>, tensor<8x1xf64>
// F64-NEXT:    %[[G:.*]]:2 = mpt.gradient %[[L]]
// F64-NEXT:    %[[D:.*]] = mpt.sub %[[P]], %[[Y]] : tensor<8x1xf64>, tensor<8x1xf64>
// F64-NEXT:    %[[SQ:.*]] = mpt.mul %[[D]], %[[D]] : tensor<8x1xf64>, tensor<8x1xf64>
// F64-NEXT:    %[[U:.*]] = mpt.reduce_mean %[[SQ]] : tensor<8x1xf64> -> tensor<f64>
// F64-NEXT:    return %[[L]], %[[U]], %[[G]]#0, %[[G]]#1 : f32, tensor<f64>, tensor<4x1xf64>, tensor<1xf64>
mpt.train_step @sgd params(%w: tensor<4x1xf32>, %b: tensor<1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.adam<lr = 1.000000e-03>)
    loss_scale(#mpt.loss_scale<mode = dynamic>) accumulate(2) {
  %p = mpt.linear %x, %w, %b : tensor<8x4xf32>, tensor<4x1xf32>, tensor<1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// Promotion rewrites f32 tensor constants with the same values; casts to
// f16 stay, and casts from f32 to f64 become f64 to f64.

// CHECK-LABEL: func.func @constants_and_casts_grad
// CHECK:         arith.constant dense<2.500000e-01> : tensor<4xf32>

// F64-LABEL: func.func @constants_and_casts_grad
// F64:         arith.constant dense<2.500000e-01> : tensor<4xf64>
// F64:         mpt.cast %{{.*}} : tensor<8x4xf64> to tensor<8x4xf16>
// F64:         mpt.cast %{{.*}} : tensor<8x4xf16> to tensor<8x4xf64>
// F64:         mpt.cast %{{.*}} : tensor<8x4xf64> to tensor<8x4xf64>
mpt.train_step @constants_and_casts params(%w: tensor<4xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x4xf64>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %c = arith.constant dense<2.500000e-01> : tensor<4xf32>
  %s = mpt.mul %x, %c : tensor<8x4xf32>, tensor<4xf32>
  %h = mpt.cast %s : tensor<8x4xf32> to tensor<8x4xf16>
  %back = mpt.cast %h : tensor<8x4xf16> to tensor<8x4xf32>
  %a = mpt.add %back, %w : tensor<8x4xf32>, tensor<4xf32>
  %wide = mpt.cast %a : tensor<8x4xf32> to tensor<8x4xf64>
  %l = mpt.mse_loss %wide, %y : tensor<8x4xf64>, tensor<8x4xf64>
  mpt.loss %l
}

// -----

// An mse_loss of an f64 prediction and an f32 target computes in f64 without
// promotion too; its unrounded value widens the target.

// CHECK-LABEL: func.func @mixed_loss_grad
// CHECK-SAME:    -> (f32 {mpt.loss}, tensor<f64> {mpt.unrounded_loss}, tensor<4xf64> {mpt.grad = "w"})
// CHECK:         %[[T:.*]] = mpt.cast %{{.*}} : tensor<8x4xf32> to tensor<8x4xf64>
// CHECK-NEXT:    mpt.sub %{{.*}}, %[[T]] : tensor<8x4xf64>, tensor<8x4xf64>
mpt.train_step @mixed_loss params(%w: tensor<4xf64>) batch(%x: tensor<8x4xf64>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.mul %x, %w : tensor<8x4xf64>, tensor<4xf64>
  %l = mpt.mse_loss %p, %y : tensor<8x4xf64>, tensor<8x4xf32>
  mpt.loss %l
}

// -----

// The unrounded loss comes from the loss's own terms (LossOpInterface): a
// cross-entropy against integer labels gathers their one-hot rows from an
// identity matrix and sums them with the log-softmax, row by row.

// F64-LABEL: func.func @labels_grad
// F64-SAME:    -> (f32 {mpt.loss}, tensor<f64> {mpt.unrounded_loss}, tensor<4x3xf64> {mpt.grad = "w"})
// F64:         %[[Z:.*]] = mpt.matmul
// F64-NEXT:    %[[L:.*]] = mpt.cross_entropy_loss %[[Z]], %[[Y:.*]] : tensor<8x3xf64>, tensor<8xi64>
// F64:         %[[EYE:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 1.000000e+00]]> : tensor<3x3xf64>
// F64-NEXT:    %[[ONEHOT:.*]] = mpt.gather %[[EYE]], %[[Y]] : tensor<3x3xf64>, tensor<8xi64> -> tensor<8x3xf64>
// F64-NEXT:    %[[LP:.*]] = mpt.log_softmax %[[Z]] : tensor<8x3xf64>
// F64-NEXT:    %[[T:.*]] = mpt.mul %[[ONEHOT]], %[[LP]] : tensor<8x3xf64>, tensor<8x3xf64>
// F64-NEXT:    %[[S:.*]] = mpt.reduce_sum %[[T]] {dims = array<i64: 1>} : tensor<8x3xf64> -> tensor<8xf64>
// F64-NEXT:    %[[M1:.*]] = arith.constant dense<-1.000000e+00> : tensor<f64>
// F64-NEXT:    %[[R:.*]] = mpt.mul %[[S]], %[[M1]] : tensor<8xf64>, tensor<f64>
// F64-NEXT:    %[[U:.*]] = mpt.reduce_mean %[[R]] : tensor<8xf64> -> tensor<f64>
// F64-NEXT:    return %[[L]], %[[U]]
mpt.train_step @labels params(%w: tensor<4x3xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8xi64>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %z = mpt.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = mpt.cross_entropy_loss %z, %y : tensor<8x3xf32>, tensor<8xi64>
  mpt.loss %l
}
