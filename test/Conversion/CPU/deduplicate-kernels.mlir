// RUN: mpt-opt --mpt-cpu-deduplicate-kernels --split-input-file %s | FileCheck %s

// Kernels that differ only in their names are merged into the first one;
// a kernel with another body stays, and so does a function that is no
// kernel.
// CHECK-LABEL: func.func private @k0(
// CHECK-NOT:   func.func private @k1(
// CHECK-LABEL: func.func private @k2(
// CHECK-LABEL: func.func private @plain(
// CHECK-LABEL: func.func private @plain_copy(
// CHECK-LABEL: func.func @step(
// CHECK:         %[[A:.*]] = call @k0(%{{.*}}) : (f32) -> f32
// CHECK:         %[[B:.*]] = call @k0(%[[A]]) : (f32) -> f32
// CHECK:         %[[C:.*]] = call @k2(%[[B]]) : (f32) -> f32
// CHECK:         call @plain(%[[C]])
// CHECK:         call @plain_copy(
func.func private @k0(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.mulf %x, %x : f32
  return %r : f32
}
func.func private @k1(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.mulf %x, %x : f32
  return %r : f32
}
func.func private @k2(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.addf %x, %x : f32
  return %r : f32
}
func.func private @plain(%x: f32) -> f32 {
  %r = arith.mulf %x, %x : f32
  return %r : f32
}
func.func private @plain_copy(%x: f32) -> f32 {
  %r = arith.mulf %x, %x : f32
  return %r : f32
}
func.func @step(%x: f32) -> f32 {
  %a = call @k0(%x) : (f32) -> f32
  %b = call @k1(%a) : (f32) -> f32
  %c = call @k2(%b) : (f32) -> f32
  %d = call @plain(%c) : (f32) -> f32
  %e = call @plain_copy(%d) : (f32) -> f32
  return %e : f32
}

// -----

// Locations do not make kernels different.
// CHECK-LABEL: func.func private @a(
// CHECK-NOT:   func.func private @b(
// CHECK:       call @a(
// CHECK:       call @a(
func.func private @a(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.negf %x : f32 loc("a.mlir":1:1)
  return %r : f32
}
func.func private @b(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.negf %x : f32 loc("b.mlir":7:3)
  return %r : f32
}
func.func @s(%x: f32) -> f32 {
  %a = call @a(%x) : (f32) -> f32
  %b = call @b(%a) : (f32) -> f32
  return %b : f32
}

// -----

// Identical kernels of different callers stay apart, and so does a kernel
// that two functions call.
// CHECK-LABEL: func.func private @f_k(
// CHECK-LABEL: func.func private @g_k(
// CHECK-LABEL: func.func private @shared(
// CHECK-LABEL: func.func private @shared_copy(
// CHECK-LABEL: func.func @f(
// CHECK:         call @f_k(
// CHECK:         call @shared(
// CHECK-LABEL: func.func @g(
// CHECK:         call @g_k(
// CHECK:         call @shared(
// CHECK:         call @shared_copy(
func.func private @f_k(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.mulf %x, %x : f32
  return %r : f32
}
func.func private @g_k(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.mulf %x, %x : f32
  return %r : f32
}
func.func private @shared(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.negf %x : f32
  return %r : f32
}
func.func private @shared_copy(%x: f32) -> f32 attributes {mpt.kernel} {
  %r = arith.negf %x : f32
  return %r : f32
}
func.func @f(%x: f32) -> f32 {
  %a = call @f_k(%x) : (f32) -> f32
  %b = call @shared(%a) : (f32) -> f32
  return %b : f32
}
func.func @g(%x: f32) -> f32 {
  %a = call @g_k(%x) : (f32) -> f32
  %b = call @shared(%a) : (f32) -> f32
  %c = call @shared_copy(%b) : (f32) -> f32
  return %c : f32
}
