// RUN: mpt-opt %mpt_src_root/examples/mlp.mlir --mpt-expand-train-step --mpt-differentiate | FileCheck %s

// The example MLP without mixed precision: the expanded step's gradient is
// replaced by the backward pass, all in f32.

// CHECK-LABEL: func.func @mlp
// CHECK-SAME: (%[[W1:[^:]*]]: tensor<256x1024xf32> {mpt.param = "w1"}, %[[B1:[^:]*]]: tensor<1024xf32> {mpt.param = "b1"}, %[[W2:[^:]*]]: tensor<1024x1xf32> {mpt.param = "w2"}, %[[B2:[^:]*]]: tensor<1xf32> {mpt.param = "b2"}, %[[X:[^:]*]]: tensor<256x256xf32> {mpt.batch = "x"}, %[[Y:[^:]*]]: tensor<256x1xf32> {mpt.batch = "y"})
// CHECK-DAG: %[[SEED:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[C:.*]] = arith.constant 7.812500e-03 : f32
// CHECK: %[[H:.*]] = mpt.linear %[[X]], %[[W1]], %[[B1]]
// CHECK: %[[A:.*]] = mpt.relu %[[H]]
// CHECK: %[[P:.*]] = mpt.linear %[[A]], %[[W2]], %[[B2]]
// CHECK: %[[L:.*]] = mpt.mse_loss %[[P]], %[[Y]]
// CHECK-NOT: mpt.gradient
// CHECK: %[[D:.*]] = mpt.sub %[[P]], %[[Y]]
// CHECK: %[[F:.*]] = arith.mulf %[[SEED]], %[[C]] : f32
// CHECK: %[[FT:.*]] = tensor.from_elements %[[F]]
// CHECK: %[[DP:.*]] = mpt.mul %[[D]], %[[FT]] : tensor<256x1xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.matmul %[[DP]], %[[W2]] {transpose_rhs} : tensor<256x1xf32>, tensor<1024x1xf32> -> tensor<256x1024xf32>
// CHECK: %[[DW2:.*]] = mpt.matmul %[[A]], %[[DP]] {transpose_lhs} : tensor<256x1024xf32>, tensor<256x1xf32> -> tensor<1024x1xf32>
// CHECK: %[[DB2:.*]] = mpt.reduce_sum %[[DP]] {dims = array<i64: 0>} : tensor<256x1xf32> -> tensor<1xf32>
// CHECK: %[[DH:.*]] = mpt.relu_grad %[[A]], %[[DA]] : tensor<256x1024xf32>
// The batch input gets no cotangent: the first layer yields only dW1, db1.
// CHECK-NOT: mpt.matmul %[[DH]], %[[W1]]
// CHECK: %[[DW1:.*]] = mpt.matmul %[[X]], %[[DH]] {transpose_lhs} : tensor<256x256xf32>, tensor<256x1024xf32> -> tensor<256x1024xf32>
// CHECK: %[[DB1:.*]] = mpt.reduce_sum %[[DH]] {dims = array<i64: 0>} : tensor<256x1024xf32> -> tensor<1024xf32>
// CHECK: %[[OK:.*]] = mpt.all_finite %[[DW1]], %[[DB1]], %[[DW2]], %[[DB2]]
// CHECK: mpt.sgd_update %[[W1]], %[[DW1]]
// CHECK: mpt.sgd_update %[[B1]], %[[DB1]]
// CHECK: mpt.sgd_update %[[W2]], %[[DW2]]
// CHECK: mpt.sgd_update %[[B2]], %[[DB2]]
// CHECK: return {{.*}}, %[[L]],
