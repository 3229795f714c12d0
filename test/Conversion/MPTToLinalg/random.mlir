// RUN: mpt-opt --convert-mpt-to-linalg %s | FileCheck %s

// Random numbers are one generic of no inputs, keyed like dropout (seed
// << 32 plus the step, mixed once outside it). Uniform numbers scale the
// top 24 bits of each element's hash to [low, high); normal ones hash
// positions 2i and 2i + 1 into u1 in (0, 1] and u2 in [0, 1) and take
// sqrt(-2 log u1) cos(2 pi u2) * scale + mean, in f32 before one rounding.

// CHECK-LABEL: func.func @uniform
// CHECK:         %[[STEP:.*]] = arith.extui %arg0 : i32 to i64
// CHECK:         %[[SEED:.*]] = arith.constant 12884901888 : i64
// CHECK:         arith.addi %[[SEED]], %[[STEP]] : i64
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%{{.*}} : tensor<4x8xf32>)
// CHECK:           linalg.index 0
// CHECK:           linalg.index 1
// CHECK:           arith.shrui
// CHECK:           %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           %[[SPREAD:.*]] = arith.mulf %[[U]], %{{.*}} : f32
// CHECK:           %[[R:.*]] = arith.addf %[[SPREAD]], %{{.*}} : f32
// CHECK:           linalg.yield %[[R]] : f32
func.func @uniform(%step: i32) -> tensor<4x8xf32> {
  %0 = mpt.random_uniform %step {low = -1.0 : f64, high = 3.0 : f64, seed = 3 : i64} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @normal
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%{{.*}} : tensor<16xf16>)
// CHECK:           math.log %{{.*}} : f32
// CHECK:           math.sqrt %{{.*}} : f32
// CHECK:           math.cos %{{.*}} : f32
// CHECK:           %[[R:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK:           arith.truncf %[[R]] : f32 to f16
func.func @normal() -> tensor<16xf16> {
  %0 = mpt.random_normal {mean = 1.0 : f64, scale = 0.5 : f64, seed = 4 : i64} : tensor<16xf16>
  return %0 : tensor<16xf16>
}
