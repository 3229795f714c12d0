// Round trip of the optimizer update ops and their config attributes
// through the custom and the generic form.
// RUN: mpt-opt %s -split-input-file | mpt-opt -split-input-file | FileCheck %s
// RUN: mpt-opt %s -split-input-file --mlir-print-op-generic | mpt-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @sgd_update
// CHECK-SAME: (%[[W:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<4x8xf32>, %[[SKIP:.*]]: i1)
// CHECK: mpt.sgd_update %[[W]], %[[G]] skip %[[SKIP]] {config = #mpt.sgd<lr = 1.000000e-02>} : tensor<4x8xf32>
// CHECK: mpt.sgd_update %{{.*}}, %[[G]] skip %[[SKIP]] {config = #mpt.sgd<lr = 5.000000e-01, weight_decay = 1.250000e-01>} : tensor<4x8xf32>
func.func @sgd_update(%w: tensor<4x8xf32>, %g: tensor<4x8xf32>, %skip: i1)
    -> tensor<4x8xf32> {
  %0 = mpt.sgd_update %w, %g skip %skip {config = #mpt.sgd<lr = 1.0e-2, weight_decay = 0.0>} : tensor<4x8xf32>
  %1 = mpt.sgd_update %0, %g skip %skip {config = #mpt.sgd<weight_decay = 0.125, lr = 0.5>} : tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @momentum_update
// CHECK-SAME: (%[[W:.*]]: tensor<8xf64>, %[[V:.*]]: tensor<8xf64>, %[[G:.*]]: tensor<8xf64>, %[[SKIP:.*]]: i1)
// CHECK: %[[P:.*]], %[[VEL:.*]] = mpt.momentum_update %[[W]], %[[V]], %[[G]] skip %[[SKIP]] {config = #mpt.momentum<lr = 1.000000e-02>} : tensor<8xf64>
// CHECK: mpt.momentum_update %[[P]], %[[VEL]], %[[G]] skip %[[SKIP]] {config = #mpt.momentum<lr = 1.000000e-01, momentum = 5.000000e-01, weight_decay = 1.000000e-04>} : tensor<8xf64>
func.func @momentum_update(%w: tensor<8xf64>, %v: tensor<8xf64>,
                           %g: tensor<8xf64>, %skip: i1)
    -> (tensor<8xf64>, tensor<8xf64>) {
  %0:2 = mpt.momentum_update %w, %v, %g skip %skip {config = #mpt.momentum<lr = 1.0e-2, momentum = 0.9>} : tensor<8xf64>
  %1:2 = mpt.momentum_update %0#0, %0#1, %g skip %skip {config = #mpt.momentum<lr = 0.1, momentum = 0.5, weight_decay = 1.0e-4>} : tensor<8xf64>
  return %1#0, %1#1 : tensor<8xf64>, tensor<8xf64>
}

// -----

// CHECK-LABEL: func.func @adam_update
// CHECK-SAME: (%[[W:.*]]: tensor<4x8xf32>, %[[M:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<4x8xf32>, %[[T:.*]]: i32, %[[SKIP:.*]]: i1)
// CHECK: %[[P:.*]], %[[M1:.*]], %[[V1:.*]] = mpt.adam_update %[[W]], %[[M]], %[[V]], %[[G]] step %[[T]] skip %[[SKIP]] {config = #mpt.adam<lr = 1.000000e-03>} : tensor<4x8xf32>
// A value that six digits cannot hold is printed in full and reads back
// bit-identical.
// CHECK: mpt.adam_update %[[P]], %[[M1]], %[[V1]], %[[G]] step %[[T]] skip %[[SKIP]] {config = #mpt.adam<lr = 2.000000e-03, beta1 = 8.000000e-01, beta2 = 0.98999999999999999, epsilon = 1.000000e-05, weight_decay = 1.000000e-02>} : tensor<4x8xf32>
func.func @adam_update(%w: tensor<4x8xf32>, %m: tensor<4x8xf32>,
                       %v: tensor<4x8xf32>, %g: tensor<4x8xf32>, %t: i32,
                       %skip: i1)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0:3 = mpt.adam_update %w, %m, %v, %g step %t skip %skip {config = #mpt.adam<lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8, weight_decay = 0.0>} : tensor<4x8xf32>
  %1:3 = mpt.adam_update %0#0, %0#1, %0#2, %g step %t skip %skip {config = #mpt.adam<lr = 2.0e-3, beta1 = 0.8, beta2 = 0.99, epsilon = 1.0e-5, weight_decay = 1.0e-2>} : tensor<4x8xf32>
  return %1#0, %1#1, %1#2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
