// mpt.random_normal and mpt.random_uniform print and parse back, with and
// without their step counter and with default attributes; a negative or
// infinite scale and bounds out of order are rejected.
// RUN: mpt-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @random
// CHECK:         mpt.random_normal {mean = 5.000000e-01 : f64, scale = 2.000000e+00 : f64, seed = 7 : i64} : tensor<4x8xf16>
// CHECK:         mpt.random_normal %{{.*}} : tensor<4x8xf32>
// CHECK:         mpt.random_uniform {high = 3.000000e+00 : f64, low = -1.000000e+00 : f64, seed = 2 : i64} : tensor<8xf32>
// CHECK:         mpt.random_uniform %{{.*}} {seed = 9 : i64} : tensor<2x2xbf16>
func.func @random(%step: i32) -> (tensor<4x8xf16>, tensor<4x8xf32>, tensor<8xf32>, tensor<2x2xbf16>) {
  %0 = mpt.random_normal {mean = 0.5 : f64, scale = 2.0 : f64, seed = 7 : i64} : tensor<4x8xf16>
  %1 = mpt.random_normal %step : tensor<4x8xf32>
  %2 = mpt.random_uniform {low = -1.0 : f64, high = 3.0 : f64, seed = 2 : i64} : tensor<8xf32>
  %3 = mpt.random_uniform %step {seed = 9 : i64} : tensor<2x2xbf16>
  return %0, %1, %2, %3 : tensor<4x8xf16>, tensor<4x8xf32>, tensor<8xf32>, tensor<2x2xbf16>
}

// -----

func.func @negative_scale() -> tensor<4xf32> {
  // expected-error @+1 {{'mpt.random_normal' op expected a finite mean and a finite scale >= 0, found mean 0.000000e+00 and scale -1.000000e+00}}
  %0 = mpt.random_normal {scale = -1.0 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @bounds_out_of_order() -> tensor<4xf32> {
  // expected-error @+1 {{'mpt.random_uniform' op expected finite bounds with low <= high, found low 2.000000e+00 and high 1.000000e+00}}
  %0 = mpt.random_uniform {low = 2.0 : f64, high = 1.0 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
