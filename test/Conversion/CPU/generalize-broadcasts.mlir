// RUN: mpt-opt --mpt-cpu-generalize-broadcasts --linalg-fuse-elementwise-ops \
// RUN:   --split-input-file %s | FileCheck %s

// A row statistic spread over its rows becomes a generic that elementwise
// fusion folds into its reader, which reads the statistic itself: the
// full-size broadcast is never a tensor of its own.
// CHECK-LABEL: func.func @spread_row_statistic(
// CHECK-SAME:      %[[X:.*]]: tensor<64x128xf32>, %[[S:.*]]: tensor<64xf32>
// CHECK-NOT:     linalg.broadcast
// CHECK:         linalg.generic {{.*}} ins(%[[X]], %[[S]] : tensor<64x128xf32>, tensor<64xf32>)
// CHECK:           arith.subf
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @spread_row_statistic(%x: tensor<64x128xf32>, %s: tensor<64xf32>) -> tensor<64x128xf32> {
  %e = tensor.empty() : tensor<64x128xf32>
  %b = linalg.broadcast ins(%s : tensor<64xf32>) outs(%e : tensor<64x128xf32>) dimensions = [1]
  %e1 = tensor.empty() : tensor<64x128xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<64x128xf32>, tensor<64x128xf32>) outs(%e1 : tensor<64x128xf32>) {
  ^bb0(%in: f32, %spread: f32, %out: f32):
    %d = arith.subf %in, %spread : f32
    linalg.yield %d : f32
  } -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}
