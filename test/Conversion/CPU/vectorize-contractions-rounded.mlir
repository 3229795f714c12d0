// RUN: mpt-opt --mpt-cpu-vectorize-contractions=min-flops=1000 --canonicalize --cse --split-input-file %s | FileCheck %s

// An f32 result that is only rounded to f16 is rounded tile by tile as the
// kernel stores it: the blocks are written to an f16 tensor and no f32
// result exists outside registers. Rounding alone leaves nothing of the
// consumer.
// CHECK-LABEL: func.func @rounded_from_fill
// CHECK-NOT:     tensor<16x64xf32>
// CHECK-NOT:     tensor<2x8x2x32xf32>
// CHECK:         %[[BLOCKS:.*]] = tensor.empty() : tensor<2x8x2x32xf16>
// CHECK:         %[[KERNEL:.*]] = scf.forall {{.*}} shared_outs(%{{.*}} = %[[BLOCKS]]) -> (tensor<2x8x2x32xf16>)
// CHECK:           %[[ACC:.*]]:8 = scf.for
// CHECK:             vector.fma
// CHECK:           %[[ROW:.*]] = arith.truncf %[[ACC]]#0 : vector<32xf32> to vector<32xf16>
// CHECK:           vector.transfer_write %[[ROW]], {{.*}} : vector<32xf16>, tensor<1x8x1x32xf16>
// CHECK:         %[[RESULT:.*]] = tensor.collapse_shape %[[KERNEL]] {{\[}}[0, 1], [2, 3]] : tensor<2x8x2x32xf16> into tensor<16x64xf16>
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[RESULT]]
func.func @rounded_from_fill(%a: tensor<16x64xf16>, %b: tensor<64x64xf16>) -> tensor<16x64xf16> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<16x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<16x64xf32>) -> tensor<16x64xf32>
  %c = linalg.matmul ins(%a, %b : tensor<16x64xf16>, tensor<64x64xf16>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  %out = tensor.empty() : tensor<16x64xf16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<16x64xf32>) outs(%out : tensor<16x64xf16>) {
  ^bb0(%in: f32, %o: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<16x64xf16>
  return %r : tensor<16x64xf16>
}

// -----

// A bias broadcast over the rows starts every row of a tile from the bias
// vector of its columns, computed in registers; the consumer goes on with
// the rounded values.
// CHECK-LABEL: func.func @rounded_from_bias
// CHECK-SAME:    %[[BIAS:[^:]*]]: tensor<64xf32>
// CHECK-NOT:     tensor<16x64xf32>
// CHECK:         scf.forall (%[[J:.*]], %{{.*}}) in (2, 2)
// CHECK:           %[[COL:.*]] = arith.muli %[[J]], %c32
// CHECK:           %[[START:.*]] = vector.transfer_read %[[BIAS]][%[[COL]]]{{.*}} : tensor<64xf32>, vector<32xf32>
// CHECK:           %[[HALF:.*]] = arith.truncf %[[START]] : vector<32xf32> to vector<32xf16>
// CHECK:           %[[WIDE:.*]] = arith.extf %[[HALF]] : vector<32xf16> to vector<32xf32>
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %[[WIDE]], %{{.*}} = %[[WIDE]],
// CHECK:           arith.truncf {{.*}} : vector<32xf32> to vector<32xf16>
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<16x64xf16>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f16,
// CHECK-NEXT:      arith.maximumf %[[IN]]
func.func @rounded_from_bias(%a: tensor<16x64xf16>, %b: tensor<64x64xf16>, %bias: tensor<64xf32>) -> tensor<16x64xf16> {
  %zero = arith.constant 0.0 : f16
  %empty = tensor.empty() : tensor<16x64xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<64xf32>) outs(%empty : tensor<16x64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %t = arith.truncf %in : f32 to f16
    %e = arith.extf %t : f16 to f32
    linalg.yield %e : f32
  } -> tensor<16x64xf32>
  %c = linalg.matmul ins(%a, %b : tensor<16x64xf16>, tensor<64x64xf16>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  %out = tensor.empty() : tensor<16x64xf16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<16x64xf32>) outs(%out : tensor<16x64xf16>) {
  ^bb0(%in: f32, %o: f16):
    %t = arith.truncf %in : f32 to f16
    %m = arith.maximumf %t, %zero : f16
    linalg.yield %m : f16
  } -> tensor<16x64xf16>
  return %r : tensor<16x64xf16>
}

// -----

// A consumer that also reads the f32 values needs them all: the kernel
// keeps storing f32.
// CHECK-LABEL: func.func @f32_also_used
// CHECK:         scf.forall {{.*}} -> (tensor<2x8x2x32xf32>)
// CHECK-NOT:       arith.truncf
// CHECK:         scf.forall.in_parallel
func.func @f32_also_used(%a: tensor<16x64xf16>, %b: tensor<64x64xf16>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<16x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<16x64xf32>) -> tensor<16x64xf32>
  %c = linalg.matmul ins(%a, %b : tensor<16x64xf16>, tensor<64x64xf16>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<16x64xf32>) outs(%empty : tensor<16x64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %t = arith.truncf %in : f32 to f16
    %e = arith.extf %t : f16 to f32
    %s = arith.subf %in, %e : f32
    linalg.yield %s : f32
  } -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A rounded value widened back to f32 (and scaled by a rank-0 scalar) that
// feeds two elementwise ops is recomputed in each of them: no f32 copy of
// it is stored.
// CHECK-LABEL: func.func @widening_recomputed_per_reader
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64x64xbf16>, tensor<f32>) outs(%{{.*}} : tensor<64x64xf32>)
// CHECK:           arith.extf
// CHECK:           arith.mulf
// CHECK:           arith.subf
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x64xbf16>, tensor<f32>) outs(%{{.*}} : tensor<64x64xf32>)
// CHECK:           arith.extf
// CHECK:           arith.mulf
// CHECK:           arith.mulf
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> ()>
func.func @widening_recomputed_per_reader(%g: tensor<64x64xbf16>, %scale: tensor<f32>, %w: tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %empty = tensor.empty() : tensor<64x64xf32>
  %wide = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel"]} ins(%g, %scale : tensor<64x64xbf16>, tensor<f32>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%in: bf16, %s: f32, %o: f32):
    %e = arith.extf %in : bf16 to f32
    %m = arith.mulf %e, %s : f32
    linalg.yield %m : f32
  } -> tensor<64x64xf32>
  %updated = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%w, %wide : tensor<64x64xf32>, tensor<64x64xf32>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<64x64xf32>
  %squared = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%wide : tensor<64x64xf32>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %sq = arith.mulf %a, %a : f32
    linalg.yield %sq : f32
  } -> tensor<64x64xf32>
  return %updated, %squared : tensor<64x64xf32>, tensor<64x64xf32>
}

// -----

// A widened value that is also returned must exist: it is stored once and
// its readers read it.
// CHECK-LABEL: func.func @widening_returned_is_kept
// CHECK:         %[[WIDE:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<64x64xf16>) outs(%{{.*}} : tensor<64x64xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[WIDE]] : tensor<64x64xf32>)
// CHECK:         return %[[WIDE]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @widening_returned_is_kept(%g: tensor<64x64xf16>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %empty = tensor.empty() : tensor<64x64xf32>
  %wide = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%g : tensor<64x64xf16>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%in: f16, %o: f32):
    %e = arith.extf %in : f16 to f32
    linalg.yield %e : f32
  } -> tensor<64x64xf32>
  %doubled = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%wide : tensor<64x64xf32>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.addf %a, %a : f32
    linalg.yield %d : f32
  } -> tensor<64x64xf32>
  return %wide, %doubled : tensor<64x64xf32>, tensor<64x64xf32>
}

// -----

// A linear layer on [batch][seq][width] is collapsed into one GEMM: its
// zero fill, seen through the collapse, starts the accumulators in
// registers, and its rounding, seen through the expansion back, rounds
// the blocks: no f32 result exists outside registers.
// CHECK-LABEL: func.func @rounded_through_reshapes
// CHECK-NOT:     tensor<2x16x64xf32>
// CHECK-NOT:     tensor<32x64xf32>
// CHECK:         %[[BLOCKS:.*]] = tensor.empty() : tensor<4x8x2x32xbf16>
// CHECK:         %[[KERNEL:.*]] = scf.forall {{.*}} shared_outs(%{{.*}} = %[[BLOCKS]]) -> (tensor<4x8x2x32xbf16>)
// CHECK-NOT:       tensor.extract_slice %{{.*}} : tensor<4x8x2x32xf32>
// CHECK:           arith.truncf %{{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %[[KERNEL]] {{\[}}[0, 1], [2, 3]] : tensor<4x8x2x32xbf16> into tensor<32x64xbf16>
// CHECK:         %[[RESULT:.*]] = tensor.expand_shape %[[ROWS]] {{\[}}[0, 1], [2]] output_shape [2, 16, 64] : tensor<32x64xbf16> into tensor<2x16x64xbf16>
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[RESULT]]
func.func @rounded_through_reshapes(%a: tensor<2x16x64xbf16>, %b: tensor<64x64xbf16>) -> tensor<2x16x64xbf16> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x16x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x16x64xf32>) -> tensor<2x16x64xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(b, s, n, k) -> (b, s, k)>, affine_map<(b, s, n, k) -> (k, n)>, affine_map<(b, s, n, k) -> (b, s, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x16x64xbf16>, tensor<64x64xbf16>) outs(%acc : tensor<2x16x64xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xe = arith.extf %x : bf16 to f32
    %ye = arith.extf %y : bf16 to f32
    %m = arith.mulf %xe, %ye : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x16x64xf32>
  %out = tensor.empty() : tensor<2x16x64xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%c : tensor<2x16x64xf32>) outs(%out : tensor<2x16x64xbf16>) {
  ^bb0(%in: f32, %o: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<2x16x64xbf16>
  return %r : tensor<2x16x64xbf16>
}

// -----

// A reader that reads the widened value twice keeps reading it: fusing one
// of its uses would leave the other on the stored copy.
// CHECK-LABEL: func.func @widening_read_twice_is_kept
// CHECK:         %[[WIDE:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<64x64xbf16>) outs(%{{.*}} : tensor<64x64xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[WIDE]], %[[WIDE]] : tensor<64x64xf32>, tensor<64x64xf32>)
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @widening_read_twice_is_kept(%g: tensor<64x64xbf16>) -> tensor<64x64xf32> {
  %empty = tensor.empty() : tensor<64x64xf32>
  %wide = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%g : tensor<64x64xbf16>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%in: bf16, %o: f32):
    %e = arith.extf %in : bf16 to f32
    linalg.yield %e : f32
  } -> tensor<64x64xf32>
  %product = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%wide, %wide : tensor<64x64xf32>, tensor<64x64xf32>) outs(%empty : tensor<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<64x64xf32>
  return %product : tensor<64x64xf32>
}

// -----

// An elementwise consumer that does more than round (the mask of a ReLU's
// gradient) and writes a tensor made before the GEMM: the rounded blocks
// are stored in that tensor, and the consumer reads them there and
// overwrites them in place, so no tensor of its own holds them.
// CHECK-LABEL: func.func @rounded_into_masking_consumer
// CHECK-SAME:    %[[MASK:[^:]*]]: tensor<16x64xf16>, %[[DEST:[^:]*]]: tensor<16x64xf16>
// CHECK-NOT:     tensor.empty() : tensor<2x8x2x32xf16>
// CHECK:         %[[BLOCKS:.*]] = tensor.expand_shape %[[DEST]]
// CHECK:         %[[KERNEL:.*]] = scf.forall {{.*}} shared_outs(%{{.*}} = %[[BLOCKS]])
// CHECK:         %[[ROUNDED:.*]] = tensor.collapse_shape %[[KERNEL]]
// CHECK:         linalg.generic {{.*}} ins(%[[MASK]] : tensor<16x64xf16>) outs(%[[ROUNDED]] : tensor<16x64xf16>)
// CHECK-NEXT:    ^bb0(%[[M:.*]]: f16, %[[R:.*]]: f16):
// CHECK:           arith.select %{{.*}}, %[[R]]
func.func @rounded_into_masking_consumer(%a: tensor<16x64xf16>, %b: tensor<64x64xf16>, %mask: tensor<16x64xf16>, %dest: tensor<16x64xf16>) -> tensor<16x64xf16> {
  %zero = arith.constant 0.0 : f32
  %hzero = arith.constant 0.0 : f16
  %empty = tensor.empty() : tensor<16x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<16x64xf32>) -> tensor<16x64xf32>
  %c = linalg.matmul ins(%a, %b : tensor<16x64xf16>, tensor<64x64xf16>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mask, %c : tensor<16x64xf16>, tensor<16x64xf32>) outs(%dest : tensor<16x64xf16>) {
  ^bb0(%m: f16, %in: f32, %o: f16):
    %t = arith.truncf %in : f32 to f16
    %positive = arith.cmpf ogt, %m, %hzero : f16
    %s = arith.select %positive, %t, %hzero : f16
    linalg.yield %s : f16
  } -> tensor<16x64xf16>
  return %r : tensor<16x64xf16>
}
