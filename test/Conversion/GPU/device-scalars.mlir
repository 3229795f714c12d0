// RUN: mpt-opt %s --mpt-gpu-device-scalars --split-input-file --verify-diagnostics | FileCheck %s

// Scalar arguments and results become 0-d tensors, and scalar arithmetic on
// them becomes 0-d linalg ops.

// CHECK-LABEL: func.func @scale_update
// CHECK-SAME: (%[[SCALE:[^:]*]]: tensor<f32>) -> tensor<f32>
// CHECK: %[[HALF:.*]] = linalg.generic
// CHECK-SAME: iterator_types = []
// CHECK-SAME: ins(%[[SCALE]] : tensor<f32>)
// CHECK: arith.mulf
// CHECK: return %[[HALF]] : tensor<f32>
func.func @scale_update(%scale: f32) -> f32 {
  %c = arith.constant 0.5 : f32
  %half = arith.mulf %scale, %c : f32
  return %half : f32
}

// -----

// A scalar read out of a tensor stays on the device: the reduction's 0-d
// result feeds the scalar op, and the flag captured by the update becomes
// one more (broadcast) input of it.

// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @skip_update
// CHECK: %[[ANY:.*]] = linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK: %[[SKIP:.*]] = linalg.generic {{.*}}iterator_types = []{{.*}}ins(%[[ANY]] : tensor<i1>)
// CHECK-NEXT: ^bb0(%{{.*}}: i1, %{{.*}}: i1):
// CHECK-NEXT: arith.xori
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}}, %[[SKIP]] : tensor<8xf32>, tensor<i1>)
// CHECK: ^bb0(%[[W:.*]]: f32, %[[FLAG:.*]]: i1, %{{.*}}: f32):
// CHECK: arith.select %[[FLAG]], %[[W]]
// CHECK-NOT: tensor.extract
func.func @skip_update(%w: tensor<8xf32>, %g: tensor<8xf32>) -> tensor<8xf32> {
  %false = arith.constant false
  %true = arith.constant true
  %e = tensor.empty() : tensor<i1>
  %init = linalg.fill ins(%false : i1) outs(%e : tensor<i1>) -> tensor<i1>
  %any = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%g : tensor<8xf32>) outs(%init : tensor<i1>) {
  ^bb0(%x: f32, %acc: i1):
    %nan = arith.cmpf uno, %x, %x : f32
    %r = arith.ori %acc, %nan : i1
    linalg.yield %r : i1
  } -> tensor<i1>
  %bad = tensor.extract %any[] : tensor<i1>
  %ok = arith.xori %bad, %true : i1
  %out = tensor.empty() : tensor<8xf32>
  %new = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%w : tensor<8xf32>) outs(%out : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %half = arith.mulf %x, %x : f32
    %r = arith.select %ok, %x, %half : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %new : tensor<8xf32>
}

// -----

// In a step entry point, scalars are loaded from and stored to step buffers
// by the host; they become tensors of those buffers instead.

// CHECK-LABEL: func.func @entry
// CHECK-SAME: (%[[IN:[^:]*]]: memref<f32>, %[[OUT:[^:]*]]: memref<f32>)
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[IN]] restrict
// CHECK: %[[D:.*]] = linalg.generic {{.*}}ins(%[[T]] : tensor<f32>)
// CHECK: arith.addf
// CHECK: bufferization.materialize_in_destination %[[D]] in restrict writable %[[OUT]]
// CHECK-NOT: memref.store
func.func @entry(%in: memref<f32>, %out: memref<f32>) {
  %v = memref.load %in[] : memref<f32>
  %d = arith.addf %v, %v : f32
  memref.store %d, %out[] : memref<f32>
  return
}

// -----

// A constant stored to a step buffer is written by a fill on the device.

// CHECK-LABEL: func.func @constant_result
// CHECK: %[[FILL:.*]] = linalg.fill
// CHECK: bufferization.materialize_in_destination %[[FILL]]
func.func @constant_result(%out: memref<i32>) {
  %c = arith.constant 7 : i32
  memref.store %c, %out[] : memref<i32>
  return
}

// -----

// An element of a larger tensor is sliced out, still on the device.

// CHECK-LABEL: func.func @element
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %{{.*}}[2, 3] [1, 1] [1, 1]
// CHECK: %[[ZERO_D:.*]] = tensor.collapse_shape %[[SLICE]] []
// CHECK: return %[[ZERO_D]] : tensor<f32>
func.func @element(%t: tensor<4x8xf32>) -> f32 {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %v = tensor.extract %t[%c2, %c3] : tensor<4x8xf32>
  return %v : f32
}

// -----

func.func @host_branch(%t: tensor<i1>) {
  %flag = tensor.extract %t[] : tensor<i1>
  // expected-error @below {{needs on the host the value of a scalar computed on the device}}
  scf.if %flag {
    scf.yield
  }
  return
}

// -----

// expected-error @below {{cannot move the scalar arguments and results of a called function to the device}}
func.func @callee(%x: f32) -> f32 {
  return %x : f32
}

func.func @caller(%x: tensor<f32>) -> tensor<f32> {
  %v = tensor.extract %x[] : tensor<f32>
  %r = func.call @callee(%v) : (f32) -> f32
  %t = tensor.from_elements %r : tensor<f32>
  return %t : tensor<f32>
}
