// RUN: mpt-opt --mpt-cpu-static-scratch --allow-unregistered-dialect \
// RUN:   --split-input-file %s | FileCheck %s

// Temporaries whose live ranges are disjoint share the arena's bytes: it is
// as large as the larger one.
// CHECK:       memref.global "private" @disjoint_scratch : memref<4096xi8>
// CHECK-LABEL: func.func @disjoint
// CHECK:         %[[ARENA:.*]] = memref.get_global @disjoint_scratch
// CHECK:         %[[A_AT:.*]] = arith.constant 0 : index
// CHECK:         %[[A:.*]] = memref.view %[[ARENA]][%[[A_AT]]][] : memref<4096xi8> to memref<1024xf32>
// CHECK:         "test.use"(%[[A]])
// CHECK:         %[[B_AT:.*]] = arith.constant 0 : index
// CHECK:         %[[B:.*]] = memref.view %[[ARENA]][%[[B_AT]]][] : memref<4096xi8> to memref<512xf32>
// CHECK:         "test.use"(%[[B]])
func.func @disjoint() {
  %a = memref.alloc() : memref<1024xf32>
  "test.use"(%a) : (memref<1024xf32>) -> ()
  %b = memref.alloc() : memref<512xf32>
  "test.use"(%b) : (memref<512xf32>) -> ()
  return
}

// -----

// An op that reads one temporary and writes another needs both at once.
// CHECK:       memref.global "private" @overlapping_scratch : memref<6144xi8>
// CHECK-LABEL: func.func @overlapping
// CHECK:         arith.constant 0 : index
// CHECK:         memref.view {{.*}} to memref<1024xf32>
// CHECK:         arith.constant 4096 : index
// CHECK:         memref.view {{.*}} to memref<512xf32>
func.func @overlapping() {
  %a = memref.alloc() : memref<1024xf32>
  "test.use"(%a) : (memref<1024xf32>) -> ()
  %b = memref.alloc() : memref<512xf32>
  "test.use"(%a, %b) : (memref<1024xf32>, memref<512xf32>) -> ()
  return
}

// -----

// A temporary is live as long as a view of it is: %b is used while %a's
// reshaped view still is.
// CHECK:       memref.global "private" @view_scratch : memref<6144xi8>
// CHECK-LABEL: func.func @view
// CHECK:         arith.constant 4096 : index
// CHECK:         memref.view {{.*}} to memref<512xf32>
func.func @view() {
  %a = memref.alloc() : memref<1024xf32>
  "test.use"(%a) : (memref<1024xf32>) -> ()
  %e = memref.expand_shape %a [[0, 1]] output_shape [32, 32]
      : memref<1024xf32> into memref<32x32xf32>
  %b = memref.alloc() : memref<512xf32>
  "test.use"(%b) : (memref<512xf32>) -> ()
  "test.use"(%e) : (memref<32x32xf32>) -> ()
  return
}

// -----

// Making a view touches no memory: %a is first read through its reshape
// after the last use of %b, so the two share bytes.
// CHECK:       memref.global "private" @view_made_early_scratch : memref<4096xi8>
// CHECK-LABEL: func.func @view_made_early
// CHECK:         arith.constant 0 : index
// CHECK:         memref.view {{.*}} to memref<1024xf32>
// CHECK:         arith.constant 0 : index
// CHECK:         memref.view {{.*}} to memref<512xf32>
func.func @view_made_early() {
  %a = memref.alloc() : memref<1024xf32>
  %e = memref.expand_shape %a [[0, 1]] output_shape [32, 32]
      : memref<1024xf32> into memref<32x32xf32>
  %b = memref.alloc() : memref<512xf32>
  "test.use"(%b) : (memref<512xf32>) -> ()
  "test.use"(%e) : (memref<32x32xf32>) -> ()
  return
}

// -----

// A region op that yields a temporary makes its result an alias of it.
// CHECK:       memref.global "private" @yielded_scratch : memref<6144xi8>
// CHECK-LABEL: func.func @yielded
// CHECK:         arith.constant 4096 : index
// CHECK:         memref.view {{.*}} to memref<512xf32>
func.func @yielded(%c: i1) {
  %a = memref.alloc() : memref<1024xf32>
  %r = scf.if %c -> memref<1024xf32> {
    scf.yield %a : memref<1024xf32>
  } else {
    scf.yield %a : memref<1024xf32>
  }
  %b = memref.alloc() : memref<512xf32>
  "test.use"(%b) : (memref<512xf32>) -> ()
  "test.use"(%r) : (memref<1024xf32>) -> ()
  return
}

// -----

// Iterations of a parallel loop run at the same time: temporaries used one
// after the other in its body are still live together.
// CHECK:       memref.global "private" @parallel_scratch : memref<6144xi8>
// CHECK-LABEL: func.func @parallel
// CHECK:         arith.constant 4096 : index
// CHECK:         memref.view {{.*}} to memref<512xf32>
// CHECK:         scf.forall
func.func @parallel() {
  %a = memref.alloc() : memref<1024xf32>
  %b = memref.alloc() : memref<512xf32>
  scf.forall (%i) in (4) {
    "test.use"(%a) : (memref<1024xf32>) -> ()
    "test.use"(%b) : (memref<512xf32>) -> ()
  }
  return
}

// -----

// A temporary goes to the lowest offset free while it lives, a hole below a
// live temporary included; offsets are multiples of 64 bytes.
// CHECK:       memref.global "private" @packing_scratch : memref<8192xi8>
// CHECK-LABEL: func.func @packing
// CHECK:         arith.constant 0 : index
// CHECK:         memref.view {{.*}} to memref<1024xf32>
// CHECK:         arith.constant 4096 : index
// CHECK:         memref.view {{.*}} to memref<1024xf32>
// CHECK:         arith.constant 0 : index
// CHECK:         memref.view {{.*}} to memref<3xf32>
// CHECK:         arith.constant 64 : index
// CHECK:         memref.view {{.*}} to memref<3xf32>
func.func @packing() {
  %a = memref.alloc() : memref<1024xf32>
  %b = memref.alloc() : memref<1024xf32>
  "test.use"(%a, %b) : (memref<1024xf32>, memref<1024xf32>) -> ()
  %s = memref.alloc() : memref<3xf32>
  %t = memref.alloc() : memref<3xf32>
  "test.use"(%b, %s, %t) : (memref<1024xf32>, memref<3xf32>, memref<3xf32>) -> ()
  return
}
