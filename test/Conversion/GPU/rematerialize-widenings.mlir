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
