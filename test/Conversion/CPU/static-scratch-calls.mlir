// RUN: mpt-opt --mpt-cpu-static-scratch --allow-unregistered-dialect \
// RUN:   --split-input-file %s | FileCheck %s

// A function called only from the body of one other function keeps its
// temporaries in its caller's arena, in use during each call: %t shares
// bytes with %a, dead by then, and not with %b, live across the call.
// CHECK:       memref.global "private" @caller_scratch : memref<8192xi8>
// CHECK-NOT:   memref.global
// CHECK-LABEL: func.func private @kernel
// CHECK:         %[[ARENA:.*]] = memref.get_global @caller_scratch : memref<8192xi8>
// CHECK:         %[[AT:.*]] = arith.constant 4096 : index
// CHECK:         memref.view %[[ARENA]][%[[AT]]][] : memref<8192xi8> to memref<1024xf32>
// CHECK-LABEL: func.func @caller
// CHECK:         %[[ARENA:.*]] = memref.get_global @caller_scratch
// CHECK:         %[[A_AT:.*]] = arith.constant 0 : index
// CHECK:         memref.view %[[ARENA]][%[[A_AT]]][] : memref<8192xi8> to memref<2048xf32>
// CHECK:         %[[B_AT:.*]] = arith.constant 0 : index
// CHECK:         memref.view %[[ARENA]][%[[B_AT]]][] : memref<8192xi8> to memref<1024xf32>
func.func private @kernel() {
  %t = memref.alloc() : memref<1024xf32>
  "test.use"(%t) : (memref<1024xf32>) -> ()
  return
}
func.func @caller() {
  %a = memref.alloc() : memref<2048xf32>
  %b = memref.alloc() : memref<1024xf32>
  "test.use"(%a) : (memref<2048xf32>) -> ()
  "test.use"(%b) : (memref<1024xf32>) -> ()
  call @kernel() : () -> ()
  "test.use"(%b) : (memref<1024xf32>) -> ()
  return
}

// -----

// Inside the callee, temporaries used one after the other share bytes too,
// and a temporary of the caller live during only the first of two calls
// must still stay clear of the callee's at both.
// CHECK:       memref.global "private" @twice_scratch : memref<8192xi8>
// CHECK-LABEL: func.func private @sequential
// CHECK-COUNT-2: arith.constant 4096 : index
// CHECK-LABEL: func.func @twice
// CHECK:         arith.constant 0 : index
// CHECK:         memref.view {{.*}} to memref<1024xf32>
func.func private @sequential() {
  %x = memref.alloc() : memref<1024xf32>
  "test.use"(%x) : (memref<1024xf32>) -> ()
  %y = memref.alloc() : memref<1024xf32>
  "test.use"(%y) : (memref<1024xf32>) -> ()
  return
}
func.func @twice() {
  %a = memref.alloc() : memref<1024xf32>
  "test.use"(%a) : (memref<1024xf32>) -> ()
  call @sequential() : () -> ()
  "test.use"(%a) : (memref<1024xf32>) -> ()
  call @sequential() : () -> ()
  return
}

// -----

// A function called from two functions keeps an arena of its own, and a
// temporary that a called function returns keeps its allocation: the next
// call would overwrite it.
// CHECK-DAG:   memref.global "private" @shared_scratch : memref<4096xi8>
// CHECK-LABEL: func.func private @shared
// CHECK:         memref.get_global @shared_scratch
// CHECK-LABEL: func.func private @returns
// CHECK:         %[[R:.*]] = memref.alloc() : memref<16xf32>
// CHECK:         return %[[R]]
func.func private @shared() {
  %t = memref.alloc() : memref<1024xf32>
  "test.use"(%t) : (memref<1024xf32>) -> ()
  return
}
func.func private @returns() -> memref<16xf32> {
  %r = memref.alloc() : memref<16xf32>
  "test.use"(%r) : (memref<16xf32>) -> ()
  return %r : memref<16xf32>
}
func.func @first() {
  call @shared() : () -> ()
  %r = call @returns() : () -> memref<16xf32>
  "test.use"(%r) : (memref<16xf32>) -> ()
  return
}
func.func @second() {
  call @shared() : () -> ()
  return
}

// -----

// A buffer that a call starts or ends is in use during the call only while
// the callee uses it: %out, first written by the callee after it is done
// with %t, and %in, last read before %t is made, share bytes with %t.
// CHECK:       memref.global "private" @passes_scratch : memref<4096xi8>
// CHECK-LABEL: func.func private @produce
// CHECK:         %[[AT:.*]] = arith.constant 0 : index
// CHECK:         memref.view %{{.*}}[%[[AT]]][] : memref<4096xi8> to memref<1024xf32>
// CHECK-LABEL: func.func @passes
// CHECK-COUNT-2: arith.constant 0 : index
func.func private @produce(%in: memref<1024xf32>, %out: memref<1024xf32>) {
  "test.use"(%in) : (memref<1024xf32>) -> ()
  %t = memref.alloc() : memref<1024xf32>
  "test.use"(%t) : (memref<1024xf32>) -> ()
  "test.use"(%out) : (memref<1024xf32>) -> ()
  return
}
func.func @passes() {
  %in = memref.alloc() : memref<1024xf32>
  %out = memref.alloc() : memref<1024xf32>
  "test.use"(%in) : (memref<1024xf32>) -> ()
  call @produce(%in, %out) : (memref<1024xf32>, memref<1024xf32>) -> ()
  "test.use"(%out) : (memref<1024xf32>) -> ()
  return
}

// -----

// A buffer passed to an argument the callee never uses (a destination the
// kernel no longer writes) is not in use during the call: %a shares bytes
// with %b, which the callee's %t must stay clear of.
// CHECK:       memref.global "private" @passes_unused_scratch : memref<8192xi8>
// CHECK-LABEL: func.func private @ignores
// CHECK:         arith.constant 4096 : index
// CHECK-LABEL: func.func @passes_unused
// CHECK-COUNT-2: arith.constant 0 : index
func.func private @ignores(%unused: memref<1024xf32>) {
  %t = memref.alloc() : memref<1024xf32>
  "test.use"(%t) : (memref<1024xf32>) -> ()
  return
}
func.func @passes_unused() {
  %a = memref.alloc() : memref<1024xf32>
  %b = memref.alloc() : memref<1024xf32>
  "test.use"(%b) : (memref<1024xf32>) -> ()
  call @ignores(%a) : (memref<1024xf32>) -> ()
  "test.use"(%b) : (memref<1024xf32>) -> ()
  return
}
