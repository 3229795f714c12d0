// RUN: mpt-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(gpu-async-region),mpt-gpu-stream-ordered-calls)" | FileCheck %s

// Between two kernels, a stream-ordered call takes the step's stream: no
// synchronization before it, no new stream after it; the host waits once,
// at the end.

// CHECK-LABEL: func.func @between_kernels
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @kernels::@a
// CHECK-NOT: gpu.wait
// CHECK: %[[S:.*]] = builtin.unrealized_conversion_cast %[[T1]] : !gpu.async.token to !llvm.ptr
// CHECK: call @enqueue(%[[S]], %{{.*}}) : (!llvm.ptr, i32) -> ()
// CHECK-NOT: gpu.wait
// CHECK: %[[T2:.*]] = gpu.launch_func async [%[[T1]]] @kernels::@b
// CHECK: gpu.wait [%[[T2]]]
// CHECK-NEXT: return
// CHECK: func.func private @enqueue(!llvm.ptr, i32) attributes {mpt.stream_ordered}
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @a() kernel { gpu.return }
    gpu.func @b() kernel { gpu.return }
  }
  func.func private @enqueue(i32) attributes {mpt.stream_ordered}
  func.func @between_kernels(%n: index, %v: i32) {
    gpu.launch_func @kernels::@a blocks in (%n, %n, %n) threads in (%n, %n, %n)
    call @enqueue(%v) : (i32) -> ()
    gpu.launch_func @kernels::@b blocks in (%n, %n, %n) threads in (%n, %n, %n)
    return
  }
}

// -----

// Calls first and last: the first makes the stream, two calls in a row
// share it, and the host waits for the last one before returning. Calls to
// other functions still synchronize.

// CHECK-LABEL: func.func @first_and_last
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[S0:.*]] = builtin.unrealized_conversion_cast %[[T0]]
// CHECK: call @enqueue(%[[S0]], %{{.*}})
// CHECK: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @kernels::@a
// CHECK: %[[S1:.*]] = builtin.unrealized_conversion_cast %[[T1]]
// CHECK: call @enqueue(%[[S1]], %{{.*}})
// CHECK: %[[S2:.*]] = builtin.unrealized_conversion_cast %[[T1]]
// CHECK: call @enqueue(%[[S2]], %{{.*}})
// CHECK: gpu.wait [%[[T1]]]
// CHECK-NEXT: call @host()
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @a() kernel { gpu.return }
  }
  func.func private @enqueue(i32) attributes {mpt.stream_ordered}
  func.func private @host()
  func.func @first_and_last(%n: index, %v: i32) {
    call @enqueue(%v) : (i32) -> ()
    gpu.launch_func @kernels::@a blocks in (%n, %n, %n) threads in (%n, %n, %n)
    call @enqueue(%v) : (i32) -> ()
    call @enqueue(%v) : (i32) -> ()
    call @host() : () -> ()
    return
  }
}
