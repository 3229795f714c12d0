// RUN: mpt-opt --auto-mixed-precision --split-input-file %s | FileCheck %s

// A value used by two low-precision ops is cast once, and so is a parameter
// used twice in the step.

// CHECK-LABEL: func.func @shared_casts
// CHECK-COUNT-2: mpt.cast
// CHECK-NOT:     mpt.cast
// CHECK:         mpt.matmul
// CHECK:         mpt.matmul
// CHECK:         mpt.cast %{{.*}} : tensor<4x4xf16> to tensor<4x4xf32>
// CHECK-NOT:     mpt.cast
// CHECK:         return
mpt.train_step @shared_casts params(%w: tensor<4x4xf32>)
    batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.matmul %x, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = mpt.matmul %x, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %2 = mpt.add %0, %1 : tensor<4x4xf32>, tensor<4x4xf32>
  %l = mpt.mse_loss %2, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// A low-precision value read by two f32 consumers is cast back once.

// CHECK-LABEL: func.func @shared_cast_back
// CHECK:     %[[M:.*]] = mpt.matmul
// CHECK-NEXT: %[[UP:.*]] = mpt.cast %[[M]] : tensor<4x4xf16> to tensor<4x4xf32>
// CHECK-NEXT: mpt.exp %[[UP]]
// CHECK-NEXT: mpt.log %[[UP]]
mpt.train_step @shared_cast_back params(%w: tensor<4x4xf32>)
    batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.matmul %x, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = mpt.exp %0 : tensor<4x4xf32>
  %2 = mpt.log %0 : tensor<4x4xf32>
  %3 = mpt.add %1, %2 : tensor<4x4xf32>, tensor<4x4xf32>
  %l = mpt.mse_loss %3, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// A batch input that is already f16 needs no cast; only the weight is cast.

// CHECK-LABEL: func.func @input_already_low
// CHECK-SAME:  %[[X:[a-z0-9]+]]: tensor<4x4xf16> {mpt.batch = "x"}
// CHECK:       %[[W:.*]] = mpt.cast %{{.*}} : tensor<4x4xf32> to tensor<4x4xf16>
// CHECK-NEXT:  mpt.matmul %[[X]], %[[W]]
mpt.train_step @input_already_low params(%w: tensor<4x4xf32>)
    batch(%x: tensor<4x4xf16>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %xw = mpt.cast %x : tensor<4x4xf16> to tensor<4x4xf32>
  %0 = mpt.matmul %xw, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %0, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// A cast the user wrote is reused rather than duplicated.

// CHECK-LABEL: func.func @user_cast_reused
// CHECK-SAME:  %[[WARG:[a-z0-9]+]]: tensor<4x4xf32> {mpt.param = "w"}
// CHECK:       %[[W:.*]] = mpt.cast %[[WARG]] : tensor<4x4xf32> to tensor<4x4xf16>
// CHECK-NOT:   mpt.cast %[[WARG]]
// CHECK:       mpt.matmul %{{.*}}, %[[W]]
// CHECK:       mpt.relu %[[W]] : tensor<4x4xf16>
mpt.train_step @user_cast_reused params(%w: tensor<4x4xf32>)
    batch(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.matmul %x, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %wh = mpt.cast %w : tensor<4x4xf32> to tensor<4x4xf16>
  %r = mpt.relu %wh : tensor<4x4xf16>
  %rf = mpt.cast %r : tensor<4x4xf16> to tensor<4x4xf32>
  %s = mpt.add %0, %rf : tensor<4x4xf32>, tensor<4x4xf32>
  %l = mpt.mse_loss %s, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}

// -----

// f32 -> f16 -> f32 is lossy: when an f32 op reads it, the pass and
// canonicalization keep both casts.

// RUN: mpt-opt --auto-mixed-precision --canonicalize --split-input-file %s | FileCheck %s --check-prefix=CANON
// CANON-LABEL: func.func @lossy_round_trip_kept
// CANON:       %[[D:.*]] = mpt.cast %{{.*}} : tensor<4x4xf32> to tensor<4x4xf16>
// CANON:       %[[U:.*]] = mpt.cast %[[D]] : tensor<4x4xf16> to tensor<4x4xf32>
// CANON:       mpt.exp %[[U]] : tensor<4x4xf32>
mpt.train_step @lossy_round_trip_kept params(%w: tensor<4x4xf32>)
    batch(%y: tensor<4x4xf32>)
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {
  %0 = mpt.cast %w : tensor<4x4xf32> to tensor<4x4xf16>
  %1 = mpt.cast %0 : tensor<4x4xf16> to tensor<4x4xf32>
  %2 = mpt.exp %1 : tensor<4x4xf32>
  %3 = mpt.matmul %2, %w : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %l = mpt.mse_loss %3, %y : tensor<4x4xf32>, tensor<4x4xf32>
  mpt.loss %l
}
