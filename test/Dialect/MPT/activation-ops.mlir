// The piecewise activations and their derivative ops round-trip, with the
// defaults of their attributes elided.
// RUN: mpt-opt %s | mpt-opt | FileCheck %s

// CHECK-LABEL: func.func @activations
// CHECK:         mpt.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f64} : tensor<4x8xf16>
// CHECK:         mpt.leaky_relu %{{.*}} : tensor<4x8xf16>
// CHECK:         mpt.elu %{{.*}} {alpha = 1.6732632423543772 : f64, scale = 1.0507009873554805 : f64} : tensor<4x8xf16>
// CHECK:         mpt.softplus %{{.*}} : tensor<4x8xf16>
// CHECK:         mpt.abs %{{.*}} : tensor<4x8xf16>
// CHECK:         mpt.clamp %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<4x8xf16>
// CHECK:         mpt.clamp %{{.*}} {max = 1.000000e+00 : f64} : tensor<4x8xf16>
// CHECK:         mpt.hard_sigmoid %{{.*}} {alpha = 0.16666666666666666 : f64} : tensor<4x8xf16>
// CHECK:         mpt.hard_swish %{{.*}} : tensor<4x8xf16>
// CHECK:         mpt.elu %{{.*}} {alpha = 2.000000e+00 : f64, input_scale = 5.000000e-01 : f64} : tensor<4x8xf16>
// CHECK:         mpt.shrink %{{.*}} : tensor<4x8xf16>
// CHECK:         mpt.shrink %{{.*}} {bias = 2.500000e-01 : f64, lambd = 2.500000e-01 : f64} : tensor<4x8xf16>
// CHECK:         mpt.sign %{{.*}} : tensor<4x8xf16>
func.func @activations(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = mpt.leaky_relu %x {alpha = 0.2 : f64} : tensor<4x8xf16>
  %1 = mpt.leaky_relu %0 {alpha = 0.01 : f64} : tensor<4x8xf16>
  %2 = mpt.elu %1 {alpha = 1.6732632423543772 : f64, scale = 1.0507009873554805 : f64} : tensor<4x8xf16>
  %3 = mpt.softplus %2 : tensor<4x8xf16>
  %4 = mpt.abs %3 : tensor<4x8xf16>
  %5 = mpt.clamp %4 {min = 0.0 : f64, max = 6.0 : f64} : tensor<4x8xf16>
  %6 = mpt.clamp %5 {max = 1.0 : f64} : tensor<4x8xf16>
  %7 = mpt.hard_sigmoid %6 {alpha = 0.16666666666666666 : f64, beta = 0.5 : f64} : tensor<4x8xf16>
  %8 = mpt.hard_swish %7 : tensor<4x8xf16>
  %9 = mpt.elu %8 {alpha = 2.0 : f64, input_scale = 0.5 : f64} : tensor<4x8xf16>
  %10 = mpt.shrink %9 {lambd = 0.5 : f64, bias = 0.0 : f64} : tensor<4x8xf16>
  %11 = mpt.shrink %10 {lambd = 0.25 : f64, bias = 0.25 : f64} : tensor<4x8xf16>
  %12 = mpt.sign %11 : tensor<4x8xf16>
  return %12 : tensor<4x8xf16>
}

// CHECK-LABEL: func.func @derivatives
// CHECK:         mpt.leaky_relu_grad %{{.*}}, %{{.*}} {alpha = 2.000000e-01 : f64} : tensor<4x8xf32>
// CHECK:         mpt.elu_grad %{{.*}}, %{{.*}} : tensor<4x8xf32>
// CHECK:         mpt.softplus_grad %{{.*}}, %{{.*}} : tensor<4x8xf32>
// CHECK:         mpt.abs_grad %{{.*}}, %{{.*}} : tensor<4x8xf32>
// CHECK:         mpt.clamp_grad %{{.*}}, %{{.*}} {min = -1.000000e+00 : f64} : tensor<4x8xf32>
// CHECK:         mpt.hard_sigmoid_grad %{{.*}}, %{{.*}} : tensor<4x8xf32>
// CHECK:         mpt.hard_swish_grad %{{.*}}, %{{.*}} : tensor<4x8xf32>
// CHECK:         mpt.elu_grad %{{.*}}, %{{.*}} {input_scale = 2.500000e-01 : f64} : tensor<4x8xf32>
// CHECK:         mpt.shrink_grad %{{.*}}, %{{.*}} {lambd = 1.000000e+00 : f64} : tensor<4x8xf32>
func.func @derivatives(%x: tensor<4x8xf32>, %dy: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mpt.leaky_relu_grad %x, %dy {alpha = 0.2 : f64} : tensor<4x8xf32>
  %1 = mpt.elu_grad %x, %0 : tensor<4x8xf32>
  %2 = mpt.softplus_grad %x, %1 : tensor<4x8xf32>
  %3 = mpt.abs_grad %x, %2 : tensor<4x8xf32>
  %4 = mpt.clamp_grad %x, %3 {min = -1.0 : f64} : tensor<4x8xf32>
  %5 = mpt.hard_sigmoid_grad %x, %4 : tensor<4x8xf32>
  %6 = mpt.hard_swish_grad %x, %5 : tensor<4x8xf32>
  %7 = mpt.elu_grad %x, %6 {input_scale = 0.25 : f64} : tensor<4x8xf32>
  %8 = mpt.shrink_grad %x, %7 {lambd = 1.0 : f64} : tensor<4x8xf32>
  return %8 : tensor<4x8xf32>
}
