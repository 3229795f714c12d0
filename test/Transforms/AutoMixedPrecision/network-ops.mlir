// RUN: mpt-opt --auto-mixed-precision=report=true --verify-diagnostics %s -o /dev/null

// The precision classes of the network ops, TensorFlow's: conv2d is allow,
// max pooling, data movement and reduce_max are clear, average pooling and
// erf infer, log_softmax, pow and the cross-entropy loss deny. The integer
// labels take no part.

// expected-remark @+1 {{converted 10/13 ops to f16 with 5 casts}}
mpt.train_step @cnn
    params(%k: tensor<4x1x3x3xf32>, %w: tensor<16x10xf32>)
    batch(%x: tensor<2x1x8x8xf32>, %y: tensor<2xi64>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // expected-remark @+1 {{f16: allow list}}
  %c = mpt.conv2d %x, %k {padding = array<i64: 1, 1, 1, 1>} : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32> -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.conv2d at line 14}}
  %e = mpt.erf %c : tensor<2x4x8x8xf32>
  // expected-remark @+1 {{f16: clear: follows mpt.erf at line 16}}
  %p = mpt.max_pool2d %e {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x4x8x8xf32> -> tensor<2x4x4x4xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.max_pool2d at line 18}}
  %a = mpt.avg_pool2d %p {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x4x4x4xf32> -> tensor<2x4x2x2xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.concat at line 24}}
  %s = mpt.slice %a {offsets = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1, 1, 1>} : tensor<2x4x2x2xf32> -> tensor<2x4x2x2xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.reshape at line 26}}
  %j = mpt.concat %s, %s {axis = 1 : i64} : tensor<2x4x2x2xf32>, tensor<2x4x2x2xf32> -> tensor<2x8x2x2xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.slice at line 28}}
  %f = mpt.reshape %j : tensor<2x8x2x2xf32> -> tensor<2x32xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.linear at line 32}}
  %h = mpt.slice %f {offsets = array<i64: 0, 0>, strides = array<i64: 1, 2>} : tensor<2x32xf32> -> tensor<2x16xf32>
  // expected-remark @+1 {{f16: clear: follows mpt.slice at line 28}}
  %m = mpt.reduce_max %h {dims = array<i64: 1>, keep_dims} : tensor<2x16xf32> -> tensor<2x1xf32>
  // expected-remark @+1 {{f16: allow list}}
  %z = mpt.linear %h, %w : tensor<2x16xf32>, tensor<16x10xf32> -> tensor<2x10xf32>
  // expected-remark @+1 {{f32: deny list}}
  %q = mpt.pow %m, %m : tensor<2x1xf32>, tensor<2x1xf32>
  // expected-remark @+1 {{f32: deny list}}
  %lsm = mpt.log_softmax %z : tensor<2x10xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.cross_entropy_loss %lsm, %y : tensor<2x10xf32>, tensor<2xi64>
  mpt.loss %l
}
