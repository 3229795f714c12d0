// An op whose indexing map divides a loop index and takes its remainder
// (a flat index split into row and column, as im2col and col2im gathers
// do) computes every element right through the whole pipeline, also when
// the rows it reads are not contiguous (3 of the 5 columns of %x).
//
// REQUIRES: host-cc
// RUN: mpt-opt --mpt-lower-to-llvm=threads=1 %s | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: llc -O2 -relocation-model=pic -filetype=obj %t.ll -o %t.o
// RUN: %host_cc %S/Inputs/unflatten_step_driver.c %t.o -o %t.exe
// RUN: %t.exe | FileCheck %s

// CHECK: unflatten: ok (0 wrong)

#unflatten = affine_map<(d0, d1) -> (d1 floordiv 3, d1 mod 3)>
#rows = affine_map<(d0, d1) -> (d0)>
#out = affine_map<(d0, d1) -> (d0, d1)>
func.func @unflatten(%x: tensor<4x5xf32> {mpt.batch = "x"}, %row: tensor<2xf32> {mpt.batch = "row"})
    -> (tensor<2x12xf32> {mpt.grad = "x"}, f32 {mpt.loss}, i1 {mpt.overflow})
    attributes {mpt.train_step} {
  %e = tensor.empty() : tensor<2x12xf32>
  %r = linalg.generic {indexing_maps = [#unflatten, #rows, #out], iterator_types = ["parallel", "parallel"]}
      ins(%x, %row : tensor<4x5xf32>, tensor<2xf32>) outs(%e : tensor<2x12xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x12xf32>
  %zero = arith.constant 0.0 : f32
  %false = arith.constant false
  return %r, %zero, %false : tensor<2x12xf32>, f32, i1
}
