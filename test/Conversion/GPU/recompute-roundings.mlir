// RUN: mpt-opt %s --split-input-file --pass-pipeline='builtin.module(mpt-step-abi,func.func(mpt-gpu-recompute-roundings))' | FileCheck %s
// RUN: mpt-opt %s --split-input-file --pass-pipeline='builtin.module(mpt-step-abi,func.func(mpt-gpu-recompute-roundings{parameters=true}))' | FileCheck %s --check-prefix=PARAMS

// The f16 copy of a batch input, read at the start and at the end of the
// step, is rounded again right before each reader. The parameter's copy is
// made once (with parameters=true, once per reader too).
// CHECK-LABEL: func.func @batch_input_step(
// CHECK:         %[[W16:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<32x16xf16>)
// CHECK-NOT:     linalg.generic
// CHECK:         %[[X1:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<64x32xf16>)
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      arith.truncf
// CHECK-NEXT:      linalg.yield
// CHECK-NEXT:    } -> tensor<64x32xf16>
// CHECK-NEXT:    linalg.matmul ins(%[[X1]], %[[W16]] :
// CHECK:         %[[X2:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<64x32xf16>)
// CHECK:         linalg.matmul ins(%[[X2]], %[[W16]] :
// PARAMS-LABEL: func.func @batch_input_step(
// PARAMS-COUNT-2: outs(%{{.*}} : tensor<32x16xf16>)
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @batch_input(%w: tensor<32x16xf32> {mpt.param = "w"}, %x: tensor<64x32xf32> {mpt.batch = "x"}) -> (tensor<64x16xf32>, tensor<64x16xf32>) attributes {mpt.train_step} {
  %zero = arith.constant 0.0 : f32
  %ew = tensor.empty() : tensor<32x16xf16>
  %w16 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<32x16xf32>) outs(%ew : tensor<32x16xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<32x16xf16>
  %ex = tensor.empty() : tensor<64x32xf16>
  %x16 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<64x32xf32>) outs(%ex : tensor<64x32xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<64x32xf16>
  %e = tensor.empty() : tensor<64x16xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<64x16xf32>) -> tensor<64x16xf32>
  %a = linalg.matmul ins(%x16, %w16 : tensor<64x32xf16>, tensor<32x16xf16>) outs(%fill : tensor<64x16xf32>) -> tensor<64x16xf32>
  %b = linalg.matmul ins(%x16, %w16 : tensor<64x32xf16>, tensor<32x16xf16>) outs(%fill : tensor<64x16xf32>) -> tensor<64x16xf32>
  return %a, %b : tensor<64x16xf32>, tensor<64x16xf32>
}

// -----

// A computed tensor that is read again after the last reader of its f16
// copy (softmax's probabilities, read by their gradient) is rounded again
// for each reader, through the reshape between them.
// CHECK-LABEL: func.func @outlived_step(
// CHECK:         %[[P:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x32x32xf32>)
// CHECK:         %[[R1:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<2x32x32xf32>) outs(%{{.*}} : tensor<2x32x32xf16>)
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      arith.truncf
// CHECK-NEXT:      linalg.yield
// CHECK-NEXT:    } -> tensor<2x32x32xf16>
// CHECK-NEXT:    %[[C1:.*]] = tensor.collapse_shape %[[R1]]
// CHECK-NEXT:    linalg.matmul ins(%[[C1]],
// CHECK:         %[[R2:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<2x32x32xf32>) outs(%{{.*}} : tensor<2x32x32xf16>)
// CHECK:         %[[C2:.*]] = tensor.collapse_shape %[[R2]]
// CHECK-NEXT:    linalg.matmul ins(%[[C2]],
// CHECK:         linalg.generic {{.*}} ins(%[[P]] : tensor<2x32x32xf32>)
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @outlived(%v: tensor<64x8xf16> {mpt.batch = "v"}, %s: tensor<2x32x32xf32> {mpt.batch = "s"}) -> (tensor<64x8xf32>, tensor<64x8xf32>, tensor<2x32x32xf32>) attributes {mpt.train_step} {
  %zero = arith.constant 0.0 : f32
  %ep = tensor.empty() : tensor<2x32x32xf32>
  %p = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x32x32xf32>) outs(%ep : tensor<2x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x = math.exp %in : f32
    linalg.yield %x : f32
  } -> tensor<2x32x32xf32>
  %er = tensor.empty() : tensor<2x32x32xf16>
  %p16 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p : tensor<2x32x32xf32>) outs(%er : tensor<2x32x32xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<2x32x32xf16>
  %c = tensor.collapse_shape %p16 [[0, 1], [2]] : tensor<2x32x32xf16> into tensor<64x32xf16>
  %ev = tensor.empty() : tensor<32x8xf16>
  %v32 = tensor.extract_slice %v[0, 0] [32, 8] [1, 1] : tensor<64x8xf16> to tensor<32x8xf16>
  %e = tensor.empty() : tensor<64x8xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<64x8xf32>) -> tensor<64x8xf32>
  %a = linalg.matmul ins(%c, %v32 : tensor<64x32xf16>, tensor<32x8xf16>) outs(%fill : tensor<64x8xf32>) -> tensor<64x8xf32>
  %b = linalg.matmul ins(%c, %v32 : tensor<64x32xf16>, tensor<32x8xf16>) outs(%fill : tensor<64x8xf32>) -> tensor<64x8xf32>
  %eg = tensor.empty() : tensor<2x32x32xf32>
  %g = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p : tensor<2x32x32xf32>) outs(%eg : tensor<2x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %in : f32
    linalg.yield %y : f32
  } -> tensor<2x32x32xf32>
  return %a, %b, %g : tensor<64x8xf32>, tensor<64x8xf32>, tensor<2x32x32xf32>
}

// -----

// A computed tensor that dies with its f16 copy keeps one copy: rounding
// it again would keep the f32 tensor alive until the last reader instead.
// CHECK-LABEL: func.func @dies_with_copy_step(
// CHECK-COUNT-1: outs(%{{.*}} : tensor<64x32xf16>)
// CHECK-NOT:     outs(%{{.*}} : tensor<64x32xf16>)
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @dies_with_copy(%w: tensor<32x16xf16> {mpt.batch = "w"}, %s: tensor<64x32xf32> {mpt.batch = "s"}) -> (tensor<64x16xf32>, tensor<64x16xf32>) attributes {mpt.train_step} {
  %zero = arith.constant 0.0 : f32
  %ep = tensor.empty() : tensor<64x32xf32>
  %p = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<64x32xf32>) outs(%ep : tensor<64x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x = math.exp %in : f32
    linalg.yield %x : f32
  } -> tensor<64x32xf32>
  %er = tensor.empty() : tensor<64x32xf16>
  %p16 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<64x32xf32>) outs(%er : tensor<64x32xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<64x32xf16>
  %e = tensor.empty() : tensor<64x16xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<64x16xf32>) -> tensor<64x16xf32>
  %a = linalg.matmul ins(%p16, %w : tensor<64x32xf16>, tensor<32x16xf16>) outs(%fill : tensor<64x16xf32>) -> tensor<64x16xf32>
  %b = linalg.matmul ins(%p16, %w : tensor<64x32xf16>, tensor<32x16xf16>) outs(%fill : tensor<64x16xf32>) -> tensor<64x16xf32>
  return %a, %b : tensor<64x16xf32>, tensor<64x16xf32>
}
