// The convolution, pooling, data-movement and math ops, and their
// derivative ops, print and parse back unchanged; default attributes are
// elided.
// RUN: mpt-opt %s | mpt-opt | FileCheck %s

// CHECK-LABEL: func.func @conv_and_pooling
func.func @conv_and_pooling(%x: tensor<2x4x8x8xf16>, %w: tensor<6x2x3x3xf16>, %b: tensor<6xf16>,
                            %dy: tensor<2x6x4x4xf16>, %p: tensor<2x4x4x4xf16>,
                            %b4: tensor<4xf16>) {
  // CHECK: mpt.conv2d %{{.*}}, %{{.*}}, %{{.*}} {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16>, tensor<6x2x3x3xf16>, tensor<6xf16> -> tensor<2x6x4x4xf16>
  %0 = mpt.conv2d %x, %w, %b {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>}
      : tensor<2x4x8x8xf16>, tensor<6x2x3x3xf16>, tensor<6xf16> -> tensor<2x6x4x4xf16>
  // CHECK: mpt.conv2d_input_grad %{{.*}}, %{{.*}} {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x6x4x4xf16>, tensor<6x2x3x3xf16> -> tensor<2x4x8x8xf16>
  %1 = mpt.conv2d_input_grad %dy, %w {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x6x4x4xf16>, tensor<6x2x3x3xf16> -> tensor<2x4x8x8xf16>
  // CHECK: mpt.conv2d_weight_grad %{{.*}}, %{{.*}} {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16>, tensor<2x6x4x4xf16> -> tensor<6x2x3x3xf16>
  %2 = mpt.conv2d_weight_grad %x, %dy {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x4x8x8xf16>, tensor<2x6x4x4xf16> -> tensor<6x2x3x3xf16>
  // CHECK: mpt.conv_transpose2d %{{.*}}, %{{.*}} {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x6x4x4xf16>, tensor<6x2x3x3xf16> -> tensor<2x4x8x8xf16>
  %t0 = mpt.conv_transpose2d %dy, %w {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x6x4x4xf16>, tensor<6x2x3x3xf16> -> tensor<2x4x8x8xf16>
  // CHECK: mpt.conv_transpose2d %{{.*}}, %{{.*}}, %{{.*}} {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x6x4x4xf16>, tensor<6x2x3x3xf16>, tensor<4xf16> -> tensor<2x4x7x7xf16>
  %t1 = mpt.conv_transpose2d %dy, %w, %b4 {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x6x4x4xf16>, tensor<6x2x3x3xf16>, tensor<4xf16> -> tensor<2x4x7x7xf16>
  // CHECK: mpt.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16> -> tensor<2x4x4x4xf16>
  %3 = mpt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16> -> tensor<2x4x4x4xf16>
  // CHECK: mpt.max_pool2d_grad %{{.*}}, %{{.*}}, %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16>, tensor<2x4x4x4xf16>
  %4 = mpt.max_pool2d_grad %x, %3, %p {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16>, tensor<2x4x4x4xf16>
  // CHECK: mpt.avg_pool2d %{{.*}} {count_include_pad, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16> -> tensor<2x4x4x4xf16>
  %5 = mpt.avg_pool2d %x {count_include_pad, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf16> -> tensor<2x4x4x4xf16>
  // CHECK: mpt.avg_pool2d_grad %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x4x4xf16> -> tensor<2x4x8x8xf16>
  %6 = mpt.avg_pool2d_grad %p {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x4x4xf16> -> tensor<2x4x8x8xf16>
  return
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%a: tensor<8x16xf32>, %b: tensor<8x4xf32>, %t: tensor<65x32xf32>,
                         %i: tensor<16x8xi64>, %j: tensor<3xi32>, %de: tensor<16x8x32xf32>) {
  // CHECK: mpt.concat %{{.*}}, %{{.*}} {axis = -1 : i64} : tensor<8x16xf32>, tensor<8x4xf32> -> tensor<8x20xf32>
  %0 = mpt.concat %a, %b {axis = -1 : i64} : tensor<8x16xf32>, tensor<8x4xf32> -> tensor<8x20xf32>
  // CHECK: mpt.slice %{{.*}} {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>} : tensor<8x16xf32> -> tensor<8x6xf32>
  %1 = mpt.slice %a {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>} : tensor<8x16xf32> -> tensor<8x6xf32>
  // CHECK: mpt.slice_grad %{{.*}} {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>} : tensor<8x6xf32> -> tensor<8x16xf32>
  %2 = mpt.slice_grad %1 {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>} : tensor<8x6xf32> -> tensor<8x16xf32>
  // CHECK: mpt.gather %{{.*}}, %{{.*}} : tensor<65x32xf32>, tensor<16x8xi64> -> tensor<16x8x32xf32>
  %3 = mpt.gather %t, %i : tensor<65x32xf32>, tensor<16x8xi64> -> tensor<16x8x32xf32>
  // CHECK: mpt.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<8x16xf32>, tensor<3xi32> -> tensor<8x3xf32>
  %4 = mpt.gather %a, %j {axis = 1 : i64} : tensor<8x16xf32>, tensor<3xi32> -> tensor<8x3xf32>
  // CHECK: mpt.gather_grad %{{.*}}, %{{.*}} : tensor<16x8xi64>, tensor<16x8x32xf32> -> tensor<65x32xf32>
  %5 = mpt.gather_grad %i, %de : tensor<16x8xi64>, tensor<16x8x32xf32> -> tensor<65x32xf32>
  // CHECK: %[[K:.*]] = mpt.top_k %{{.*}} {axis = 1 : i64, k = 4 : i64} : tensor<8x16xf32> -> tensor<8x4xi64>
  %6 = mpt.top_k %a {axis = 1 : i64, k = 4 : i64, largest = true} : tensor<8x16xf32> -> tensor<8x4xi64>
  // CHECK: mpt.top_k %{{.*}} {k = 16 : i64, largest = false} : tensor<8x16xf32> -> tensor<8x16xi32>
  %7 = mpt.top_k %a {k = 16 : i64, largest = false} : tensor<8x16xf32> -> tensor<8x16xi32>
  // CHECK: %[[V:.*]] = mpt.gather_elements %{{.*}}, %[[K]] {axis = -1 : i64} : tensor<8x16xf32>, tensor<8x4xi64> -> tensor<8x4xf32>
  %8 = mpt.gather_elements %a, %6 {axis = -1 : i64} : tensor<8x16xf32>, tensor<8x4xi64> -> tensor<8x4xf32>
  // CHECK: mpt.gather_elements_grad %[[K]], %[[V]] {axis = 1 : i64} : tensor<8x4xi64>, tensor<8x4xf32> -> tensor<8x16xf32>
  %9 = mpt.gather_elements_grad %6, %8 {axis = 1 : i64} : tensor<8x4xi64>, tensor<8x4xf32> -> tensor<8x16xf32>
  return
}

// CHECK-LABEL: func.func @math
func.func @math(%x: tensor<16x32xf32>, %e: tensor<f32>, %l: tensor<32x10xf32>,
                %labels: tensor<32xi64>, %p: tensor<32x10xf32>, %dl: f32) {
  // CHECK: mpt.erf %{{.*}} : tensor<16x32xf32>
  %0 = mpt.erf %x : tensor<16x32xf32>
  // CHECK: mpt.atan %{{.*}} : tensor<16x32xf32>
  // CHECK: mpt.asin %{{.*}} : tensor<16x32xf32>
  // CHECK: mpt.acos %{{.*}} : tensor<16x32xf32>
  // CHECK: mpt.tan %{{.*}} : tensor<16x32xf32>
  // CHECK: mpt.floor %{{.*}} : tensor<16x32xf32>
  // CHECK: mpt.ceil %{{.*}} : tensor<16x32xf32>
  // CHECK: mpt.round %{{.*}} : tensor<16x32xf32>
  %t0 = mpt.atan %x : tensor<16x32xf32>
  %t1 = mpt.asin %x : tensor<16x32xf32>
  %t2 = mpt.acos %x : tensor<16x32xf32>
  %t3 = mpt.tan %x : tensor<16x32xf32>
  %r0 = mpt.floor %x : tensor<16x32xf32>
  %r1 = mpt.ceil %x : tensor<16x32xf32>
  %r2 = mpt.round %x : tensor<16x32xf32>
  // CHECK: mpt.pow %{{.*}}, %{{.*}} : tensor<16x32xf32>, tensor<f32>
  %1 = mpt.pow %x, %e : tensor<16x32xf32>, tensor<f32>
  // CHECK: mpt.reduce_max %{{.*}} {dims = array<i64: 1>, keep_dims} : tensor<16x32xf32> -> tensor<16x1xf32>
  %2 = mpt.reduce_max %x {dims = array<i64: 1>, keep_dims} : tensor<16x32xf32> -> tensor<16x1xf32>
  // CHECK: mpt.reduce_max_grad %{{.*}}, %{{.*}}, %{{.*}} {dims = array<i64: 1>, keep_dims} : tensor<16x32xf32>, tensor<16x1xf32>
  %3 = mpt.reduce_max_grad %x, %2, %2 {dims = array<i64: 1>, keep_dims} : tensor<16x32xf32>, tensor<16x1xf32>
  // CHECK: mpt.log_softmax %{{.*}} : tensor<32x10xf32>
  %4 = mpt.log_softmax %l : tensor<32x10xf32>
  // CHECK: mpt.cross_entropy_loss %{{.*}}, %{{.*}} : tensor<32x10xf32>, tensor<32xi64>
  %5 = mpt.cross_entropy_loss %l, %labels : tensor<32x10xf32>, tensor<32xi64>
  // CHECK: mpt.cross_entropy_loss %{{.*}}, %{{.*}} : tensor<32x10xf32>, tensor<32x10xf32>
  %6 = mpt.cross_entropy_loss %l, %p : tensor<32x10xf32>, tensor<32x10xf32>
  // CHECK: mpt.cross_entropy_loss_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<32x10xf32>, tensor<32xi64>
  %7 = mpt.cross_entropy_loss_grad %l, %labels, %dl : tensor<32x10xf32>, tensor<32xi64>
  return
}

// The cross-entropy loss ends a training step like mpt.mse_loss.
// CHECK-LABEL: mpt.train_step @classifier
// CHECK:         %[[L:.*]] = mpt.cross_entropy_loss
// CHECK:         mpt.loss %[[L]]
mpt.train_step @classifier
    params(%w: tensor<64x10xf32>)
    batch(%x: tensor<32x64xf32>, %y: tensor<32xi64>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %logits = mpt.linear %x, %w : tensor<32x64xf32>, tensor<64x10xf32> -> tensor<32x10xf32>
  %l = mpt.cross_entropy_loss %logits, %y : tensor<32x10xf32>, tensor<32xi64>
  mpt.loss %l
}
