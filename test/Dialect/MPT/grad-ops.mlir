// The ops of the backward computation print and parse back unchanged.
// RUN: mpt-opt %s | mpt-opt | FileCheck %s

// CHECK-LABEL: func.func @grad_ops
func.func @grad_ops(%x: tensor<16x64xf16>, %dy: tensor<16x64xf16>, %b: tensor<64xf16>,
                    %s: tensor<16xf32>, %xf: tensor<16x64xf32>, %g: tensor<64xf32>,
                    %dyf: tensor<16x64xf32>) {
  // CHECK: mpt.div %{{.*}}, %{{.*}} : tensor<16x64xf16>, tensor<64xf16>
  %0 = mpt.div %x, %b : tensor<16x64xf16>, tensor<64xf16>
  // CHECK: mpt.broadcast %{{.*}} {dims = array<i64: 1>} : tensor<16xf32> -> tensor<16x64xf32>
  %1 = mpt.broadcast %s {dims = array<i64: 1>} : tensor<16xf32> -> tensor<16x64xf32>
  // CHECK: mpt.relu_grad %{{.*}}, %{{.*}} : tensor<16x64xf16>
  %2 = mpt.relu_grad %x, %dy : tensor<16x64xf16>
  // CHECK: mpt.gelu_grad %{{.*}}, %{{.*}} : tensor<16x64xf16>
  %3 = mpt.gelu_grad %x, %dy : tensor<16x64xf16>
  // CHECK: mpt.layer_norm_grad %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f64} : tensor<16x64xf32>, tensor<64xf32>
  %4 = mpt.layer_norm_grad %xf, %g, %dyf {epsilon = 1.0e-03 : f64} : tensor<16x64xf32>, tensor<64xf32>
  return
}
