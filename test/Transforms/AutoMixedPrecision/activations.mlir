// RUN: mpt-opt --auto-mixed-precision=report=true --verify-diagnostics %s -o /dev/null

// The precision classes of the piecewise activations, TensorFlow's: abs and
// clamp (Abs, ClipByValue, Relu6) are clear, exact in any precision; the
// others (LeakyRelu, Elu, Selu, Softplus, and the hard sigmoid and swish,
// which scale their input) infer.

// expected-remark @+1 {{converted 9/10 ops to f16 with 3 casts}}
mpt.train_step @activations
    params(%w: tensor<8x8xf32>)
    batch(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // expected-remark @+1 {{f16: allow list}}
  %h = mpt.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.linear at line 14}}
  %a = mpt.leaky_relu %h {alpha = 0.1 : f64} : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.leaky_relu at line 16}}
  %b = mpt.elu %a : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.elu at line 18}}
  %c = mpt.softplus %b : tensor<4x8xf32>
  // expected-remark @+1 {{f16: clear: follows mpt.softplus at line 20}}
  %d = mpt.abs %c : tensor<4x8xf32>
  // expected-remark @+1 {{f16: clear: follows mpt.abs at line 22}}
  %e = mpt.clamp %d {max = 6.0 : f64} : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.clamp at line 24}}
  %f = mpt.hard_sigmoid %e : tensor<4x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.hard_sigmoid at line 26}}
  %g = mpt.hard_swish %f : tensor<4x8xf32>
  // expected-remark @+1 {{f16: allow list}}
  %z = mpt.linear %g, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.mse_loss %z, %y : tensor<4x8xf32>, tensor<4x8xf32>
  mpt.loss %l
}
