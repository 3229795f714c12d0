// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// CHECK-LABEL: func.func @transpose
// CHECK:         %[[INIT:.*]] = tensor.empty() : tensor<64x16xf16>
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<16x64xf16>) outs(%[[INIT]] : tensor<64x16xf16>) permutation = [1, 0]
func.func @transpose(%x: tensor<16x64xf16>) -> tensor<64x16xf16> {
  %t = mpt.transpose %x {permutation = array<i64: 1, 0>} : tensor<16x64xf16> -> tensor<64x16xf16>
  return %t : tensor<64x16xf16>
}

// -----

// A reshape that merges dims is one collapse.
// CHECK-LABEL: func.func @reshape_collapse
// CHECK:         %[[R:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x16x64xf16> into tensor<64x64xf16>
// CHECK-NEXT:    return %[[R]]
func.func @reshape_collapse(%x: tensor<4x16x64xf16>) -> tensor<64x64xf16> {
  %r = mpt.reshape %x : tensor<4x16x64xf16> -> tensor<64x64xf16>
  return %r : tensor<64x64xf16>
}

// -----

// A reshape that splits dims is one expand.
// CHECK-LABEL: func.func @reshape_expand
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [4, 16, 64] : tensor<64x64xf32> into tensor<4x16x64xf32>
func.func @reshape_expand(%x: tensor<64x64xf32>) -> tensor<4x16x64xf32> {
  %r = mpt.reshape %x : tensor<64x64xf32> -> tensor<4x16x64xf32>
  return %r : tensor<4x16x64xf32>
}

// -----

// Other reshapes go through the flat tensor.
// CHECK-LABEL: func.func @reshape_regroup
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<6x4xf32> into tensor<24xf32>
// CHECK:         tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
func.func @reshape_regroup(%x: tensor<6x4xf32>) -> tensor<4x6xf32> {
  %r = mpt.reshape %x : tensor<6x4xf32> -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_to_scalar
// CHECK:         tensor.collapse_shape %{{.*}} [] : tensor<1xf32> into tensor<f32>
func.func @reshape_to_scalar(%x: tensor<1xf32>) -> tensor<f32> {
  %r = mpt.reshape %x : tensor<1xf32> -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @broadcast
// CHECK:         linalg.broadcast ins(%{{.*}} : tensor<16xf32>) outs(%{{.*}} : tensor<16x64xf32>) dimensions = [1]
func.func @broadcast(%s: tensor<16xf32>) -> tensor<16x64xf32> {
  %b = mpt.broadcast %s {dims = array<i64: 1>} : tensor<16xf32> -> tensor<16x64xf32>
  return %b : tensor<16x64xf32>
}
