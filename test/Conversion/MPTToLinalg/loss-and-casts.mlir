// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// The MSE widens the f16 prediction, reduces every element into a 0-d f32
// tensor and divides the extracted sum by the element count.
// CHECK-LABEL: func.func @mse_loss_mixed
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<f32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : tensor<8x1xf16>, tensor<8x1xf32>) outs(%[[ZERO]] : tensor<f32>)
// CHECK:         ^bb0(%[[P:[^:]*]]: f16, %[[Y:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK:           %[[PW:.*]] = arith.extf %[[P]] : f16 to f32
// CHECK:           %[[D:.*]] = arith.subf %[[PW]], %[[Y]] : f32
// CHECK:           %[[SQ:.*]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK:           arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK:         %[[TOTAL:.*]] = tensor.extract %[[SUM]][] : tensor<f32>
// CHECK:         %[[N:.*]] = arith.constant 8.000000e+00 : f32
// CHECK:         %[[MEAN:.*]] = arith.divf %[[TOTAL]], %[[N]] : f32
// CHECK:         return %[[MEAN]] : f32
func.func @mse_loss_mixed(%p: tensor<8x1xf16>, %y: tensor<8x1xf32>) -> f32 {
  %l = mpt.mse_loss %p, %y : tensor<8x1xf16>, tensor<8x1xf32>
  return %l : f32
}

// -----

// An f64 loss is computed in f64 and rounded to the f32 result.
// CHECK-LABEL: func.func @mse_loss_f64
// CHECK:         arith.subf %{{.*}}, %{{.*}} : f64
// CHECK:         %[[MEAN:.*]] = arith.divf %{{.*}}, %{{.*}} : f64
// CHECK:         arith.truncf %[[MEAN]] : f64 to f32
func.func @mse_loss_f64(%p: tensor<4xf64>, %y: tensor<4xf64>) -> f32 {
  %l = mpt.mse_loss %p, %y : tensor<4xf64>, tensor<4xf64>
  return %l : f32
}

// -----

// Tensor casts are elementwise generics; scalar casts are plain arith.
// f16 -> bf16 widens first so that it rounds once.
// CHECK-LABEL: func.func @casts
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<4xbf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
// CHECK:         arith.truncf %{{.*}} : f32 to f16
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf16>) outs(%{{.*}} : tensor<4xbf16>)
// CHECK:           %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:           arith.truncf %[[W]] : f32 to bf16
func.func @casts(%x: tensor<4xf32>, %s: f32, %h: tensor<4xf16>) -> (tensor<4xbf16>, f16, tensor<4xbf16>) {
  %0 = mpt.cast %x : tensor<4xf32> to tensor<4xbf16>
  %1 = mpt.cast %s : f32 to f16
  %2 = mpt.cast %h : tensor<4xf16> to tensor<4xbf16>
  return %0, %1, %2 : tensor<4xbf16>, f16, tensor<4xbf16>
}
