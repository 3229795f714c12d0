// RUN: mpt-opt %s --mpt-gpu-fuse-elementwise --split-input-file | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>

// Bias, activation and cast become one op.

// CHECK-LABEL: func.func @bias_relu_cast
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: arith.truncf
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @bias_relu_cast(%x: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf16> {
  %e = tensor.empty() : tensor<64x128xf32>
  %h = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<64x128xf32>, tensor<128xf32>) outs(%e : tensor<64x128xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<64x128xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<64x128xf32>) outs(%e : tensor<64x128xf32>) {
  ^bb0(%v: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %m = arith.maximumf %v, %z : f32
    linalg.yield %m : f32
  } -> tensor<64x128xf32>
  %e16 = tensor.empty() : tensor<64x128xf16>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x128xf32>) outs(%e16 : tensor<64x128xf16>) {
  ^bb0(%v: f32, %o: f16):
    %t = arith.truncf %v : f32 to f16
    linalg.yield %t : f16
  } -> tensor<64x128xf16>
  return %r : tensor<64x128xf16>
}

// -----

#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

// A 0-d producer is recomputed by each of its consumers; a tensor producer
// with two consumers is kept.

// CHECK-LABEL: func.func @shared_producers
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}}ins(%{{.*}} : tensor<8xf32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}}ins(%[[SQ]], %{{.*}} : tensor<8xf32>, tensor<f32>)
// CHECK: arith.divf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}}ins(%[[SQ]], %{{.*}} : tensor<8xf32>, tensor<f32>)
// CHECK: arith.divf
// CHECK: arith.subf
func.func @shared_producers(%x: tensor<8xf32>, %scale: tensor<f32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e0 = tensor.empty() : tensor<f32>
  %inv = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%scale : tensor<f32>) outs(%e0 : tensor<f32>) {
  ^bb0(%s: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %r = arith.divf %one, %s : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %e = tensor.empty() : tensor<8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%sq, %inv : tensor<8xf32>, tensor<f32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.addf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%sq, %inv : tensor<8xf32>, tensor<f32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.subf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// Casts feeding a contraction stay separate ops: the GEMM then reads f16
// operands (on tensor cores) instead of converting at every multiply-add.

// CHECK-LABEL: func.func @cast_then_matmul
// CHECK: %[[A16:.*]] = linalg.generic
// CHECK: arith.truncf
// CHECK: linalg.matmul ins(%[[A16]], %{{.*}} : tensor<64x32xf16>, tensor<32x16xf16>)
func.func @cast_then_matmul(%a: tensor<64x32xf32>, %b: tensor<32x16xf16>, %c: tensor<64x16xf32>) -> tensor<64x16xf32> {
  %e = tensor.empty() : tensor<64x32xf16>
  %a16 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x32xf32>) outs(%e : tensor<64x32xf16>) {
  ^bb0(%v: f32, %o: f16):
    %t = arith.truncf %v : f32 to f16
    linalg.yield %t : f16
  } -> tensor<64x32xf16>
  %r = linalg.matmul ins(%a16, %b : tensor<64x32xf16>, tensor<32x16xf16>) outs(%c : tensor<64x16xf32>) -> tensor<64x16xf32>
  return %r : tensor<64x16xf32>
}

// -----

// The elementwise part of a reduction (here the squared error of a loss)
// is computed inside it.

// CHECK-LABEL: func.func @squared_error_sum
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<256xf32>, tensor<256xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
func.func @squared_error_sum(%p: tensor<256xf32>, %y: tensor<256xf32>, %init: tensor<f32>) -> tensor<f32> {
  %e = tensor.empty() : tensor<256xf32>
  %d = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%p, %y : tensor<256xf32>, tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.subf %a, %b : f32
    %q = arith.mulf %s, %s : f32
    linalg.yield %q : f32
  } -> tensor<256xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%d : tensor<256xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %v, %acc : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %sum : tensor<f32>
}

// -----

#id = affine_map<(d0) -> (d0)>

// Each op gets its own initial output, so that bufferization cannot put
// two unrelated results in one buffer.

// CHECK-LABEL: func.func @own_initial_outputs
// CHECK-DAG: %[[E1:.*]] = tensor.empty() : tensor<8xf32>
// CHECK-DAG: %[[E2:.*]] = tensor.empty() : tensor<8xf32>
// CHECK: linalg.generic {{.*}} outs(%[[E2]] : tensor<8xf32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} outs(%[[E1]] : tensor<8xf32>)
// CHECK: arith.addf
func.func @own_initial_outputs(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

// A fill shared by two users becomes one fill right before each of them:
// none stays where the shared one was, far from its user, holding its
// buffer for longer and out of reach of the GEMM that could compute it.

// CHECK-LABEL: func.func @fill_before_each_user
// CHECK: arith.mulf
// CHECK: %[[F1:.*]] = linalg.fill
// CHECK-NEXT: linalg.matmul {{.*}} outs(%[[F1]] : tensor<8x8xf32>)
// CHECK: %[[F2:.*]] = linalg.fill
// CHECK-NEXT: linalg.matmul {{.*}} outs(%[[F2]] : tensor<8x8xf32>)
// CHECK-NOT: linalg.fill
func.func @fill_before_each_user(%a: tensor<8x8xf32>, %b: tensor<8x8xf32>)
    -> (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
  %s = tensor.empty() : tensor<8x8xf32>
  %sq = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x8xf32>) outs(%s : tensor<8x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %m1 = linalg.matmul ins(%a, %b : tensor<8x8xf32>, tensor<8x8xf32>) outs(%z : tensor<8x8xf32>) -> tensor<8x8xf32>
  %m2 = linalg.matmul ins(%sq, %b : tensor<8x8xf32>, tensor<8x8xf32>) outs(%z : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %sq, %m1, %m2 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// -----

// A row statistic broadcast over its rows (softmax's gradient) is fused into
// the op that reads it, which reads the 8-element tensor: the 8x8 broadcast
// is never stored.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @broadcast_row_statistic
// CHECK-NOT: linalg.broadcast
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8xf32>)
// CHECK: arith.subf
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @broadcast_row_statistic(%p: tensor<8x8xf32>, %sum: tensor<8xf32>) -> tensor<8x8xf32> {
  %eb = tensor.empty() : tensor<8x8xf32>
  %b = linalg.broadcast ins(%sum : tensor<8xf32>) outs(%eb : tensor<8x8xf32>) dimensions = [1]
  %e = tensor.empty() : tensor<8x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p, %b : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%x: f32, %s: f32, %out: f32):
    %r = arith.subf %x, %s : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %d : tensor<8x8xf32>
}
