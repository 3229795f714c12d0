// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// f16 mean over one dim, kept: sum in f32, divide, round, expand.
// CHECK-DAG:   #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce_mean_keep_dims_f16
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME:      outs(%[[ZERO]] : tensor<4x8xf32>)
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:           arith.addf
// CHECK:         %[[MEAN:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[SUM]] : tensor<4x8xf32>) outs(%{{.*}} : tensor<4x8xf16>)
// CHECK:           arith.constant 6.000000e+00 : f32
// CHECK:           arith.divf
// CHECK:           arith.truncf %{{.*}} : f32 to f16
// CHECK:         tensor.expand_shape %[[MEAN]] {{\[}}[0], [1, 2]] output_shape [4, 1, 8] : tensor<4x8xf16> into tensor<4x1x8xf16>
func.func @reduce_mean_keep_dims_f16(%x: tensor<4x6x8xf16>) -> tensor<4x1x8xf16> {
  %0 = mpt.reduce_mean %x {dims = array<i64: 1>, keep_dims} : tensor<4x6x8xf16> -> tensor<4x1x8xf16>
  return %0 : tensor<4x1x8xf16>
}

// -----

// An f32 sum over every dim is one reduction into a 0-d tensor.
// CHECK-LABEL: func.func @reduce_sum_all_f32
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME:      outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT:    ^bb0(%[[X:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[X]], %[[ACC]] : f32
// CHECK-NEXT:      linalg.yield %[[S]]
// CHECK:         return %[[SUM]] : tensor<f32>
func.func @reduce_sum_all_f32(%x: tensor<4x6xf32>) -> tensor<f32> {
  %0 = mpt.reduce_sum %x : tensor<4x6xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// The bias gradient: a sum over the leading dim.
// CHECK-DAG:   #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @reduce_sum_rows
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[COL]]], iterator_types = ["reduction", "parallel"]}
// CHECK-SAME:      outs(%{{.*}} : tensor<1024xf32>)
func.func @reduce_sum_rows(%x: tensor<256x1024xf32>) -> tensor<1024xf32> {
  %0 = mpt.reduce_sum %x {dims = array<i64: 0>} : tensor<256x1024xf32> -> tensor<1024xf32>
  return %0 : tensor<1024xf32>
}
