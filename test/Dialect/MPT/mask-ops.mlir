// The comparisons and selects round-trip; a comparison's operands and
// result, and a select's condition, values and result, have one type.
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
