// RUN: mpt-opt %s --mpt-gpu-device-collectives | FileCheck %s
// RUN: mpt-opt %s --mpt-gpu-device-collectives --mpt-gpu-device-collectives | FileCheck %s

// The lowering's calls of the host all-reduce go to the device one, with
// the same arguments; the host declaration is gone.

// CHECK-NOT:   @mptCommAllReduce(
// CHECK:       func.func private @mptCommAllReduceDevice(!llvm.ptr, !llvm.ptr, i64, i32, i32, i64)
// CHECK-LABEL: func.func @step
// CHECK-SAME:    (%[[P:.*]]: !llvm.ptr, %[[N:.*]]: !llvm.ptr)
// CHECK:         call @mptCommAllReduceDevice(%[[P]], %[[N]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, i64, i32, i32, i64) -> ()
// CHECK-NOT:     @mptCommAllReduce(
func.func private @mptCommAllReduce(!llvm.ptr, !llvm.ptr, i64, i32, i32, i64)
func.func @step(%buffers: !llvm.ptr, %counts: !llvm.ptr) {
  %one = arith.constant 1 : i64
  %f32 = arith.constant 0 : i32
  %sum = arith.constant 0 : i32
  %ranks = arith.constant 0 : i64
  call @mptCommAllReduce(%buffers, %counts, %one, %f32, %sum, %ranks) : (!llvm.ptr, !llvm.ptr, i64, i32, i32, i64) -> ()
  return
}
