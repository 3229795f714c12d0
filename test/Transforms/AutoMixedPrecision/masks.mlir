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

// A padding mask from token ids: the integers take no part in the
// precision; the mask feeds a low-precision select, so it is made in f16
// directly (the comparison of the ids stays exact).

// expected-remark @+1 {{converted 5/6 ops to f16 with 4 casts}}
mpt.train_step @padding
    params(%table: tensor<50x8xf32>, %w: tensor<8x8xf32>)
    batch(%tokens: tensor<4x6xi64>, %y: tensor<4x6x8xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %pad = arith.constant dense<0> : tensor<i64>
  %zero = arith.constant dense<0.000000e+00> : tensor<4x6x8xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.select at line 46}}
  %e = mpt.gather %table, %tokens {axis = 0 : i64} : tensor<50x8xf32>, tensor<4x6xi64> -> tensor<4x6x8xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.broadcast at line 44}}
  %m = mpt.index_compare eq, %tokens, %pad : tensor<4x6xi64>, tensor<i64> -> tensor<4x6xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.select at line 46}}
  %mb = mpt.broadcast %m {dims = array<i64: 2>} : tensor<4x6xf32> -> tensor<4x6x8xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.linear at line 48}}
  %r = mpt.select %mb, %zero, %e : tensor<4x6x8xf32>
  // expected-remark @+1 {{f16: allow list}}
  %z = mpt.linear %r, %w : tensor<4x6x8xf32>, tensor<8x8xf32> -> tensor<4x6x8xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.mse_loss %z, %y : tensor<4x6x8xf32>, tensor<4x6x8xf32>
  mpt.loss %l
}

// An attention mask given as integers is converted to f32 and scaled by
// f32's lowest value: as under PyTorch's autocast, the conversion keeps
// its type (deny, fixed), and the ops that carry the mask to the softmax
// stay in f32, so that the scaled mask does not become -inf in f16 (and
// 0 * -inf a NaN). The scores' product is f16.

// expected-remark @+1 {{converted 1/7 ops to f16 with 3 casts}}
mpt.train_step @attention_mask
    params(%w: tensor<8x8xf32>)
    batch(%x: tensor<4x8xf32>, %mask: tensor<4x8xi64>, %y: tensor<4x8xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %one = arith.constant dense<1.000000e+00> : tensor<4x8xf32>
  %lowest = arith.constant dense<-3.40282347E+38> : tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny list}}
  %m = mpt.index_to_float %mask : tensor<4x8xi64> -> tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny taint from mpt.index_to_float at line 68}}
  %inverse = mpt.sub %one, %m : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny taint from mpt.index_to_float at line 68}}
  %additive = mpt.mul %inverse, %lowest : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{f16: allow list}}
  %s = mpt.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny taint from mpt.index_to_float at line 68}}
  %masked = mpt.add %s, %additive : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny list}}
  %p = mpt.softmax %masked {axis = 1 : i64} : tensor<4x8xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.mse_loss %p, %y : tensor<4x8xf32>, tensor<4x8xf32>
  mpt.loss %l
}
