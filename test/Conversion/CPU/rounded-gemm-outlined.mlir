// RUN: mpt-opt --mpt-cpu-rematerialize-widenings --mpt-cpu-outline-kernels --mpt-cpu-vectorize-contractions %s | FileCheck %s

// A bf16 GEMM's gradient, rounded, unscaled in f32 and read twice: the
// rounding lands in the GEMM's kernel, which rounds its register blocks
// straight into the bf16 destination its caller passes (no f32 result, no
// copy), and both readers recompute the unscaled f32 value from it.
// CHECK-LABEL: func.func private @step_kernel_0(
// CHECK-SAME:      %[[DEST:[^:]*]]: tensor<64x64xbf16>) -> tensor<64x64xbf16>
// CHECK:         %[[BLOCKS:.*]] = tensor.expand_shape %[[DEST]]
// CHECK:         scf.forall {{.*}} shared_outs(%{{.*}} = %[[BLOCKS]])
// CHECK:           arith.truncf {{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK-NOT:     linalg.generic
// CHECK:         return
// CHECK-LABEL: func.func @step(
// CHECK:         %[[G:.*]] = call @step_kernel_0(
// CHECK-NOT:     linalg.
// CHECK:         call @step_kernel_1(%{{.*}}, %[[G]],
// CHECK:         call @step_kernel_2(%{{.*}}, %[[G]],

#id = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> ()>
#reduce = affine_map<(d0, d1) -> ()>
func.func @step(%a: tensor<64x32xbf16>, %b: tensor<32x64xbf16>, %w: tensor<64x64xf32>, %inv: tensor<f32>) -> (tensor<64x64xf32>, tensor<f32>) {
  %zero = arith.constant 0.0 : f32
  %e32 = tensor.empty() : tensor<64x64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e32 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x32xbf16>, tensor<32x64xbf16>) outs(%fill : tensor<64x64xf32>) -> tensor<64x64xf32>
  %e = tensor.empty() : tensor<64x64xf32>
  %g = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %inv : tensor<64x64xf32>, tensor<f32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %t = arith.truncf %in : f32 to bf16
    %x = arith.extf %t : bf16 to f32
    %y = arith.mulf %x, %s : f32
    linalg.yield %y : f32
  } -> tensor<64x64xf32>
  %e0 = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %max = linalg.generic {indexing_maps = [#id, #reduce], iterator_types = ["reduction", "reduction"]}
      ins(%g : tensor<64x64xf32>) outs(%z : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %abs = math.absf %in : f32
    %r = arith.maximumf %abs, %out : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %e1 = tensor.empty() : tensor<64x64xf32>
  %new = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<64x64xf32>, tensor<64x64xf32>) outs(%e1 : tensor<64x64xf32>) {
  ^bb0(%p: f32, %d: f32, %out: f32):
    %r = arith.subf %p, %d : f32
    linalg.yield %r : f32
  } -> tensor<64x64xf32>
  return %new, %max : tensor<64x64xf32>, tensor<f32>
}

