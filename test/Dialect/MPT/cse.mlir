// The mpt ops are pure, so CSE merges identical ones and keeps those that
// differ in an operand or attribute.
// RUN: mpt-opt %s -split-input-file -cse | FileCheck %s

// CHECK-LABEL: func.func @identical_ops_merge
// CHECK-SAME: (%[[X:.*]]: tensor<16x8xf32>, %[[W:.*]]: tensor<8x4xf32>)
// CHECK-NEXT: %[[WH:.*]] = mpt.cast %[[W]]
// CHECK-NEXT: %[[XH:.*]] = mpt.cast %[[X]]
// CHECK-NEXT: %[[R:.*]] = mpt.linear %[[XH]], %[[WH]]
// CHECK-NEXT: return %[[R]], %[[R]]
func.func @identical_ops_merge(%x: tensor<16x8xf32>, %w: tensor<8x4xf32>)
    -> (tensor<16x4xf16>, tensor<16x4xf16>) {
  %0 = mpt.cast %w : tensor<8x4xf32> to tensor<8x4xf16>
  %1 = mpt.cast %x : tensor<16x8xf32> to tensor<16x8xf16>
  %2 = mpt.cast %w : tensor<8x4xf32> to tensor<8x4xf16>
  %3 = mpt.linear %1, %0 : tensor<16x8xf16>, tensor<8x4xf16> -> tensor<16x4xf16>
  %4 = mpt.linear %1, %2 : tensor<16x8xf16>, tensor<8x4xf16> -> tensor<16x4xf16>
  return %3, %4 : tensor<16x4xf16>, tensor<16x4xf16>
}

// -----

// CHECK-LABEL: func.func @different_attributes_stay
// CHECK: mpt.matmul %{{.*}}, %{{.*}} :
// CHECK: mpt.matmul %{{.*}}, %{{.*}} {transpose_rhs} :
// CHECK: mpt.softmax %{{.*}} :
// CHECK: mpt.softmax %{{.*}} {axis = 0 : i64} :
func.func @different_attributes_stay(%a: tensor<8x8xf32>)
    -> (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) {
  %0 = mpt.matmul %a, %a : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
  %1 = mpt.matmul %a, %a {transpose_rhs} : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
  %2 = mpt.softmax %a : tensor<8x8xf32>
  %3 = mpt.softmax %a {axis = 0 : i64} : tensor<8x8xf32>
  return %0, %1, %2, %3 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// -----

// Inside a step too: the loss of two identical predictions reads one.
// CHECK-LABEL: mpt.train_step @in_step
// CHECK: %[[P:.*]] = mpt.linear %x, %w
// CHECK-NOT: mpt.linear
// CHECK: mpt.mse_loss %[[P]], %[[P]]
mpt.train_step @in_step params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %q = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %q : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
