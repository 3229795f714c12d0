// RUN: mpt-opt --auto-mixed-precision=report=true --verify-diagnostics %s -o /dev/null

// One remark per op with its precision and the reason, and a summary.

// expected-remark @+1 {{converted 4/7 ops to f16 with 4 casts}}
mpt.train_step @report params(%w: tensor<4x4xf32>, %b: tensor<4xf32>)
    batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // expected-remark @+1 {{f32: deny list}}
  %e = mpt.exp %x : tensor<4x4xf32>
  // expected-remark @+1 {{f32: deny taint from mpt.exp at line 10}}
  %t = mpt.tanh %e : tensor<4x4xf32>
  // expected-remark @+1 {{f16: allow list}}
  %0 = mpt.matmul %t, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  // expected-remark @+1 {{f16: infer: follows mpt.matmul at line 14}}
  %1 = mpt.add %0, %b : tensor<4x4xf32>, tensor<4xf32>
  // expected-remark @+1 {{f16: clear: feeds mpt.matmul at line 20}}
  %2 = mpt.relu %1 : tensor<4x4xf32>
  // expected-remark @+1 {{f16: user override (mpt.precision)}}
  %3 = mpt.matmul %2, %w {mpt.precision = "low"} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  // expected-remark @+1 {{f32: deny list}}
  %l = mpt.mse_loss %3, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// RUN: mpt-opt --auto-mixed-precision=report=true %s -o /dev/null 2>&1 | FileCheck %s
// The remarks carry no printout of their op: printing an op verifies its
// whole step, which made the report quadratic in the number of ops.
// CHECK-NOT: see current operation
// CHECK:     remark: converted 4/7 ops to f16 with 4 casts
// CHECK-NOT: see current operation
