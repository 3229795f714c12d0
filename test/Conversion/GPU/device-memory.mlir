// RUN: mpt-opt %s --split-input-file --mpt-gpu-device-memory | FileCheck %s

// A temporary lives on the device and is freed right after its last use,
// also through a view; a later temporary can then reuse its memory.

// CHECK-LABEL: func.func @temporaries
// CHECK: %[[T:.*]] = gpu.alloc () : memref<4x8xf32>
// CHECK: linalg.fill {{.*}} outs(%[[T]]
// CHECK: %[[V:.*]] = memref.collapse_shape %[[T]]
// CHECK: linalg.copy ins(%[[V]] {{.*}}) outs(%[[OUT:.*]] :
// CHECK-NEXT: gpu.dealloc %[[T]] : memref<4x8xf32>
// CHECK: %[[U:.*]] = gpu.alloc () : memref<32xf32>
// CHECK: gpu.dealloc %[[U]]
// CHECK-NEXT: return
func.func @temporaries(%out: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<4x8xf32>)
  %v = memref.collapse_shape %t [[0, 1]] : memref<4x8xf32> into memref<32xf32>
  linalg.copy ins(%v : memref<32xf32>) outs(%out : memref<32xf32>)
  %u = memref.alloc() : memref<32xf32>
  linalg.copy ins(%out : memref<32xf32>) outs(%u : memref<32xf32>)
  return
}

// -----

// A returned buffer belongs to the caller and is not freed.

// CHECK-LABEL: func.func @returned
// CHECK: %[[T:.*]] = gpu.alloc () : memref<8xf32>
// CHECK-NOT: gpu.dealloc
// CHECK: return %[[T]]
func.func @returned() -> memref<8xf32> {
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<8xf32>)
  return %t : memref<8xf32>
}

// -----

// Copies between contiguous buffers are device copies; others become
// copy kernels (linalg.copy).

// CHECK-LABEL: func.func @copies
// CHECK: gpu.memcpy %{{.*}}, %{{.*}} : memref<8xf32>, memref<8xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<4xf32, strided<[2]>>) outs(%{{.*}} : memref<4xf32>)
func.func @copies(%a: memref<8xf32>, %b: memref<8xf32>, %c: memref<4xf32>) {
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  %s = memref.subview %a[0] [4] [2] : memref<8xf32> to memref<4xf32, strided<[2]>>
  memref.copy %s, %c : memref<4xf32, strided<[2]>> to memref<4xf32>
  return
}

// -----

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// A constant is copied from host memory into a device buffer.

// CHECK-LABEL: func.func @constant
// CHECK: %[[HOST:.*]] = memref.get_global @table
// CHECK: %[[DEV:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: gpu.memcpy %[[DEV]], %[[HOST]]
// CHECK: linalg.copy ins(%[[DEV]]
// CHECK: gpu.dealloc %[[DEV]]
func.func @constant(%out: memref<4xf32>) {
  %t = memref.get_global @table : memref<4xf32>
  linalg.copy ins(%t : memref<4xf32>) outs(%out : memref<4xf32>)
  return
}

// -----

// A temporary is allocated right before its first use, not where
// bufferization put it, so that it does not hold memory for earlier ops.

// CHECK-LABEL: func.func @late_allocation
// CHECK: linalg.copy ins(%{{.*}} : memref<8xf32>) outs(%[[OUT:.*]] : memref<8xf32>)
// CHECK-NEXT: %[[T:.*]] = gpu.alloc () : memref<8xf32>
// CHECK-NEXT: linalg.copy ins(%[[OUT]] : memref<8xf32>) outs(%[[T]] : memref<8xf32>)
func.func @late_allocation(%a: memref<8xf32>, %out: memref<8xf32>) {
  %t = memref.alloc() : memref<8xf32>
  linalg.copy ins(%a : memref<8xf32>) outs(%out : memref<8xf32>)
  linalg.copy ins(%out : memref<8xf32>) outs(%t : memref<8xf32>)
  linalg.copy ins(%t : memref<8xf32>) outs(%a : memref<8xf32>)
  return
}
