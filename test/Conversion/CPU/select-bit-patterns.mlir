// RUN: mpt-opt --mpt-cpu-select-bit-patterns %s | FileCheck %s

// Selects of bf16 values, scalars and vectors, select their i16 bit
// patterns (no promotion to f32 and rounding back in LLVM); f16 and f32
// selects stay.
// CHECK-LABEL: func.func @selects(
// CHECK-SAME:      %[[C:.*]]: i1, %[[A:.*]]: bf16, %[[B:.*]]: bf16, %[[M:.*]]: vector<16xi1>, %[[U:.*]]: vector<16xbf16>, %[[V:.*]]: vector<16xbf16>, %[[P:.*]]: f16, %[[Q:.*]]: f16, %[[X:.*]]: f32, %[[Y:.*]]: f32)
// CHECK:         %[[AI:.*]] = arith.bitcast %[[A]] : bf16 to i16
// CHECK-NEXT:    %[[BI:.*]] = arith.bitcast %[[B]] : bf16 to i16
// CHECK-NEXT:    %[[RI:.*]] = arith.select %[[C]], %[[AI]], %[[BI]] : i16
// CHECK-NEXT:    %[[R:.*]] = arith.bitcast %[[RI]] : i16 to bf16
// CHECK-NEXT:    %[[UI:.*]] = arith.bitcast %[[U]] : vector<16xbf16> to vector<16xi16>
// CHECK-NEXT:    %[[VI:.*]] = arith.bitcast %[[V]] : vector<16xbf16> to vector<16xi16>
// CHECK-NEXT:    %[[WI:.*]] = arith.select %[[M]], %[[UI]], %[[VI]] : vector<16xi1>, vector<16xi16>
// CHECK-NEXT:    %[[W:.*]] = arith.bitcast %[[WI]] : vector<16xi16> to vector<16xbf16>
// CHECK-NEXT:    %[[H:.*]] = arith.select %[[C]], %[[P]], %[[Q]] : f16
// CHECK-NEXT:    %[[Z:.*]] = arith.select %[[C]], %[[X]], %[[Y]] : f32
// CHECK-NEXT:    return %[[R]], %[[W]], %[[H]], %[[Z]]
func.func @selects(%c: i1, %a: bf16, %b: bf16, %m: vector<16xi1>, %u: vector<16xbf16>, %v: vector<16xbf16>, %p: f16, %q: f16, %x: f32, %y: f32) -> (bf16, vector<16xbf16>, f16, f32) {
  %r = arith.select %c, %a, %b : bf16
  %w = arith.select %m, %u, %v : vector<16xi1>, vector<16xbf16>
  %h = arith.select %c, %p, %q : f16
  %z = arith.select %c, %x, %y : f32
  return %r, %w, %h, %z : bf16, vector<16xbf16>, f16, f32
}
