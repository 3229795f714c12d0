// The example MLP (examples/mlp.mlir) at a smaller size, checked against
// central differences in f64 and, as written, in f32.
// RUN: mpt-run %s --check-gradients=32 | FileCheck %s --check-prefix=F64
// RUN: mpt-run %s --check-gradients=32 --check-precision=fp32 | FileCheck %s --check-prefix=F32

// F64:      gradient check of @mlp_grad: f32 promoted to f64, 4 parameters (1153 values), batch 32
// F64-NOT:  {{FAILED|zero within}}
// F64:      w1 16x64xf64 32/1024
// F64-NOT:  {{FAILED|zero within}}
// F64:      b2 1xf64 1/1
// F64-NOT:  {{FAILED|zero within}}
// F64:      gradient check passed: 4 parameters

// F32:      gradient check of @mlp_grad: the step's own types
// F32-NOT:  {{FAILED|zero within}}
// F32:      w1 16x64xf32
// F32-NOT:  {{FAILED|zero within}}
// F32:      gradient check passed: 4 parameters

mpt.train_step @mlp
    params(%w1: tensor<16x64xf32>, %b1: tensor<64xf32>,
           %w2: tensor<64x1xf32>, %b2: tensor<1xf32>)
    batch(%x: tensor<32x16xf32>, %y: tensor<32x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %h = mpt.linear %x, %w1, %b1 : tensor<32x16xf32>, tensor<16x64xf32>, tensor<64xf32> -> tensor<32x64xf32>
  %a = mpt.relu %h : tensor<32x64xf32>
  %p = mpt.linear %a, %w2, %b2 : tensor<32x64xf32>, tensor<64x1xf32>, tensor<1xf32> -> tensor<32x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
  mpt.loss %l
}
