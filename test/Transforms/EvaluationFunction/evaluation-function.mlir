// RUN: mpt-opt --mpt-evaluation-function --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-auto-mixed-precision=compute-type=f16 --mpt-evaluation-function --split-input-file %s \
// RUN:   | FileCheck %s --check-prefix=F16

// The forward region becomes @<step>_eval beside the step, which stays:
// the loss of each sample (the mean of the loss's terms of its rows), and
// the loss's operands. A cross-entropy scores classes.

// CHECK-LABEL: func.func @labels_eval
// CHECK-SAME:    (%{{.*}}: tensor<4x3xf32> {mpt.param = "w"}, %[[X:.*]]: tensor<8x4xf32> {mpt.batch = "x"}, %[[Y:.*]]: tensor<8xi64> {mpt.batch = "y"})
// CHECK-SAME:    -> (tensor<8xf32> {mpt.sample_loss}, tensor<8x3xf32> {mpt.prediction}, tensor<8xi64> {mpt.target})
// CHECK-SAME:    attributes {mpt.evaluation_function, mpt.scores_classes, mpt.train_step}
// CHECK:         %[[Z:.*]] = mpt.matmul
// CHECK-NOT:     mpt.cross_entropy_loss
// CHECK:         %[[T:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<8xf32>, tensor<f32>
// CHECK-NEXT:    %[[R:.*]] = mpt.reshape %[[T]] : tensor<8xf32> -> tensor<8x1xf32>
// CHECK-NEXT:    %[[S:.*]] = mpt.reduce_mean %[[R]] {dims = array<i64: 1>} : tensor<8x1xf32> -> tensor<8xf32>
// CHECK-NEXT:    return %[[S]], %[[Z]], %[[Y]]
// CHECK:       mpt.train_step @labels

// In f16 the forward ops are those of the mixed-precision step; the loss's
// terms are f32, as the loss is.

// F16-LABEL: func.func @labels_eval
// F16:         mpt.matmul {{.*}} : tensor<8x4xf16>, tensor<4x3xf16> -> tensor<8x3xf16>
// F16:         mpt.log_softmax %{{.*}} : tensor<8x3xf32>
mpt.train_step @labels params(%w: tensor<4x3xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8xi64>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %z = mpt.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = mpt.cross_entropy_loss %z, %y : tensor<8x3xf32>, tensor<8xi64>
  mpt.loss %l
}

// -----

// Rows of a sequence: the 4 rows of each of 2 samples average into its
// loss. An MSE does not score classes.

// CHECK-LABEL: func.func @sequence_eval
// CHECK-SAME:    -> (tensor<2xf32> {mpt.sample_loss}, tensor<8x3xf32> {mpt.prediction}, tensor<8x3xf32> {mpt.target})
// CHECK-SAME:    attributes {mpt.evaluation_function, mpt.train_step}
// CHECK:         %[[D:.*]] = mpt.sub
// CHECK-NEXT:    %[[SQ:.*]] = mpt.mul %[[D]], %[[D]] : tensor<8x3xf32>, tensor<8x3xf32>
// CHECK-NEXT:    %[[R:.*]] = mpt.reshape %[[SQ]] : tensor<8x3xf32> -> tensor<2x12xf32>
// CHECK-NEXT:    mpt.reduce_mean %[[R]] {dims = array<i64: 1>} : tensor<2x12xf32> -> tensor<2xf32>
mpt.train_step @sequence params(%w: tensor<3xf32>) batch(%x: tensor<2x4x3xf32>, %y: tensor<8x3xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %h = mpt.mul %x, %w : tensor<2x4x3xf32>, tensor<3xf32>
  %p = mpt.reshape %h : tensor<2x4x3xf32> -> tensor<8x3xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x3xf32>, tensor<8x3xf32>
  mpt.loss %l
}

// -----

// Evaluation leaves dropout out, as PyTorch's eval(): the linear layer reads
// the batch input directly.

// CHECK-LABEL: func.func @dropout_eval
// CHECK-NOT:     mpt.dropout
// CHECK:         mpt.linear %arg1, %arg0
// CHECK-NOT:     mpt.dropout
// CHECK:         return
// CHECK-LABEL: mpt.train_step @dropout
// CHECK:         mpt.dropout
// F16-LABEL: func.func @dropout_eval
mpt.train_step @dropout params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %d = mpt.dropout %x {p = 0.5 : f64, seed = 1 : i64} : tensor<8x4xf32>
  %p = mpt.linear %d, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
