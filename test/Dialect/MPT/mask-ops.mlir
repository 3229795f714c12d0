// The comparisons and selects round-trip; a comparison's operands and
// result, and a select's condition, values and result, have one type. A
// comparison of integer tensors has operands of one integer type and a
// float result of their broadcast shape; a conversion of integers to
// floats, or of integers (or floats holding them) to another integer type,
// keeps the shape; integer arithmetic broadcasts integers of one type.
// RUN: mpt-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @masks
// CHECK:         %[[GT:.*]] = mpt.compare gt, %arg0, %arg1 : tensor<4x8xf16>
// CHECK-NEXT:    mpt.compare ge, %arg0, %arg1 : tensor<4x8xf16>
// CHECK-NEXT:    mpt.compare lt, %arg0, %arg1 : tensor<4x8xf16>
// CHECK-NEXT:    mpt.compare le, %arg0, %arg1 : tensor<4x8xf16>
// CHECK-NEXT:    mpt.compare eq, %arg0, %arg1 : tensor<4x8xf16>
// CHECK-NEXT:    mpt.compare ne, %arg0, %arg1 : tensor<4x8xf16>
// CHECK-NEXT:    mpt.select %[[GT]], %arg0, %arg1 : tensor<4x8xf16>
func.func @masks(%x: tensor<4x8xf16>, %y: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %gt = mpt.compare gt, %x, %y : tensor<4x8xf16>
  %ge = mpt.compare ge, %x, %y : tensor<4x8xf16>
  %lt = mpt.compare lt, %x, %y : tensor<4x8xf16>
  %le = mpt.compare le, %x, %y : tensor<4x8xf16>
  %eq = mpt.compare eq, %x, %y : tensor<4x8xf16>
  %ne = mpt.compare ne, %x, %y : tensor<4x8xf16>
  %r = mpt.select %gt, %x, %y : tensor<4x8xf16>
  return %r : tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @token_masks
// CHECK:         mpt.index_compare eq, %arg0, %arg1 : tensor<4x8xi64>, tensor<4x8xi64> -> tensor<4x8xf32>
// CHECK-NEXT:    mpt.index_compare ne, %arg0, %arg2 : tensor<4x8xi64>, tensor<i64> -> tensor<4x8xf16>
// CHECK-NEXT:    mpt.index_compare lt, %arg3, %arg4 : tensor<8xi32>, tensor<4x1xi32> -> tensor<4x8xbf16>
func.func @token_masks(%t: tensor<4x8xi64>, %pad: tensor<4x8xi64>, %zero: tensor<i64>,
                       %positions: tensor<8xi32>, %lengths: tensor<4x1xi32>) {
  %eq = mpt.index_compare eq, %t, %pad : tensor<4x8xi64>, tensor<4x8xi64> -> tensor<4x8xf32>
  %ne = mpt.index_compare ne, %t, %zero : tensor<4x8xi64>, tensor<i64> -> tensor<4x8xf16>
  %lt = mpt.index_compare lt, %positions, %lengths : tensor<8xi32>, tensor<4x1xi32> -> tensor<4x8xbf16>
  return
}

// -----

func.func @index_compare_types(%t: tensor<4x8xi64>, %u: tensor<4x8xi32>) {
  // expected-error@+1 {{'mpt.index_compare' op failed to verify that all of {lhs, rhs} have same element type}}
  %0 = mpt.index_compare eq, %t, %u : tensor<4x8xi64>, tensor<4x8xi32> -> tensor<4x8xf32>
  return
}

// -----

func.func @index_compare_shape(%t: tensor<4x8xi64>) {
  // expected-error@+1 {{'mpt.index_compare' op result shape [8, 4] must be [4, 8]}}
  %0 = mpt.index_compare eq, %t, %t : tensor<4x8xi64>, tensor<4x8xi64> -> tensor<8x4xf32>
  return
}

// -----

func.func @index_compare_broadcast(%t: tensor<4x8xi64>, %u: tensor<3xi64>) {
  // expected-error@+1 {{'mpt.index_compare' op operand shapes [4, 8] and [3] do not broadcast}}
  %0 = mpt.index_compare eq, %t, %u : tensor<4x8xi64>, tensor<3xi64> -> tensor<4x8xf32>
  return
}

// -----

func.func @index_compare_floats(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.index_compare' op operand #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = "mpt.index_compare"(%x, %x) {predicate = 4 : i32} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @index_compare_result(%t: tensor<4x8xi64>) {
  // expected-error@+1 {{'mpt.index_compare' op result #0 must be}}
  %0 = "mpt.index_compare"(%t, %t) {predicate = 4 : i32} : (tensor<4x8xi64>, tensor<4x8xi64>) -> tensor<4x8xi64>
  return
}

// -----

// CHECK-LABEL: func.func @attention_mask
// CHECK:         mpt.index_to_float %arg0 : tensor<4x8xi64> -> tensor<4x8xf32>
// CHECK-NEXT:    mpt.index_to_float %arg1 : tensor<8xi32> -> tensor<8xf16>
func.func @attention_mask(%m: tensor<4x8xi64>, %n: tensor<8xi32>) {
  %f = mpt.index_to_float %m : tensor<4x8xi64> -> tensor<4x8xf32>
  %h = mpt.index_to_float %n : tensor<8xi32> -> tensor<8xf16>
  return
}

// -----

// CHECK-LABEL: func.func @index_cast
// CHECK:         mpt.index_cast %arg0 : tensor<4x8xi32> -> tensor<4x8xi64>
// CHECK-NEXT:    mpt.index_cast %arg1 : tensor<4x8xf16> -> tensor<4x8xi32>
func.func @index_cast(%ids: tensor<4x8xi32>, %mask: tensor<4x8xf16>) {
  %0 = mpt.index_cast %ids : tensor<4x8xi32> -> tensor<4x8xi64>
  %1 = mpt.index_cast %mask : tensor<4x8xf16> -> tensor<4x8xi32>
  return
}

// -----

func.func @index_cast_shape(%m: tensor<4x8xi64>) {
  // expected-error@+1 {{'mpt.index_cast' op failed to verify that all of {input, result} have same shape}}
  %0 = mpt.index_cast %m : tensor<4x8xi64> -> tensor<32xi32>
  return
}

// -----

func.func @index_cast_result(%m: tensor<4x8xi64>) {
  // expected-error@+1 {{'mpt.index_cast' op result #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = "mpt.index_cast"(%m) : (tensor<4x8xi64>) -> tensor<4x8xf32>
  return
}

// -----

func.func @index_to_float_shape(%m: tensor<4x8xi64>) {
  // expected-error@+1 {{'mpt.index_to_float' op failed to verify that all of {input, result} have same shape}}
  %0 = mpt.index_to_float %m : tensor<4x8xi64> -> tensor<32xf32>
  return
}

// -----

func.func @index_to_float_input(%x: tensor<4x8xf16>) {
  // expected-error@+1 {{'mpt.index_to_float' op operand #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = "mpt.index_to_float"(%x) : (tensor<4x8xf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @compare_types(%x: tensor<4x8xf32>, %y: tensor<4x8xf16>) {
  // expected-error@+1 {{'mpt.compare' op requires the same type for all operands and results}}
  %0 = "mpt.compare"(%x, %y) {predicate = 0 : i32} : (tensor<4x8xf32>, tensor<4x8xf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @compare_predicate(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{custom op 'mpt.compare' expected string or keyword containing one of the following enum values for attribute 'predicate' [gt, ge, lt, le, eq, ne]}}
  %0 = mpt.compare gte, %x, %x : tensor<4x8xf32>
  return
}

// -----

func.func @select_shapes(%m: tensor<8xf32>, %x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.select' op failed to verify that all of {condition, true_value, false_value, result} have same type}}
  %0 = "mpt.select"(%m, %x, %x) : (tensor<8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

// Integer arithmetic broadcasts its operands and keeps their element type.
// CHECK-LABEL: func.func @index_arith
// CHECK:         mpt.index_arith sub, %arg0, %arg1 : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
// CHECK-NEXT:    mpt.index_arith mul, %arg2, %arg3 : tensor<4x1xi32>, tensor<6xi32> -> tensor<4x6xi32>
// CHECK-NEXT:    mpt.index_arith add, %arg0, %arg0 : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
// CHECK-NEXT:    mpt.index_arith div, %arg0, %arg1 : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
// CHECK-NEXT:    mpt.index_arith mod, %arg0, %arg1 : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
// CHECK-NEXT:    mpt.index_arith max, %arg0, %arg1 : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
// CHECK-NEXT:    mpt.index_arith min, %arg0, %arg1 : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
func.func @index_arith(%lengths: tensor<4xi64>, %one: tensor<i64>, %rows: tensor<4x1xi32>, %cols: tensor<6xi32>) {
  %0 = mpt.index_arith sub, %lengths, %one : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  %1 = mpt.index_arith mul, %rows, %cols : tensor<4x1xi32>, tensor<6xi32> -> tensor<4x6xi32>
  %2 = mpt.index_arith add, %lengths, %lengths : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %3 = mpt.index_arith div, %lengths, %one : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  %4 = mpt.index_arith mod, %lengths, %one : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  %5 = mpt.index_arith max, %lengths, %one : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  %6 = mpt.index_arith min, %lengths, %one : tensor<4xi64>, tensor<i64> -> tensor<4xi64>
  return
}

// -----

func.func @index_arith_broadcast(%a: tensor<4x8xi64>, %b: tensor<3xi64>) {
  // expected-error@+1 {{'mpt.index_arith' op operand shapes [4, 8] and [3] do not broadcast}}
  %0 = mpt.index_arith add, %a, %b : tensor<4x8xi64>, tensor<3xi64> -> tensor<4x8xi64>
  return
}

// -----

func.func @index_arith_types(%a: tensor<4xi64>, %b: tensor<4xi32>) {
  // expected-error@+1 {{'mpt.index_arith' op failed to verify that all of {lhs, rhs, result} have same element type}}
  %0 = mpt.index_arith add, %a, %b : tensor<4xi64>, tensor<4xi32> -> tensor<4xi64>
  return
}

// -----

func.func @index_arith_result(%a: tensor<4xi64>) {
  // expected-error@+1 {{'mpt.index_arith' op result shape [4, 1] must be [4]}}
  %0 = mpt.index_arith add, %a, %a : tensor<4xi64>, tensor<4xi64> -> tensor<4x1xi64>
  return
}
