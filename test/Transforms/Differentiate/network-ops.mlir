// RUN: mpt-opt %s --mpt-differentiate -split-input-file | FileCheck %s

// conv2d: the input and weight cotangents are the derivative ops with the
// forward attributes, the bias cotangent the sum over N, H and W.
// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x4x6x6xf32>, %[[W:[^:]*]]: tensor<4x2x3x3xf32>, %[[B:[^:]*]]: tensor<4xf32>, %{{[^:]*}}: tensor<2x4x3x3xf32>)
// CHECK: %[[DY:.*]] = mpt.mul %{{.*}} : tensor<2x4x3x3xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.conv2d_input_grad %[[DY]], %[[W]] {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x3x3xf32>, tensor<4x2x3x3xf32> -> tensor<2x4x6x6xf32>
// CHECK: %[[DW:.*]] = mpt.conv2d_weight_grad %[[X]], %[[DY]] {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x6x6xf32>, tensor<2x4x3x3xf32> -> tensor<4x2x3x3xf32>
// CHECK: %[[DB:.*]] = mpt.reduce_sum %[[DY]] {dims = array<i64: 0, 2, 3>} : tensor<2x4x3x3xf32> -> tensor<4xf32>
// CHECK: return %[[DX]], %[[DW]], %[[DB]]
func.func @conv2d(%x: tensor<2x4x6x6xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<4xf32>, %dy: tensor<2x4x3x3xf32>) -> (tensor<2x4x6x6xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) {
  %y = mpt.conv2d %x, %w, %b {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x4x6x6xf32>, tensor<4x2x3x3xf32>, tensor<4xf32> -> tensor<2x4x3x3xf32>
  %s = mpt.mse_loss %y, %dy : tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32>
  %g:3 = mpt.gradient %s wrt %x, %w, %b : tensor<2x4x6x6xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>
  return %g#0, %g#1, %g#2 : tensor<2x4x6x6xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>
}

// -----

// Max pooling routes the cotangent through the forward result.
// CHECK-LABEL: func.func @max_pool
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x2x4x4xf32>
// CHECK: %[[M:.*]] = mpt.max_pool2d %[[X]]
// CHECK: mpt.max_pool2d_grad %[[X]], %[[M]], %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>
func.func @max_pool(%x: tensor<1x2x4x4xf32>, %t: tensor<1x2x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %m = mpt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %l = mpt.mse_loss %m, %t : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
  %g = mpt.gradient %l wrt %x : tensor<1x2x4x4xf32>
  return %g : tensor<1x2x4x4xf32>
}

// -----

// Average pooling needs only the cotangent.
// CHECK-LABEL: func.func @avg_pool
// CHECK: mpt.avg_pool2d_grad %{{.*}} {count_include_pad, kernel = array<i64: 2, 2>} : tensor<1x2x3x3xf32> -> tensor<1x2x4x4xf32>
func.func @avg_pool(%x: tensor<1x2x4x4xf32>, %t: tensor<1x2x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %a = mpt.avg_pool2d %x {count_include_pad, kernel = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x3x3xf32>
  %l = mpt.mse_loss %a, %t : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
  %g = mpt.gradient %l wrt %x : tensor<1x2x4x4xf32>
  return %g : tensor<1x2x4x4xf32>
}

// -----

// Concatenated inputs receive their slices of the cotangent; a slice's
// input receives its cotangent in place; a gathered table the sum of the
// rows that read it.
// CHECK-LABEL: func.func @data_movement
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x2xf32>, %[[B:[^:]*]]: tensor<4x3xf32>, %[[T:[^:]*]]: tensor<5x2xf32>, %[[I:[^:]*]]: tensor<4xi64>
// CHECK: %[[DT:.*]] = mpt.gather_grad %[[I]], %{{.*}} : tensor<4xi64>, tensor<4x2xf32> -> tensor<5x2xf32>
// CHECK: %[[DS:.*]] = mpt.slice_grad %{{.*}} {offsets = array<i64: 0, 1>, strides = array<i64: 1, 2>} : tensor<4x2xf32> -> tensor<4x5xf32>
// CHECK: %[[DA:.*]] = mpt.slice %[[DS]] {offsets = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<4x5xf32> -> tensor<4x2xf32>
// CHECK: %[[DB:.*]] = mpt.slice %[[DS]] {offsets = array<i64: 0, 2>, strides = array<i64: 1, 1>} : tensor<4x5xf32> -> tensor<4x3xf32>
// CHECK: return %[[DA]], %[[DB]], %[[DT]]
func.func @data_movement(%a: tensor<4x2xf32>, %b: tensor<4x3xf32>, %t: tensor<5x2xf32>, %i: tensor<4xi64>, %d: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x3xf32>, tensor<5x2xf32>) {
  %c = mpt.concat %a, %b {axis = 1 : i64} : tensor<4x2xf32>, tensor<4x3xf32> -> tensor<4x5xf32>
  %s = mpt.slice %c {offsets = array<i64: 0, 1>, strides = array<i64: 1, 2>} : tensor<4x5xf32> -> tensor<4x2xf32>
  %e = mpt.gather %t, %i : tensor<5x2xf32>, tensor<4xi64> -> tensor<4x2xf32>
  %m = mpt.mul %s, %e : tensor<4x2xf32>, tensor<4x2xf32>
  %x = mpt.mse_loss %m, %d : tensor<4x2xf32>, tensor<4x2xf32>
  %g:3 = mpt.gradient %x wrt %a, %b, %t : tensor<4x2xf32>, tensor<4x3xf32>, tensor<5x2xf32>
  return %g#0, %g#1, %g#2 : tensor<4x2xf32>, tensor<4x3xf32>, tensor<5x2xf32>
}

// -----

// The cross-entropy loss: the logits cotangent is the derivative op fed by
// the seed; integer labels get none.
// CHECK-LABEL: func.func @cross_entropy
// CHECK-SAME: (%[[Z:[^:]*]]: tensor<4x3xf32>, %[[Y:[^:]*]]: tensor<4xi64>)
// CHECK: %[[SEED:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[DZ:.*]] = mpt.cross_entropy_loss_grad %[[Z]], %[[Y]], %[[SEED]] : tensor<4x3xf32>, tensor<4xi64>
// CHECK: return %[[DZ]]
func.func @cross_entropy(%z: tensor<4x3xf32>, %y: tensor<4xi64>) -> tensor<4x3xf32> {
  %l = mpt.cross_entropy_loss %z, %y : tensor<4x3xf32>, tensor<4xi64>
  %g = mpt.gradient %l wrt %z : tensor<4x3xf32>
  return %g : tensor<4x3xf32>
}

// -----

// erf' = 2/sqrt(pi) exp(-x^2); log_softmax: dy - exp(y) sum(dy).
// CHECK-LABEL: func.func @erf_log_softmax
// CHECK-DAG: arith.constant dense<1.12837923> : tensor<f32>
// CHECK: %[[Y:.*]] = mpt.log_softmax
// CHECK: %[[SUM:.*]] = mpt.reduce_sum %{{.*}} {dims = array<i64: 1>} : tensor<4x3xf32> -> tensor<4xf32>
// CHECK: %[[SPREAD:.*]] = mpt.broadcast %[[SUM]] {dims = array<i64: 1>} : tensor<4xf32> -> tensor<4x3xf32>
// CHECK: %[[P:.*]] = mpt.exp %[[Y]]
// CHECK: mpt.mul %[[P]], %[[SPREAD]]
// CHECK: mpt.exp
func.func @erf_log_softmax(%x: tensor<4x3xf32>, %d: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = mpt.erf %x : tensor<4x3xf32>
  %y = mpt.log_softmax %e : tensor<4x3xf32>
  %s = mpt.mse_loss %y, %d : tensor<4x3xf32>, tensor<4x3xf32>
  %g = mpt.gradient %s wrt %x : tensor<4x3xf32>
  return %g : tensor<4x3xf32>
}
