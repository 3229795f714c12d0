// RUN: mpt-opt %s --mpt-differentiate -split-input-file | FileCheck %s

// Every section: loss = mse(f(x), y), so the cotangent of f(x) is
// %DR = (f(x) - y) * (2/N * 1.0); the checks follow it into the adjoint of f.

// CHECK-LABEL: func.func @relu
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf16>,
// CHECK: %[[R:.*]] = mpt.relu %[[X]]
// CHECK: %[[DR:.*]] = mpt.cast %{{.*}} : tensor<4x8xf32> to tensor<4x8xf16>
// CHECK: %[[DX:.*]] = mpt.relu_grad %[[R]], %[[DR]] : tensor<4x8xf16>
// CHECK: return %[[DX]]
func.func @relu(%x: tensor<4x8xf16>, %y: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %r = mpt.relu %x : tensor<4x8xf16>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf16>, tensor<4x8xf16>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf16>
  return %g : tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @gelu
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.gelu_grad %[[X]], %[[DR]] : tensor<4x8xf32>
// CHECK: return %[[DX]]
func.func @gelu(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.gelu %x : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// dx = dr * (1 - y^2)
// CHECK-LABEL: func.func @tanh
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK: %[[R:.*]] = mpt.tanh
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[SQ:.*]] = mpt.mul %[[R]], %[[R]]
// CHECK: %[[D:.*]] = mpt.sub %[[ONE]], %[[SQ]]
// CHECK: %[[DX:.*]] = mpt.mul %[[DR]], %[[D]]
// CHECK: return %[[DX]]
func.func @tanh(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.tanh %x : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// dx = dr * y * (1 - y)
// CHECK-LABEL: func.func @sigmoid
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK: %[[R:.*]] = mpt.sigmoid
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[C:.*]] = mpt.sub %[[ONE]], %[[R]]
// CHECK: %[[D:.*]] = mpt.mul %[[R]], %[[C]]
// CHECK: %[[DX:.*]] = mpt.mul %[[DR]], %[[D]]
// CHECK: return %[[DX]]
func.func @sigmoid(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.sigmoid %x : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// dx = dr / y * 0.5
// CHECK-LABEL: func.func @sqrt
// CHECK: %[[HALF:.*]] = arith.constant dense<5.000000e-01> : tensor<f32>
// CHECK: %[[R:.*]] = mpt.sqrt
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[Q:.*]] = mpt.div %[[DR]], %[[R]]
// CHECK: %[[DX:.*]] = mpt.mul %[[Q]], %[[HALF]] : tensor<4x8xf32>, tensor<f32>
// CHECK: return %[[DX]]
func.func @sqrt(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.sqrt %x : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// dx = dr * exp(x), reusing the forward result.
// CHECK-LABEL: func.func @exp
// CHECK: %[[R:.*]] = mpt.exp
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.mul %[[DR]], %[[R]]
// CHECK: return %[[DX]]
func.func @exp(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.exp %x : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// dx = dr / x
// CHECK-LABEL: func.func @log
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DX:.*]] = mpt.div %[[DR]], %[[X]]
// CHECK: return %[[DX]]
func.func @log(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.log %x : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// d sin(x) = dr * cos(x); d cos(x) = -(dr * sin(x)).
// CHECK-LABEL: func.func @sin_cos
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32>,
// CHECK: %[[S:.*]] = mpt.sin %[[X]]
// CHECK: %[[C:.*]] = mpt.cos %[[S]]
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[SIN:.*]] = mpt.sin %[[S]]
// CHECK: %[[T:.*]] = mpt.mul %[[DR]], %[[SIN]]
// CHECK: %[[DS:.*]] = mpt.mul %[[T]], %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[COS:.*]] = mpt.cos %[[X]]
// CHECK: %[[DX:.*]] = mpt.mul %[[DS]], %[[COS]]
// CHECK: return %[[DX]]
func.func @sin_cos(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = mpt.sin %x : tensor<4x8xf32>
  %r = mpt.cos %s : tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g = mpt.gradient %l wrt %x : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// Same shapes: both cotangents are dr itself.
// CHECK-LABEL: func.func @add
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK-NEXT: return %[[DR]], %[[DR]]
func.func @add(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %r = mpt.add %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
  return %g#0, %g#1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A bias broadcast along the leading dims gets dr summed over them.
// CHECK-LABEL: func.func @add_bias
// CHECK: %[[DR:.*]] = mpt.cast %{{.*}} : tensor<2x4x8xf32> to tensor<2x4x8xf16>
// CHECK: %[[DB:.*]] = mpt.reduce_sum %[[DR]] {dims = array<i64: 0, 1>} : tensor<2x4x8xf16> -> tensor<8xf16>
// CHECK: return %[[DR]], %[[DB]]
func.func @add_bias(%a: tensor<2x4x8xf16>, %b: tensor<8xf16>, %y: tensor<2x4x8xf32>) -> (tensor<2x4x8xf16>, tensor<8xf16>) {
  %r = mpt.add %a, %b : tensor<2x4x8xf16>, tensor<8xf16>
  %l = mpt.mse_loss %r, %y : tensor<2x4x8xf16>, tensor<2x4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<2x4x8xf16>, tensor<8xf16>
  return %g#0, %g#1 : tensor<2x4x8xf16>, tensor<8xf16>
}

// -----

// CHECK-LABEL: func.func @sub_bias
// CHECK: %[[NEG:.*]] = arith.constant dense<-1.000000e+00> : tensor<f32>
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[S:.*]] = mpt.reduce_sum %[[DR]] {dims = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
// CHECK: %[[DB:.*]] = mpt.mul %[[S]], %[[NEG]] : tensor<8xf32>, tensor<f32>
// CHECK: return %[[DR]], %[[DB]]
func.func @sub_bias(%a: tensor<4x8xf32>, %b: tensor<8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %r = mpt.sub %a, %b : tensor<4x8xf32>, tensor<8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<4x8xf32>, tensor<8xf32>
  return %g#0, %g#1 : tensor<4x8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @mul_bias
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x8xf32>, %[[B:[^:]*]]: tensor<8xf32>,
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.mul %[[DR]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK: %[[T:.*]] = mpt.mul %[[DR]], %[[A]] : tensor<4x8xf32>, tensor<4x8xf32>
// CHECK: %[[DB:.*]] = mpt.reduce_sum %[[T]] {dims = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
// CHECK: return %[[DA]], %[[DB]]
func.func @mul_bias(%a: tensor<4x8xf32>, %b: tensor<8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %r = mpt.mul %a, %b : tensor<4x8xf32>, tensor<8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<4x8xf32>, tensor<8xf32>
  return %g#0, %g#1 : tensor<4x8xf32>, tensor<8xf32>
}

// -----

// da = dr / b; db = -sum(dr * r / b), reusing the quotient r = a / b.
// CHECK-LABEL: func.func @div_bias
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x8xf32>, %[[B:[^:]*]]: tensor<8xf32>,
// CHECK: %[[NEG:.*]] = arith.constant dense<-1.000000e+00> : tensor<f32>
// CHECK: %[[R:.*]] = mpt.div %[[A]], %[[B]]
// CHECK: %[[DR:.*]] = mpt.mul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK: %[[DA:.*]] = mpt.div %[[DR]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK: %[[T:.*]] = mpt.mul %[[DR]], %[[R]]
// CHECK: %[[Q:.*]] = mpt.div %[[T]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK: %[[S:.*]] = mpt.reduce_sum %[[Q]] {dims = array<i64: 0>}
// CHECK: %[[DB:.*]] = mpt.mul %[[S]], %[[NEG]] : tensor<8xf32>, tensor<f32>
// CHECK: return %[[DA]], %[[DB]]
func.func @div_bias(%a: tensor<4x8xf32>, %b: tensor<8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %r = mpt.div %a, %b : tensor<4x8xf32>, tensor<8xf32>
  %l = mpt.mse_loss %r, %y : tensor<4x8xf32>, tensor<4x8xf32>
  %g:2 = mpt.gradient %l wrt %a, %b : tensor<4x8xf32>, tensor<8xf32>
  return %g#0, %g#1 : tensor<4x8xf32>, tensor<8xf32>
}
