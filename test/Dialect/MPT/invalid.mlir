// Every verifier rule of the mpt ops and attributes, and the ODS type
// constraints, rejects bad IR with a message that names the op, the operand
// and what was expected against what was found.
// RUN: mpt-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// mpt.train_step and mpt.loss
//===----------------------------------------------------------------------===//

// expected-error@+1 {{'mpt.train_step' op num_params (3) must be within [0, 2] (the number of block arguments)}}
"mpt.train_step"() <{sym_name = "s", num_params = 3 : i64, arg_names = ["w", "x"],
                     optimizer = #mpt.sgd<lr = 1.0>}> ({
^bb0(%w: tensor<4xf32>, %x: tensor<4xf32>):
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}) : () -> ()

// -----

// expected-error@+1 {{'mpt.train_step' op num_params (-1) must be within [0, 2] (the number of block arguments)}}
"mpt.train_step"() <{sym_name = "s", num_params = -1 : i64, arg_names = ["w", "x"],
                     optimizer = #mpt.sgd<lr = 1.0>}> ({
^bb0(%w: tensor<4xf32>, %x: tensor<4xf32>):
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}) : () -> ()

// -----

// expected-error@+1 {{'mpt.train_step' op needs at least one parameter to train, found an empty params group}}
mpt.train_step @s params() batch(%x: tensor<4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %x, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op arg_names has 1 names, expected one per block argument (2)}}
"mpt.train_step"() <{sym_name = "s", num_params = 1 : i64, arg_names = ["w"],
                     optimizer = #mpt.sgd<lr = 1.0>}> ({
^bb0(%w: tensor<4xf32>, %x: tensor<4xf32>):
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}) : () -> ()

// -----

// expected-error@+1 {{'mpt.train_step' op arg_names[1] must be a non-empty string, found 7 : i64}}
"mpt.train_step"() <{sym_name = "s", num_params = 1 : i64, arg_names = ["w", 7],
                     optimizer = #mpt.sgd<lr = 1.0>}> ({
^bb0(%w: tensor<4xf32>, %x: tensor<4xf32>):
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}) : () -> ()

// -----

// expected-error@+1 {{'mpt.train_step' op arg_names[0] must be a non-empty string, found ""}}
"mpt.train_step"() <{sym_name = "s", num_params = 1 : i64, arg_names = ["", "x"],
                     optimizer = #mpt.sgd<lr = 1.0>}> ({
^bb0(%w: tensor<4xf32>, %x: tensor<4xf32>):
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}) : () -> ()

// -----

// A numbered argument is named by its position, which %arg0 already uses.
// expected-error@+1 {{'mpt.train_step' op argument name 'arg0' is used by arguments 0 and 1}}
mpt.train_step @s params(%0: tensor<4xf32>, %arg0: tensor<4xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %0, %arg0 : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op accumulate must be in [1, 2147483647], found 0}}
mpt.train_step @s params(%w: tensor<4xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) accumulate(0) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op accumulate must be in [1, 2147483647], found -2}}
mpt.train_step @s params(%w: tensor<4xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) accumulate(-2) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// The micro-batch counter of the step function is an i32.
// expected-error@+1 {{'mpt.train_step' op accumulate must be in [1, 2147483647], found 2147483648}}
mpt.train_step @s params(%w: tensor<4xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) accumulate(2147483648) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op parameter 'w' must be a statically shaped float tensor, found 'f32'}}
mpt.train_step @s params(%w: f32) batch(%x: tensor<4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %x, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op parameter 'w' must be a statically shaped float tensor, found 'tensor<4xi32>'}}
mpt.train_step @s params(%w: tensor<4xi32>) batch(%x: tensor<4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %x, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op parameter 'w' must be a statically shaped float tensor, found 'tensor<?xf32>'}}
mpt.train_step @s params(%w: tensor<?xf32>) batch(%x: tensor<4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %x, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op batch input 'x' must be a statically shaped tensor, found 'tensor<?x4xf32>'}}
mpt.train_step @s params(%w: tensor<4xf32>) batch(%x: tensor<?x4xf32>)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-error@+1 {{'mpt.train_step' op batch input 'lr' must be a statically shaped tensor, found 'f32'}}
mpt.train_step @s params(%w: tensor<4xf32>) batch(%lr: f32)
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// The custom form reports a missing mpt.loss while parsing...
mpt.train_step @s params(%w: tensor<4xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) {
  // expected-error@+1 {{'mpt.train_step' body must end in 'mpt.loss', found 'mpt.mse_loss'}}
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
}

// -----

mpt.train_step @s params(%w: tensor<4xf32>) batch()
    // expected-error@+1 {{'mpt.train_step' body must end in 'mpt.loss', found an empty body}}
    optimizer(#mpt.sgd<lr = 0.1>) {
}

// -----

// Even without any argument, the missing mpt.loss is what is reported.
// expected-error@+1 {{'mpt.train_step' body must end in 'mpt.loss', found an empty body}}
mpt.train_step @s params() batch() optimizer(#mpt.sgd<lr = 0.1>) {
}

// -----

// ...and the verifier any other terminator.
// expected-error@+1 {{'mpt.train_step' op body must end in 'mpt.loss', found 'llvm.unreachable'}}
"mpt.train_step"() <{sym_name = "s", num_params = 1 : i64, arg_names = ["w"],
                     optimizer = #mpt.sgd<lr = 1.0>}> ({
^bb0(%w: tensor<4xf32>):
  llvm.unreachable
}) : () -> ()

// -----

// expected-error@+1 {{'mpt.train_step' op attribute 'optimizer' failed to satisfy constraint}}
mpt.train_step @s params(%w: tensor<4xf32>) batch()
    optimizer(#mpt.loss_scale<>) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

mpt.train_step @s params(%w: tensor<4xf32>) batch()
    // expected-error@+1 {{invalid kind of attribute specified}}
    optimizer(#mpt.sgd<lr = 0.1>) loss_scale(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

// expected-note@+1 {{see existing symbol definition here}}
mpt.train_step @s params(%w: tensor<4xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}
// expected-error@+1 {{redefinition of symbol named 's'}}
mpt.train_step @s params(%w: tensor<4xf32>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.mse_loss %w, %w : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}

// -----

func.func @loss_outside_step(%l: f32) {
  // expected-error@+1 {{'mpt.loss' op expects parent op 'mpt.train_step'}}
  mpt.loss %l
}

// -----

mpt.train_step @s params(%w: tensor<4xf16>) batch()
    optimizer(#mpt.sgd<lr = 0.1>) {
  %l = mpt.reduce_sum %w : tensor<4xf16> -> tensor<f16>
  // expected-error@+1 {{'mpt.loss' op operand #0 must be 32-bit float, but got 'tensor<f16>'}}
  "mpt.loss"(%l) : (tensor<f16>) -> ()
}

//===----------------------------------------------------------------------===//
// Element types and shapes (ODS constraints)
//===----------------------------------------------------------------------===//

// -----

func.func @integer_tensor(%x: tensor<4x8xi32>) {
  // expected-error@+1 {{'mpt.relu' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<4x8xi32>'}}
  %r = mpt.relu %x : tensor<4x8xi32>
  return
}

// -----

func.func @unranked_tensor(%x: tensor<*xf32>) {
  // expected-error@+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %r = mpt.tanh %x : tensor<*xf32>
  return
}

// -----

func.func @f8_tensor(%x: tensor<4xf8E4M3FN>) {
  // expected-error@+1 {{'mpt.cast' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values or 16-bit float or bfloat16 type or 32-bit float or 64-bit float, but got 'tensor<4xf8E4M3FN>'}}
  %r = mpt.cast %x : tensor<4xf8E4M3FN> to tensor<4xf16>
  return
}

// -----

func.func @unary_result_type(%x: tensor<4xf32>) {
  // expected-error@+1 {{'mpt.exp' op requires the same type for all operands and results}}
  %r = "mpt.exp"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @binary_result_type(%x: tensor<4xf32>) {
  // expected-error@+1 {{'mpt.add' op failed to verify that all of {lhs, result} have same type}}
  %r = "mpt.add"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @unscale_f16(%g: tensor<8xf16>, %s: f32) {
  // expected-error@+1 {{'mpt.unscale' op operand #0 must be variadic of non-empty statically shaped tensor of 32-bit float values, but got 'tensor<8xf16>'}}
  %u = mpt.unscale %g by %s : tensor<8xf16>
  return
}

// -----

func.func @unscale_result_type(%g: tensor<8xf32>, %s: f32) {
  // expected-error@+2 {{'mpt.unscale' op inferred type(s) 'tensor<8xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error@+1 {{'mpt.unscale' op failed to infer returned types}}
  %u = "mpt.unscale"(%g, %s) : (tensor<8xf32>, f32) -> tensor<4xf32>
  return
}

// -----

func.func @scale_loss_f16(%l: f16, %s: f32) {
  // expected-error@+1 {{'mpt.scale_loss' op operand #0 must be 32-bit float, but got 'f16'}}
  %r = "mpt.scale_loss"(%l, %s) : (f16, f32) -> f32
  return
}

// -----

func.func @all_finite_scalar(%l: f32) {
  // expected-error@+1 {{'mpt.all_finite' op operand #0 must be variadic of non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'f32'}}
  %r = "mpt.all_finite"(%l) : (f32) -> i1
  return
}

// -----

func.func @sgd_update_f16(%w: tensor<8xf16>, %skip: i1) {
  // expected-error@+1 {{'mpt.sgd_update' op operand #0 must be non-empty statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<8xf16>'}}
  %r = mpt.sgd_update %w, %w skip %skip {config = #mpt.sgd<lr = 0.1>} : tensor<8xf16>
  return
}

// -----

func.func @sgd_update_wrong_config(%w: tensor<8xf32>, %skip: i1) {
  // expected-error@+1 {{'mpt.sgd_update' op attribute 'config' failed to satisfy constraint}}
  %r = mpt.sgd_update %w, %w skip %skip {config = #mpt.adam<lr = 0.1>} : tensor<8xf32>
  return
}

// -----

func.func @momentum_update_velocity_shape(%w: tensor<8xf32>, %v: tensor<4xf32>, %skip: i1) {
  // expected-error@+1 {{'mpt.momentum_update' op failed to verify that all of {param, velocity, grad, new_param, new_velocity} have same type}}
  %r:2 = "mpt.momentum_update"(%w, %v, %w, %skip) {config = #mpt.momentum<lr = 0.1>}
      : (tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, i1) -> (tensor<8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @adam_update_step_type(%w: tensor<8xf32>, %t: i64, %skip: i1) {
  // expected-error@+1 {{'mpt.adam_update' op operand #4 must be 32-bit signless integer, but got 'i64'}}
  %r:3 = "mpt.adam_update"(%w, %w, %w, %w, %t, %skip) {config = #mpt.adam<lr = 0.1>}
      : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, i64, i1) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  return
}

//===----------------------------------------------------------------------===//
// Static shapes (ODS constraints): one case per op family
//===----------------------------------------------------------------------===//

// -----

func.func @unary_dynamic(%x: tensor<?x4xf32>) {
  // expected-error@+1 {{'mpt.tanh' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x4xf32>'}}
  %r = mpt.tanh %x : tensor<?x4xf32>
  return
}

// -----

func.func @binary_dynamic(%x: tensor<?x8xf32>, %b: tensor<8xf32>) {
  // expected-error@+1 {{'mpt.add' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x8xf32>'}}
  %r = mpt.add %x, %b : tensor<?x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @matmul_dynamic(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error@+1 {{'mpt.matmul' op result #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<2x?xf32>'}}
  %c = mpt.matmul %a, %b : tensor<2x8xf32>, tensor<8x4xf32> -> tensor<2x?xf32>
  return
}

// -----

func.func @linear_dynamic(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error@+1 {{'mpt.linear' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x8xf32>'}}
  %h = mpt.linear %x, %w : tensor<?x8xf32>, tensor<8x4xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @softmax_dynamic(%x: tensor<4x?xf32>) {
  // expected-error@+1 {{'mpt.softmax' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<4x?xf32>'}}
  %p = mpt.softmax %x : tensor<4x?xf32>
  return
}

// -----

func.func @layer_norm_dynamic(%x: tensor<?x64xf32>, %g: tensor<64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x64xf32>'}}
  %n = mpt.layer_norm %x, %g, %g : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
  return
}

// -----

func.func @reduce_dynamic(%x: tensor<16x?xf32>) {
  // expected-error@+1 {{'mpt.reduce_sum' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<16x?xf32>'}}
  %s = mpt.reduce_sum %x {dims = array<i64: 1>} : tensor<16x?xf32> -> tensor<16xf32>
  return
}

// -----

func.func @transpose_dynamic(%x: tensor<?x8xf32>) {
  // expected-error@+1 {{'mpt.transpose' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x8xf32>'}}
  %t = mpt.transpose %x {permutation = array<i64: 1, 0>} : tensor<?x8xf32> -> tensor<8x?xf32>
  return
}

// -----

func.func @reshape_dynamic(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.reshape' op result #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?xf32>'}}
  %r = mpt.reshape %x : tensor<4x8xf32> -> tensor<?xf32>
  return
}

// -----

func.func @mse_loss_dynamic(%p: tensor<?x1xf32>) {
  // expected-error@+1 {{'mpt.mse_loss' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x1xf32>'}}
  %l = mpt.mse_loss %p, %p : tensor<?x1xf32>, tensor<?x1xf32>
  return
}

// -----

func.func @cast_dynamic(%x: tensor<?x4xf32>) {
  // expected-error@+1 {{'mpt.cast' op operand #0 must be non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values or 16-bit float or bfloat16 type or 32-bit float or 64-bit float, but got 'tensor<?x4xf32>'}}
  %c = mpt.cast %x : tensor<?x4xf32> to tensor<?x4xf16>
  return
}

// -----

func.func @unscale_dynamic(%g: tensor<?xf32>, %s: f32) {
  // expected-error@+1 {{'mpt.unscale' op operand #0 must be variadic of non-empty statically shaped tensor of 32-bit float values, but got 'tensor<?xf32>'}}
  %u = mpt.unscale %g by %s : tensor<?xf32>
  return
}

// -----

func.func @all_finite_dynamic(%g: tensor<8xf32>, %h: tensor<?xf16>) {
  // expected-error@+1 {{'mpt.all_finite' op operand #1 must be variadic of non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?xf16>'}}
  %ok = mpt.all_finite %g, %h : tensor<8xf32>, tensor<?xf16>
  return
}

// -----

func.func @gradient_dynamic(%l: f32, %w: tensor<?x4xf32>) {
  // expected-error@+1 {{'mpt.gradient' op operand #1 must be variadic of non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x4xf32>'}}
  %g = mpt.gradient %l wrt %w : tensor<?x4xf32>
  return
}

// -----

func.func @sgd_update_dynamic(%w: tensor<?xf32>, %skip: i1) {
  // expected-error@+1 {{'mpt.sgd_update' op operand #0 must be non-empty statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<?xf32>'}}
  %r = mpt.sgd_update %w, %w skip %skip {config = #mpt.sgd<lr = 0.1>} : tensor<?xf32>
  return
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops
//===----------------------------------------------------------------------===//

// -----

func.func @binary_element_type(%x: tensor<4x8xf32>, %b: tensor<8xf16>) {
  // expected-error@+1 {{'mpt.add' op rhs element type 'f16' must match lhs element type 'f32'}}
  %r = mpt.add %x, %b : tensor<4x8xf32>, tensor<8xf16>
  return
}

// -----

func.func @binary_broadcast_shape(%x: tensor<4x8xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{'mpt.sub' op rhs shape [4] must equal lhs shape [4, 8] or its trailing dims}}
  %r = mpt.sub %x, %b : tensor<4x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @binary_rhs_rank(%x: tensor<8xf32>, %b: tensor<2x8xf32>) {
  // expected-error@+1 {{'mpt.mul' op rhs shape [2, 8] must equal lhs shape [8] or its trailing dims}}
  %r = mpt.mul %x, %b : tensor<8xf32>, tensor<2x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// mpt.matmul
//===----------------------------------------------------------------------===//

// -----

func.func @matmul_lhs_rank(%a: tensor<8xf32>, %b: tensor<8x4xf32>) {
  // expected-error@+1 {{'mpt.matmul' op lhs must have rank >= 2, found rank 1}}
  %c = mpt.matmul %a, %b : tensor<8xf32>, tensor<8x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @matmul_rhs_rank(%a: tensor<2x8xf32>, %b: tensor<8xf32>) {
  // expected-error@+1 {{'mpt.matmul' op rhs must have rank >= 2, found rank 1}}
  %c = mpt.matmul %a, %b : tensor<2x8xf32>, tensor<8xf32> -> tensor<2xf32>
  return
}

// -----

func.func @matmul_rhs_element_type(%a: tensor<2x8xf16>, %b: tensor<8x4xf32>) {
  // expected-error@+1 {{'mpt.matmul' op rhs element type 'f32' must match lhs element type 'f16'}}
  %c = mpt.matmul %a, %b : tensor<2x8xf16>, tensor<8x4xf32> -> tensor<2x4xf16>
  return
}

// -----

func.func @matmul_result_element_type(%a: tensor<2x8xf16>, %b: tensor<8x4xf16>) {
  // expected-error@+1 {{'mpt.matmul' op result element type 'f32' must match lhs element type 'f16'}}
  %c = mpt.matmul %a, %b : tensor<2x8xf16>, tensor<8x4xf16> -> tensor<2x4xf32>
  return
}

// -----

func.func @matmul_batch_dims(%a: tensor<4x2x8xf32>, %b: tensor<3x8x4xf32>) {
  // expected-error@+1 {{'mpt.matmul' op rhs batch dims [3] must match lhs batch dims [4] (or rhs must be rank 2)}}
  %c = mpt.matmul %a, %b : tensor<4x2x8xf32>, tensor<3x8x4xf32> -> tensor<4x2x4xf32>
  return
}

// -----

func.func @matmul_batched_rhs_only(%a: tensor<2x8xf32>, %b: tensor<3x8x4xf32>) {
  // expected-error@+1 {{'mpt.matmul' op rhs batch dims [3] must match lhs batch dims [] (or rhs must be rank 2)}}
  %c = mpt.matmul %a, %b : tensor<2x8xf32>, tensor<3x8x4xf32> -> tensor<3x2x4xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<2x8xf32>, %b: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.matmul' op rhs contraction dim 0 (4) must match lhs contraction dim 1 (8)}}
  %c = mpt.matmul %a, %b : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x8xf32>
  return
}

// -----

// transpose_lhs contracts dim 0 of a rank-2 lhs.
func.func @matmul_contraction_transposed(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error@+1 {{'mpt.matmul' op rhs contraction dim 0 (8) must match lhs contraction dim 0 (2)}}
  %c = mpt.matmul %a, %b {transpose_lhs} : tensor<2x8xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_result_shape(%q: tensor<4x16x8xf32>, %k: tensor<4x16x8xf32>) {
  // expected-error@+1 {{'mpt.matmul' op result shape [4, 16, 8] must be [4, 16, 16]}}
  %c = mpt.matmul %q, %k {transpose_rhs} : tensor<4x16x8xf32>, tensor<4x16x8xf32> -> tensor<4x16x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// mpt.linear
//===----------------------------------------------------------------------===//

// -----

func.func @linear_input_rank(%x: tensor<f32>, %w: tensor<1x4xf32>) {
  // expected-error@+1 {{'mpt.linear' op input must have rank >= 1, found rank 0}}
  %h = mpt.linear %x, %w : tensor<f32>, tensor<1x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x8xf32>, %w: tensor<8xf32>) {
  // expected-error@+1 {{'mpt.linear' op weight must have rank 2, found rank 1}}
  %h = mpt.linear %x, %w : tensor<2x8xf32>, tensor<8xf32> -> tensor<2xf32>
  return
}

// -----

func.func @linear_weight_element_type(%x: tensor<2x8xf16>, %w: tensor<8x4xf32>) {
  // expected-error@+1 {{'mpt.linear' op weight element type 'f32' must match input element type 'f16'}}
  %h = mpt.linear %x, %w : tensor<2x8xf16>, tensor<8x4xf32> -> tensor<2x4xf16>
  return
}

// -----

func.func @linear_result_element_type(%x: tensor<2x8xf16>, %w: tensor<8x4xf16>) {
  // expected-error@+1 {{'mpt.linear' op result element type 'f32' must match input element type 'f16'}}
  %h = mpt.linear %x, %w : tensor<2x8xf16>, tensor<8x4xf16> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_weight_dim(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.linear' op weight dim 0 (4) must match input dim 1 (8)}}
  %h = mpt.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_bias_element_type(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xbf16>) {
  // expected-error@+1 {{'mpt.linear' op bias element type 'bf16' must match input element type 'f32'}}
  %h = mpt.linear %x, %w, %b : tensor<2x8xf32>, tensor<8x4xf32>, tensor<4xbf16> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_bias_shape(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>, %b: tensor<2x4xf32>) {
  // expected-error@+1 {{'mpt.linear' op bias shape [2, 4] must be [4] (weight dim 1)}}
  %h = mpt.linear %x, %w, %b : tensor<2x8xf32>, tensor<8x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_result_shape(%x: tensor<3x2x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error@+1 {{'mpt.linear' op result shape [6, 4] must be [3, 2, 4]}}
  %h = mpt.linear %x, %w : tensor<3x2x8xf32>, tensor<8x4xf32> -> tensor<6x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// mpt.softmax, mpt.layer_norm, reductions
//===----------------------------------------------------------------------===//

// -----

func.func @softmax_rank(%x: tensor<f32>) {
  // expected-error@+1 {{'mpt.softmax' op input must have rank >= 1, found rank 0}}
  %p = mpt.softmax %x : tensor<f32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<4x16xf32>) {
  // expected-error@+1 {{'mpt.softmax' op axis 2 must be in [-2, 2)}}
  %p = mpt.softmax %x {axis = 2 : i64} : tensor<4x16xf32>
  return
}

// -----

func.func @softmax_negative_axis(%x: tensor<4x16xf32>) {
  // expected-error@+1 {{'mpt.softmax' op axis -3 must be in [-2, 2)}}
  %p = mpt.softmax %x {axis = -3 : i64} : tensor<4x16xf32>
  return
}

// -----

func.func @layer_norm_rank(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error@+1 {{'mpt.layer_norm' op input must have rank >= 1, found rank 0}}
  %n = mpt.layer_norm %x, %g, %g : tensor<f32>, tensor<1xf32>, tensor<1xf32>
  return
}

// -----

func.func @layer_norm_gamma_element_type(%x: tensor<16x64xf32>, %g: tensor<64xf16>, %b: tensor<64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm' op gamma element type 'f16' must match input element type 'f32'}}
  %n = mpt.layer_norm %x, %g, %b : tensor<16x64xf32>, tensor<64xf16>, tensor<64xf32>
  return
}

// -----

func.func @layer_norm_gamma_shape(%x: tensor<16x64xf32>, %g: tensor<16xf32>, %b: tensor<64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm' op gamma shape [16] must be [64] (the last dim of input)}}
  %n = mpt.layer_norm %x, %g, %b : tensor<16x64xf32>, tensor<16xf32>, tensor<64xf32>
  return
}

// -----

func.func @layer_norm_beta_shape(%x: tensor<16x64xf32>, %g: tensor<64xf32>, %b: tensor<1x64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm' op beta shape [1, 64] must be [64] (the last dim of input)}}
  %n = mpt.layer_norm %x, %g, %b : tensor<16x64xf32>, tensor<64xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<16x64xf32>, %g: tensor<64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm' op epsilon must be > 0, found 0.000000e+00}}
  %n = mpt.layer_norm %x, %g, %g {epsilon = 0.0 : f64} : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
  return
}

// -----

// A NaN epsilon compared false with 0 and got through.
func.func @layer_norm_epsilon_nan(%x: tensor<16x64xf32>, %g: tensor<64xf32>) {
  // expected-error@+1 {{'mpt.layer_norm' op epsilon must be finite, found nan}}
  %n = mpt.layer_norm %x, %g, %g {epsilon = 0x7FF8000000000000 : f64} : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
  return
}

// -----

func.func @reduce_result_element_type(%x: tensor<16x64xf16>) {
  // expected-error@+1 {{'mpt.reduce_sum' op result element type 'f32' must match input element type 'f16'}}
  %s = mpt.reduce_sum %x : tensor<16x64xf16> -> tensor<f32>
  return
}

// -----

func.func @reduce_dim_range(%x: tensor<16x64xf32>) {
  // expected-error@+1 {{'mpt.reduce_mean' op reduced dim 2 must be in [0, 2)}}
  %s = mpt.reduce_mean %x {dims = array<i64: 2>} : tensor<16x64xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @reduce_negative_dim(%x: tensor<16x64xf32>) {
  // expected-error@+1 {{'mpt.reduce_sum' op reduced dim -1 must be in [0, 2)}}
  %s = mpt.reduce_sum %x {dims = array<i64: -1>} : tensor<16x64xf32> -> tensor<16xf32>
  return
}

// -----

func.func @reduce_dim_twice(%x: tensor<16x64xf32>) {
  // expected-error@+1 {{'mpt.reduce_sum' op reduced dim 1 appears twice}}
  %s = mpt.reduce_sum %x {dims = array<i64: 1, 1>} : tensor<16x64xf32> -> tensor<16xf32>
  return
}

// -----

func.func @reduce_result_shape(%x: tensor<16x64xf32>) {
  // expected-error@+1 {{'mpt.reduce_mean' op result shape [16] must be [16, 1]}}
  %s = mpt.reduce_mean %x {dims = array<i64: 1>, keep_dims} : tensor<16x64xf32> -> tensor<16xf32>
  return
}

//===----------------------------------------------------------------------===//
// mpt.transpose and mpt.reshape
//===----------------------------------------------------------------------===//

// -----

func.func @transpose_rank(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.transpose' op permutation has 3 entries, expected the input rank (2)}}
  %t = mpt.transpose %x {permutation = array<i64: 1, 0, 2>} : tensor<4x8xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @transpose_repeated(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.transpose' op permutation [1, 1] must be a permutation of [0, 2)}}
  %t = mpt.transpose %x {permutation = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<8x8xf32>
  return
}

// -----

func.func @transpose_out_of_range(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.transpose' op permutation [0, 2] must be a permutation of [0, 2)}}
  %t = mpt.transpose %x {permutation = array<i64: 0, 2>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @transpose_element_type(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.transpose' op result element type 'f16' must match input element type 'f32'}}
  %t = mpt.transpose %x {permutation = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf16>
  return
}

// -----

func.func @transpose_result_shape(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.transpose' op result shape [4, 8] must be [8, 4]}}
  %t = mpt.transpose %x {permutation = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.reshape' op result element type 'bf16' must match input element type 'f32'}}
  %r = mpt.reshape %x : tensor<4x8xf32> -> tensor<32xbf16>
  return
}

// -----

func.func @reshape_count(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.reshape' op result has 30 elements, expected 32 (as many as the input)}}
  %r = mpt.reshape %x : tensor<4x8xf32> -> tensor<5x6xf32>
  return
}

//===----------------------------------------------------------------------===//
// mpt.mse_loss and mpt.cast
//===----------------------------------------------------------------------===//

// -----

func.func @mse_loss_shape(%p: tensor<32x1xf32>, %y: tensor<32xf32>) {
  // expected-error@+1 {{'mpt.mse_loss' op target shape [32] must match prediction shape [32, 1]}}
  %l = mpt.mse_loss %p, %y : tensor<32x1xf32>, tensor<32xf32>
  return
}

// -----

func.func @cast_shape(%x: tensor<4x8xf32>) {
  // expected-error@+1 {{'mpt.cast' op operand type 'tensor<4x8xf32>' and result type 'tensor<8x4xf16>' are cast incompatible}}
  %c = mpt.cast %x : tensor<4x8xf32> to tensor<8x4xf16>
  return
}

// -----

func.func @cast_tensor_to_scalar(%x: tensor<f32>) {
  // expected-error@+1 {{'mpt.cast' op operand type 'tensor<f32>' and result type 'f16' are cast incompatible}}
  %c = mpt.cast %x : tensor<f32> to f16
  return
}

//===----------------------------------------------------------------------===//
// mpt.update_loss_scale and mpt.gradient
//===----------------------------------------------------------------------===//

// -----

func.func @update_static_scale(%s: f32, %g: i32, %h: i32, %ok: i1) {
  // expected-error@+1 {{'mpt.update_loss_scale' op config mode must be dynamic, found 'static' (a static or absent scale needs no update)}}
  %r:4 = mpt.update_loss_scale %s, %g, %h, %ok {config = #mpt.loss_scale<mode = static>}
  return
}

// -----

func.func @update_without_config(%s: f32, %g: i32, %h: i32, %ok: i1) {
  // expected-error@+1 {{'mpt.update_loss_scale' op requires attribute 'config'}}
  %r:4 = mpt.update_loss_scale %s, %g, %h, %ok
  return
}

// -----

func.func @gradient_nothing(%l: f32) {
  // expected-error@+1 {{'mpt.gradient' op needs at least one 'wrt' value, found none}}
  "mpt.gradient"(%l) : (f32) -> ()
  return
}

// -----

func.func @gradient_result_count(%l: f32, %w: tensor<4xf32>) {
  // expected-error@+1 {{'mpt.gradient' op has 2 results, expected one per 'wrt' value (1)}}
  %g:2 = "mpt.gradient"(%l, %w) : (f32, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @gradient_result_type(%l: f32, %w: tensor<4xf32>) {
  // expected-error@+1 {{'mpt.gradient' op result 0 type 'tensor<4xf16>' must match wrt 0 type 'tensor<4xf32>'}}
  %g = "mpt.gradient"(%l, %w) : (f32, tensor<4xf32>) -> tensor<4xf16>
  return
}

//===----------------------------------------------------------------------===//
// Optimizer and loss-scale attributes
//===----------------------------------------------------------------------===//

// -----

// expected-error@+1 {{#mpt.sgd lr must be > 0, found 0.000000e+00}}
func.func @f() attributes {opt = #mpt.sgd<lr = 0.0>}

// -----

// expected-error@+1 {{#mpt.sgd lr must be finite, found inf}}
func.func @f() attributes {opt = #mpt.sgd<lr = 0x7FF0000000000000>}

// -----

// expected-error@+1 {{#mpt.sgd weight_decay must be >= 0, found -1.000000e-04}}
func.func @f() attributes {opt = #mpt.sgd<lr = 0.1, weight_decay = -1.0e-4>}

// -----

// expected-error@+1 {{#mpt.momentum lr must be > 0, found -1.000000e-01}}
func.func @f() attributes {opt = #mpt.momentum<lr = -0.1>}

// -----

// expected-error@+1 {{#mpt.momentum momentum must be in [0, 1), found 1.000000e+00}}
func.func @f() attributes {opt = #mpt.momentum<lr = 0.1, momentum = 1.0>}

// -----

// expected-error@+1 {{#mpt.momentum weight_decay must be finite, found nan}}
func.func @f() attributes {opt = #mpt.momentum<lr = 0.1, weight_decay = 0x7FF8000000000000>}

// -----

// expected-error@+1 {{#mpt.adam lr must be > 0, found -0.000000e+00}}
func.func @f() attributes {opt = #mpt.adam<lr = -0.0>}

// -----

// expected-error@+1 {{#mpt.adam beta1 must be in [0, 1), found -1.000000e-01}}
func.func @f() attributes {opt = #mpt.adam<lr = 0.1, beta1 = -0.1>}

// -----

// expected-error@+1 {{#mpt.adam beta2 must be in [0, 1), found 1.000000e+00}}
func.func @f() attributes {opt = #mpt.adam<lr = 0.1, beta2 = 1.0>}

// -----

// expected-error@+1 {{#mpt.adam epsilon must be > 0, found 0.000000e+00}}
func.func @f() attributes {opt = #mpt.adam<lr = 0.1, epsilon = 0.0>}

// -----

// expected-error@+1 {{#mpt.adam weight_decay must be >= 0, found -1.000000e+00}}
func.func @f() attributes {opt = #mpt.adam<lr = 0.1, weight_decay = -1.0>}

// -----

// expected-error@+1 {{#mpt.loss_scale init must be > 0, found 0.000000e+00}}
func.func @f() attributes {scale = #mpt.loss_scale<mode = static, init = 0.0>}

// -----

// The scale is held in f32.
// expected-error@+1 {{#mpt.loss_scale init must be at most the largest f32 (3.402823e+38), found 1.000000e+39}}
func.func @f() attributes {scale = #mpt.loss_scale<mode = static, init = 1.0e39>}

// -----

// expected-error@+1 {{#mpt.loss_scale growth_factor must be > 1, found 1.000000e+00}}
func.func @f() attributes {scale = #mpt.loss_scale<growth_factor = 1.0>}

// -----

// expected-error@+1 {{#mpt.loss_scale backoff_factor must be in (0, 1), found 0.000000e+00}}
func.func @f() attributes {scale = #mpt.loss_scale<backoff_factor = 0.0>}

// -----

// expected-error@+1 {{#mpt.loss_scale backoff_factor must be in (0, 1), found 1.000000e+00}}
func.func @f() attributes {scale = #mpt.loss_scale<backoff_factor = 1.0>}

// -----

// expected-error@+1 {{#mpt.loss_scale growth_interval must be in [1, 2147483647], found 0}}
func.func @f() attributes {scale = #mpt.loss_scale<growth_interval = 0>}

// -----

// The counters of the step's state are i32.
// expected-error@+1 {{#mpt.loss_scale growth_interval must be in [1, 2147483647], found 2147483648}}
func.func @f() attributes {scale = #mpt.loss_scale<growth_interval = 2147483648>}

// -----

// expected-error@+1 {{#mpt.loss_scale hysteresis must be in [1, 2147483647], found -1}}
func.func @f() attributes {scale = #mpt.loss_scale<hysteresis = -1>}

// -----

// expected-error@+1 {{#mpt.loss_scale min_scale must be > 0, found 0.000000e+00}}
func.func @f() attributes {scale = #mpt.loss_scale<min_scale = 0.0>}

// -----

// expected-error@+1 {{#mpt.loss_scale max_scale must be >= min_scale, found 5.000000e-01}}
func.func @f() attributes {scale = #mpt.loss_scale<mode = none, max_scale = 0.5>}

// -----

// expected-error@+1 {{#mpt.loss_scale max_scale must be finite, found inf}}
func.func @f() attributes {scale = #mpt.loss_scale<max_scale = 0x7FF0000000000000>}

// -----

// expected-error@+1 {{#mpt.loss_scale init must be within [min_scale, max_scale] for a dynamic scale, found 1.310720e+05}}
func.func @f() attributes {scale = #mpt.loss_scale<init = 131072.0, max_scale = 65536.0>}

// -----

func.func @unscale_nothing(%s: f32) {
  // expected-error @+1 {{'mpt.unscale' op needs at least one gradient, found none}}
  "mpt.unscale"(%s) : (f32) -> ()
  return
}

// -----

func.func @all_finite_nothing() -> i1 {
  // expected-error @+1 {{'mpt.all_finite' op needs at least one tensor, found none}}
  %0 = "mpt.all_finite"() : () -> i1
  return %0 : i1
}

// -----

//===----------------------------------------------------------------------===//
// Buffers and mpt.mode_select
//===----------------------------------------------------------------------===//

// expected-error@+1 {{'mpt.train_step' op num_buffers (2) must be within [0, 1] (the block arguments after the parameters)}}
"mpt.train_step"() <{sym_name = "s", num_params = 1 : i64, num_buffers = 2 : i64,
                     arg_names = ["w", "x"], optimizer = #mpt.sgd<lr = 1.0>}> ({
^bb0(%w: tensor<4xf32>, %x: tensor<4xf32>):
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l
}) : () -> ()

// -----

// expected-error@+1 {{'mpt.train_step' op buffer 'n' must be a statically shaped f32 or f64 tensor, found 'tensor<4xf16>'}}
mpt.train_step @s params(%w: tensor<4xf32>) buffers(%n: tensor<4xf16>)
    batch(%x: tensor<4xf32>) optimizer(#mpt.sgd<lr = 1.0>) {
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  mpt.loss %l buffers(%n : tensor<4xf16>)
}

// -----

mpt.train_step @s params(%w: tensor<4xf32>) buffers(%n: tensor<4xf32>)
    batch(%x: tensor<4xf32>) optimizer(#mpt.sgd<lr = 1.0>) {
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  // expected-error@+1 {{'mpt.loss' op has 0 buffer updates, expected one per buffer of the step (1)}}
  mpt.loss %l
}

// -----

mpt.train_step @s params(%w: tensor<4xf32>) buffers(%n: tensor<2xf32>)
    batch(%x: tensor<4xf32>) optimizer(#mpt.sgd<lr = 1.0>) {
  %l = mpt.mse_loss %w, %x : tensor<4xf32>, tensor<4xf32>
  // expected-error@+1 {{'mpt.loss' op updates buffer 'n' of type 'tensor<2xf32>' with a value of type 'tensor<4xf32>'}}
  mpt.loss %l buffers(%w : tensor<4xf32>)
}

// -----

func.func @mode_select_types(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error@+1 {{'mpt.mode_select' op failed to verify that all of {train, eval, result} have same type}}
  %r = "mpt.mode_select"(%a, %b) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
