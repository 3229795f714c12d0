// The verifiers of the piecewise activations: clamp bounds are numbers and
// not crossed; a shrink's lambd and bias are finite and its lambd not
// negative; an activation keeps its operand's type.
// RUN: mpt-opt %s -split-input-file -verify-diagnostics

func.func @clamp_crossed(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.clamp' op expected 'min' <= 'max', found min = 1.000000e+00 and max = -1.000000e+00}}
  %0 = mpt.clamp %x {min = 1.0 : f64, max = -1.0 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @clamp_nan(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.clamp' op expected a number as 'max', found NaN}}
  %0 = mpt.clamp %x {max = 0x7FF8000000000000 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @clamp_grad_crossed(%x: tensor<4x8xf32>, %dy: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.clamp_grad' op expected 'min' <= 'max', found min = 2.000000e+00 and max = 1.000000e+00}}
  %0 = mpt.clamp_grad %x, %dy {min = 2.0 : f64, max = 1.0 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @grad_types(%x: tensor<4x8xf32>, %dy: tensor<4x8xf16>) {
  // expected-error@+1 {{'mpt.elu_grad' op failed to verify that all of {input, output_grad, input_grad} have same type}}
  %0 = "mpt.elu_grad"(%x, %dy) : (tensor<4x8xf32>, tensor<4x8xf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @alpha_type(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.leaky_relu' op attribute 'alpha' failed to satisfy constraint: 64-bit float attribute}}
  %0 = mpt.leaky_relu %x {alpha = 1 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @shrink_negative(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.shrink' op expected 'lambd' >= 0, found -5.000000e-01}}
  %0 = mpt.shrink %x {lambd = -0.5 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @shrink_grad_infinite(%x: tensor<4x8xf32>, %dy: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.shrink_grad' op expected a finite 'bias', found INF}}
  %0 = mpt.shrink_grad %x, %dy {bias = 0x7FF0000000000000 : f64} : tensor<4x8xf32>
  return
}
