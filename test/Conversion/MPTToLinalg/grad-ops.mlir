// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// CHECK-LABEL: func.func @relu_grad_f16
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[Y:[^:]*]]: f16, %[[DY:[^:]*]]: f16, %{{.*}}: f16):
// CHECK:           %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK:           %[[ACTIVE:.*]] = arith.cmpf ogt, %[[Y]], %[[ZERO]] : f16
// CHECK:           %[[R:.*]] = arith.select %[[ACTIVE]], %[[DY]], %[[ZERO]] : f16
// CHECK:           linalg.yield %[[R]]
func.func @relu_grad_f16(%y: tensor<16x32xf16>, %dy: tensor<16x32xf16>) -> tensor<16x32xf16> {
  %0 = mpt.relu_grad %y, %dy : tensor<16x32xf16>
  return %0 : tensor<16x32xf16>
}

// -----

// The derivative of the tanh approximation, in f32 for f16 operands.
// CHECK-LABEL: func.func @gelu_grad_f16
// CHECK:         ^bb0(%[[X:[^:]*]]: f16, %[[DY:[^:]*]]: f16, %{{.*}}: f16):
// CHECK:           %[[XW:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK:           %[[DYW:.*]] = arith.extf %[[DY]] : f16 to f32
// CHECK:           math.tanh %{{.*}} : f32
// CHECK:           arith.constant 1.341450e-01 : f32
// CHECK:           %[[G:.*]] = arith.mulf %[[DYW]], %{{.*}} : f32
// CHECK-NEXT:      arith.truncf %[[G]] : f32 to f16
func.func @gelu_grad_f16(%x: tensor<16xf16>, %dy: tensor<16xf16>) -> tensor<16xf16> {
  %0 = mpt.gelu_grad %x, %dy : tensor<16xf16>
  return %0 : tensor<16xf16>
}

// -----

// rstd * (g - sum(g) / D - xhat * sum(g * xhat) / D) with g = dy * gamma:
// the row statistics of the forward pass, two row sums, one elementwise op.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   #[[FEATURE:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @layer_norm_grad
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<16xf32>)
// CHECK:         %[[SQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<16xf32>)
// CHECK:           math.rsqrt
// CHECK:         %[[SUM_G:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[FEATURE]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK:         %[[SUM_GX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[FEATURE]], #[[ID]], #[[ROW]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}}, %{{.*}}, %[[MEAN]], %[[RSTD]], %[[SUM_G]], %[[SUM_GX]] :
func.func @layer_norm_grad(%x: tensor<16x64xf32>, %g: tensor<64xf32>, %dy: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %0 = mpt.layer_norm_grad %x, %g, %dy {epsilon = 1.0e-05 : f64} : tensor<16x64xf32>, tensor<64xf32>
  return %0 : tensor<16x64xf32>
}
