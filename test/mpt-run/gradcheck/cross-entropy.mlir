// Gradients of mpt.cross_entropy_loss with class-index labels (a constant,
// one of them out of range) and with probability targets (the batch's y),
// against central differences in f64 with the default step and tolerance:
// the differences are taken of the loss before its rounding to f32, which
// the gradient function builds from the loss's terms.
// RUN: mpt-run %s --step=labels --check-gradients=64 | FileCheck %s --check-prefix=LABELS
// RUN: mpt-run %s --step=probabilities --check-gradients=64 | FileCheck %s --check-prefix=PROBS

// LABELS:      gradient check of @labels_grad: f32 promoted to f64, 2 parameters
// LABELS:      ({{[0-9.]+}} before rounding to f32)
// LABELS:      central differences with h = 1e-05; tolerance 1e-06
// LABELS-NOT:  {{FAILED|zero within}}
// LABELS:      gradient check passed: 2 parameters
mpt.train_step @labels
    params(%w: tensor<6x4xf32>, %b: tensor<4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %labels = arith.constant dense<[0, 3, 1, 2, 2, 0, 4, 1]> : tensor<8xi64>
  %logits = mpt.linear %x, %w, %b : tensor<8x6xf32>, tensor<6x4xf32>, tensor<4xf32> -> tensor<8x4xf32>
  %loss = mpt.cross_entropy_loss %logits, %labels : tensor<8x4xf32>, tensor<8xi64>
  mpt.loss %loss
}

// PROBS:      gradient check of @probabilities_grad: f32 promoted to f64, 1 parameters
// PROBS:      ({{[0-9.]+}} before rounding to f32)
// PROBS-NOT:  {{FAILED|zero within}}
// PROBS:      gradient check passed: 1 parameters
mpt.train_step @probabilities
    params(%v: tensor<6x4xf32>)
    batch(%x: tensor<8x6xf32>, %y: tensor<8x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %logits = mpt.linear %x, %v : tensor<8x6xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
  %loss = mpt.cross_entropy_loss %logits, %y : tensor<8x4xf32>, tensor<8x4xf32>
  mpt.loss %loss
}
