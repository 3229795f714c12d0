// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// Stable softmax along axis 1, statistics in f32: a max reduction from
// -inf, a sum of exp(x - max), then exp(x - max) / sum rounded to f16.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax_axis1_f16
// CHECK:         %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK:         %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME:      outs(%[[INIT]] : tensor<4x16xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME:      ins(%{{.*}}, %[[MAX]] : tensor<4x8x16xf16>, tensor<4x16xf32>)
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]]
// CHECK-SAME:      ins(%{{.*}}, %[[MAX]], %[[SUM]] : tensor<4x8x16xf16>, tensor<4x16xf32>, tensor<4x16xf32>)
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.truncf %{{.*}} : f32 to f16
func.func @softmax_axis1_f16(%x: tensor<4x8x16xf16>) -> tensor<4x8x16xf16> {
  %0 = mpt.softmax %x {axis = 1 : i64} : tensor<4x8x16xf16>
  return %0 : tensor<4x8x16xf16>
}

// -----

// The default axis is the last dim.
// CHECK-LABEL: func.func @softmax_last
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      outs(%{{.*}} : tensor<4xf32>)
func.func @softmax_last(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.softmax %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Layer norm: mean, then the mean of squared deviations (two passes),
// 1 / sqrt(var + eps), and the affine transform, all in f32.
// CHECK-LABEL: func.func @layer_norm_bf16
// CHECK-DAG:     %[[D:.*]] = arith.constant 6.400000e+01 : f32
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.extf %{{.*}} : bf16 to f32
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<16xf32>)
// CHECK:           arith.divf %{{.*}}, %[[D]] : f32
// CHECK:         %[[SQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%{{.*}}, %[[MEAN]] : tensor<16x64xbf16>, tensor<16xf32>)
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:         %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK:         %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<16xf32>)
// CHECK:           arith.addf %{{.*}}, %[[EPS]] : f32
// CHECK:           math.rsqrt
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[MEAN]], %[[RSTD]], %{{.*}}, %{{.*}} : tensor<16x64xbf16>, tensor<16xf32>, tensor<16xf32>, tensor<64xbf16>, tensor<64xbf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
func.func @layer_norm_bf16(%x: tensor<16x64xbf16>, %g: tensor<64xbf16>, %b: tensor<64xbf16>) -> tensor<16x64xbf16> {
  %0 = mpt.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f64} : tensor<16x64xbf16>, tensor<64xbf16>, tensor<64xbf16>
  return %0 : tensor<16x64xbf16>
}
