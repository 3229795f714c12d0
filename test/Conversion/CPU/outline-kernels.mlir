// RUN: mpt-opt --mpt-cpu-outline-kernels --split-input-file %s | FileCheck %s

// A contraction goes with the bias broadcast that starts its accumulator
// and the elementwise op that rounds its result: one kernel, which writes
// into the destination its caller passes and keeps the f32 accumulator as a
// temporary of its own. LLVM must not inline it.
// CHECK-LABEL: func.func private @gemm_kernel_0(
// CHECK-SAME:      %[[BIAS:.*]]: tensor<64xf32>, %[[A:.*]]: tensor<64x32xf16>, %[[B:.*]]: tensor<32x64xf16>, %[[DEST:.*]]: tensor<64x64xf16>) -> tensor<64x64xf16>
// CHECK-SAME:      llvm.linkage = #llvm.linkage<internal>, mpt.kernel, passthrough = ["noinline"]
// CHECK:         %[[ACC:.*]] = tensor.empty() : tensor<64x64xf32>
// CHECK:         %[[START:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<64xf32>) outs(%[[ACC]] : tensor<64x64xf32>)
// CHECK:         %[[M:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[START]] : tensor<64x64xf32>)
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<64x64xf32>) outs(%[[DEST]] : tensor<64x64xf16>)
// CHECK:         return %[[R]] : tensor<64x64xf16>
// CHECK-LABEL: func.func @gemm(
// CHECK-SAME:      %[[A:.*]]: tensor<64x32xf16>, %[[B:.*]]: tensor<32x64xf16>, %[[BIAS:.*]]: tensor<64xf32>)
// CHECK:         %[[E16:.*]] = tensor.empty() : tensor<64x64xf16>
// CHECK-NOT:     linalg.
// CHECK:         %[[R:.*]] = call @gemm_kernel_0(%[[BIAS]], %[[A]], %[[B]], %[[E16]])
// CHECK-NOT:     linalg.
// CHECK:         return %[[R]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @gemm(%a: tensor<64x32xf16>, %b: tensor<32x64xf16>, %bias: tensor<64xf32>) -> tensor<64x64xf16> {
  %e32 = tensor.empty() : tensor<64x64xf32>
  %e16 = tensor.empty() : tensor<64x64xf16>
  %start = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bias : tensor<64xf32>) outs(%e32 : tensor<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x64xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x32xf16>, tensor<32x64xf16>) outs(%start : tensor<64x64xf32>) -> tensor<64x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<64x64xf32>) outs(%e16 : tensor<64x64xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<64x64xf16>
  return %r : tensor<64x64xf16>
}

// -----

// A fill that starts two reductions is cloned into both kernels, with its
// constant; the reductions write into the tensors the caller passes. The
// scalar a kernel reads from its caller is an argument.
// CHECK-LABEL: func.func private @sums_kernel_0(
// CHECK-SAME:      %[[DEST:.*]]: tensor<8xf32>, %[[X:.*]]: tensor<4x8xf32>, %[[S:.*]]: f32)
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[FILL:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[DEST]] : tensor<8xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[X]] : tensor<4x8xf32>) outs(%[[FILL]] : tensor<8xf32>)
// CHECK:           arith.mulf %{{.*}}, %[[S]] : f32
// CHECK-LABEL: func.func private @sums_kernel_1(
// CHECK:         linalg.fill
// CHECK:         linalg.generic
// CHECK-LABEL: func.func @sums(
// CHECK-NOT:     linalg.fill
// CHECK:         call @sums_kernel_0(
// CHECK:         call @sums_kernel_1(
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d1)>
func.func @sums(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>, %s: f32) -> (tensor<8xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%fill : tensor<8xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %p = arith.mulf %v, %s : f32
    %sum = arith.addf %p, %acc : f32
    linalg.yield %sum : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%y : tensor<4x8xf32>) outs(%fill : tensor<8xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sum = arith.addf %v, %acc : f32
    linalg.yield %sum : f32
  } -> tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

// An op with several results written into one shared empty tensor gets one
// destination argument per result, so that each can be written in place.
// CHECK-LABEL: func.func private @two_results_kernel_0(
// CHECK-SAME:      %[[X:.*]]: tensor<16xf32>, %[[D0:.*]]: tensor<16xf32>, %[[D1:.*]]: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[X]] : tensor<16xf32>) outs(%[[D0]], %[[D1]] : tensor<16xf32>, tensor<16xf32>)
// CHECK-LABEL: func.func @two_results(
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<16xf32>
// CHECK:         call @two_results_kernel_0(%{{.*}}, %[[E]], %[[E]])
#v = affine_map<(d0) -> (d0)>
func.func @two_results(%x: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %e = tensor.empty() : tensor<16xf32>
  %r:2 = linalg.generic {indexing_maps = [#v, #v, #v], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e, %e : tensor<16xf32>, tensor<16xf32>) {
  ^bb0(%in: f32, %o0: f32, %o1: f32):
    %n = arith.negf %in : f32
    linalg.yield %in, %n : f32, f32
  } -> (tensor<16xf32>, tensor<16xf32>)
  return %r#0, %r#1 : tensor<16xf32>, tensor<16xf32>
}

// -----

// The scalar an absorbed rounding op reads is computed as soon as its
// inputs are, so that the kernel runs where the contraction was: before the
// op between them.
// CHECK-LABEL: func.func @early(
// CHECK:         %[[INV:.*]] = arith.divf
// CHECK:         call @early_kernel_0(%{{.*}}, %[[INV]])
// CHECK:         call @early_kernel_1(
// CHECK:         return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @early(%a: tensor<64x32xf16>, %b: tensor<32x64xf16>, %c: tensor<64x64xf32>, %scale: f32) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e32 = tensor.empty() : tensor<64x64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e32 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x32xf16>, tensor<32x64xf16>) outs(%fill : tensor<64x64xf32>) -> tensor<64x64xf32>
  %other = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<64x64xf32>) outs(%e32 : tensor<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<64x64xf32>
  %inv = arith.divf %one, %scale : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<64x64xf32>) outs(%e32 : tensor<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %in : f32 to f16
    %w = arith.extf %t : f16 to f32
    %u = arith.mulf %w, %inv : f32
    linalg.yield %u : f32
  } -> tensor<64x64xf32>
  return %r, %other : tensor<64x64xf32>, tensor<64x64xf32>
}

// -----

// A conversion whose every use is an operand of a contraction is cloned
// into each contraction's kernel, which then reads the f32 weight: its bf16
// copy is never stored between the calls.
// CHECK-LABEL: func.func private @casts_kernel_0(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<64x64xf32>,
// CHECK:         %[[C:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xbf16>)
// CHECK:         linalg.matmul ins(%{{.*}}, %[[C]] : tensor<64x64xbf16>, tensor<64x64xbf16>)
// CHECK-LABEL: func.func private @casts_kernel_1(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<64x64xf32>,
// CHECK:         %[[C:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xbf16>)
// CHECK:         linalg.matmul ins(%{{.*}}, %[[C]] : tensor<64x64xbf16>, tensor<64x64xbf16>)
// CHECK-LABEL: func.func @casts(
// CHECK-NOT:     linalg.
// CHECK:         call @casts_kernel_0(
// CHECK-NOT:     linalg.
// CHECK:         call @casts_kernel_1(
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @casts(%a: tensor<64x64xbf16>, %b: tensor<64x64xbf16>, %w: tensor<64x64xf32>, %c0: tensor<64x64xf32>, %c1: tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %e = tensor.empty() : tensor<64x64xbf16>
  %cast = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<64x64xf32>) outs(%e : tensor<64x64xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<64x64xbf16>
  %m0 = linalg.matmul ins(%a, %cast : tensor<64x64xbf16>, tensor<64x64xbf16>) outs(%c0 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m1 = linalg.matmul ins(%b, %cast : tensor<64x64xbf16>, tensor<64x64xbf16>) outs(%c1 : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %m0, %m1 : tensor<64x64xf32>, tensor<64x64xf32>
}
