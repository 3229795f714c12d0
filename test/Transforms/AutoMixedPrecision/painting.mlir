// RUN: mpt-opt --auto-mixed-precision --split-input-file %s | FileCheck %s

// Deny taint from exp reaches the sqrt (infer) through a relu; the relu right
// before the matmul feeds an allow op and the relu after it follows one, so
// only relu -> matmul -> relu runs in f16, with exactly two boundary casts.

// CHECK-LABEL: func.func @chain
// CHECK-NOT:  mpt.cast
// CHECK:      %[[E:.*]] = mpt.exp %{{.*}} : tensor<8x8xf32>
// CHECK-NEXT: %[[R1:.*]] = mpt.relu %[[E]] : tensor<8x8xf32>
// CHECK-NEXT: %[[S:.*]] = mpt.sqrt %[[R1]] : tensor<8x8xf32>
// CHECK-NEXT: %[[C1:.*]] = mpt.cast %[[S]] : tensor<8x8xf32> to tensor<8x8xf16>
// CHECK-NEXT: %[[R2:.*]] = mpt.relu %[[C1]] : tensor<8x8xf16>
// CHECK-NEXT: %[[M:.*]] = mpt.matmul %[[R2]], %[[R2]] : tensor<8x8xf16>, tensor<8x8xf16> -> tensor<8x8xf16>
// CHECK-NEXT: %[[R3:.*]] = mpt.relu %[[M]] : tensor<8x8xf16>
// CHECK-NEXT: %[[C2:.*]] = mpt.cast %[[R3]] : tensor<8x8xf16> to tensor<8x8xf32>
// CHECK-NEXT: %[[L:.*]] = mpt.log %[[C2]] : tensor<8x8xf32>
// CHECK-NEXT: %[[R4:.*]] = mpt.relu %[[L]] : tensor<8x8xf32>
// CHECK-NEXT: mpt.mse_loss %[[R4]], %{{.*}} : tensor<8x8xf32>, tensor<8x8xf32>
// CHECK-NOT:  mpt.cast
// CHECK:      return
mpt.train_step @chain params(%w: tensor<8x8xf32>) batch(%y: tensor<8x8xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.exp %w : tensor<8x8xf32>
  %1 = mpt.relu %0 : tensor<8x8xf32>
  %2 = mpt.sqrt %1 : tensor<8x8xf32>
  %3 = mpt.relu %2 : tensor<8x8xf32>
  %4 = mpt.matmul %3, %3 : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
  %5 = mpt.relu %4 : tensor<8x8xf32>
  %6 = mpt.log %5 : tensor<8x8xf32>
  %7 = mpt.relu %6 : tensor<8x8xf32>
  %l = mpt.mse_loss %7, %y : tensor<8x8xf32>, tensor<8x8xf32>
  mpt.loss %l
}

// -----

// Clear ops upstream of a matmul take its precision (the cast moves up to the
// batch input), and clear ops downstream follow it.

// CHECK-LABEL: func.func @clear_both_directions
// CHECK:      %[[X:.*]] = mpt.cast %{{.*}} : tensor<4x8xf32> to tensor<4x8xf16>
// CHECK:      %[[RS:.*]] = mpt.reshape %[[X]] : tensor<4x8xf16> -> tensor<8x4xf16>
// CHECK-NEXT: %[[T:.*]] = mpt.transpose %[[RS]] {permutation = array<i64: 1, 0>} : tensor<8x4xf16> -> tensor<4x8xf16>
// CHECK-NEXT: %[[M:.*]] = mpt.matmul %[[T]], %{{.*}} : tensor<4x8xf16>, tensor<8x2xf16> -> tensor<4x2xf16>
// CHECK-NEXT: %[[R:.*]] = mpt.relu %[[M]] : tensor<4x2xf16>
// CHECK-NEXT: mpt.cast %[[R]] : tensor<4x2xf16> to tensor<4x2xf32>
mpt.train_step @clear_both_directions params(%w: tensor<8x2xf32>)
    batch(%x: tensor<4x8xf32>, %y: tensor<4x2xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.reshape %x : tensor<4x8xf32> -> tensor<8x4xf32>
  %1 = mpt.transpose %0 {permutation = array<i64: 1, 0>} : tensor<8x4xf32> -> tensor<4x8xf32>
  %2 = mpt.matmul %1, %w : tensor<4x8xf32>, tensor<8x2xf32> -> tensor<4x2xf32>
  %3 = mpt.relu %2 : tensor<4x2xf32>
  %l = mpt.mse_loss %3, %y : tensor<4x2xf32>, tensor<4x2xf32>
  mpt.loss %l
}

// -----

// Deny taint flows through infer ops: tanh and add after exp stay f32 even
// though they feed a matmul.

// CHECK-LABEL: func.func @deny_taint_through_infer
// CHECK:      %[[E:.*]] = mpt.exp %{{.*}} : tensor<4x4xf32>
// CHECK-NEXT: %[[T:.*]] = mpt.tanh %[[E]] : tensor<4x4xf32>
// CHECK-NEXT: %[[A:.*]] = mpt.add %[[T]], %{{.*}} : tensor<4x4xf32>, tensor<4xf32>
// CHECK-NEXT: %[[C:.*]] = mpt.cast %[[A]] : tensor<4x4xf32> to tensor<4x4xf16>
// CHECK-NEXT: mpt.matmul %[[C]], %{{.*}} : tensor<4x4xf16>, tensor<4x4xf16> -> tensor<4x4xf16>
mpt.train_step @deny_taint_through_infer params(%w: tensor<4x4xf32>, %b: tensor<4xf32>)
    batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.exp %x : tensor<4x4xf32>
  %1 = mpt.tanh %0 : tensor<4x4xf32>
  %2 = mpt.add %1, %b : tensor<4x4xf32>, tensor<4xf32>
  %3 = mpt.matmul %2, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %3, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// An infer op between two low-precision regions goes low precision, and so
// does an infer op fed by one (bias add, gelu); the bias is cast once.

// CHECK-LABEL: func.func @infer_between_allow
// CHECK:      %[[M1:.*]] = mpt.matmul {{.*}} -> tensor<4x4xf16>
// CHECK-NEXT: %[[A:.*]] = mpt.add %[[M1]], %{{.*}} : tensor<4x4xf16>, tensor<4xf16>
// CHECK-NEXT: %[[G:.*]] = mpt.gelu %[[A]] : tensor<4x4xf16>
// CHECK-NEXT: %[[M2:.*]] = mpt.matmul %[[G]], {{.*}} -> tensor<4x4xf16>
mpt.train_step @infer_between_allow params(%w: tensor<4x4xf32>, %b: tensor<4xf32>)
    batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.matmul %x, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = mpt.add %0, %b : tensor<4x4xf32>, tensor<4xf32>
  %2 = mpt.gelu %1 : tensor<4x4xf32>
  %3 = mpt.matmul %2, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %3, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// A clear op on a path from a deny op to an infer op is denied; one on a
// path from a deny op straight into an allow op is not.

// CHECK-LABEL: func.func @clear_before_allow_not_denied
// CHECK:      %[[E:.*]] = mpt.exp
// CHECK-NEXT: %[[C:.*]] = mpt.cast %[[E]] : tensor<4x4xf32> to tensor<4x4xf16>
// CHECK-NEXT: mpt.relu %[[C]] : tensor<4x4xf16>
mpt.train_step @clear_before_allow_not_denied params(%w: tensor<4x4xf32>)
    batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.exp %x : tensor<4x4xf32>
  %1 = mpt.relu %0 : tensor<4x4xf32>
  %2 = mpt.matmul %1, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %2, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}
