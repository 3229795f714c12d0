// RUN: mpt-opt --auto-mixed-precision=report=true --verify-diagnostics %s | FileCheck %s

// A transposed convolution is on the allow list, as conv2d: its input,
// weight and bias are cast to f16 and the upsampled image stays f16.

// CHECK-LABEL: func.func @decoder
// CHECK:         mpt.conv_transpose2d %{{.*}}, %{{.*}}, %{{.*}} {{{.*}}} : tensor<2x4x4x4xf16>, tensor<4x2x2x2xf16>, tensor<2xf16> -> tensor<2x2x8x8xf16>

// expected-remark @+1 {{converted 3/4 ops to f16 with 4 casts}}
mpt.train_step @decoder
    params(%w: tensor<4x2x2x2xf32>, %b: tensor<2xf32>)
    batch(%x: tensor<2x64xf32>, %y: tensor<2x128xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // expected-remark @+1 {{f16: clear: feeds mpt.conv_transpose2d at line 17}}
  %img = mpt.reshape %x : tensor<2x64xf32> -> tensor<2x4x4x4xf32>
  // expected-remark @+1 {{f16: allow list}}
  %u = mpt.conv_transpose2d %img, %w, %b {strides = array<i64: 2, 2>} : tensor<2x4x4x4xf32>, tensor<4x2x2x2xf32>, tensor<2xf32> -> tensor<2x2x8x8xf32>
  // expected-remark @+1 {{f16: clear: follows mpt.conv_transpose2d at line 17}}
  %f = mpt.reshape %u : tensor<2x2x8x8xf32> -> tensor<2x128xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.mse_loss %f, %y : tensor<2x128xf32>, tensor<2x128xf32>
  mpt.loss %l
}
