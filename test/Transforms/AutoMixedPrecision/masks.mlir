// RUN: mpt-opt --auto-mixed-precision=report=true --verify-diagnostics %s -o /dev/null

// Comparisons and selects are clear: a 0/1 mask and a choice between two
// values are exact in any precision, so they take their neighbours'
// precision, and the comparison is made in the precision of the value it
// reads (as PyTorch compares autocast's f16 results in f16). The zero they
// share is one cast.

// expected-remark @+1 {{converted 4/5 ops to f16 with 4 casts}}
mpt.train_step @masks
    params(%w: tensor<8x8xf32>)
    batch(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %zero = arith.constant dense<0.000000e+00> : tensor<4x8xf32>
  // expected-remark @+1 {{f16: allow list}}
  %h = mpt.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.select at line 20}}
  %m = mpt.compare gt, %h, %zero : tensor<4x8xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.linear at line 22}}
  %r = mpt.select %m, %h, %zero : tensor<4x8xf32>
  // expected-remark @+1 {{f16: allow list}}
  %z = mpt.linear %r, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.mse_loss %z, %y : tensor<4x8xf32>, tensor<4x8xf32>
  mpt.loss %l
}
