// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel=bucket-bytes=300 --split-input-file %s | FileCheck %s --check-prefix=BUCKETS
// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel=bucket-bytes=0 --split-input-file %s | FileCheck %s --check-prefix=ALONE
// RUN: mpt-opt --mpt-expand-train-step "--mpt-data-parallel=comm-type=bf16 world-size=4" --split-input-file %s | FileCheck %s --check-prefix=COMPRESSED

// Every gradient is averaged right after mpt.gradient, and everything else
// reads the averages. The gradients are bucketed from the last parameter
// to the first: w1 is 4096 bytes, b1 and w2 256, b2 4.

// CHECK-LABEL: func.func @mlp
// CHECK:         %[[G:.*]]:4 = mpt.gradient
// CHECK-NEXT:    %[[R:.*]]:4 = mpt.all_reduce mean %[[G]]#3, %[[G]]#2, %[[G]]#1, %[[G]]#0 : tensor<1xf32>, tensor<64x1xf32>, tensor<64xf32>, tensor<16x64xf32>
// CHECK-NEXT:    mpt.all_finite %[[R]]#3, %[[R]]#2, %[[R]]#1, %[[R]]#0
// CHECK-NOT:     mpt.all_reduce

// BUCKETS-LABEL: func.func @mlp
// BUCKETS:         %[[G:.*]]:4 = mpt.gradient
// BUCKETS-NEXT:    mpt.all_reduce mean %[[G]]#3, %[[G]]#2 : tensor<1xf32>, tensor<64x1xf32>
// BUCKETS-NEXT:    mpt.all_reduce mean %[[G]]#1 : tensor<64xf32>
// BUCKETS-NEXT:    mpt.all_reduce mean %[[G]]#0 : tensor<16x64xf32>
// BUCKETS-NEXT:    mpt.all_finite

// ALONE-LABEL: func.func @mlp
// ALONE-COUNT-4: mpt.all_reduce mean %{{.*}} : tensor<{{[0-9x]+}}xf32>
// ALONE-NEXT:    mpt.all_finite

// COMPRESSED-LABEL: func.func @mlp
// COMPRESSED:       mpt.all_reduce mean {{.*}} as bf16 {world_size = 4 : i64} : tensor<1xf32>, tensor<64x1xf32>, tensor<64xf32>, tensor<16x64xf32>
mpt.train_step @mlp
    params(%w1: tensor<16x64xf32>, %b1: tensor<64xf32>, %w2: tensor<64x1xf32>, %b2: tensor<1xf32>)
    batch(%x: tensor<8x16xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %h = mpt.linear %x, %w1, %b1 : tensor<8x16xf32>, tensor<16x64xf32>, tensor<64xf32> -> tensor<8x64xf32>
  %a = mpt.relu %h : tensor<8x64xf32>
  %p = mpt.linear %a, %w2, %b2 : tensor<8x64xf32>, tensor<64x1xf32>, tensor<1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// With loss scaling the averages are taken of the scaled gradients, before
// mpt.unscale and the isfinite guard: every rank sees the same overflow.

// CHECK-LABEL: func.func @scaled
// CHECK:         %[[G:.*]] = mpt.gradient
// CHECK-NEXT:    %[[R:.*]] = mpt.all_reduce mean %[[G]] : tensor<4x1xf32>
// CHECK-NEXT:    %[[U:.*]] = mpt.unscale %[[R]] by
// CHECK-NEXT:    %[[OK:.*]] = mpt.all_finite %[[U]]
// CHECK:         mpt.update_loss_scale %{{.*}}, %{{.*}}, %{{.*}}, %[[OK]]
mpt.train_step @scaled params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) loss_scale(#mpt.loss_scale<>) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// With accumulate(K) each micro-batch's gradients are averaged before they
// are added to the accumulators, which so stay equal on every rank.

// CHECK-LABEL: func.func @accumulated
// CHECK:         %[[G:.*]] = mpt.gradient
// CHECK-NEXT:    %[[R:.*]] = mpt.all_reduce mean %[[G]] : tensor<4x1xf32>
// CHECK:         mpt.add %{{.*}}, %[[R]]
mpt.train_step @accumulated params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) accumulate(2) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
