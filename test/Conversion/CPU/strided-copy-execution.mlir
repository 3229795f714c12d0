// A step whose bufferization copies into and out of strided views (an
// insert into a slice of a parameter) compiles to loops, not to calls of
// the `memrefCopy` runtime function: the object links against libc alone
// and computes the insert.
//
// REQUIRES: host-cc
// RUN: mpt-opt --mpt-lower-to-llvm=threads=1 %s -o %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: mlir-translate --mlir-to-llvmir %t.mlir -o %t.ll
// RUN: llc -O2 -relocation-model=pic -filetype=obj %t.ll -o %t.o
// RUN: %host_cc %S/Inputs/paste_step_driver.c %t.o -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=EXEC

// CHECK-NOT: memrefCopy
// CHECK:     llvm.func @paste_step(
// CHECK-NOT: memrefCopy
// EXEC: paste: ok, input unchanged

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @paste(%big: tensor<8x64xf32> {mpt.param = "big"}, %small: tensor<4x16xf32> {mpt.batch = "small"})
    -> (tensor<8x64xf32> {mpt.param = "big"}, f32 {mpt.loss}, i1 {mpt.overflow})
    attributes {mpt.train_step} {
  %e = tensor.empty() : tensor<4x16xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%small : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %v = arith.addf %in, %one : f32
    linalg.yield %v : f32
  } -> tensor<4x16xf32>
  %r = tensor.insert_slice %s into %big[2, 8] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<8x64xf32>
  %zero = arith.constant 0.0 : f32
  %false = arith.constant false
  return %r, %zero, %false : tensor<8x64xf32>, f32, i1
}
