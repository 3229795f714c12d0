//===- Pipeline.cpp - The --mpt-lower-to-nvvm pipeline --------------------===//
//
// The GPU back end in pipeline order: the step's C entry point and mpt to
// linalg (shared with the CPU back end), device scalars and elementwise
// fusion on tensors, bufferization, device memory, one kernel per linalg op,
// outlining onto one asynchronous stream, NVVM for the kernels, LLVM for the
// host code, and the kernels compiled to a fatbin, a cubin or PTX.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "mpt/Conversion/Passes.h"
#include "mpt/Conversion/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The kernels, outlined into one `gpu.module` per function and lowered to
/// NVVM for `chip`.
void addDeviceLowering(OpPassManager &pm, const LowerToNVVMOptions &options,
                       unsigned smVersion) {
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  target.cmdOptions = options.ptxasOptions;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  // cp.async copies and ldmatrix loads of the tensor-core GEMM.
  kernels.addPass(createConvertNVGPUToNVVMPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  // redux.sync reduces 32-bit integers within a warp in one instruction.
  nvvm.hasRedux = smVersion >= 80;
  // Buffers as plain pointers, which carry GPUKernelBufferFacts' argument
  // attributes (the host side passes them the same way).
  nvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  // NVVM ops that LLVM has no intrinsic for (wgmma.mma_async) become PTX.
  kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
}

/// The host code: launches, allocations and copies as calls to the `mgpu*`
/// runtime functions, everything else in the LLVM dialect.
void addHostLowering(OpPassManager &pm) {
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  GpuToLLVMConversionPassOptions launches;
  launches.kernelBarePtrCallConv = true;
  pm.addPass(createGpuToLLVMConversionPass(launches));
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addCleanupPasses(pm);
}

/// The value of gpu-module-to-binary's `format` for a format option.
std::optional<std::string> binaryFormat(StringRef format) {
  return llvm::StringSwitch<std::optional<std::string>>(format)
      .Cases({"ptx", "isa"}, std::string("isa"))
      .Cases({"cubin", "bin"}, std::string("bin"))
      .Case("fatbin", std::string("fatbin"))
      .Default(std::nullopt);
}

/// The CUDA toolkit to compile with: the option's, else the one found when
/// MPT was configured, else none (gpu-module-to-binary then looks at
/// $CUDA_HOME and $PATH).
std::string toolkitPath(const LowerToNVVMOptions &options) {
  if (!options.toolkit.empty())
    return options.toolkit;
#ifdef MPT_CUDA_TOOLKIT_DIR
  return MPT_CUDA_TOOLKIT_DIR;
#else
  return "";
#endif
}

} // namespace

LogicalResult mlir::mpt::buildLowerToNVVMPipeline(
    OpPassManager &pm, const LowerToNVVMOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  std::optional<std::string> format = binaryFormat(options.format);
  if (!format)
    return errorHandler("unknown format '" + options.format +
                        "'; expected ptx (isa), cubin (bin) or fatbin");
  if (options.gemm != "generated" && options.gemm != "cublaslt")
    return errorHandler("unknown gemm '" + options.gemm +
                        "'; expected generated or cublaslt");
  std::optional<unsigned> smVersion = gpu_kernels::smVersionOf(options.chip);
  if (!smVersion)
    return errorHandler("unknown chip '" + options.chip +
                        "'; expected sm_<version>, such as sm_80 or sm_90");

  addStepToLinalgPasses(pm);

  pm.addPass(createGPUDeviceCollectives());
  pm.addPass(createGPUDeviceScalars());
  pm.addNestedPass<func::FuncOp>(createGPURecomputeRoundings());
  // No CSE after fusion: it would merge the fills fusion repeats per user,
  // and the roundings recomputed before each reader.
  pm.addNestedPass<func::FuncOp>(createGPUFuseElementwise());
  pm.addNestedPass<func::FuncOp>(createGPURematerializeWidenings());

  // Temporaries get buffers of their own here, which the device memory
  // pass places in device memory.
  addStepBufferizationPasses(pm);
  pm.addNestedPass<func::FuncOp>(createGPUDeviceMemory());

  LinalgToGPUOptions kernels;
  kernels.chip = options.chip;
  kernels.tensorCores = options.tensorCores;
  kernels.gemm = options.gemm;
  pm.addNestedPass<func::FuncOp>(createLinalgToGPU(kernels));
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGPUKernelBufferFacts());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createGPUStreamOrderedCalls());

  addDeviceLowering(pm, options, *smVersion);
  addHostLowering(pm);

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = *format;
  binary.toolkitPath = toolkitPath(options);
  pm.addPass(createGpuModuleToBinaryPass(binary));
  return success();
}

void mlir::mpt::registerGPUConversionPasses() {
  registerMPTConversionPasses();
  registerMPTGPUPasses();
  // Registered from a function rather than with PassPipelineRegistration so
  // that a bad option fails the run instead of leaving the pipeline empty.
  registerPassPipeline(
      "mpt-lower-to-nvvm",
      "Lowers a differentiated step function to kernels for NVIDIA GPUs "
      "(a fatbin, cubin or PTX) and the host code that launches them, with the "
      "step's "
      "C entry point",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        LowerToNVVMOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        return buildLowerToNVVMPipeline(pm, options, errorHandler);
      },
      [](function_ref<void(const detail::PassOptions &)> print) {
        print(LowerToNVVMOptions());
      });
}
