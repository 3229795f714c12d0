// Compiles a small training step to an object file, links it with a C
// driver and checks the results against the driver's own computation.
//
// REQUIRES: host-cc
// RUN: mpt-opt --mpt-lower-to-llvm=threads=1 %s | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: llc -O2 -relocation-model=pic -filetype=obj %t.ll -o %t.o
// RUN: %host_cc %S/Inputs/tiny_step_driver.c %t.o -lm -o %t.exe
// RUN: %t.exe | FileCheck %s

// CHECK:      w1: ok
// CHECK-NEXT: b1: ok
// CHECK-NEXT: w2: ok
// CHECK-NEXT: loss: ok
// CHECK-NEXT: loss = 0.2602
// CHECK-NEXT: overflow = 0
// CHECK-NEXT: signature: {"args":[{"dtype":"f32","name":"w1","role":"param","shape":[64,64]}
// CHECK-NEXT: skipped: overflow = 1, w1 unchanged, b1 unchanged, w2 unchanged

// Linear + relu + linear + MSE, differentiated by hand, SGD with lr = 0.5.
// The 32x64x64 GEMMs take the packed kernel path, the others the generic
// vectorized one.
func.func @tiny(%w1: tensor<64x64xf32> {mpt.param = "w1"},
                %b1: tensor<64xf32> {mpt.param = "b1"},
                %w2: tensor<64x1xf32> {mpt.param = "w2"},
                %x: tensor<32x64xf32> {mpt.batch = "x"},
                %y: tensor<32x1xf32> {mpt.batch = "y"})
    -> (tensor<64x64xf32> {mpt.param = "w1"}, tensor<64xf32> {mpt.param = "b1"},
        tensor<64x1xf32> {mpt.param = "w2"}, f32 {mpt.loss}, i1 {mpt.overflow})
    attributes {mpt.train_step, mpt.optimizer = #mpt.sgd<lr = 5.000000e-01>} {
  %h = mpt.linear %x, %w1, %b1 : tensor<32x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<32x64xf32>
  %a = mpt.relu %h : tensor<32x64xf32>
  %p = mpt.matmul %a, %w2 : tensor<32x64xf32>, tensor<64x1xf32> -> tensor<32x1xf32>
  %loss = mpt.mse_loss %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
  %two_over_n = arith.constant dense<6.250000e-02> : tensor<f32>
  %diff = mpt.sub %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
  %dp = mpt.mul %diff, %two_over_n : tensor<32x1xf32>, tensor<f32>
  %dw2 = mpt.matmul %a, %dp {transpose_lhs} : tensor<32x64xf32>, tensor<32x1xf32> -> tensor<64x1xf32>
  %da = mpt.matmul %dp, %w2 {transpose_rhs} : tensor<32x1xf32>, tensor<64x1xf32> -> tensor<32x64xf32>
  %dh = mpt.relu_grad %a, %da : tensor<32x64xf32>
  %dw1 = mpt.matmul %x, %dh {transpose_lhs} : tensor<32x64xf32>, tensor<32x64xf32> -> tensor<64x64xf32>
  %db1 = mpt.reduce_sum %dh {dims = array<i64: 0>} : tensor<32x64xf32> -> tensor<64xf32>
  %finite = mpt.all_finite %dw1, %db1, %dw2 : tensor<64x64xf32>, tensor<64xf32>, tensor<64x1xf32>
  %true = arith.constant true
  %skip = arith.xori %finite, %true : i1
  %w1_new = mpt.sgd_update %w1, %dw1 skip %skip {config = #mpt.sgd<lr = 5.000000e-01>} : tensor<64x64xf32>
  %b1_new = mpt.sgd_update %b1, %db1 skip %skip {config = #mpt.sgd<lr = 5.000000e-01>} : tensor<64xf32>
  %w2_new = mpt.sgd_update %w2, %dw2 skip %skip {config = #mpt.sgd<lr = 5.000000e-01>} : tensor<64x1xf32>
  return %w1_new, %b1_new, %w2_new, %loss, %skip : tensor<64x64xf32>, tensor<64xf32>, tensor<64x1xf32>, f32, i1
}
