// RUN: mpt-opt %s --mpt-lower-to-nvvm=format=ptx | FileCheck %s
// RUN: mpt-opt %s --mpt-lower-to-nvvm="chip=sm_80 opt-level=2 format=ptx" | FileCheck %s --check-prefix=SM80
// RUN: not mpt-opt %s --mpt-lower-to-nvvm="format=sass" 2>&1 | FileCheck %s --check-prefix=BAD-FORMAT
// RUN: not mpt-opt %s --mpt-lower-to-nvvm="chip=volta" 2>&1 | FileCheck %s --check-prefix=BAD-CHIP

// The whole pipeline on a linalg function: host code in the LLVM dialect
// that allocates, launches on one stream and waits once at the end, and
// the kernels as PTX.

// CHECK-LABEL: llvm.func @bias_relu(
// CHECK: %[[STREAM:.*]] = llvm.call @mgpuStreamCreate()
// CHECK: llvm.call @mgpuMemAlloc(%{{.*}}, %[[STREAM]], %{{.*}})
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @bias_relu_kernels::@bias_relu_elementwise_0
// CHECK: llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK: llvm.call @mgpuStreamDestroy(%[[STREAM]])
// CHECK: gpu.binary @bias_relu_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHECK-SAME: assembly = "
// CHECK-SAME: .target sm_90
// CHECK-SAME: .visible .entry bias_relu_elementwise_0(
// CHECK-SAME: max.NaN.f32

// SM80: #nvvm.target<chip = "sm_80", features = "+ptx80">, properties = {{.*}}O = 2 : i32
// SM80-SAME: .target sm_80

// BAD-FORMAT: unknown format 'sass'; expected ptx (isa), cubin (bin) or fatbin
// BAD-CHIP: unknown chip 'volta'; expected sm_<version>, such as sm_80 or sm_90

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @bias_relu(%x: tensor<64x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %e = tensor.empty() : tensor<64x128xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<64x128xf32>, tensor<128xf32>) outs(%e : tensor<64x128xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %s = arith.addf %a, %c : f32
    %m = arith.maximumf %s, %z : f32
    linalg.yield %m : f32
  } -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}
