// RUN: mpt-opt --mpt-step-abi --split-input-file --verify-diagnostics %s

// expected-error @below {{'func.func' op argument #0 has type 'tensor<?x4xf32>', but the step ABI needs a static shape}}
func.func @dynamic(%x: tensor<?x4xf32> {mpt.batch = "x"}) -> (f32 {mpt.loss})
    attributes {mpt.train_step} {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @below {{'func.func' op result #0 has type 'tensor<4xi16>', but step tensors must have float, i32 or i64 elements}}
func.func @i16_tensor(%x: tensor<4xf32> {mpt.batch = "x"}) -> (tensor<4xi16> {mpt.loss})
    attributes {mpt.train_step} {
  %c = arith.constant dense<0> : tensor<4xi16>
  return %c : tensor<4xi16>
}

// -----

func.func @taken_step() {
  return
}

// expected-error @below {{'func.func' op cannot get the entry point 'taken_step': the module already has a symbol of that name}}
func.func @taken(%x: f32 {mpt.batch = "x"}) -> (f32 {mpt.loss})
    attributes {mpt.train_step} {
  return %x : f32
}

// -----

// expected-error @below {{'func.func' op has the optimizer "rmsprop", but the step signature knows #mpt.sgd, #mpt.momentum and #mpt.adam only}}
func.func @unknown_optimizer(%x: f32 {mpt.batch = "x"}) -> (f32 {mpt.loss})
    attributes {mpt.train_step, mpt.optimizer = "rmsprop"} {
  return %x : f32
}

// -----

// expected-error @below {{'func.func' op has the loss-scale policy 1.024000e+03 : f32, but the step signature needs a #mpt.loss_scale}}
func.func @text_policy(%x: f32 {mpt.batch = "x"}) -> (f32 {mpt.loss})
    attributes {mpt.train_step, mpt.loss_scale = 1024.0 : f32} {
  return %x : f32
}
