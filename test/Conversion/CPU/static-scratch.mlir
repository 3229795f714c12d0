// RUN: mpt-opt --mpt-cpu-static-scratch --allow-unregistered-dialect %s | FileCheck %s

// Allocations made once per call become views of the function's arena; one
// in a loop keeps its allocation.
// CHECK:       memref.global "private" @f_scratch : memref<1048580xi8> = uninitialized {alignment = 64 : i64}
// CHECK-LABEL: func.func @f
// CHECK:         %[[ARENA:.*]] = memref.get_global @f_scratch : memref<1048580xi8>
// CHECK-DAG:     memref.view %[[ARENA]][%{{.*}}][] : memref<1048580xi8> to memref<256x1024xf32>
// CHECK-DAG:     memref.view %[[ARENA]][%{{.*}}][] : memref<1048580xi8> to memref<f32>
// CHECK:         scf.for
// CHECK:           memref.alloc() : memref<4xf32>
func.func @f(%n: index) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<256x1024xf32>
  %s = memref.alloc() : memref<f32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloc() : memref<4xf32>
    "test.use"(%a, %s, %t) : (memref<256x1024xf32>, memref<f32>, memref<4xf32>) -> ()
    memref.dealloc %t : memref<4xf32>
  }
  return
}
