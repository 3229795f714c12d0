// RUN: mpt-opt --mpt-evaluation-function --split-input-file --verify-diagnostics %s
// RUN: mpt-opt --mpt-evaluation-function=required=false --split-input-file %s | FileCheck %s

// With required=false, a step that cannot be evaluated sample by sample
// gets no evaluation function, and nothing is reported.
// CHECK-NOT: func.func
// CHECK-LABEL: mpt.train_step @uneven
// CHECK-NOT: func.func
// CHECK-LABEL: mpt.train_step @scalars

mpt.train_step @uneven params(%w: tensor<3x2xf32>) batch(%x: tensor<2x3xf32>, %y: tensor<3x2xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %p = mpt.mul %y, %w : tensor<3x2xf32>, tensor<3x2xf32>
  // expected-error @below {{'mpt.mse_loss' op has 3 rows, which do not divide among the 2 samples of the batch; it cannot be evaluated sample by sample}}
  %l = mpt.mse_loss %p, %y : tensor<3x2xf32>, tensor<3x2xf32>
  mpt.loss %l
}

// -----

// expected-error @below {{'mpt.train_step' op has no batch input with a batch dim to evaluate samples of}}
mpt.train_step @scalars params(%w: tensor<3xf32>) batch(%t: tensor<f32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %l = mpt.mse_loss %w, %w : tensor<3xf32>, tensor<3xf32>
  mpt.loss %l
}
