// RUN: mpt-opt --mpt-cpu-schedule-kernels --split-input-file %s | FileCheck %s

// The last reader of a large activation makes a small result: it moves up
// to just after its operands exist, with its empty destination, so that
// the activation is dead during the large kernel it used to follow.
// CHECK-LABEL: func.func @step(
// CHECK:         %[[A:.*]] = call @activation(
// CHECK:         %[[DY:.*]] = call @gradient(
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT:    call @weight_gradient(%[[A]], %[[DY]], %[[E]])
// CHECK:         call @large(
func.func private @activation(%x: tensor<256x256xf32>, %d: tensor<256x256xf32>) -> tensor<256x256xf32> attributes {mpt.kernel} {
  return %x : tensor<256x256xf32>
}
func.func private @gradient(%x: tensor<4xf32>, %d: tensor<4xf32>) -> tensor<4xf32> attributes {mpt.kernel} {
  return %x : tensor<4xf32>
}
func.func private @large(%x: tensor<256x256xf32>, %d: tensor<256x256xf32>) -> tensor<256x256xf32> attributes {mpt.kernel} {
  return %x : tensor<256x256xf32>
}
func.func private @weight_gradient(%a: tensor<256x256xf32>, %dy: tensor<4xf32>, %d: tensor<4xf32>) -> tensor<4xf32> attributes {mpt.kernel} {
  return %dy : tensor<4xf32>
}
func.func @step(%x: tensor<256x256xf32>, %y: tensor<4xf32>) -> (tensor<256x256xf32>, tensor<4xf32>) {
  %e0 = tensor.empty() : tensor<256x256xf32>
  %a = call @activation(%x, %e0) : (tensor<256x256xf32>, tensor<256x256xf32>) -> tensor<256x256xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %dy = call @gradient(%y, %e1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %e2 = tensor.empty() : tensor<256x256xf32>
  %l = call @large(%x, %e2) : (tensor<256x256xf32>, tensor<256x256xf32>) -> tensor<256x256xf32>
  %e3 = tensor.empty() : tensor<4xf32>
  %w = call @weight_gradient(%a, %dy, %e3) : (tensor<256x256xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %l, %w : tensor<256x256xf32>, tensor<4xf32>
}

// -----

// A call whose result outweighs what it frees stays where it is, as does
// one that is not the last reader of its large operand.
// CHECK-LABEL: func.func @stays(
// CHECK:         call @large(
// CHECK:         call @grows(
// CHECK:         call @reads(
// CHECK:         call @reads(
func.func private @large(%x: tensor<256x256xf32>, %d: tensor<256x256xf32>) -> tensor<256x256xf32> attributes {mpt.kernel} {
  return %x : tensor<256x256xf32>
}
func.func private @grows(%x: tensor<4xf32>, %d: tensor<256x256xf32>) -> tensor<256x256xf32> attributes {mpt.kernel} {
  return %d : tensor<256x256xf32>
}
func.func private @reads(%x: tensor<256x256xf32>, %d: tensor<4xf32>) -> tensor<4xf32> attributes {mpt.kernel} {
  return %d : tensor<4xf32>
}
func.func @stays(%x: tensor<256x256xf32>, %s: tensor<4xf32>) -> (tensor<256x256xf32>, tensor<256x256xf32>, tensor<4xf32>, tensor<4xf32>) {
  %e0 = tensor.empty() : tensor<256x256xf32>
  %l = call @large(%x, %e0) : (tensor<256x256xf32>, tensor<256x256xf32>) -> tensor<256x256xf32>
  %e1 = tensor.empty() : tensor<256x256xf32>
  %g = call @grows(%s, %e1) : (tensor<4xf32>, tensor<256x256xf32>) -> tensor<256x256xf32>
  %e2 = tensor.empty() : tensor<4xf32>
  %r1 = call @reads(%l, %e2) : (tensor<256x256xf32>, tensor<4xf32>) -> tensor<4xf32>
  %e3 = tensor.empty() : tensor<4xf32>
  %r2 = call @reads(%l, %e3) : (tensor<256x256xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %l, %g, %r1, %r2 : tensor<256x256xf32>, tensor<256x256xf32>, tensor<4xf32>, tensor<4xf32>
}
