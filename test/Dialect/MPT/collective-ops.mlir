// mpt.all_reduce prints and parses back unchanged.
// RUN: mpt-opt %s -split-input-file | mpt-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @bucket
func.func @bucket(%g0: tensor<4x8xf32>, %g1: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  // CHECK: %{{.*}}:2 = mpt.all_reduce mean %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8xf32>
  %r:2 = mpt.all_reduce mean %g0, %g1 : tensor<4x8xf32>, tensor<8xf32>
  return %r#0, %r#1 : tensor<4x8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @compressed
func.func @compressed(%g: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // CHECK: mpt.all_reduce mean %{{.*}} as f16 {world_size = 4 : i64} : tensor<8x8xf32>
  %r = mpt.all_reduce mean %g as f16 {world_size = 4 : i64} : tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}

// -----

// CHECK-LABEL: func.func @kinds
func.func @kinds(%x: tensor<f32>, %y: tensor<2xf64>, %z: tensor<3xbf16>) -> (tensor<f32>, tensor<2xf64>, tensor<3xbf16>, tensor<2xf64>) {
  // CHECK: mpt.all_reduce sum %{{.*}} as bf16 : tensor<f32>
  %0 = mpt.all_reduce sum %x as bf16 : tensor<f32>
  // CHECK: mpt.all_reduce max %{{.*}} : tensor<2xf64>
  %1 = mpt.all_reduce max %y : tensor<2xf64>
  // CHECK: mpt.all_reduce min %{{.*}} : tensor<3xbf16>
  %2 = mpt.all_reduce min %z : tensor<3xbf16>
  // CHECK: mpt.all_reduce mean %{{.*}} as f16 : tensor<2xf64>
  %3 = mpt.all_reduce mean %y as f16 : tensor<2xf64>
  return %0, %1, %2, %3 : tensor<f32>, tensor<2xf64>, tensor<3xbf16>, tensor<2xf64>
}

// -----

// CHECK-LABEL: func.func @ranks
func.func @ranks() -> i64 {
  // CHECK: %{{.*}} = mpt.world_size
  %n = mpt.world_size
  return %n : i64
}
