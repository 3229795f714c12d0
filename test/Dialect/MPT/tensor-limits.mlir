// Every tensor of a step can exist: no zero-sized dim (a training step has
// no use for an empty tensor, and the lowerings divide by dims), and an
// element count and byte size that fit in int64. Each rule is checked at
// the value that breaks it, which the message names with its type.
// RUN: mpt-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{'mpt.train_step' op parameter 'w' ('tensor<4x0xf32>') has a zero-sized dim 1; every dim of an mpt tensor must be at least 1}}
mpt.train_step @zero_param params(%w: tensor<4x0xf32>) batch(%x: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %x, %x : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op batch input 'y' ('tensor<0x1xf32>') has a zero-sized dim 0}}
mpt.train_step @zero_batch params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<0x1xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %p : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

func.func @zero_operand(%x: tensor<4x0xf32>) -> tensor<4x0xf32> {
  // expected-error@+1 {{'mpt.relu' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<4x0xf32>'}}
  %r = mpt.relu %x : tensor<4x0xf32>
  return %r : tensor<4x0xf32>
}

// -----

// expected-error@+1 {{'func.func' op argument #0 with mpt.param ('tensor<0xf32>') has a zero-sized dim 0}}
func.func @zero_step_argument(%w: tensor<0xf32> {mpt.param = "w"}) -> (tensor<0xf32> {mpt.param = "w"}) {
  return %w : tensor<0xf32>
}

// -----

// 2^40 x 2^40 elements: the element count overflows int64.
// expected-error@+1 {{'mpt.train_step' op parameter 'w' ('tensor<1099511627776x1099511627776xf32>') has 1208925819614629174706176 elements (4835703278458516698824704 bytes); a tensor can have at most 9223372036854775807 (2^63 - 1) of each}}
mpt.train_step @huge_param params(%w: tensor<1099511627776x1099511627776xf32>) batch(%x: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %x, %x : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %l
}

// -----

// 2^62 f32 elements: the count fits, the byte size (2^64) does not.
// expected-error@+1 {{'mpt.train_step' op batch input 'x' ('tensor<4611686018427387904xf32>') has 4611686018427387904 elements (18446744073709551616 bytes)}}
mpt.train_step @huge_batch params(%w: tensor<4xf32>) batch(%x: tensor<4611686018427387904xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// 2^63 - 1, the largest dim there is, in f16.
func.func @largest_dim(%x: tensor<9223372036854775807xf16>) -> tensor<9223372036854775807xf16> {
  // expected-error@+1 {{'mpt.relu' op operand #0 ('tensor<9223372036854775807xf16>') has 9223372036854775807 elements (18446744073709551614 bytes)}}
  %r = mpt.relu %x : tensor<9223372036854775807xf16>
  return %r : tensor<9223372036854775807xf16>
}

// -----

// Two storable operands whose product cannot exist: the result is named.
func.func @huge_result(%a: tensor<1099511627776x1xf32>, %b: tensor<1x1099511627776xf32>) {
  // expected-error@+1 {{'mpt.matmul' op result #0 ('tensor<1099511627776x1099511627776xf32>') has 1208925819614629174706176 elements}}
  %c = mpt.matmul %a, %b : tensor<1099511627776x1xf32>, tensor<1x1099511627776xf32> -> tensor<1099511627776x1099511627776xf32>
  return
}

// -----

// A reshape compares element counts only once both are known to fit.
func.func @huge_reshape(%x: tensor<1099511627776x8xf32>) {
  // expected-error@+1 {{'mpt.reshape' op result #0 ('tensor<1099511627776x1099511627776x8xf32>') has 9671406556917033397649408 elements}}
  %r = mpt.reshape %x : tensor<1099511627776x8xf32> -> tensor<1099511627776x1099511627776x8xf32>
  return
}

// -----

// expected-error@+1 {{'func.func' op result #0 with mpt.param ('tensor<4611686018427387904x4xf32>') has 18446744073709551616 elements}}
func.func private @huge_step_result(%w: tensor<4xf32> {mpt.param = "w"}) -> (tensor<4611686018427387904x4xf32> {mpt.param = "w"})

// -----

// The largest tensors that fit are legal: 2^40 f32 elements (4 TiB) and
// 2^62 - 1 f16 elements (just under 2^63 bytes). Whether a run can hold
// them is the runtime's question.
mpt.train_step @largest_legal params(%w: tensor<1099511627776xf32>) batch(%x: tensor<4611686018427387903xf16>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<1099511627776xf32>, tensor<1099511627776xf32>
  mpt.loss %l
}
