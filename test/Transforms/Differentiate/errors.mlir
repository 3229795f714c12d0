// RUN: mpt-opt %s --mpt-differentiate -split-input-file -verify-diagnostics

// An op without an adjoint between a wrt value and the loss.
func.func @no_adjoint(%w: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{'arith.mulf' op has no adjoint, but lies on a path from a 'wrt' value to the loss}}
  %p = arith.mulf %w, %w : tensor<4x8xf32>
  %l = mpt.mse_loss %p, %y : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-note@+1 {{differentiated here}}
  %g = mpt.gradient %l wrt %w : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// Backward ops have no adjoint of their own: no second derivatives.
func.func @second_order(%w: tensor<4x8xf32>, %dy: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{'mpt.gelu_grad' op has no adjoint}}
  %d = mpt.gelu_grad %w, %dy : tensor<4x8xf32>
  %l = mpt.mse_loss %d, %y : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-note@+1 {{differentiated here}}
  %g = mpt.gradient %l wrt %w : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// An op whose region reads a wrt value is on the path too.
func.func @region(%w: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{'scf.execute_region' op has no adjoint}}
  %p = scf.execute_region -> tensor<4x8xf32> {
    %e = mpt.exp %w : tensor<4x8xf32>
    scf.yield %e : tensor<4x8xf32>
  }
  %l = mpt.mse_loss %p, %y : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-note@+1 {{differentiated here}}
  %g = mpt.gradient %l wrt %w : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// A value that reaches the loss through a block argument may depend on a
// wrt value in ways the pass cannot see.
func.func @control_flow(%w: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  cf.br ^bb1(%w : tensor<4x8xf32>)
// expected-note@+1 {{value defined here}}
^bb1(%a: tensor<4x8xf32>):
  %l = mpt.mse_loss %a, %y : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-error@+1 {{'mpt.gradient' op cannot differentiate through control flow: the loss depends on a value defined outside the blocks that enclose this op}}
  %g = mpt.gradient %l wrt %w : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// The loss must be a scalar f32.
func.func @tensor_loss(%w: tensor<4xf32>, %t: tensor<f32>) -> tensor<4xf32> {
  // expected-error@+1 {{'mpt.gradient' op operand #0 must be 32-bit float, but got 'tensor<f32>'}}
  %g = "mpt.gradient"(%t, %w) : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

// Expanding a step is --mpt-expand-train-step's concern: a step left in
// the module is an error at the step, and nothing is differentiated.
// expected-error@+1 {{'mpt.train_step' op must be expanded into its step function before differentiation: run --mpt-expand-train-step (or --auto-mixed-precision) first}}
mpt.train_step @unexpanded params(%w: tensor<4x1xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
