// RUN: mpt-opt --mpt-cpu-vectorize --canonicalize --cse --split-input-file %s | FileCheck %s

// The innermost loop becomes vectors of 64 f32 (256 bytes), the others
// scalar loops.
// CHECK-LABEL: func.func @relu
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK:           scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK:             %[[V:.*]] = vector.transfer_read %{{.*}} : tensor<1x64xf32>, vector<1x64xf32>
// CHECK:             %[[R:.*]] = arith.maximumf %[[V]], %{{.*}} : vector<1x64xf32>
// CHECK:             vector.transfer_write %[[R]], %{{.*}} : vector<1x64xf32>, tensor<1x64xf32>
func.func @relu(%x: tensor<4x256xf32>) -> tensor<4x256xf32> {
  %e = tensor.empty() : tensor<4x256xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x256xf32>) outs(%e : tensor<4x256xf32>) {
  ^bb0(%in: f32, %out: f32):
    %z = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<4x256xf32>
  return %r : tensor<4x256xf32>
}

// -----

// f16 elements: 128 per vector.
// CHECK-LABEL: func.func @half
// CHECK:         vector.transfer_read {{.*}} : tensor<1x128xf16>, vector<1x128xf16>
func.func @half(%x: tensor<4x256xf16>) -> tensor<4x256xf16> {
  %e = tensor.empty() : tensor<4x256xf16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x256xf16>) outs(%e : tensor<4x256xf16>) {
  ^bb0(%in: f16, %out: f16):
    %n = arith.negf %in : f16
    linalg.yield %n : f16
  } -> tensor<4x256xf16>
  return %r : tensor<4x256xf16>
}

// -----

// A sum over rows: the reduction loop runs innermost and its accumulator
// is one vector carried in registers, read before and written after it.
// CHECK-LABEL: func.func @column_sum
// CHECK:         scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}) -> (tensor<128xf32>)
// CHECK:           %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][%[[J]]] [64] [1]
// CHECK:           %[[INIT:.*]] = vector.transfer_read %[[SLICE]]{{.*}} : tensor<64xf32>, vector<64xf32>
// CHECK:           %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (vector<64xf32>)
// CHECK:             %[[ROW:.*]] = vector.transfer_read {{.*}} : tensor<1x64xf32>, vector<1x64xf32>
// CHECK:             %[[FLAT:.*]] = vector.shape_cast %[[ROW]] : vector<1x64xf32> to vector<64xf32>
// CHECK:             %[[NEXT:.*]] = arith.addf %[[ACC]], %[[FLAT]] : vector<64xf32>
// CHECK:             scf.yield %[[NEXT]] : vector<64xf32>
// CHECK:           vector.transfer_write %[[SUM]], %[[SLICE]]
func.func @column_sum(%x: tensor<8x128xf32>, %init: tensor<128xf32>) -> tensor<128xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<8x128xf32>) outs(%init : tensor<128xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<128xf32>
  return %r : tensor<128xf32>
}

// -----

// tanh on vectors is a polynomial approximation, not a libm call.
// CHECK-LABEL: func.func @tanh
// CHECK-NOT:     math.tanh
// CHECK:         math.fma {{.*}} : vector<64xf32>
func.func @tanh(%x: tensor<64xf32>) -> tensor<64xf32> {
  %e = tensor.empty() : tensor<64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = math.tanh %in : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// A large op: its outermost parallel loop is split into 8 iterations of an
// scf.forall (threads), each tiled into vectors as above.
// CHECK-LABEL: func.func @large
// CHECK:         scf.forall (%[[CHUNK:.*]]) = (0) to (256) step (32) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<256x1024xf32>)
// CHECK:           tensor.extract_slice %{{.*}}[%{{.*}}, 0] [32, 1024] [1, 1]
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               arith.negf %{{.*}} : vector<1x64xf32>
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%{{.*}}, 0] [32, 1024] [1, 1]
func.func @large(%x: tensor<256x1024xf32>) -> tensor<256x1024xf32> {
  %e = tensor.empty() : tensor<256x1024xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<256x1024xf32>) outs(%e : tensor<256x1024xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<256x1024xf32>
  return %r : tensor<256x1024xf32>
}

// -----

// A pack becomes the transposing copy it is, fused with the widening that
// follows it: the f16 source is read through a reshape and the panels are
// written once, in f32.
// CHECK-LABEL: func.func @widened_pack
// CHECK-SAME:    (%[[A:.*]]: tensor<16x64xf16>)
// CHECK-NOT:     linalg.pack
// CHECK-NOT:     tensor<2x64x8xf16>
// CHECK:         %[[SPLIT:.*]] = tensor.expand_shape %[[A]] {{\[}}[0, 1], [2]] output_shape [2, 8, 64]
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             %[[ROWS:.*]] = tensor.extract_slice %[[SPLIT]]{{.*}} : tensor<2x8x64xf16> to tensor<1x8x1xf16>
// CHECK:             %[[V:.*]] = vector.transfer_read %[[ROWS]]{{.*}} : tensor<1x8x1xf16>, vector<1x1x8xf16>
// CHECK:             %[[W:.*]] = arith.extf %[[V]] : vector<1x1x8xf16> to vector<1x1x8xf32>
// CHECK:             vector.transfer_write %[[W]]
func.func @widened_pack(%a: tensor<16x64xf16>) -> tensor<2x64x8xf32> {
  %e = tensor.empty() : tensor<2x64x8xf16>
  %p = linalg.pack %a outer_dims_perm = [0, 1] inner_dims_pos = [0] inner_tiles = [8] into %e : tensor<16x64xf16> -> tensor<2x64x8xf16>
  %w = tensor.empty() : tensor<2x64x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%p : tensor<2x64x8xf16>) outs(%w : tensor<2x64x8xf32>) {
  ^bb0(%in: f16, %out: f32):
    %x = arith.extf %in : f16 to f32
    linalg.yield %x : f32
  } -> tensor<2x64x8xf32>
  return %r : tensor<2x64x8xf32>
}

// -----

// Tiles that do not divide the source pad it with the pack's padding value.
// CHECK-LABEL: func.func @padded_pack
// CHECK-NOT:     linalg.pack
// CHECK:         tensor.pad %{{.*}} low[0, 0] high[4, 0]
// CHECK:         vector.transfer_read {{.*}} : tensor<1x8x1xf32>, vector<1x1x8xf32>
func.func @padded_pack(%b: tensor<60x64xf32>) -> tensor<8x64x8xf32> {
  %e = tensor.empty() : tensor<8x64x8xf32>
  %z = arith.constant 0.0 : f32
  %p = linalg.pack %b padding_value(%z : f32) inner_dims_pos = [0] inner_tiles = [8] into %e : tensor<60x64xf32> -> tensor<8x64x8xf32>
  return %p : tensor<8x64x8xf32>
}

// -----

// A map that divides a loop index or takes its remainder does not tile into
// slices (a tile of 4 iterations from 4 reads rows 1 and 2 and columns 0 to
// 2 of %x, not the one row and column of its endpoints): the op stays
// whole, for scalar loops.
// CHECK-LABEL: func.func @unflatten
// CHECK-NOT:     scf.for
// CHECK-NOT:     vector.
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME:        ins(%{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<2xf32>) outs(%{{.*}} : tensor<2x12xf32>)
#unflatten = affine_map<(d0, d1) -> (d1 floordiv 3, d1 mod 3)>
#rows = affine_map<(d0, d1) -> (d0)>
#out = affine_map<(d0, d1) -> (d0, d1)>
func.func @unflatten(%x: tensor<4x5xf32>, %row: tensor<2xf32>) -> tensor<2x12xf32> {
  %e = tensor.empty() : tensor<2x12xf32>
  %r = linalg.generic {indexing_maps = [#unflatten, #rows, #out], iterator_types = ["parallel", "parallel"]}
      ins(%x, %row : tensor<4x5xf32>, tensor<2xf32>) outs(%e : tensor<2x12xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x12xf32>
  return %r : tensor<2x12xf32>
}

// -----

// An or-reduction of a matrix into one flag (mpt.all_finite): the loops
// carry a vector of partial flags, combined element by element, and reduce
// it horizontally once, after them.
// CHECK-LABEL: func.func @any_nonfinite
// CHECK:         %[[ROWS:.*]] = scf.for {{.*}} -> (vector<1x128xi1>)
// CHECK:           scf.for {{.*}} -> (vector<1x128xi1>)
// CHECK:             %[[FLAGS:.*]] = arith.cmpf uge, {{.*}} : vector<1x128xf32>
// CHECK-NOT:         vector.multi_reduction
// CHECK:             arith.ori %[[FLAGS]], {{.*}} : vector<1x128xi1>
// CHECK:         vector.multi_reduction <or>, %[[ROWS]], {{.*}} [0, 1] : vector<1x128xi1> to i1
func.func @any_nonfinite(%x: tensor<16x256xbf16>, %init: tensor<i1>) -> tensor<i1> {
  %inf = arith.constant 0x7F800000 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<16x256xbf16>) outs(%init : tensor<i1>) {
  ^bb0(%in: bf16, %acc: i1):
    %w = arith.extf %in : bf16 to f32
    %a = math.absf %w : f32
    %c = arith.cmpf uge, %a, %inf : f32
    %o = arith.ori %c, %acc : i1
    linalg.yield %o : i1
  } -> tensor<i1>
  return %r : tensor<i1>
}

// -----

// A matrix-vector product A^T v whose reduction dim is innermost but whose
// matrix is contiguous along the result's dim: the vector runs along that
// dim, and each k adds one row of A times v[k] to it, with no horizontal
// reduction and no strided reads of A; the unit k of each step is an
// elementwise multiply and add, not a contraction. The vector's loop is
// made the tile's last, so the vectors have no trailing unit dims.
// CHECK-LABEL: func.func @transposed_matvec
// CHECK:         scf.for {{.*}} step %[[VEC:.*]] iter_args(
// CHECK:           scf.for {{.*}} -> (vector<1x64xf32>)
// CHECK:             vector.transfer_read {{.*}} : tensor<1x64xf32>, vector<1x1x64xf32>
// CHECK-NOT:         vector.multi_reduction
// CHECK-NOT:         vector.contract
// CHECK:             arith.mulf {{.*}} : vector<1x1x64xf32>
// CHECK:             %[[SUM:.*]] = arith.addf {{.*}} : vector<1x64xf32>
// CHECK:             scf.yield %[[SUM]] : vector<1x64xf32>
func.func @transposed_matvec(%a: tensor<32x128xf32>, %v: tensor<32x1xf32>, %init: tensor<128x1xf32>) -> tensor<128x1xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%a, %v : tensor<32x128xf32>, tensor<32x1xf32>) outs(%init : tensor<128x1xf32>) -> tensor<128x1xf32>
  return %r : tensor<128x1xf32>
}

// -----

// A sum along rows (a matrix-vector product A v, a softmax denominator):
// each row carries 64 partial sums and adds them up once, after its loop.
// CHECK-LABEL: func.func @row_sum
// CHECK:         %[[PARTIAL:.*]] = scf.for {{.*}} -> (vector<1x64xf32>)
// CHECK-NOT:       vector.multi_reduction
// CHECK:           arith.addf {{.*}} : vector<1x64xf32>
// CHECK:         vector.multi_reduction <add>, %[[PARTIAL]], {{.*}} [1] : vector<1x64xf32> to vector<1xf32>
func.func @row_sum(%x: tensor<8x256xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x256xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// An elementwise op on a column ([N][1], the output of a one-unit layer):
// its vector runs along the rows, and the loop of the unit dim is moved
// before it, so the vector is vector<1x64xf32> (one register row) rather
// than vector<64x1xf32> (64 one-element vectors, scalar code).
// CHECK-LABEL: func.func @column_negate
// CHECK:         vector.transfer_read {{.*}} : tensor<64x1xf32>, vector<1x64xf32>
// CHECK:         arith.negf {{.*}} : vector<1x64xf32>
func.func @column_negate(%x: tensor<256x1xf32>, %init: tensor<256x1xf32>) -> tensor<256x1xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<256x1xf32>) outs(%init : tensor<256x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<256x1xf32>
  return %r : tensor<256x1xf32>
}
