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
