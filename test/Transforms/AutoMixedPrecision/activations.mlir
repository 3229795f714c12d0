// RUN: mpt-opt --auto-mixed-precision=report=true --verify-diagnostics %s -o /dev/null

// The precision classes of the piecewise activations, TensorFlow's: abs,
// clamp and sign (Abs, ClipByValue, Relu6, Sign) are clear, exact in any
// precision; the others (LeakyRelu, Elu, Selu, Celu, Softplus, the hard
// sigmoid and swish, which scale their input, and shrink, which shifts it)
// infer.

// expected-remark @+1 {{converted 11/12 ops to f16 with 3 casts}}
mpt.train_step @activations
    params(%w: tensor<8x8xf32>)
    batch(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // expected-remark @+1 {{f16: allow list}}
  %h = mpt.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.linear at line 15}}
  %a = mpt.leaky_relu %h {alpha = 0.1 : f64} : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.leaky_relu at line 17}}
  %b = mpt.elu %a : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.elu at line 19}}
  %c = mpt.softplus %b : tensor<4x8xf32>
  // expected-remark @+1 {{f16: clear: follows mpt.softplus at line 21}}
  %d = mpt.abs %c : tensor<4x8xf32>
  // expected-remark @+1 {{f16: clear: follows mpt.abs at line 23}}
  %e = mpt.clamp %d {max = 6.0 : f64} : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.clamp at line 25}}
  %f = mpt.hard_sigmoid %e : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.hard_sigmoid at line 27}}
  %g = mpt.hard_swish %f : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.hard_swish at line 29}}
  %s = mpt.shrink %g {lambd = 0.5 : f64, bias = 0.5 : f64} : tensor<4x8xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.linear at line 35}}
  %t = mpt.sign %s : tensor<4x8xf32>
  // expected-remark @+1 {{f16: allow list}}
  %z = mpt.linear %t, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.mse_loss %z, %y : tensor<4x8xf32>, tensor<4x8xf32>
  mpt.loss %l
}
