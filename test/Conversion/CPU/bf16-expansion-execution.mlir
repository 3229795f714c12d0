// With expand-bf16, a step that rounds f32 to bf16 and widens it back
// calls no conversion function (llc targets a CPU without AVX512-BF16,
// where LLVM's own conversion would call __truncsfbf2, which nothing
// links) and rounds every value to nearest, ties to even: halfway cases
// both ways, values that round up into the next binade and to infinity,
// subnormals, signed zeros, infinities and NaNs (which stay NaNs). A ReLU
// on the bf16 values (a bf16 maximum, which LLVM would compute in f32 and
// round back with the same call) gives the rounded value or +0. 67 values
// take the vector loop and its remainder.
//
// REQUIRES: host-cc
// RUN: mpt-opt --mpt-lower-to-llvm="threads=1 expand-bf16=true" %s | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: not grep -q truncsfbf2 %t.ll
// RUN: llc -O2 -mcpu=x86-64-v3 -relocation-model=pic -filetype=obj %t.ll -o %t.o
// RUN: %host_cc %S/Inputs/bf16_rounding_driver.c %t.o -o %t.exe
// RUN: %t.exe | FileCheck %s

// CHECK: bf16 rounding: ok (0 wrong of 67)
// CHECK: bf16 relu: ok (0 wrong of 67)

#map = affine_map<(d0) -> (d0)>
func.func @round(%x: tensor<67xf32> {mpt.batch = "x"}, %z: tensor<67xf32> {mpt.batch = "z"})
    -> (tensor<67xf32> {mpt.grad = "x"}, tensor<67xf32> {mpt.grad = "z"}, f32 {mpt.loss}, i1 {mpt.overflow})
    attributes {mpt.train_step} {
  %e = tensor.empty() : tensor<67xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<67xf32>) outs(%e : tensor<67xf32>) {
  ^bb0(%a: f32, %o: f32):
    %h = arith.truncf %a : f32 to bf16
    %w = arith.extf %h : bf16 to f32
    linalg.yield %w : f32
  } -> tensor<67xf32>
  %e2 = tensor.empty() : tensor<67xf32>
  %relu = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%z : tensor<67xf32>) outs(%e2 : tensor<67xf32>) {
  ^bb0(%a: f32, %o: f32):
    %h = arith.truncf %a : f32 to bf16
    %c0 = arith.constant 0.0 : bf16
    %m = arith.maximumf %h, %c0 : bf16
    %w = arith.extf %m : bf16 to f32
    linalg.yield %w : f32
  } -> tensor<67xf32>
  %zero = arith.constant 0.0 : f32
  %false = arith.constant false
  return %r, %relu, %zero, %false : tensor<67xf32>, tensor<67xf32>, f32, i1
}
