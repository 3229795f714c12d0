// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// A convolution is an im2col copy of the (padded) input and one GEMM with
// the output channels as rows and the pixels as columns: the linalg.matmul
// the CPU GEMM kernels take, its rhs (the columns) read transposed. Padding,
// im2col and the final NCHW result are gathers that compute their
// coordinates, so no reshape sits next to the GEMM. f16 operands accumulate
// in f32 from the bias.
// CHECK-DAG:   #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[RHS_T:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @conv2d
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3x10x10xf16>)
// CHECK:         %[[COLS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<32x27xf16>)
// CHECK:           arith.divsi
// CHECK:           arith.remsi
// CHECK:           tensor.extract %{{.*}} : tensor<2x3x10x10xf16>
// CHECK:         %[[W:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<8x27xf16>)
// CHECK:         %[[ACC:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<8x32xf32>)
// CHECK:           arith.extf
// CHECK:         %[[P:.*]] = linalg.matmul indexing_maps = [#[[LHS]], #[[RHS_T]], {{.*}}] ins(%[[W]], %[[COLS]] : tensor<8x27xf16>, tensor<32x27xf16>) outs(%[[ACC]] : tensor<8x32xf32>)
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<2x8x4x4xf16>)
// CHECK:           tensor.extract %[[P]]
// CHECK:           arith.truncf {{.*}} : f32 to f16
func.func @conv2d(%x: tensor<2x3x8x8xf16>, %w: tensor<8x3x3x3xf16>, %b: tensor<8xf16>) -> tensor<2x8x4x4xf16> {
  %0 = mpt.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<2x3x8x8xf16>, tensor<8x3x3x3xf16>, tensor<8xf16> -> tensor<2x8x4x4xf16>
  return %0 : tensor<2x8x4x4xf16>
}

// -----

// Groups are the batch dim of one batched GEMM.
// CHECK-LABEL: func.func @grouped_conv2d
// CHECK:         linalg.batch_matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x3x9xf32>, tensor<2x72x9xf32>) outs(%{{.*}} : tensor<2x3x72xf32>)
func.func @grouped_conv2d(%x: tensor<2x2x6x6xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<2x6x6x6xf32> {
  %0 = mpt.conv2d %x, %w {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x2x6x6xf32>, tensor<6x1x3x3xf32> -> tensor<2x6x6x6xf32>
  return %0 : tensor<2x6x6x6xf32>
}

// -----

// The weight gradient is dy cols, with dy gathered as channels x pixels;
// the input gradient weight^T dy (the lhs read transposed, (d2, d0)), then
// col2im as a gather over the kernel positions.
// CHECK:       affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-LABEL: func.func @conv2d_grads
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x32xf32>, tensor<32x18xf32>) outs(%{{.*}} : tensor<4x18xf32>)
// CHECK:         %[[DCOLS:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<4x18xf32>, tensor<4x32xf32>) outs(%{{.*}} : tensor<18x32xf32>)
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:      outs(%{{.*}} : tensor<2x2x4x4xf32>)
// CHECK:           tensor.extract %[[DCOLS]]
func.func @conv2d_grads(%x: tensor<2x2x4x4xf32>, %w: tensor<4x2x3x3xf32>, %dy: tensor<2x4x4x4xf32>) -> (tensor<4x2x3x3xf32>, tensor<2x2x4x4xf32>) {
  %dw = mpt.conv2d_weight_grad %x, %dy {padding = array<i64: 1, 1, 1, 1>} : tensor<2x2x4x4xf32>, tensor<2x4x4x4xf32> -> tensor<4x2x3x3xf32>
  %dx = mpt.conv2d_input_grad %dy, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<2x4x4x4xf32>, tensor<4x2x3x3xf32> -> tensor<2x2x4x4xf32>
  return %dw, %dx : tensor<4x2x3x3xf32>, tensor<2x2x4x4xf32>
}

// -----

// A transposed convolution is the input gradient of the convolution that
// maps its result back to its input: weight^T x in one GEMM, col2im as a
// gather, then the bias joins the f32 sums before the one rounding.
// CHECK-LABEL: func.func @conv_transpose
// CHECK:         %[[COLS:.*]] = linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x27xf16>, tensor<4x8xf16>) outs(%{{.*}} : tensor<27x8xf32>)
// CHECK:         %[[SUMS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:      outs(%{{.*}} : tensor<2x3x4x4xf32>)
// CHECK:           tensor.extract %[[COLS]]
// CHECK:         linalg.generic {{.*}} ins(%[[SUMS]], %{{.*}} : tensor<2x3x4x4xf32>, tensor<3xf16>) outs(%{{.*}} : tensor<2x3x4x4xf16>)
// CHECK:           %[[B:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:           %[[S:.*]] = arith.addf %{{.*}}, %[[B]] : f32
// CHECK:           arith.truncf %[[S]] : f32 to f16
func.func @conv_transpose(%x: tensor<2x4x2x2xf16>, %w: tensor<4x3x3x3xf16>, %b: tensor<3xf16>) -> tensor<2x3x4x4xf16> {
  %0 = mpt.conv_transpose2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x2x2xf16>, tensor<4x3x3x3xf16>, tensor<3xf16> -> tensor<2x3x4x4xf16>
  return %0 : tensor<2x3x4x4xf16>
}

// -----

// Max pooling reduces the window dims from -inf in the element type; an
// operand of the window's shape gives linalg their sizes.
// CHECK:       affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK:       affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-LABEL: func.func @max_pool
// CHECK:         %[[NEG_INF:.*]] = arith.constant 0xFC00 : f16
// CHECK:         linalg.generic {indexing_maps = [{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : tensor<2x3x8x8xf16>, tensor<2x2xi8>)
// CHECK:           arith.maximumf %{{.*}}, %{{.*}} : f16
func.func @max_pool(%x: tensor<2x3x8x8xf16>) -> tensor<2x3x4x4xf16> {
  %0 = mpt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x3x8x8xf16> -> tensor<2x3x4x4xf16>
  return %0 : tensor<2x3x4x4xf16>
}

// -----

// Average pooling sums in f32 and multiplies by the reciprocal divisor of
// each window: with the padding excluded, the corner windows count fewer.
// CHECK-LABEL: func.func @avg_pool
// CHECK:         arith.constant dense<{{\[\[}}1.000000e+00, 5.000000e-01], [5.000000e-01, 2.500000e-01]]> : tensor<2x2xf32>
func.func @avg_pool(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  %0 = mpt.avg_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x1x3x3xf32> -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// A gather reads the table at the wrapped index, zero outside its range.
// CHECK-LABEL: func.func @gather
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<4x6xi64>) outs(%{{.*}} : tensor<4x6x8xf32>)
// CHECK:           arith.index_cast
// CHECK:           %[[E:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<10x8xf32>
// CHECK:           arith.select %{{.*}}, %[[E]], %{{.*}} : f32
func.func @gather(%t: tensor<10x8xf32>, %i: tensor<4x6xi64>) -> tensor<4x6x8xf32> {
  %0 = mpt.gather %t, %i : tensor<10x8xf32>, tensor<4x6xi64> -> tensor<4x6x8xf32>
  return %0 : tensor<4x6x8xf32>
}

// -----

// Erf has no op in either back end: arith and math.exp in f32 for f16.
// CHECK-LABEL: func.func @erf
// CHECK-NOT:     math.erf
// CHECK:         arith.extf %{{.*}} : f16 to f32
// CHECK:         math.exp
// CHECK:         math.copysign
// CHECK:         arith.truncf
func.func @erf(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = mpt.erf %x : tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

// The trigonometric and rounding ops are the math dialect's, in f32 for
// f16; round takes ties to even.
// CHECK-LABEL: func.func @trigonometry
// CHECK:         math.atan %{{.*}} : f32
// CHECK:         math.asin %{{.*}} : f32
// CHECK:         math.acos %{{.*}} : f32
// CHECK:         math.tan %{{.*}} : f32
// CHECK:         math.floor %{{.*}} : f32
// CHECK:         math.ceil %{{.*}} : f32
// CHECK:         math.roundeven %{{.*}} : f32
func.func @trigonometry(%x: tensor<4x8xf16>) -> (tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>) {
  %0 = mpt.atan %x : tensor<4x8xf16>
  %1 = mpt.asin %x : tensor<4x8xf16>
  %2 = mpt.acos %x : tensor<4x8xf16>
  %3 = mpt.tan %x : tensor<4x8xf16>
  %4 = mpt.floor %x : tensor<4x8xf16>
  %5 = mpt.ceil %x : tensor<4x8xf16>
  %6 = mpt.round %x : tensor<4x8xf16>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>
}

// -----

// Cross-entropy with labels: the row maxima and log-sum-exp of the shifted
// logits per row, then one reduction over rows and classes that keeps the
// labelled class, divided by the rows. Its log-probability is
// (x - max) - logSum, exact for the largest logit, so that a loss near 0
// keeps its digits.
// CHECK-LABEL: func.func @cross_entropy
// CHECK:         math.log
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x10xf16>, tensor<4xf32>, tensor<4xf32>, tensor<4xi64>)
// CHECK:           %[[X:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:           %[[SHIFTED:.*]] = arith.subf %[[X]], %{{.*}} : f32
// CHECK:           %[[LOGP:.*]] = arith.subf %[[SHIFTED]], %{{.*}} : f32
// CHECK:           arith.negf %[[LOGP]] : f32
// CHECK:           linalg.index 1
// CHECK:         %[[TOTAL:.*]] = tensor.extract %[[SUM]][] : tensor<f32>
// CHECK:         arith.divf %[[TOTAL]], %{{.*}} : f32
func.func @cross_entropy(%z: tensor<4x10xf16>, %y: tensor<4xi64>) -> f32 {
  %0 = mpt.cross_entropy_loss %z, %y : tensor<4x10xf16>, tensor<4xi64>
  return %0 : f32
}

// -----

// top_k counts, for every element, the elements that precede it (compared
// in f32: larger, or a NaN where it is none, or equal at a lower index),
// then picks for each of the k places the index that holds it; the values
// are a gather along the axis, zero for an index out of range.
// CHECK-DAG:   #[[OWN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[OTHER:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @top_k
// CHECK:         %[[PLACES:.*]] = linalg.generic {indexing_maps = [#[[OWN]], #[[OTHER]], #[[OWN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X:.*]], %[[X]] : tensor<4x6xf16>, tensor<4x6xf16>) outs(%{{.*}} : tensor<4x6xi64>)
// CHECK:           arith.extf
// CHECK:           arith.cmpf uno
// CHECK:           arith.cmpf ogt
// CHECK:           arith.cmpi ult
// CHECK:           arith.addi
// CHECK:         %[[IDX:.*]] = linalg.generic {indexing_maps = [#[[OTHER]], #[[OWN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[PLACES]] : tensor<4x6xi64>) outs(%{{.*}} : tensor<4x2xi64>)
// CHECK:           arith.cmpi eq
// CHECK:         linalg.generic {{.*}} ins(%[[IDX]] : tensor<4x2xi64>) outs(%{{.*}} : tensor<4x2xf16>)
// CHECK:           %[[E:.*]] = tensor.extract %[[X]][%{{.*}}, %{{.*}}] : tensor<4x6xf16>
// CHECK:           arith.select %{{.*}}, %[[E]], %{{.*}} : f16
func.func @top_k(%x: tensor<4x6xf16>) -> (tensor<4x2xi64>, tensor<4x2xf16>) {
  %i = mpt.top_k %x {k = 2 : i64} : tensor<4x6xf16> -> tensor<4x2xi64>
  %v = mpt.gather_elements %x, %i {axis = 1 : i64} : tensor<4x6xf16>, tensor<4x2xi64> -> tensor<4x2xf16>
  return %i, %v : tensor<4x2xi64>, tensor<4x2xf16>
}

// -----

// The gradient of gather_elements reduces over the index positions in f32
// and rounds once.
// CHECK-LABEL: func.func @gather_elements_grad
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<4x2xi32>, tensor<4x2xf16>) outs(%{{.*}} : tensor<4x6xf32>)
// CHECK:           arith.cmpi eq
// CHECK:           arith.addf {{.*}} : f32
// CHECK:         arith.truncf {{.*}} : f32 to f16
func.func @gather_elements_grad(%i: tensor<4x2xi32>, %d: tensor<4x2xf16>) -> tensor<4x6xf16> {
  %0 = mpt.gather_elements_grad %i, %d {axis = 1 : i64} : tensor<4x2xi32>, tensor<4x2xf16> -> tensor<4x6xf16>
  return %0 : tensor<4x6xf16>
}

// -----

// A concatenation reads every input at each result element, so one of more
// than eight inputs is a tree: the first eight, the rest, then the two.
// CHECK-LABEL: func.func @concat_tree
// CHECK-SAME:      %[[A:.*]]: tensor<2x1xf32>, %[[B:.*]]: tensor<2x2xf32>
// CHECK:         %[[FIRST:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x8xf32>)
// CHECK-COUNT-8:   tensor.extract %[[A]]
// CHECK-NOT:       tensor.extract
// CHECK:         %[[REST:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:           tensor.extract %[[A]]
// CHECK:           tensor.extract %[[B]]
// CHECK-NOT:       tensor.extract
// CHECK:         %[[ALL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x11xf32>)
// CHECK:           tensor.extract %[[FIRST]]
// CHECK:           tensor.extract %[[REST]]
// CHECK-NOT:       tensor.extract
// CHECK:         return %[[ALL]]
func.func @concat_tree(%a: tensor<2x1xf32>, %b: tensor<2x2xf32>) -> tensor<2x11xf32> {
  %0 = mpt.concat %a, %a, %a, %a, %a, %a, %a, %a, %a, %b {axis = 1 : i64} : tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x2xf32> -> tensor<2x11xf32>
  return %0 : tensor<2x11xf32>
}
