// RUN: mpt-opt --mpt-cpu-rematerialize-widenings --split-input-file %s | FileCheck %s

// The rounding of a GEMM result is split off the op that widens it back
// and unscales it; that widening is then recomputed by each of its two
// readers, which read the 16-bit result: no f32 copy of it is stored.
// CHECK-LABEL: func.func @rounded_gradient(
// CHECK:         %[[M:.*]] = linalg.matmul
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xbf16>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f32, %{{.*}}: bf16):
// CHECK-NEXT:      %[[T:.*]] = arith.truncf %[[IN]] : f32 to bf16
// CHECK-NEXT:      linalg.yield %[[T]] : bf16
// CHECK:         linalg.generic {{.*}} ins(%[[R]], %{{.*}} : tensor<64x64xbf16>, tensor<f32>)
// CHECK:           arith.extf
// CHECK:           arith.mulf
// CHECK:           math.absf
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[R]], %{{.*}} : tensor<64x64xf32>, tensor<64x64xbf16>, tensor<f32>)
// CHECK:           arith.extf
// CHECK:           arith.subf
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> ()>
#reduce = affine_map<(d0, d1) -> ()>
func.func @rounded_gradient(%a: tensor<64x32xbf16>, %b: tensor<32x64xbf16>, %w: tensor<64x64xf32>, %inv: tensor<f32>) -> (tensor<64x64xf32>, tensor<f32>) {
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

// -----

// A widening read by a contraction stays: the contraction's panel copies
// read its 16-bit source once both are in one kernel.
// CHECK-LABEL: func.func @widening_read_by_contraction(
// CHECK:         %[[W:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<64x32xbf16>) outs(%{{.*}} : tensor<64x32xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[W]], %{{.*}} : tensor<64x32xf32>, tensor<32x64xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[W]] : tensor<64x32xf32>)
#id = affine_map<(d0, d1) -> (d0, d1)>
#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#acc = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @widening_read_by_contraction(%a: tensor<64x32xbf16>, %b: tensor<32x64xf32>, %c: tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x32xf32>) {
  %e = tensor.empty() : tensor<64x32xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x32xbf16>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    linalg.yield %x : f32
  } -> tensor<64x32xf32>
  %m = linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%w, %b : tensor<64x32xf32>, tensor<32x64xf32>) outs(%c : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  %e1 = tensor.empty() : tensor<64x32xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<64x32xf32>) outs(%e1 : tensor<64x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<64x32xf32>
  return %m, %n : tensor<64x64xf32>, tensor<64x32xf32>
}

// -----

// A dot product along rows (the reduction of softmax's gradient) has no m
// and n dims for the GEMM kernels: it reads the 16-bit tensor like any
// other elementwise reader, and the widening is not stored.
// CHECK-LABEL: func.func @widening_read_by_row_dot(
// CHECK-SAME:      %[[A:.*]]: tensor<64x32xbf16>
// CHECK:         linalg.generic {{.*}} ins(%[[A]], %{{.*}} : tensor<64x32xbf16>, tensor<64x32xf32>)
// CHECK:           arith.extf
// CHECK:           arith.mulf
// CHECK:         linalg.generic {{.*}} ins(%[[A]] : tensor<64x32xbf16>)
// CHECK:           arith.extf
// CHECK:           arith.negf
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @widening_read_by_row_dot(%a: tensor<64x32xbf16>, %p: tensor<64x32xf32>, %c: tensor<64xf32>) -> (tensor<64xf32>, tensor<64x32xf32>) {
  %e = tensor.empty() : tensor<64x32xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x32xbf16>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    linalg.yield %x : f32
  } -> tensor<64x32xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%w, %p : tensor<64x32xf32>, tensor<64x32xf32>) outs(%c : tensor<64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %e1 = tensor.empty() : tensor<64x32xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<64x32xf32>) outs(%e1 : tensor<64x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<64x32xf32>
  return %d, %n : tensor<64xf32>, tensor<64x32xf32>
}
