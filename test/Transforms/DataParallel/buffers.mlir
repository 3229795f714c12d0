// RUN: mpt-opt --mpt-expand-train-step "--mpt-data-parallel=comm-type=f16" %s | FileCheck %s

// Each rank moves the buffers with its own shard; their next values are
// averaged over the ranks before they are returned (in their own type,
// never compressed), so every rank holds the same buffers, as it holds the
// same parameters.

// CHECK-LABEL: func.func @norm
// CHECK:         %[[NEXT:.*]] = mpt.add %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32>
// CHECK:         mpt.all_reduce sum %{{.*}} as f16 : tensor<4x3xf32>
// CHECK:         %[[MEAN:.*]] = mpt.all_reduce mean %[[NEXT]] : tensor<3xf32>
// CHECK-NEXT:    return {{.*}}, %[[MEAN]], %{{.*}}, %{{.*}}, %{{.*}} : {{.*}}, tensor<3xf32>, f32, i1, i1
mpt.train_step @norm
    params(%w: tensor<4x3xf32>)
    buffers(%mean: tensor<3xf32>)
    batch(%x: tensor<8x4xf32>, %y: tensor<8x3xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>)
    loss_scale(#mpt.loss_scale<mode = dynamic>) accumulate(2) {
  %h = mpt.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %b = mpt.reduce_mean %h {dims = array<i64: 0>} : tensor<8x3xf32> -> tensor<3xf32>
  %m = mpt.mode_select train %b, eval %mean : tensor<3xf32>
  %c = mpt.sub %h, %m : tensor<8x3xf32>, tensor<3xf32>
  %k = arith.constant dense<0.5> : tensor<f32>
  %kept = mpt.mul %mean, %k : tensor<3xf32>, tensor<f32>
  %added = mpt.mul %b, %k : tensor<3xf32>, tensor<f32>
  %next = mpt.add %kept, %added : tensor<3xf32>, tensor<3xf32>
  %l = mpt.mse_loss %c, %y : tensor<8x3xf32>, tensor<8x3xf32>
  mpt.loss %l buffers(%next : tensor<3xf32>)
}
