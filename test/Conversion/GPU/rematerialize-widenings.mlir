// RUN: mpt-opt --mpt-gpu-rematerialize-widenings --split-input-file %s | FileCheck %s

// The prediction, rounded to f16 by its GEMM and widened back to f32 for
// the f32 loss and its gradient, is stored in f16: the GEMM's consumer only
// rounds (the GEMM kernel's epilogue), and the loss reduction and the
// gradient each widen the f16 tensor as they read it.
// CHECK-LABEL: func.func @rounded_prediction(
// CHECK:         %[[M:.*]] = linalg.matmul
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xf16>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT:      %[[T:.*]] = arith.truncf %[[IN]] : f32 to f16
// CHECK-NEXT:      linalg.yield %[[T]] : f16
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[R]], %{{.*}} : tensor<64x64xf16>, tensor<64x64xf32>)
// CHECK:           arith.extf
// CHECK:           arith.subf
// CHECK:         linalg.generic {{.*}} ins(%[[R]], %{{.*}} : tensor<64x64xf16>, tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xf16>)
// CHECK:           arith.extf
// CHECK:           arith.subf
// CHECK-NOT:     tensor<64x64xf32>) -> tensor<64x64xf32>
#id = affine_map<(d0, d1) -> (d0, d1)>
#all = affine_map<(d0, d1) -> ()>
func.func @rounded_prediction(%a: tensor<64x32xf16>, %b: tensor<32x64xf16>, %y: tensor<64x64xf32>) -> (tensor<f32>, tensor<64x64xf16>) {
  %zero = arith.constant 0.0 : f32
  %e32 = tensor.empty() : tensor<64x64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e32 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x32xf16>, tensor<32x64xf16>) outs(%fill : tensor<64x64xf32>) -> tensor<64x64xf32>
  %e = tensor.empty() : tensor<64x64xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %in : f32 to f16
    %x = arith.extf %t : f16 to f32
    linalg.yield %x : f32
  } -> tensor<64x64xf32>
  %e0 = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %loss = linalg.generic {indexing_maps = [#id, #id, #all], iterator_types = ["reduction", "reduction"]}
      ins(%p, %y : tensor<64x64xf32>, tensor<64x64xf32>) outs(%z : tensor<f32>) {
  ^bb0(%in: f32, %t: f32, %out: f32):
    %d = arith.subf %in, %t : f32
    %s = arith.mulf %d, %d : f32
    %r = arith.addf %s, %out : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %e16 = tensor.empty() : tensor<64x64xf16>
  %grad = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p, %y : tensor<64x64xf32>, tensor<64x64xf32>) outs(%e16 : tensor<64x64xf16>) {
  ^bb0(%in: f32, %t: f32, %out: f16):
    %d = arith.subf %in, %t : f32
    %r = arith.truncf %d : f32 to f16
    linalg.yield %r : f16
  } -> tensor<64x64xf16>
  return %loss, %grad : tensor<f32>, tensor<64x64xf16>
}

// -----

// A rounding followed by an activation stays in the op that applies it
// (the GEMM kernel's epilogue): splitting it off would store the rounded
// result once more, for no widening to recompute.
// CHECK-LABEL: func.func @rounded_activation(
// CHECK:         %[[M:.*]] = linalg.matmul
// CHECK:         linalg.generic {{.*}} ins(%[[M]] : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xf16>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT:      %[[T:.*]] = arith.truncf %[[IN]] : f32 to f16
// CHECK-NEXT:      arith.maximumf %[[T]]
// CHECK-NOT:     linalg.generic
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @rounded_activation(%a: tensor<64x32xf16>, %b: tensor<32x64xf16>) -> tensor<64x64xf16> {
  %zero = arith.constant 0.0 : f32
  %zero16 = arith.constant 0.0 : f16
  %e32 = tensor.empty() : tensor<64x64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e32 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x32xf16>, tensor<32x64xf16>) outs(%fill : tensor<64x64xf32>) -> tensor<64x64xf32>
  %e = tensor.empty() : tensor<64x64xf16>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<64x64xf32>) outs(%e : tensor<64x64xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    %x = arith.maximumf %t, %zero16 : f16
    linalg.yield %x : f16
  } -> tensor<64x64xf16>
  return %r : tensor<64x64xf16>
}

// -----

// A widening that a GEMM reads is kept: the GEMM reads its operands as they
// are, and would no longer be a multiply-add with the widening fused in.
// CHECK-LABEL: func.func @widening_read_by_gemm(
// CHECK:         %[[W:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<64x32xf16>) outs(%{{.*}} : tensor<64x32xf32>)
// CHECK:         linalg.matmul ins(%[[W]],
// CHECK:         linalg.generic {{.*}} ins(%[[W]] : tensor<64x32xf32>)
#id3 = affine_map<(d0, d1) -> (d0, d1)>
func.func @widening_read_by_gemm(%a: tensor<64x32xf16>, %b: tensor<32x64xf32>) -> (tensor<64x64xf32>, tensor<64x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %ew = tensor.empty() : tensor<64x32xf32>
  %w = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x32xf16>) outs(%ew : tensor<64x32xf32>) {
  ^bb0(%in: f16, %out: f32):
    %x = arith.extf %in : f16 to f32
    linalg.yield %x : f32
  } -> tensor<64x32xf32>
  %e32 = tensor.empty() : tensor<64x64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e32 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = linalg.matmul ins(%w, %b : tensor<64x32xf32>, tensor<32x64xf32>) outs(%fill : tensor<64x64xf32>) -> tensor<64x64xf32>
  %e = tensor.empty() : tensor<64x32xf32>
  %s = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %in : f32
    linalg.yield %y : f32
  } -> tensor<64x32xf32>
  return %m, %s : tensor<64x64xf32>, tensor<64x32xf32>
}

// -----

// Softmax's probabilities, f32 from f16 scores: the widened scores and
// then the probabilities (which read the scores' row maximum and sum, two
// row statistics far smaller than the probabilities) are recomputed by
// each of their readers, the f16 copy for a GEMM and the row sums of the
// gradient, so that no 64x128 f32 tensor is stored.
// CHECK-LABEL: func.func @softmax_probabilities(
// CHECK-SAME:    %[[S:.*]]: tensor<64x128xf16>, %[[MAX:.*]]: tensor<64xf32>, %[[SUM:.*]]: tensor<64xf32>
// CHECK-NOT:     -> tensor<64x128xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[S]], %[[MAX]], %[[SUM]] : {{.*}}) outs(%{{.*}} : tensor<64x128xf16>)
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.truncf
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}}, %[[S]], %[[MAX]], %[[SUM]] : {{.*}}) outs(%{{.*}} : tensor<64xf32>)
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK-NOT:     -> tensor<64x128xf32>
#id3 = affine_map<(d0, d1) -> (d0, d1)>
#row3 = affine_map<(d0, d1) -> (d0)>
func.func @softmax_probabilities(%s: tensor<64x128xf16>, %max: tensor<64xf32>, %sum: tensor<64xf32>, %dp: tensor<64x128xf16>) -> (tensor<64x128xf16>, tensor<64xf32>) {
  %zero = arith.constant 0.0 : f32
  %ew = tensor.empty() : tensor<64x128xf32>
  %wide = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<64x128xf16>) outs(%ew : tensor<64x128xf32>) {
  ^bb0(%in: f16, %out: f32):
    %x = arith.extf %in : f16 to f32
    linalg.yield %x : f32
  } -> tensor<64x128xf32>
  %e = tensor.empty() : tensor<64x128xf32>
  %p = linalg.generic {indexing_maps = [#id3, #row3, #row3, #id3], iterator_types = ["parallel", "parallel"]}
      ins(%wide, %max, %sum : tensor<64x128xf32>, tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64x128xf32>) {
  ^bb0(%in: f32, %m: f32, %t: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %x = math.exp %d : f32
    %r = arith.divf %x, %t : f32
    linalg.yield %r : f32
  } -> tensor<64x128xf32>
  %e16 = tensor.empty() : tensor<64x128xf16>
  %c = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<64x128xf32>) outs(%e16 : tensor<64x128xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<64x128xf16>
  %er = tensor.empty() : tensor<64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%er : tensor<64xf32>) -> tensor<64xf32>
  %rs = linalg.generic {indexing_maps = [#id3, #id3, #row3], iterator_types = ["parallel", "reduction"]}
      ins(%dp, %p : tensor<64x128xf16>, tensor<64x128xf32>) outs(%z : tensor<64xf32>) {
  ^bb0(%g: f16, %in: f32, %out: f32):
    %x = arith.extf %g : f16 to f32
    %m = arith.mulf %x, %in : f32
    %a = arith.addf %m, %out : f32
    linalg.yield %a : f32
  } -> tensor<64xf32>
  return %c, %rs : tensor<64x128xf16>, tensor<64xf32>
}

// -----

// Probabilities computed from f32 scores are stored: recomputing them
// would keep the scores, as many bytes, alive in their place.
// CHECK-LABEL: func.func @f32_probabilities(
// CHECK:         %[[P:.*]] = linalg.generic
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} ins(%[[P]] : tensor<64x128xf32>) outs(%{{.*}} : tensor<64x128xf16>)
// CHECK-NOT:       math.exp
#id4 = affine_map<(d0, d1) -> (d0, d1)>
#row4 = affine_map<(d0, d1) -> (d0)>
func.func @f32_probabilities(%s: tensor<64x128xf32>, %max: tensor<64xf32>, %sum: tensor<64xf32>) -> tensor<64x128xf16> {
  %e = tensor.empty() : tensor<64x128xf32>
  %p = linalg.generic {indexing_maps = [#id4, #row4, #row4, #id4], iterator_types = ["parallel", "parallel"]}
      ins(%s, %max, %sum : tensor<64x128xf32>, tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64x128xf32>) {
  ^bb0(%in: f32, %m: f32, %t: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %x = math.exp %d : f32
    %r = arith.divf %x, %t : f32
    linalg.yield %r : f32
  } -> tensor<64x128xf32>
  %e16 = tensor.empty() : tensor<64x128xf16>
  %c = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<64x128xf32>) outs(%e16 : tensor<64x128xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<64x128xf16>
  return %c : tensor<64x128xf16>
}
