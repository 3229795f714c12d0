// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// LeakyReLU in f32 for f16 operands, rounded once: x > 0 ? x : alpha x.
// CHECK-LABEL: func.func @leaky_relu_f16
// CHECK:         ^bb0(%[[X:[^:]*]]: f16, %{{.*}}: f16):
// CHECK:           %[[W:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK:           %[[POS:.*]] = arith.cmpf ogt, %[[W]], %{{.*}} : f32
// CHECK:           %[[NEG:.*]] = arith.mulf %[[W]], %{{.*}} : f32
// CHECK:           %[[R:.*]] = arith.select %[[POS]], %[[W]], %[[NEG]] : f32
// CHECK:           %[[N:.*]] = arith.truncf %[[R]] : f32 to f16
// CHECK:           linalg.yield %[[N]]
func.func @leaky_relu_f16(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = mpt.leaky_relu %x {alpha = 0.25 : f64} : tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

// ELU's negative side is alpha scale expm1(x), without cancellation:
// (exp(x) - 1) x / log(exp(x)).
// CHECK-LABEL: func.func @elu
// CHECK:           %[[U:.*]] = math.exp %[[X:.*]] : f32
// CHECK:           %[[UM1:.*]] = arith.subf %[[U]], %{{.*}} : f32
// CHECK:           %[[P:.*]] = arith.mulf %[[UM1]], %[[X]] : f32
// CHECK:           %[[L:.*]] = math.log %[[U]] : f32
// CHECK:           arith.divf %[[P]], %[[L]] : f32
func.func @elu(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.elu %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Clamp's bounds are NaN-propagating maximum and minimum; an absent bound
// makes none.
// CHECK-LABEL: func.func @clamp
// CHECK:         ^bb0(%[[X:[^:]*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[LO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[A:.*]] = arith.maximumf %[[X]], %[[LO]] : f32
// CHECK-NEXT:      %[[HI:.*]] = arith.constant 6.000000e+00 : f32
// CHECK-NEXT:      %[[B:.*]] = arith.minimumf %[[A]], %[[HI]] : f32
// CHECK-NEXT:      linalg.yield %[[B]]
// CHECK-LABEL: func.func @clamp_max
// CHECK-NOT:       arith.maximumf
// CHECK:           arith.minimumf
func.func @clamp(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.clamp %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
func.func @clamp_max(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.clamp %x {max = 6.0 : f64} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Hardtanh's derivative passes the cotangent strictly inside the bounds,
// and not for NaN.
// CHECK-LABEL: func.func @clamp_grad
// CHECK:         ^bb0(%[[X:[^:]*]]: f32, %[[DY:[^:]*]]: f32, %{{.*}}: f32):
// CHECK:           %[[ORD:.*]] = arith.cmpf oeq, %[[X]], %[[X]] : f32
// CHECK:           %[[ABOVE:.*]] = arith.cmpf ogt, %[[X]], %{{.*}} : f32
// CHECK:           %[[A:.*]] = arith.andi %[[ORD]], %[[ABOVE]] : i1
// CHECK:           %[[BELOW:.*]] = arith.cmpf olt, %[[X]], %{{.*}} : f32
// CHECK:           %[[IN:.*]] = arith.andi %[[A]], %[[BELOW]] : i1
// CHECK:           arith.select %[[IN]], %[[DY]], %{{.*}} : f32
func.func @clamp_grad(%x: tensor<4x8xf32>, %dy: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.clamp_grad %x, %dy {min = -1.0 : f64, max = 1.0 : f64} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Softplus is x above PyTorch's threshold 20, else log1p(exp(x)).
// CHECK-LABEL: func.func @softplus
// CHECK:         ^bb0(%[[X:[^:]*]]: f32, %{{.*}}: f32):
// CHECK:           %[[T:.*]] = arith.constant 2.000000e+01 : f32
// CHECK:           %[[BIG:.*]] = arith.cmpf ogt, %[[X]], %[[T]] : f32
// CHECK:           %[[E:.*]] = math.exp %[[X]] : f32
// CHECK:           %[[R:.*]] = arith.select %[[BIG]], %[[X]], %{{.*}} : f32
// CHECK:           linalg.yield %[[R]]
func.func @softplus(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.softplus %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Integers compare as signed integers, exactly, whatever the mask's type:
// 1 or 0 in f16 here. The operands broadcast: positions along the columns,
// a length per row.
// CHECK-DAG:   #[[COLUMNS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG:   #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG:   #[[ALL:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @index_compare
// CHECK:         linalg.generic {indexing_maps = [#[[COLUMNS]], #[[ROWS]], #[[ALL]]]
// CHECK:         ^bb0(%[[T:[^:]*]]: i64, %[[P:[^:]*]]: i64, %{{.*}}: f16):
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f16
// CHECK-DAG:       %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK-DAG:       %[[HOLDS:.*]] = arith.cmpi slt, %[[T]], %[[P]] : i64
// CHECK:           %[[R:.*]] = arith.select %[[HOLDS]], %[[ONE]], %[[ZERO]] : f16
// CHECK:           linalg.yield %[[R]]
func.func @index_compare(%t: tensor<8xi64>, %p: tensor<4x1xi64>) -> tensor<4x8xf16> {
  %0 = mpt.index_compare lt, %t, %p : tensor<8xi64>, tensor<4x1xi64> -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

// Integers become floats through f32, then round once to bf16.
// CHECK-LABEL: func.func @index_to_float
// CHECK:         ^bb0(%[[M:[^:]*]]: i64, %{{.*}}: bf16):
// CHECK:           %[[F:.*]] = arith.sitofp %[[M]] : i64 to f32
// CHECK:           %[[R:.*]] = arith.truncf %[[F]] : f32 to bf16
// CHECK:           linalg.yield %[[R]]
func.func @index_to_float(%m: tensor<4x8xi64>) -> tensor<4x8xbf16> {
  %0 = mpt.index_to_float %m : tensor<4x8xi64> -> tensor<4x8xbf16>
  return %0 : tensor<4x8xbf16>
}

// -----

// Integers are sign-extended or truncated; floats are widened to f32,
// compared with +-2^31 and NaN, converted where in range (0 elsewhere) and
// saturated at the bounds.
// CHECK-LABEL: func.func @index_cast
// CHECK:         ^bb0(%[[I:[^:]*]]: i32, %{{.*}}: i64):
// CHECK:           %[[W:.*]] = arith.extsi %[[I]] : i32 to i64
// CHECK:           linalg.yield %[[W]]
// CHECK:         ^bb0(%[[L:[^:]*]]: i64, %{{.*}}: i32):
// CHECK:           %[[T:.*]] = arith.trunci %[[L]] : i64 to i32
// CHECK:           linalg.yield %[[T]]
// CHECK:         ^bb0(%[[H:[^:]*]]: f16, %{{.*}}: i32):
// CHECK:           %[[X:.*]] = arith.extf %[[H]] : f16 to f32
// CHECK:           %[[BOUND:.*]] = arith.constant 2.14748365E+9 : f32
// CHECK:           %[[ABOVE:.*]] = arith.cmpf oge, %[[X]], %[[BOUND]] : f32
// CHECK:           %[[LOW:.*]] = arith.constant -2.14748365E+9 : f32
// CHECK:           %[[BELOW:.*]] = arith.cmpf olt, %[[X]], %[[LOW]] : f32
// CHECK:           %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]] : f32
// CHECK:           %[[SAFE:.*]] = arith.select %{{.*}}, %{{.*}}, %[[X]] : f32
// CHECK:           %[[C:.*]] = arith.fptosi %[[SAFE]] : f32 to i32
// CHECK:           %[[MAX:.*]] = arith.constant 2147483647 : i32
// CHECK:           %[[S:.*]] = arith.select %[[ABOVE]], %[[MAX]], %[[C]] : i32
// CHECK:           %[[MIN:.*]] = arith.constant -2147483648 : i32
// CHECK:           %[[R:.*]] = arith.select %[[BELOW]], %[[MIN]], %[[S]] : i32
// CHECK:           linalg.yield %[[R]]
func.func @index_cast(%ids: tensor<8xi32>, %wide: tensor<8xi64>,
                      %mask: tensor<8xf16>) -> (tensor<8xi64>, tensor<8xi32>, tensor<8xi32>) {
  %0 = mpt.index_cast %ids : tensor<8xi32> -> tensor<8xi64>
  %1 = mpt.index_cast %wide : tensor<8xi64> -> tensor<8xi32>
  %2 = mpt.index_cast %mask : tensor<8xf16> -> tensor<8xi32>
  return %0, %1, %2 : tensor<8xi64>, tensor<8xi32>, tensor<8xi32>
}

// -----

// Integer arithmetic is signed; a division by 0 or -1 divides by 1 instead
// (no trap), then gives 0 or the negation; the remainder is moved to the
// divisor's sign.
// CHECK-LABEL: func.func @index_arith
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[A:[^:]*]]: i64, %[[B:[^:]*]]: i64, %{{.*}}: i64):
// CHECK:           %[[BY_ZERO:.*]] = arith.cmpi eq, %[[B]], %{{.*}} : i64
// CHECK:           %[[BY_MINUS:.*]] = arith.cmpi eq, %[[B]], %{{.*}} : i64
// CHECK:           %[[D:.*]] = arith.select %{{.*}}, %{{.*}}, %[[B]] : i64
// CHECK:           %[[Q:.*]] = arith.divsi %[[A]], %[[D]] : i64
// CHECK:           %[[NEG:.*]] = arith.subi %{{.*}}, %[[A]] : i64
// CHECK:           %[[V:.*]] = arith.select %[[BY_MINUS]], %[[NEG]], %[[Q]] : i64
// CHECK:           arith.select %[[BY_ZERO]], %{{.*}}, %[[V]] : i64
// CHECK:         linalg.generic
// CHECK:           arith.remsi
// CHECK:         linalg.generic
// CHECK:           arith.subi
// CHECK:         linalg.generic
// CHECK:           arith.maxsi
// CHECK:         linalg.generic
// CHECK:           arith.minsi
func.func @index_arith(%a: tensor<4xi64>, %b: tensor<4xi64>) -> (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) {
  %0 = mpt.index_arith div, %a, %b : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %1 = mpt.index_arith mod, %a, %b : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %2 = mpt.index_arith sub, %a, %b : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %3 = mpt.index_arith max, %a, %b : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %4 = mpt.index_arith min, %a, %b : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  return %0, %1, %2, %3, %4 : tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>
}
