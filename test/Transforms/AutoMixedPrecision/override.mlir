// RUN: mpt-opt --auto-mixed-precision --split-input-file --verify-diagnostics %s | FileCheck %s

// mpt.precision = "f32" keeps one matmul in f32; its twin goes f16.

// CHECK-LABEL: func.func @force_f32
// CHECK:       mpt.matmul {{.*}} {mpt.precision = "f32"} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
// CHECK:       mpt.matmul {{.*}} : tensor<4x4xf16>, tensor<4x4xf16> -> tensor<4x4xf16>
mpt.train_step @force_f32 params(%w: tensor<4x4xf32>) batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.matmul %x, %w {mpt.precision = "f32"} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = mpt.matmul %0, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %1, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// mpt.precision = "low" runs a deny op (exp) in f16 and makes it a source of
// low precision for the infer op after it.

// CHECK-LABEL: func.func @force_low
// CHECK:       %[[E:.*]] = mpt.exp %{{.*}} {mpt.precision = "low"} : tensor<4x4xf16>
// CHECK-NEXT:  mpt.tanh %[[E]] : tensor<4x4xf16>
mpt.train_step @force_low params(%w: tensor<4x4xf32>) batch(%y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.exp %w {mpt.precision = "low"} : tensor<4x4xf32>
  %1 = mpt.tanh %0 : tensor<4x4xf32>
  %l = mpt.mse_loss %1, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

mpt.train_step @bad_override params(%w: tensor<4x4xf32>) batch(%y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // expected-error @+1 {{'mpt.precision' must be "f32" or "low", found "f8"}}
  %0 = mpt.matmul %w, %w {mpt.precision = "f8"} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %0, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

mpt.train_step @non_string_override params(%w: tensor<4x4xf32>) batch(%y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  // expected-error @+1 {{'mpt.precision' must be "f32" or "low", found 1 : i64}}
  %0 = mpt.matmul %w, %w {mpt.precision = 1} : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %0, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// The loss is f32 by definition: the per-op override cannot move it either.
mpt.train_step @fixed_override params(%w: tensor<4x4xf32>) batch(%y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.matmul %w, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  // expected-error @+1 {{'mpt.mse_loss' op has a fixed precision (its result type does not follow its operands); 'mpt.precision' cannot override it}}
  %l = mpt.mse_loss %0, %y {mpt.precision = "low"} : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}
