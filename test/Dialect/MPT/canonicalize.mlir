// Folds and canonicalization patterns of the mpt ops. Casts fold only when
// the result is bit-identical: a round trip through a wider type is the
// identity, one through a narrower (or differently shaped) type rounds.
// RUN: mpt-opt %s -split-input-file -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @cast_to_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[S:.*]]: f16)
// CHECK-NOT: mpt.cast
// CHECK: return %[[X]], %[[S]]
func.func @cast_to_same_type(%x: tensor<4xf32>, %s: f16) -> (tensor<4xf32>, f16) {
  %0 = mpt.cast %x : tensor<4xf32> to tensor<4xf32>
  %1 = mpt.cast %s : f16 to f16
  return %0, %1 : tensor<4xf32>, f16
}

// -----

// CHECK-LABEL: func.func @f16_f32_f16_folds
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf16>)
// CHECK-NOT: mpt.cast
// CHECK: return %[[X]]
func.func @f16_f32_f16_folds(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = mpt.cast %x : tensor<4x8xf16> to tensor<4x8xf32>
  %1 = mpt.cast %0 : tensor<4x8xf32> to tensor<4x8xf16>
  return %1 : tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @bf16_f32_bf16_folds
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xbf16>)
// CHECK-NOT: mpt.cast
// CHECK: return %[[X]]
func.func @bf16_f32_bf16_folds(%x: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %0 = mpt.cast %x : tensor<4x8xbf16> to tensor<4x8xf32>
  %1 = mpt.cast %0 : tensor<4x8xf32> to tensor<4x8xbf16>
  return %1 : tensor<4x8xbf16>
}

// -----

// Scalars fold like tensors.
// CHECK-LABEL: func.func @scalar_f32_f64_f32_folds
// CHECK-SAME: (%[[S:.*]]: f32)
// CHECK-NOT: mpt.cast
// CHECK: return %[[S]]
func.func @scalar_f32_f64_f32_folds(%s: f32) -> f32 {
  %0 = mpt.cast %s : f32 to f64
  %1 = mpt.cast %0 : f64 to f32
  return %1 : f32
}

// -----

// f32 -> f16 rounds (and overflows to inf): the round trip is not the
// identity and must stay, both casts of it.
// CHECK-LABEL: func.func @f32_f16_f32_never_folds
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK: %[[H:.*]] = mpt.cast %[[X]] : tensor<4x8xf32> to tensor<4x8xf16>
// CHECK: %[[F:.*]] = mpt.cast %[[H]] : tensor<4x8xf16> to tensor<4x8xf32>
// CHECK: return %[[F]]
func.func @f32_f16_f32_never_folds(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.cast %x : tensor<4x8xf32> to tensor<4x8xf16>
  %1 = mpt.cast %0 : tensor<4x8xf16> to tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @f32_bf16_f32_never_folds
// CHECK: mpt.cast %{{.*}} : f32 to bf16
// CHECK: mpt.cast %{{.*}} : bf16 to f32
func.func @f32_bf16_f32_never_folds(%s: f32) -> f32 {
  %0 = mpt.cast %s : f32 to bf16
  %1 = mpt.cast %0 : bf16 to f32
  return %1 : f32
}

// -----

// f16 and bf16 have the same width but neither holds the other (bf16 has
// fewer mantissa bits, f16 less range): no round trip between them folds.
// CHECK-LABEL: func.func @f16_bf16_f16_never_folds
// CHECK: mpt.cast %{{.*}} : tensor<8xf16> to tensor<8xbf16>
// CHECK: mpt.cast %{{.*}} : tensor<8xbf16> to tensor<8xf16>
// CHECK: mpt.cast %{{.*}} : tensor<8xbf16> to tensor<8xf16>
// CHECK: mpt.cast %{{.*}} : tensor<8xf16> to tensor<8xbf16>
func.func @f16_bf16_f16_never_folds(%h: tensor<8xf16>, %b: tensor<8xbf16>)
    -> (tensor<8xf16>, tensor<8xbf16>) {
  %0 = mpt.cast %h : tensor<8xf16> to tensor<8xbf16>
  %1 = mpt.cast %0 : tensor<8xbf16> to tensor<8xf16>
  %2 = mpt.cast %b : tensor<8xbf16> to tensor<8xf16>
  %3 = mpt.cast %2 : tensor<8xf16> to tensor<8xbf16>
  return %1, %3 : tensor<8xf16>, tensor<8xbf16>
}

// -----

// An exact first cast composes with the next one: one rounding either way.
// CHECK-LABEL: func.func @f16_f32_f64_composes
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf16>)
// CHECK-NEXT: %[[C:.*]] = mpt.cast %[[X]] : tensor<4x8xf16> to tensor<4x8xf64>
// CHECK-NEXT: return %[[C]]
func.func @f16_f32_f64_composes(%x: tensor<4x8xf16>) -> tensor<4x8xf64> {
  %0 = mpt.cast %x : tensor<4x8xf16> to tensor<4x8xf32>
  %1 = mpt.cast %0 : tensor<4x8xf32> to tensor<4x8xf64>
  return %1 : tensor<4x8xf64>
}

// -----

// Widening then narrowing to another type is one rounding of the source.
// CHECK-LABEL: func.func @exact_then_lossy_composes
// CHECK-SAME: (%[[H:.*]]: f16, %[[F:.*]]: f32)
// CHECK-NEXT: %[[A:.*]] = mpt.cast %[[H]] : f16 to bf16
// CHECK-NEXT: %[[B:.*]] = mpt.cast %[[F]] : f32 to f16
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @exact_then_lossy_composes(%h: f16, %f: f32) -> (bf16, f16) {
  %0 = mpt.cast %h : f16 to f32
  %1 = mpt.cast %0 : f32 to bf16
  %2 = mpt.cast %f : f32 to f64
  %3 = mpt.cast %2 : f64 to f16
  return %1, %3 : bf16, f16
}

// -----

// A lossy first cast never composes: f32 -> f16 -> f64 is not f32 -> f64.
// CHECK-LABEL: func.func @lossy_then_exact_stays
// CHECK: %[[H:.*]] = mpt.cast %{{.*}} : tensor<4xf32> to tensor<4xf16>
// CHECK: mpt.cast %[[H]] : tensor<4xf16> to tensor<4xf64>
func.func @lossy_then_exact_stays(%x: tensor<4xf32>) -> tensor<4xf64> {
  %0 = mpt.cast %x : tensor<4xf32> to tensor<4xf16>
  %1 = mpt.cast %0 : tensor<4xf16> to tensor<4xf64>
  return %1 : tensor<4xf64>
}

// -----

// A cast with other users stays for them; the round trip still folds.
// CHECK-LABEL: func.func @shared_widening_stays
// CHECK-SAME: (%[[X:.*]]: tensor<4xf16>)
// CHECK-NEXT: %[[W:.*]] = mpt.cast %[[X]] : tensor<4xf16> to tensor<4xf32>
// CHECK-NEXT: %[[E:.*]] = mpt.exp %[[W]]
// CHECK-NEXT: return %[[X]], %[[E]]
func.func @shared_widening_stays(%x: tensor<4xf16>) -> (tensor<4xf16>, tensor<4xf32>) {
  %0 = mpt.cast %x : tensor<4xf16> to tensor<4xf32>
  %1 = mpt.cast %0 : tensor<4xf32> to tensor<4xf16>
  %2 = mpt.exp %0 : tensor<4xf32>
  return %1, %2 : tensor<4xf16>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_identity(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.transpose %x {permutation = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// A transpose of a transpose is one transpose of the source.
// CHECK-LABEL: func.func @transpose_composes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = mpt.transpose %[[X]] {permutation = array<i64: 2, 1, 0>} : tensor<2x3x4xf32> -> tensor<4x3x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_composes(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = mpt.transpose %x {permutation = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %1 = mpt.transpose %0 {permutation = array<i64: 1, 0, 2>} : tensor<3x4x2xf32> -> tensor<4x3x2xf32>
  return %1 : tensor<4x3x2xf32>
}

// -----

// Transposes that undo each other (the head split and merge of attention)
// fold to the source.
// CHECK-LABEL: func.func @transposes_cancel
// CHECK-SAME: (%[[X:.*]]: tensor<4x16x2x8xf16>)
// CHECK-NEXT: return %[[X]]
func.func @transposes_cancel(%x: tensor<4x16x2x8xf16>) -> tensor<4x16x2x8xf16> {
  %0 = mpt.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x16x2x8xf16> -> tensor<4x2x16x8xf16>
  %1 = mpt.transpose %0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x2x16x8xf16> -> tensor<4x16x2x8xf16>
  return %1 : tensor<4x16x2x8xf16>
}

// -----

// CHECK-LABEL: func.func @reshape_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_same_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.reshape %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_composes
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[R:.*]] = mpt.reshape %[[X]] : tensor<4x8xf32> -> tensor<2x16xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_composes(%x: tensor<4x8xf32>) -> tensor<2x16xf32> {
  %0 = mpt.reshape %x : tensor<4x8xf32> -> tensor<32xf32>
  %1 = mpt.reshape %0 : tensor<32xf32> -> tensor<2x16xf32>
  return %1 : tensor<2x16xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_round_trip(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.reshape %x : tensor<4x8xf32> -> tensor<32xf32>
  %1 = mpt.reshape %0 : tensor<32xf32> -> tensor<2x16xf32>
  %2 = mpt.reshape %1 : tensor<2x16xf32> -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// A non-identity transpose and a real reshape stay.
// CHECK-LABEL: func.func @real_transpose_reshape_stay
// CHECK: mpt.transpose
// CHECK: mpt.reshape
func.func @real_transpose_reshape_stay(%x: tensor<4x8xf32>) -> tensor<32xf32> {
  %0 = mpt.transpose %x {permutation = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  %1 = mpt.reshape %0 : tensor<8x4xf32> -> tensor<32xf32>
  return %1 : tensor<32xf32>
}

// -----

// The mpt ops are pure: unused ones go, in a function and in a step.
// CHECK-LABEL: func.func @dead_ops
// CHECK-NEXT: return
func.func @dead_ops(%x: tensor<16x8xf32>, %w: tensor<8x4xf32>, %s: f32,
                    %g: i32, %ok: i1) {
  %0 = mpt.linear %x, %w : tensor<16x8xf32>, tensor<8x4xf32> -> tensor<16x4xf32>
  %1 = mpt.relu %0 : tensor<16x4xf32>
  %2 = mpt.softmax %1 : tensor<16x4xf32>
  %3 = mpt.cast %2 : tensor<16x4xf32> to tensor<16x4xf16>
  %4 = mpt.reduce_sum %x : tensor<16x8xf32> -> tensor<f32>
  %5 = mpt.scale_loss %s, %s
  %6:4 = mpt.update_loss_scale %s, %g, %g, %ok {config = #mpt.loss_scale<>}
  %7 = mpt.sgd_update %w, %w skip %ok {config = #mpt.sgd<lr = 0.1>} : tensor<8x4xf32>
  return
}

// -----

// CHECK-LABEL: mpt.train_step @dead_ops_in_step
// CHECK-NEXT: params
// CHECK-NEXT: batch
// CHECK-NEXT: optimizer
// CHECK-NEXT: %[[P:.*]] = mpt.linear
// CHECK-NEXT: %[[L:.*]] = mpt.mse_loss %[[P]], %y
// CHECK-NEXT: mpt.loss %[[L]]
mpt.train_step @dead_ops_in_step params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %unused = mpt.tanh %x : tensor<8x4xf32>
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %also_unused = mpt.mse_loss %p, %p : tensor<8x1xf32>, tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
