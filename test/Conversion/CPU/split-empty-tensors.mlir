// RUN: mpt-opt --mpt-cpu-split-empty-tensors %s | FileCheck %s

// Every use of an empty tensor gets its own, in the order of the uses, made
// where the original is: none moves into the loop.
// CHECK-LABEL: func.func @shared(
// CHECK:         %[[E0:.*]] = tensor.empty() : tensor<8xf32>
// CHECK:         %[[E1:.*]] = tensor.empty() : tensor<8xf32>
// CHECK:         %[[E2:.*]] = tensor.empty() : tensor<8xf32>
// CHECK-NOT:     tensor.empty
// CHECK:         call @k(%{{.*}}, %[[E0]])
// CHECK:         call @k(%{{.*}}, %[[E1]])
// CHECK:         scf.for
// CHECK-NOT:       tensor.empty
// CHECK:           func.call @k(%{{.*}}, %[[E2]])
// CHECK:       return
func.func private @k(%x: tensor<8xf32>, %d: tensor<8xf32>) -> tensor<8xf32>
func.func @shared(%x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %a = call @k(%x, %e) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %b = call @k(%a, %e) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %b) -> tensor<8xf32> {
    %next = func.call @k(%acc, %e) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
    scf.yield %next : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}
