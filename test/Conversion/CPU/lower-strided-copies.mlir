// RUN: mpt-opt --mpt-cpu-lower-strided-copies %s | FileCheck %s

// Copies from or to a strided view become linalg copies; copies the LLVM
// lowering does with llvm.memcpy (identity layouts, or a contiguous view
// at an offset) stay.
// CHECK-LABEL: func.func @copies(
// CHECK-SAME:      %[[BIG:.*]]: memref<8x64xf32>, %[[SMALL:.*]]: memref<4x16xf32>, %[[OTHER:.*]]: memref<4x16xf32>)
// CHECK:         %[[VIEW:.*]] = memref.subview %[[BIG]][2, 8] [4, 16] [1, 1]
// CHECK:         linalg.copy ins(%[[SMALL]] : memref<4x16xf32>) outs(%[[VIEW]] : memref<4x16xf32, strided<[64, 1], offset: 136>>)
// CHECK:         linalg.copy ins(%[[VIEW]] : memref<4x16xf32, strided<[64, 1], offset: 136>>) outs(%[[OTHER]] : memref<4x16xf32>)
// CHECK:         memref.copy %[[SMALL]], %[[OTHER]] : memref<4x16xf32> to memref<4x16xf32>
// CHECK:         %[[ROWS:.*]] = memref.subview %[[BIG]][2, 0] [1, 64] [1, 1]
// CHECK:         memref.copy %{{.*}}, %[[ROWS]]
func.func @copies(%big: memref<8x64xf32>, %small: memref<4x16xf32>, %other: memref<4x16xf32>) {
  %view = memref.subview %big[2, 8] [4, 16] [1, 1] : memref<8x64xf32> to memref<4x16xf32, strided<[64, 1], offset: 136>>
  memref.copy %small, %view : memref<4x16xf32> to memref<4x16xf32, strided<[64, 1], offset: 136>>
  memref.copy %view, %other : memref<4x16xf32, strided<[64, 1], offset: 136>> to memref<4x16xf32>
  memref.copy %small, %other : memref<4x16xf32> to memref<4x16xf32>
  %row = memref.subview %big[2, 0] [1, 64] [1, 1] : memref<8x64xf32> to memref<1x64xf32, strided<[64, 1], offset: 128>>
  %flat = memref.alloc() : memref<1x64xf32>
  memref.copy %flat, %row : memref<1x64xf32> to memref<1x64xf32, strided<[64, 1], offset: 128>>
  return
}
