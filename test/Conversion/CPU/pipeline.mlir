// RUN: mpt-opt --mpt-lower-to-llvm %s | FileCheck %s
// RUN: mpt-opt --mpt-lower-to-llvm %s | FileCheck %s --check-prefix=LEFTOVER
// RUN: mpt-opt --mpt-lower-to-llvm=threads=1 %s | FileCheck %s --check-prefix=SEQUENTIAL
// RUN: mpt-opt --mpt-lower-to-llvm=static-scratch=false %s | FileCheck %s --check-prefix=MALLOC

// The whole step ends in the LLVM dialect (and OpenMP for the parallel GEMM
// blocks): the entry point of the step ABI, its JSON signature and static
// scratch buffers. Each GEMM is a kernel function of its own, which the entry
// point calls and LLVM never inlines.

// CHECK:       module attributes {mpt.steps = {s = {{{.*}}entry = "s_step"
// CHECK-DAG:   llvm.mlir.global private @s_step_scratch{{.*}}alignment = 64
// CHECK-DAG:   llvm.mlir.global external constant @s_step_signature("{\22args\22:
// CHECK-LABEL: llvm.func internal @s_step_kernel_0(
// CHECK-SAME:      passthrough = ["noinline"]
// CHECK:         omp.parallel
// CHECK:           omp.wsloop
// CHECK:             omp.loop_nest ({{.*}}) : i64 = {{.*}} collapse(2)
// CHECK:               llvm.intr.fmuladd
// CHECK-LABEL: llvm.func internal @s_step_kernel_1(
// CHECK:         omp.parallel
// CHECK-LABEL: llvm.func @s_step(
// CHECK-SAME:      %{{.*}}: !llvm.ptr) {
// CHECK:         llvm.call @s_step_kernel_0(
// CHECK:         llvm.call @s_step_kernel_1(
// CHECK:         llvm.return

// LEFTOVER: llvm.func internal @s_step_kernel_0
// LEFTOVER-NOT: {{^ *(%[^ ]+ = )?(arith|bufferization|linalg|math|memref|mpt|scf|tensor|vector|cf)\.[a-z_]+}}

// SEQUENTIAL-NOT: omp.
// SEQUENTIAL:     llvm.func @s_step
// SEQUENTIAL-NOT: omp.

// MALLOC-NOT:  _scratch
// MALLOC:      llvm.func internal @s_step_kernel_0
// MALLOC:        llvm.call @malloc
// MALLOC:        llvm.call @free
// MALLOC:      llvm.func @s_step
// MALLOC:        llvm.call @malloc
// MALLOC:        llvm.call @free

func.func @s(%w: tensor<64x64xf32> {mpt.param = "w"}, %x: tensor<32x64xf32> {mpt.batch = "x"})
    -> (tensor<64x64xf32> {mpt.param = "w"}, f32 {mpt.loss}, i1 {mpt.overflow})
    attributes {mpt.train_step} {
  %h = mpt.matmul %x, %w : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %g = mpt.matmul %x, %h {transpose_lhs} : tensor<32x64xf32>, tensor<32x64xf32> -> tensor<64x64xf32>
  %l = mpt.reduce_sum %h : tensor<32x64xf32> -> tensor<f32>
  %loss = tensor.extract %l[] : tensor<f32>
  %ok = mpt.all_finite %g : tensor<64x64xf32>
  %true = arith.constant true
  %skip = arith.xori %ok, %true : i1
  %w1 = mpt.sgd_update %w, %g skip %skip {config = #mpt.sgd<lr = 1.000000e-02>} : tensor<64x64xf32>
  return %w1, %loss, %skip : tensor<64x64xf32>, f32, i1
}
