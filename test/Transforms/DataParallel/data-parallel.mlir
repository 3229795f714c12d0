// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel --split-input-file %s | FileCheck %s
// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel=bucket-bytes=300 --split-input-file %s | FileCheck %s --check-prefix=BUCKETS
// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel=bucket-bytes=1024 --split-input-file %s | FileCheck %s --check-prefix=OPEN
// RUN: mpt-opt --mpt-expand-train-step --mpt-data-parallel=bucket-bytes=0 --split-input-file %s | FileCheck %s --check-prefix=ALONE
// RUN: mpt-opt --mpt-expand-train-step "--mpt-data-parallel=comm-type=bf16 world-size=4" --split-input-file %s | FileCheck %s --check-prefix=COMPRESSED

// The loss is divided by the world size before it is differentiated, and
// every gradient is summed over the ranks right after mpt.gradient: every
// other use reads the sums, the mean gradients. The gradients are bucketed
// from the last parameter to the first: w1 is 4096 bytes, b1 and w2 256,
// b2 4.

// CHECK-LABEL: func.func @mlp
// CHECK:         %[[L:.*]] = mpt.mse_loss
// CHECK:         %[[N:.*]] = mpt.world_size
// CHECK-NEXT:    %[[NF:.*]] = arith.sitofp %[[N]] : i64 to f32
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[INV:.*]] = arith.divf %[[ONE]], %[[NF]] : f32
// CHECK-NEXT:    %[[SHARE:.*]] = mpt.scale_loss %[[L]], %[[INV]]
// CHECK-NEXT:    %[[G:.*]]:4 = mpt.gradient %[[SHARE]]
// CHECK-NEXT:    %[[R:.*]]:4 = mpt.all_reduce sum %[[G]]#3, %[[G]]#2, %[[G]]#1, %[[G]]#0 : tensor<1xf32>, tensor<64x1xf32>, tensor<64xf32>, tensor<16x64xf32>
// CHECK-NEXT:    mpt.all_finite %[[R]]#3, %[[R]]#2, %[[R]]#1, %[[R]]#0
// CHECK-NOT:     mpt.all_reduce

// BUCKETS-LABEL: func.func @mlp
// BUCKETS:         %[[G:.*]]:4 = mpt.gradient
// BUCKETS-NEXT:    mpt.all_reduce sum %[[G]]#3, %[[G]]#2 : tensor<1xf32>, tensor<64x1xf32>
// BUCKETS-NEXT:    mpt.all_reduce sum %[[G]]#0 : tensor<16x64xf32>
// BUCKETS-NEXT:    mpt.all_reduce sum %[[G]]#1 : tensor<64xf32>
// BUCKETS-NEXT:    mpt.all_finite

// ALONE-LABEL: func.func @mlp
// ALONE-COUNT-4: mpt.all_reduce sum %{{.*}} : tensor<{{[0-9x]+}}xf32>
// ALONE-NEXT:    mpt.all_finite

// A static world size is a constant; compressed messages travel as bf16.
// COMPRESSED-LABEL: func.func @mlp
// COMPRESSED-NOT:   mpt.world_size
// COMPRESSED:       %[[N:.*]] = arith.constant 4.000000e+00 : f32
// COMPRESSED:       %[[INV:.*]] = arith.divf %{{.*}}, %[[N]] : f32
// COMPRESSED-NEXT:  mpt.scale_loss %{{.*}}, %[[INV]]
// COMPRESSED:       mpt.all_reduce sum {{.*}} as bf16 {world_size = 4 : i64} : tensor<1xf32>, tensor<64x1xf32>, tensor<64xf32>, tensor<16x64xf32>
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

// A large gradient goes alone and leaves the bucket of small ones open:
// with buckets of 1024 bytes, the biases and w3 (4 and 256 bytes each) on
// both sides of w2 (16384 bytes) and w1 (4096) share one message.

// CHECK-LABEL:   func.func @deep
// OPEN-LABEL:    func.func @deep
// OPEN:            %[[G:.*]]:6 = mpt.gradient
// OPEN-NEXT:       mpt.all_reduce sum %[[G]]#2 : tensor<64x64xf32>
// OPEN-NEXT:       mpt.all_reduce sum %[[G]]#0 : tensor<16x64xf32>
// OPEN-NEXT:       mpt.all_reduce sum %[[G]]#5, %[[G]]#4, %[[G]]#3, %[[G]]#1 : tensor<1xf32>, tensor<64x1xf32>, tensor<64xf32>, tensor<64xf32>
// OPEN-NEXT:       mpt.all_finite
mpt.train_step @deep
    params(%w1: tensor<16x64xf32>, %b1: tensor<64xf32>, %w2: tensor<64x64xf32>, %b2: tensor<64xf32>, %w3: tensor<64x1xf32>, %b3: tensor<1xf32>)
    batch(%x: tensor<8x16xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) {
  %h1 = mpt.linear %x, %w1, %b1 : tensor<8x16xf32>, tensor<16x64xf32>, tensor<64xf32> -> tensor<8x64xf32>
  %a1 = mpt.relu %h1 : tensor<8x64xf32>
  %h2 = mpt.linear %a1, %w2, %b2 : tensor<8x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<8x64xf32>
  %a2 = mpt.relu %h2 : tensor<8x64xf32>
  %p = mpt.linear %a2, %w3, %b3 : tensor<8x64xf32>, tensor<64x1xf32>, tensor<1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}

// -----

// With loss scaling the sums are taken of the scaled gradients, before
// mpt.unscale and the isfinite guard: every rank sees the same overflow.

// CHECK-LABEL: func.func @scaled
// CHECK:         %[[SCALED:.*]] = mpt.scale_loss %{{.*}}, %[[SCALE:[^ ]*]]
// CHECK:         %[[SHARE:.*]] = mpt.scale_loss %[[SCALED]], %{{.*}}
// CHECK-NEXT:    %[[G:.*]] = mpt.gradient %[[SHARE]]
// CHECK-NEXT:    %[[R:.*]] = mpt.all_reduce sum %[[G]] : tensor<4x1xf32>
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

// With accumulate(K) each micro-batch's gradients are summed over the
// ranks before they are added to the accumulators, which so stay equal on
// every rank.

// CHECK-LABEL: func.func @accumulated
// CHECK:         %[[G:.*]] = mpt.gradient
// CHECK-NEXT:    %[[R:.*]] = mpt.all_reduce sum %[[G]] : tensor<4x1xf32>
// CHECK:         mpt.add %{{.*}}, %[[R]]
mpt.train_step @accumulated params(%w: tensor<4x1xf32>) batch(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-01>) accumulate(2) {
  %p = mpt.linear %x, %w : tensor<8x4xf32>, tensor<4x1xf32> -> tensor<8x1xf32>
  %l = mpt.mse_loss %p, %y : tensor<8x1xf32>, tensor<8x1xf32>
  mpt.loss %l
}
