// RUN: mpt-opt --mpt-cse %s | FileCheck %s

// Gathers (no inputs, bodies that read other tensors) of one shape: equal
// bodies are merged, bodies that read different tensors or compute
// different things are not, and the temporary hash attribute is gone.

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @gathers
// CHECK-NOT:     mpt.cse_hash
func.func @gathers(%a: tensor<8xf32>, %b: tensor<8xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %c2 = arith.constant 2 : index
  %e0 = tensor.empty() : tensor<4xf32>
  // CHECK:       %[[A:.*]] = linalg.generic
  // CHECK:         tensor.extract %arg0
  %0 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%e0 : tensor<4xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %v = tensor.extract %a[%i] : tensor<8xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %1 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%e1 : tensor<4xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %v = tensor.extract %a[%i] : tensor<8xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  // CHECK:       %[[B:.*]] = linalg.generic
  // CHECK:         tensor.extract %arg1
  %2 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%e1 : tensor<4xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %v = tensor.extract %b[%i] : tensor<8xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  // CHECK:       %[[C:.*]] = linalg.generic
  // CHECK:         arith.addi
  // CHECK:         tensor.extract %arg0
  %3 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%e1 : tensor<4xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = arith.addi %i, %c2 : index
    %v = tensor.extract %a[%j] : tensor<8xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  // CHECK-NOT:   linalg.generic
  // CHECK:       return %[[A]], %[[A]], %[[B]], %[[C]]
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// Nested regions: the outer ops are equal only if their nested ops are.

// CHECK-LABEL: func.func @nested
func.func @nested(%p: i1, %x: f32) -> (f32, f32, f32) {
  // CHECK:       %[[P:.*]] = scf.if
  // CHECK:         arith.mulf
  %0 = scf.if %p -> f32 {
    %m = arith.mulf %x, %x : f32
    scf.yield %m : f32
  } else {
    scf.yield %x : f32
  }
  %1 = scf.if %p -> f32 {
    %m = arith.mulf %x, %x : f32
    scf.yield %m : f32
  } else {
    scf.yield %x : f32
  }
  // CHECK:       %[[Q:.*]] = scf.if
  // CHECK:         arith.addf
  %2 = scf.if %p -> f32 {
    %m = arith.addf %x, %x : f32
    scf.yield %m : f32
  } else {
    scf.yield %x : f32
  }
  // CHECK:       return %[[P]], %[[P]], %[[Q]]
  return %0, %1, %2 : f32, f32, f32
}
