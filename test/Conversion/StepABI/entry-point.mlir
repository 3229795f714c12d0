// RUN: mpt-opt --mpt-step-abi --allow-unregistered-dialect %s | FileCheck %s

// The step function becomes `@s_step(%buffers)`: buffers[0..2] are the
// arguments, buffers[3..5] the results, each a dense buffer of the value's
// type; i1 is one byte.

// CHECK:       module attributes {mpt.steps = {s = {
// CHECK-SAME:    arg_attrs = [{mpt.param = "w"}, {mpt.loss_scale}, {mpt.batch = "x"}]
// CHECK-SAME:    entry = "s_step"
// CHECK-SAME:    function_type = (tensor<4xf32>, f32, tensor<2x4xf16>) -> (tensor<4xf32>, f32, i1)
// CHECK-SAME:    loss_scale = "#mpt.loss_scale<mode = static>"
// CHECK-SAME:    optimizer = "#mpt.sgd<lr = 1.000000e-01>"
// CHECK-SAME:    res_attrs = [{mpt.param = "w"}, {mpt.loss}, {mpt.overflow}]

// CHECK:       llvm.mlir.global external constant @s_step_signature("{\22args\22:[{\22dtype\22:\22f32\22,\22name\22:\22w\22,\22role\22:\22param\22,\22shape\22:[4]},{\22dtype\22:\22f32\22,\22role\22:\22loss_scale\22,\22shape\22:[]},{\22dtype\22:\22f16\22,\22name\22:\22x\22,\22role\22:\22batch\22,\22shape\22:[2,4]}],\22entry\22:\22s_step\22,
// CHECK-SAME:    \22loss_scale\22:{{{.*}}\22mode\22:\22static\22},\22name\22:\22s\22,\22optimizer\22:{\22kind\22:\22sgd\22,
// CHECK-SAME:    \22results\22:[{\22dtype\22:\22f32\22,\22name\22:\22w\22,\22role\22:\22param\22,\22shape\22:[4]},{\22dtype\22:\22f32\22,\22role\22:\22loss\22,\22shape\22:[]},{\22dtype\22:\22i1\22,\22role\22:\22overflow\22,\22shape\22:[]}]}\00")

// CHECK-LABEL: func.func @s_step(
// CHECK-SAME:      %[[BUFFERS:.*]]: !llvm.ptr) {
// CHECK:         %[[SLOT0:.*]] = llvm.getelementptr %[[BUFFERS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[PTR0:.*]] = llvm.load %[[SLOT0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.insertvalue %[[PTR0]], %{{.*}}[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
// CHECK:         %[[W_BUF:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<4xf32>
// CHECK:         llvm.getelementptr %[[BUFFERS]][1]
// CHECK:         %[[SCALE_BUF:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64)> to memref<f32>
// CHECK:         llvm.getelementptr %[[BUFFERS]][2]
// CHECK:         %[[X_BUF:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<2x4xf16>
// CHECK:         llvm.getelementptr %[[BUFFERS]][3]
// CHECK:         %[[W_OUT:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<4xf32>
// CHECK:         llvm.getelementptr %[[BUFFERS]][4]
// CHECK:         %[[LOSS_OUT:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<f32>
// CHECK:         llvm.getelementptr %[[BUFFERS]][5]
// CHECK:         %[[OVERFLOW_OUT:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<i8>
// CHECK:         %[[W:.*]] = bufferization.to_tensor %[[W_BUF]] restrict : memref<4xf32> to tensor<4xf32>
// CHECK:         %[[SCALE:.*]] = memref.load %[[SCALE_BUF]][] : memref<f32>
// CHECK:         %[[X:.*]] = bufferization.to_tensor %[[X_BUF]] restrict : memref<2x4xf16> to tensor<2x4xf16>
// CHECK:         %[[W1:.*]] = "test.update"(%[[W]], %[[SCALE]], %[[X]])
// CHECK:         bufferization.materialize_in_destination %[[W1]] in restrict writable %[[W_OUT]] : (tensor<4xf32>, memref<4xf32>) -> ()
// CHECK:         memref.store %[[SCALE]], %[[LOSS_OUT]][] : memref<f32>
// CHECK:         %[[BYTE:.*]] = arith.extui %{{.*}} : i1 to i8
// CHECK:         memref.store %[[BYTE]], %[[OVERFLOW_OUT]][] : memref<i8>
// CHECK:         return
// CHECK-NOT:   func.func @s(
func.func @s(%w: tensor<4xf32> {mpt.param = "w"}, %scale: f32 {mpt.loss_scale},
             %x: tensor<2x4xf16> {mpt.batch = "x"})
    -> (tensor<4xf32> {mpt.param = "w"}, f32 {mpt.loss}, i1 {mpt.overflow})
    attributes {mpt.train_step, mpt.optimizer = #mpt.sgd<lr = 1.000000e-01>,
                mpt.loss_scale = #mpt.loss_scale<mode = static>} {
  %w1 = "test.update"(%w, %scale, %x) : (tensor<4xf32>, f32, tensor<2x4xf16>) -> tensor<4xf32>
  %false = arith.constant false
  return %w1, %scale, %false : tensor<4xf32>, f32, i1
}

// A function that is not a step keeps its signature.
// CHECK-LABEL: func.func @helper(%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
func.func @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
