// RUN: mpt-opt --convert-mpt-to-linalg %s | FileCheck %s

// Dropout is one elementwise generic: the key (seed << 32 plus the step)
// is mixed once outside it; each element hashes key + its row-major
// position, keeps itself when the top 24 bits as a number in [0, 1) are
// at least p, and is scaled by 1 / (1 - p) in f32 before one rounding.

// CHECK-LABEL: func.func @dropout
// CHECK:         %[[STEP:.*]] = arith.extui %arg1 : i32 to i64
// CHECK:         %[[SEED:.*]] = arith.constant 12884901888 : i64
// CHECK:         arith.addi %[[SEED]], %[[STEP]] : i64
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%arg0 : tensor<4x8xf16>) outs(%{{.*}} : tensor<4x8xf16>)
// CHECK:           linalg.index 0
// CHECK:           linalg.index 1
// CHECK:           arith.shrui
// CHECK:           arith.uitofp %{{.*}} : i64 to f32
// CHECK:           %[[KEEP:.*]] = arith.cmpf oge, %{{.*}}, %{{.*}} : f32
// CHECK:           %[[X:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:           %[[SCALED:.*]] = arith.mulf %[[X]], %{{.*}} : f32
// CHECK:           %[[R:.*]] = arith.select %[[KEEP]], %[[SCALED]], %{{.*}} : f32
// CHECK:           arith.truncf %[[R]] : f32 to f16
func.func @dropout(%x: tensor<4x8xf16>, %step: i32) -> tensor<4x8xf16> {
  %0 = mpt.dropout %x, %step {p = 0.25 : f64, seed = 3 : i64} : tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}
