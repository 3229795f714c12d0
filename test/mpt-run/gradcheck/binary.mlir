// Gradients of mpt.add, mpt.sub, mpt.mul and mpt.div (same shapes, a
// trailing-dims rhs and a rank-0 rhs broadcast along the leading dims) and
// of mpt.broadcast, against central differences in f64. Divisors are
// exp(.) > 0, and so are the factors made of the zero-initialised biases.
// RUN: mpt-run %s --check-gradients=64 | FileCheck %s

// CHECK:      gradient check of @binary_grad: f32 promoted to f64, 17 parameters
// CHECK-NOT:  {{FAILED|zero within}}
// CHECK:      gradient check passed: 17 parameters

mpt.train_step @binary
    params(%w_lhs: tensor<6x4xf32>, %w_rhs: tensor<6x4xf32>,
           %c_add: tensor<4xf32>, %c_sub: tensor<4xf32>,
           %c_mul: tensor<4xf32>, %c_div: tensor<4xf32>,
           %s_add: tensor<f32>, %s_sub: tensor<f32>, %s_mul: tensor<f32>,
           %s_div: tensor<f32>,
           %w_mul: tensor<6x4xf32>, %w_div: tensor<6x4xf32>,
           %w_divisor: tensor<6x4xf32>,
           %rows: tensor<8xf32>, %cols: tensor<4xf32>,
           %plane: tensor<2x4xf32>, %w_sub: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %one = arith.constant dense<1.000000e+00> : tensor<4xf32>
  %u = mpt.linear %x, %w_lhs : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %v = mpt.linear %x, %w_rhs : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %v_sub = mpt.linear %x, %w_sub : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %v_mul = mpt.linear %x, %w_mul : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %v_div = mpt.linear %x, %w_div : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %v_divisor = mpt.linear %x, %w_divisor : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  // Same shapes.
  %add = mpt.add %u, %v : tensor<8x4xf32>, tensor<8x4xf32>
  %sub = mpt.sub %add, %v_sub : tensor<8x4xf32>, tensor<8x4xf32>
  %mul = mpt.mul %sub, %v_mul : tensor<8x4xf32>, tensor<8x4xf32>
  %divisor = mpt.exp %v_divisor : tensor<8x4xf32>
  %div = mpt.div %v_div, %divisor : tensor<8x4xf32>, tensor<8x4xf32>
  // A rhs of the trailing dims, and a rank-0 rhs.
  %add_c = mpt.add %mul, %c_add : tensor<8x4xf32>, tensor<4xf32>
  %sub_c = mpt.sub %add_c, %c_sub : tensor<8x4xf32>, tensor<4xf32>
  %c_mul1 = mpt.add %c_mul, %one : tensor<4xf32>, tensor<4xf32>
  %mul_c = mpt.mul %sub_c, %c_mul1 : tensor<8x4xf32>, tensor<4xf32>
  %c_divisor = mpt.exp %c_div : tensor<4xf32>
  %div_c = mpt.div %mul_c, %c_divisor : tensor<8x4xf32>, tensor<4xf32>
  %add_s = mpt.add %div_c, %s_add : tensor<8x4xf32>, tensor<f32>
  %sub_s = mpt.sub %add_s, %s_sub : tensor<8x4xf32>, tensor<f32>
  %s_mul1 = mpt.exp %s_mul : tensor<f32>
  %mul_s = mpt.mul %sub_s, %s_mul1 : tensor<8x4xf32>, tensor<f32>
  %s_divisor = mpt.exp %s_div : tensor<f32>
  %div_s = mpt.div %mul_s, %s_divisor : tensor<8x4xf32>, tensor<f32>
  // mpt.broadcast along a leading, a trailing and a middle dim.
  %rows_e = mpt.exp %rows : tensor<8xf32>
  %b_rows = mpt.broadcast %rows_e {dims = array<i64: 1>} : tensor<8xf32> -> tensor<8x4xf32>
  %b_cols = mpt.broadcast %cols {dims = array<i64: 0>} : tensor<4xf32> -> tensor<8x4xf32>
  %b_plane = mpt.broadcast %plane {dims = array<i64: 1>} : tensor<2x4xf32> -> tensor<2x4x4xf32>
  %b_plane2 = mpt.reshape %b_plane : tensor<2x4x4xf32> -> tensor<8x4xf32>
  %t0 = mpt.mul %div_s, %b_rows : tensor<8x4xf32>, tensor<8x4xf32>
  %t1 = mpt.add %t0, %b_cols : tensor<8x4xf32>, tensor<8x4xf32>
  %t2 = mpt.add %t1, %b_plane2 : tensor<8x4xf32>, tensor<8x4xf32>
  %p = mpt.add %t2, %div : tensor<8x4xf32>, tensor<8x4xf32>
  %loss = mpt.mse_loss %p, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
