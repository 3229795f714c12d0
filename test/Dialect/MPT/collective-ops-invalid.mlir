// The verifier of mpt.all_reduce.
// RUN: mpt-opt %s -split-input-file -verify-diagnostics

func.func @mixed_types(%a: tensor<4xf32>, %b: tensor<4xf64>) {
  // expected-error@+1 {{'mpt.all_reduce' op operand 1 has element type 'f64', but operand 0 has 'f32': the operands of one message share an element type (or travel compressed, 'as f16' or 'as bf16')}}
  %r:2 = mpt.all_reduce sum %a, %b : tensor<4xf32>, tensor<4xf64>
  return
}

// -----

func.func @compressed_max(%a: tensor<4xf32>) {
  // expected-error@+1 {{'mpt.all_reduce' op compresses only a sum or a mean, found 'max' (the largest or smallest value is exact in the operand type)}}
  %r = mpt.all_reduce max %a as f16 : tensor<4xf32>
  return
}

// -----

func.func @not_narrower(%a: tensor<4xf16>) {
  // expected-error@+1 {{'mpt.all_reduce' op operand 0 has element type 'f16', but 'as bf16' must be narrower than the operand type (compression rounds f32 or f64 values)}}
  %r = mpt.all_reduce mean %a as bf16 : tensor<4xf16>
  return
}

// -----

func.func @comm_type_f32(%a: tensor<4xf64>) {
  // expected-error@+1 {{'mpt.all_reduce' op attribute 'comm_type' failed to satisfy constraint: type attribute of 16-bit float or bfloat16 type}}
  %r = mpt.all_reduce mean %a as f32 : tensor<4xf64>
  return
}

// -----

func.func @world_size(%a: tensor<4xf32>) {
  // expected-error@+1 {{'mpt.all_reduce' op attribute 'world_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %r = mpt.all_reduce mean %a {world_size = 0 : i64} : tensor<4xf32>
  return
}

// -----

func.func @dynamic(%a: tensor<?xf32>) {
  // expected-error@+1 {{'mpt.all_reduce' op operand #0 must be variadic of non-empty statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?xf32>'}}
  %r = mpt.all_reduce sum %a : tensor<?xf32>
  return
}

// -----

func.func @no_operands() {
  // expected-error@+1 {{'mpt.all_reduce' op needs at least one tensor to reduce, found none}}
  "mpt.all_reduce"() {kind = 0 : i32} : () -> ()
  return
}

// -----

func.func @unknown_kind(%a: tensor<4xf32>) {
  // expected-error@+1 {{custom op 'mpt.all_reduce' expected string or keyword containing one of the following enum values for attribute 'kind' [sum, mean, max, min]}}
  %r = mpt.all_reduce product %a : tensor<4xf32>
  return
}

// -----

func.func @result_type(%a: tensor<4xf32>) {
  // expected-error@+2 {{'mpt.all_reduce' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<4xf16>'}}
  // expected-error@+1 {{'mpt.all_reduce' op failed to infer returned types}}
  %r = "mpt.all_reduce"(%a) {kind = 1 : i32} : (tensor<4xf32>) -> tensor<4xf16>
  return
}
