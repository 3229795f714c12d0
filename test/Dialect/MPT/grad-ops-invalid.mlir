// The verifiers of the ops of the backward computation.
// RUN: mpt-opt %s -split-input-file -verify-diagnostics

func.func @div_shape(%x: tensor<16x64xf32>, %b: tensor<16xf32>) {
  // expected-error@+1 {{'mpt.div' op rhs shape [16] must equal lhs shape [16, 64] or its trailing dims}}
  %0 = mpt.div %x, %b : tensor<16x64xf32>, tensor<16xf32>
  return
}

// -----

func.func @div_element_type(%x: tensor<16x64xf32>, %b: tensor<64xf16>) {
  // expected-error@+1 {{'mpt.div' op rhs element type 'f16' must match lhs element type 'f32'}}
  %0 = mpt.div %x, %b : tensor<16x64xf32>, tensor<64xf16>
  return
}

// -----

func.func @div_dynamic(%x: tensor<?x64xf32>, %b: tensor<64xf32>) {
  // expected-error@+1 {{'mpt.div' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x64xf32>'}}
  %0 = mpt.div %x, %b : tensor<?x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @broadcast_dim_range(%s: tensor<16xf32>) {
  // expected-error@+1 {{'mpt.broadcast' op broadcast dim 2 must be in [0, 2) (the result rank)}}
  %0 = mpt.broadcast %s {dims = array<i64: 2>} : tensor<16xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @broadcast_dims_order(%s: tensor<16xf32>) {
  // expected-error@+1 {{'mpt.broadcast' op broadcast dims [2, 1] must be sorted and unique}}
  %0 = mpt.broadcast %s {dims = array<i64: 2, 1>} : tensor<16xf32> -> tensor<16x4x8xf32>
  return
}

// -----

func.func @broadcast_shape(%s: tensor<16xf32>) {
  // expected-error@+1 {{'mpt.broadcast' op input shape [16] must be [64] (the result shape without the broadcast dims)}}
  %0 = mpt.broadcast %s {dims = array<i64: 0>} : tensor<16xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @broadcast_element_type(%s: tensor<16xf16>) {
  // expected-error@+1 {{'mpt.broadcast' op result element type 'f32' must match input element type 'f16'}}
  %0 = mpt.broadcast %s {dims = array<i64: 1>} : tensor<16xf16> -> tensor<16x64xf32>
  return
}

// -----

func.func @broadcast_dynamic(%s: tensor<16xf32>) {
  // expected-error@+1 {{'mpt.broadcast' op result #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<16x?xf32>'}}
  %0 = mpt.broadcast %s {dims = array<i64: 1>} : tensor<16xf32> -> tensor<16x?xf32>
  return
}

// -----

func.func @relu_grad_types(%y: tensor<16x64xf32>, %dy: tensor<16x64xf16>) {
  // expected-error@+1 {{'mpt.relu_grad' op failed to verify that all of {output, output_grad, input_grad} have same type}}
  %0 = "mpt.relu_grad"(%y, %dy) : (tensor<16x64xf32>, tensor<16x64xf16>) -> tensor<16x64xf32>
  return
}

// -----

func.func @relu_grad_dynamic(%y: tensor<?x64xf32>) {
  // expected-error@+1 {{'mpt.relu_grad' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x64xf32>'}}
  %0 = mpt.relu_grad %y, %y : tensor<?x64xf32>
  return
}

// -----

func.func @layer_norm_grad_gamma(%x: tensor<16x64xf32>, %g: tensor<16xf32>, %dy: tensor<16x64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm_grad' op gamma shape [16] must be [64] (the last dim of input)}}
  %0 = mpt.layer_norm_grad %x, %g, %dy : tensor<16x64xf32>, tensor<16xf32>
  return
}

// -----

func.func @layer_norm_grad_epsilon(%x: tensor<16x64xf32>, %g: tensor<64xf32>, %dy: tensor<16x64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm_grad' op epsilon must be > 0, found 0}}
  %0 = mpt.layer_norm_grad %x, %g, %dy {epsilon = 0.0 : f64} : tensor<16x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @layer_norm_grad_rank(%x: tensor<f32>, %g: tensor<1xf32>, %dy: tensor<f32>) {
  // expected-error@+1 {{'mpt.layer_norm_grad' op input must have rank >= 1, found rank 0}}
  %0 = mpt.layer_norm_grad %x, %g, %dy : tensor<f32>, tensor<1xf32>
  return
}
