// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// relu is exact in any precision: max(x, 0) in the operand's type.
// CHECK-LABEL: func.func @relu_f16
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-SAME:      ins(%{{.*}} : tensor<4x8xf16>)
// CHECK:         ^bb0(%[[X:[^:]*]]: f16, %{{.*}}: f16):
// CHECK:           %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK:           arith.maximumf %[[X]], %[[ZERO]] : f16
func.func @relu_f16(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = mpt.relu %x : tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

// gelu (tanh approximation) on f16 computes in f32 and rounds once.
// CHECK-LABEL: func.func @gelu_f16
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[X:[^:]*]]: f16, %{{.*}}: f16):
// CHECK:           %[[W:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK:           arith.mulf %[[W]], %[[W]] : f32
// CHECK:           arith.constant 4.471500e-02 : f32
// CHECK:           arith.constant 0.797884583 : f32
// CHECK:           math.tanh %{{.*}} : f32
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:           %[[H:.*]] = arith.mulf %{{.*}}, %[[W]] : f32
// CHECK:           %[[Y:.*]] = arith.mulf %[[H]], %{{.*}} : f32
// CHECK:           %[[R:.*]] = arith.truncf %[[Y]] : f32 to f16
// CHECK:           linalg.yield %[[R]] : f16
func.func @gelu_f16(%x: tensor<16xf16>) -> tensor<16xf16> {
  %0 = mpt.gelu %x : tensor<16xf16>
  return %0 : tensor<16xf16>
}

// -----

// CHECK-LABEL: func.func @tanh_f32
// CHECK:         linalg.generic
// CHECK:           %[[T:.*]] = math.tanh %{{.*}} : f32
// CHECK-NEXT:      linalg.yield %[[T]] : f32
func.func @tanh_f32(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = mpt.tanh %x : tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// sigmoid = 1 / (1 + exp(-x)), in f32 for bf16.
// CHECK-LABEL: func.func @sigmoid_bf16
// CHECK:         ^bb0(%[[X:[^:]*]]: bf16, %{{.*}}: bf16):
// CHECK:           %[[W:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK:           %[[N:.*]] = arith.negf %[[W]] : f32
// CHECK:           %[[E:.*]] = math.exp %[[N]] : f32
// CHECK:           %[[D:.*]] = arith.addf %{{.*}}, %[[E]] : f32
// CHECK:           %[[S:.*]] = arith.divf %{{.*}}, %[[D]] : f32
// CHECK:           arith.truncf %[[S]] : f32 to bf16
func.func @sigmoid_bf16(%x: tensor<16xbf16>) -> tensor<16xbf16> {
  %0 = mpt.sigmoid %x : tensor<16xbf16>
  return %0 : tensor<16xbf16>
}

// -----

// CHECK-LABEL: func.func @sqrt_exp_log
// CHECK:         math.sqrt %{{.*}} : f32
// CHECK:         math.exp %{{.*}} : f64
// CHECK:         math.log %{{.*}} : f32
func.func @sqrt_exp_log(%a: tensor<8xf32>, %b: tensor<8xf64>) -> (tensor<8xf32>, tensor<8xf64>, tensor<8xf32>) {
  %0 = mpt.sqrt %a : tensor<8xf32>
  %1 = mpt.exp %b : tensor<8xf64>
  %2 = mpt.log %a : tensor<8xf32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf64>, tensor<8xf32>
}

// -----

// f16 sin and cos compute in f32, as the other transcendental ops.
// CHECK-LABEL: func.func @sin_cos
// CHECK:         %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK-NEXT:    %[[S:.*]] = math.sin %[[W]] : f32
// CHECK-NEXT:    arith.truncf %[[S]] : f32 to f16
// CHECK:         math.cos %{{.*}} : f32
func.func @sin_cos(%a: tensor<8xf16>, %b: tensor<8xf32>) -> (tensor<8xf16>, tensor<8xf32>) {
  %0 = mpt.sin %a : tensor<8xf16>
  %1 = mpt.cos %b : tensor<8xf32>
  return %0, %1 : tensor<8xf16>, tensor<8xf32>
}

// -----

// A bias is broadcast along the leading dims by its indexing map.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[BIAS:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @add_bias
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[BIAS]], #[[ID]]]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : tensor<2x4x8xf16>, tensor<8xf16>)
// CHECK:           arith.addf %{{.*}}, %{{.*}} : f16
func.func @add_bias(%x: tensor<2x4x8xf16>, %b: tensor<8xf16>) -> tensor<2x4x8xf16> {
  %0 = mpt.add %x, %b : tensor<2x4x8xf16>, tensor<8xf16>
  return %0 : tensor<2x4x8xf16>
}

// -----

// A rank-0 rhs is read through the map to no dims.
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @mul_scalar
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK:           arith.mulf
func.func @mul_scalar(%x: tensor<4x8xf32>, %s: tensor<f32>) -> tensor<4x8xf32> {
  %0 = mpt.mul %x, %s : tensor<4x8xf32>, tensor<f32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @sub_div
// CHECK:         arith.subf %{{.*}}, %{{.*}} : f32
// CHECK:         arith.divf %{{.*}}, %{{.*}} : f32
func.func @sub_div(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mpt.sub %x, %y : tensor<4xf32>, tensor<4xf32>
  %1 = mpt.div %0, %y : tensor<4xf32>, tensor<4xf32>
  return %1 : tensor<4xf32>
}
