// RUN: mpt-opt %s --mpt-differentiate -split-input-file | FileCheck %s

// L = mean((p - t)^2) over 32 elements: dp = dL * 2/32 * (p - t), dt = -dp.
// The seed dL of the loss is 1.0.
// CHECK-LABEL: func.func @mse_loss
// CHECK-SAME: (%[[P:[^:]*]]: tensor<4x8xf32>, %[[T:[^:]*]]: tensor<4x8xf32>)
// CHECK-DAG: %[[SEED:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[C:.*]] = arith.constant 6.250000e-02 : f32
// CHECK-DAG: %[[NC:.*]] = arith.constant -6.250000e-02 : f32
// CHECK: %[[D:.*]] = mpt.sub %[[P]], %[[T]] : tensor<4x8xf32>, tensor<4x8xf32>
// CHECK: %[[F:.*]] = arith.mulf %[[SEED]], %[[C]] : f32
// CHECK: %[[FT:.*]] = tensor.from_elements %[[F]] : tensor<f32>
// CHECK: %[[DP:.*]] = mpt.mul %[[D]], %[[FT]] : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[NF:.*]] = arith.mulf %[[SEED]], %[[NC]] : f32
// CHECK: %[[NFT:.*]] = tensor.from_elements %[[NF]] : tensor<f32>
// CHECK: %[[DT:.*]] = mpt.mul %[[D]], %[[NFT]] : tensor<4x8xf32>, tensor<f32>
// CHECK: return %[[DP]], %[[DT]]
func.func @mse_loss(%p: tensor<4x8xf32>, %t: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %l = mpt.mse_loss %p, %t : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %p, %t : tensor<4x8xf32>, tensor<4x8xf32>
  return %g#0, %g#1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Like the forward op, the backward computes in f64 when an operand is f64.
// CHECK-LABEL: func.func @mse_loss_f64
// CHECK-SAME: (%[[P:[^:]*]]: tensor<4x8xf64>, %[[T:[^:]*]]: tensor<4x8xf16>)
// CHECK-DAG: %[[SEED:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[C:.*]] = arith.constant 6.250000e-02 : f64
// CHECK: %[[TW:.*]] = mpt.cast %[[T]] : tensor<4x8xf16> to tensor<4x8xf64>
// CHECK: %[[D:.*]] = mpt.sub %[[P]], %[[TW]] : tensor<4x8xf64>, tensor<4x8xf64>
// CHECK: %[[SEEDW:.*]] = mpt.cast %[[SEED]] : f32 to f64
// CHECK: %[[F:.*]] = arith.mulf %[[SEEDW]], %[[C]] : f64
// CHECK: %[[FT:.*]] = tensor.from_elements %[[F]] : tensor<f64>
// CHECK: %[[DP:.*]] = mpt.mul %[[D]], %[[FT]] : tensor<4x8xf64>, tensor<f64>
// CHECK: return %[[DP]]
func.func @mse_loss_f64(%p: tensor<4x8xf64>, %t: tensor<4x8xf16>) -> tensor<4x8xf64> {
  %l = mpt.mse_loss %p, %t : tensor<4x8xf64>, tensor<4x8xf16>
  %g = mpt.gradient %l wrt %p : tensor<4x8xf64>
  return %g : tensor<4x8xf64>
}

// -----

// scaled = L * s: dL = 1.0 * s, so every gradient is s times larger.
// CHECK-LABEL: func.func @scale_loss
// CHECK-SAME: %[[S:[^:]*]]: f32
// CHECK-DAG: %[[SEED:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[C:.*]] = arith.constant 6.250000e-02 : f32
// CHECK: %[[DL:.*]] = arith.mulf %[[SEED]], %[[S]] : f32
// CHECK: %[[D:.*]] = mpt.sub
// CHECK: %[[F:.*]] = arith.mulf %[[DL]], %[[C]] : f32
// CHECK: %[[FT:.*]] = tensor.from_elements %[[F]] : tensor<f32>
// CHECK: %[[DP:.*]] = mpt.mul %[[D]], %[[FT]]
// CHECK: return %[[DP]]
func.func @scale_loss(%p: tensor<4x8xf32>, %t: tensor<4x8xf32>, %s: f32) -> tensor<4x8xf32> {
  %l = mpt.mse_loss %p, %t : tensor<4x8xf32>, tensor<4x8xf32>
  %sl = mpt.scale_loss %l, %s
  %g = mpt.gradient %sl wrt %p : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// scale_loss(L, L) = L^2: both operands are active, and the scalar
// cotangents of L (dr * scale and dr * loss) are summed.
// CHECK-LABEL: func.func @scale_loss_squared
// CHECK: %[[SEED:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[L:.*]] = mpt.mse_loss
// CHECK: %[[A:.*]] = arith.mulf %[[SEED]], %[[L]] : f32
// CHECK: %[[B:.*]] = arith.mulf %[[SEED]], %[[L]] : f32
// CHECK: %[[DL:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK: arith.mulf %[[DL]], %{{.*}} : f32
// CHECK: return
func.func @scale_loss_squared(%p: tensor<4x8xf32>, %t: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %l = mpt.mse_loss %p, %t : tensor<4x8xf32>, tensor<4x8xf32>
  %sl = mpt.scale_loss %l, %l
  %g = mpt.gradient %sl wrt %p : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// The cotangent of the f16 copy is cast back: the f32 weight receives an
// f32 gradient.
// CHECK-LABEL: func.func @cast
// CHECK-SAME: (%[[W:[^:]*]]: tensor<4x8xf32>,
// CHECK: %[[H:.*]] = mpt.cast %[[W]] : tensor<4x8xf32> to tensor<4x8xf16>
// CHECK: %[[DH:.*]] = mpt.cast %{{.*}} : tensor<4x8xf32> to tensor<4x8xf16>
// CHECK: %[[DW:.*]] = mpt.cast %[[DH]] : tensor<4x8xf16> to tensor<4x8xf32>
// CHECK: return %[[DW]]
func.func @cast(%w: tensor<4x8xf32>, %t: tensor<4x8xf16>) -> tensor<4x8xf32> {
  %h = mpt.cast %w : tensor<4x8xf32> to tensor<4x8xf16>
  %l = mpt.mse_loss %h, %t : tensor<4x8xf16>, tensor<4x8xf16>
  %g = mpt.gradient %l wrt %w : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}
