// mpt.dropout prints and parses back, with and without its step counter;
// a drop probability outside [0, 1) is rejected.
// RUN: mpt-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @dropout
// CHECK:         mpt.dropout %{{.*}} {p = 1.000000e-01 : f64, seed = 7 : i64} : tensor<4x8xf16>
// CHECK:         mpt.dropout %{{.*}}, %{{.*}} {p = 0.000000e+00 : f64} : tensor<4x8xf32>
func.func @dropout(%x: tensor<4x8xf16>, %y: tensor<4x8xf32>, %step: i32) -> (tensor<4x8xf16>, tensor<4x8xf32>) {
  %0 = mpt.dropout %x {p = 0.1 : f64, seed = 7 : i64} : tensor<4x8xf16>
  %1 = mpt.dropout %y, %step {p = 0.0 : f64, seed = 0 : i64} : tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf16>, tensor<4x8xf32>
}

// -----

func.func @all_dropped(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'mpt.dropout' op expected a drop probability 'p' in [0, 1), found 1.000000e+00}}
  %0 = mpt.dropout %x {p = 1.0 : f64} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @negative(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'mpt.dropout' op expected a drop probability 'p' in [0, 1), found -5.000000e-01}}
  %0 = mpt.dropout %x {p = -0.5 : f64} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
