// RUN: mpt-opt --convert-mpt-to-linalg --cse --split-input-file %s | FileCheck %s

// One operand: its flat buffer is reduced in place by the runtime (one
// buffer, dtype 0: f32, op 0: sum; world size 0: the runtime's), between
// to_buffer and a restrict writable to_tensor, and the mean divides the sum
// by the world size the runtime reports.

// CHECK-LABEL: func.func private @mptCommAllReduce(!llvm.ptr, !llvm.ptr, i64, i32, i32, i64)
// CHECK-LABEL: func.func private @mptCommWorldSize() -> i64
// CHECK-LABEL: func.func @mean
// CHECK:         %[[RANKS:.*]] = call @mptCommWorldSize() : () -> i64
// CHECK:         %[[RANKSF:.*]] = arith.sitofp %[[RANKS]] : i64 to f32
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<4x8xf32> into tensor<32xf32>
// CHECK:         %[[BUF:.*]] = bufferization.to_buffer %[[FLAT]] : tensor<32xf32> to memref<32xf32>
// CHECK:         %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[BUF]]
// CHECK:         %[[INT:.*]] = arith.index_cast %[[ADDR]] : index to i64
// CHECK:         %[[PTR:.*]] = llvm.inttoptr %[[INT]] : i64 to !llvm.ptr
// CHECK:         %[[N:.*]] = arith.constant 32 : i64
// CHECK:         %[[ONE:.*]] = arith.constant 1 : i64
// CHECK:         %[[PTRS:.*]] = llvm.alloca %[[ONE]] x !llvm.ptr
// CHECK:         %[[SLOT:.*]] = llvm.getelementptr %[[PTRS]][0]
// CHECK:         llvm.store %[[PTR]], %[[SLOT]]
// CHECK:         %[[COUNTS:.*]] = llvm.alloca %[[ONE]] x i64
// CHECK:         llvm.store %[[N]], %{{.*}} : i64, !llvm.ptr
// CHECK:         %[[ZERO32:.*]] = arith.constant 0 : i32
// CHECK:         %[[ZERO64:.*]] = arith.constant 0 : i64
// CHECK:         call @mptCommAllReduce(%[[PTRS]], %[[COUNTS]], %[[ONE]], %[[ZERO32]], %[[ZERO32]], %[[ZERO64]])
// CHECK:         %[[SUM:.*]] = bufferization.to_tensor %[[BUF]] restrict writable : memref<32xf32> to tensor<32xf32>
// CHECK:         %[[SHAPED:.*]] = tensor.expand_shape %[[SUM]]
// CHECK:         linalg.generic {{.*}} ins(%[[SHAPED]] : tensor<4x8xf32>)
// CHECK:           arith.divf %{{.*}}, %[[RANKSF]] : f32
func.func @mean(%g: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = mpt.all_reduce mean %g : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// A compressed bucket: each operand is divided by the (static) world size
// first and rounded to f16 into a buffer of its own; one call reduces both
// buffers (f16: dtype 2) as one message, and each result is its buffer
// widened back to f32.

// CHECK-LABEL: func.func @compressed_bucket
// CHECK-NOT:     mptCommWorldSize
// CHECK:         %[[RANKS:.*]] = arith.constant 4 : i64
// CHECK:         %[[RANKSF:.*]] = arith.sitofp %[[RANKS]] : i64 to f32
// CHECK:         %[[A:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<32xf32>) outs(%{{.*}} : tensor<32xf16>)
// CHECK:           arith.divf %{{.*}}, %[[RANKSF]] : f32
// CHECK:           arith.truncf %{{.*}} : f32 to f16
// CHECK:         %[[B:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<8xf32>) outs(%{{.*}} : tensor<8xf16>)
// CHECK:         %[[BUFA:.*]] = bufferization.to_buffer %[[A]] : tensor<32xf16> to memref<32xf16>
// CHECK:         %[[BUFB:.*]] = bufferization.to_buffer %[[B]] : tensor<8xf16> to memref<8xf16>
// CHECK:         %[[TWO:.*]] = arith.constant 2 : i64
// CHECK:         %[[PTRS:.*]] = llvm.alloca %[[TWO]] x !llvm.ptr
// CHECK:         %[[COUNTS:.*]] = llvm.alloca %[[TWO]] x i64
// CHECK:         %[[F16:.*]] = arith.constant 2 : i32
// CHECK:         %[[SUM:.*]] = arith.constant 0 : i32
// CHECK:         call @mptCommAllReduce(%[[PTRS]], %[[COUNTS]], %[[TWO]], %[[F16]], %[[SUM]], %[[RANKS]])
// CHECK:         %[[RA:.*]] = bufferization.to_tensor %[[BUFA]] restrict writable
// CHECK:         %[[RB:.*]] = bufferization.to_tensor %[[BUFB]] restrict writable
// CHECK:         %[[SA:.*]] = tensor.expand_shape %[[RA]]
// CHECK:         linalg.generic {{.*}} ins(%[[SA]] : tensor<4x8xf16>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:         linalg.generic {{.*}} ins(%[[RB]] : tensor<8xf16>) outs(%{{.*}} : tensor<8xf32>)
// CHECK:           arith.extf %{{.*}} : f16 to f32
func.func @compressed_bucket(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %r:2 = mpt.all_reduce mean %a, %b as f16 {world_size = 4 : i64} : tensor<4x8xf32>, tensor<8xf32>
  return %r#0, %r#1 : tensor<4x8xf32>, tensor<8xf32>
}

// -----

// A max of a rank-0 f64 tensor (dtype 1, op 1): no division, the result a
// reshape of the reduced buffer.

// CHECK-LABEL: func.func @max_scalar
// CHECK-NOT:     mptCommWorldSize
// CHECK:         tensor.expand_shape %{{.*}} [] output_shape [1] : tensor<f64> into tensor<1xf64>
// CHECK:         %[[ONE:.*]] = arith.constant 1 : i32
// CHECK:         call @mptCommAllReduce(%{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %[[ONE]], %{{.*}})
// CHECK:         %[[R:.*]] = tensor.collapse_shape %{{.*}} [] : tensor<1xf64> into tensor<f64>
// CHECK-NEXT:    return %[[R]]
func.func @max_scalar(%a: tensor<f64>) -> tensor<f64> {
  %r = mpt.all_reduce max %a : tensor<f64>
  return %r : tensor<f64>
}

// -----

// The world size is the runtime's.

// CHECK-LABEL: func.func @ranks
// CHECK:         %[[N:.*]] = call @mptCommWorldSize() : () -> i64
// CHECK-NEXT:    return %[[N]]
func.func @ranks() -> i64 {
  %n = mpt.world_size
  return %n : i64
}
