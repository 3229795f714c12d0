//===- Passes.h - Lowering of training steps to NVIDIA GPUs -----*- C++ -*-===//
//
// `--mpt-lower-to-nvvm` takes a step in linalg-on-tensors form to the host
// code that launches its kernels (LLVM dialect) and the kernels themselves,
// compiled to a fatbin, a cubin or PTX and embedded as a `gpu.binary`.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_GPU_PASSES_H
#define MPT_CONVERSION_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_DECL
#include "mpt/Conversion/GPU/Passes.h.inc"

/// Options of `--mpt-lower-to-nvvm`.
struct LowerToNVVMOptions : public PassPipelineOptions<LowerToNVVMOptions> {
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("Target chip: sm_80, sm_90, sm_90a (wgmma), ..."),
      llvm::cl::init("sm_90")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features, e.g. +ptx80 (CUDA 13's ptxas needs "
                     "+ptx80 or newer)"),
      llvm::cl::init("+ptx80")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What the kernels are compiled to: fatbin, a cubin for "
                     "the chip and the PTX the driver compiles for any "
                     "newer one (needs ptxas and fatbinary); cubin (or "
                     "bin), which needs ptxas; ptx (or isa), compiled by "
                     "the driver's JIT when the module loads"),
      llvm::cl::init("fatbin")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("Optimization level of the "
                                           "device code (0-3)"),
                            llvm::cl::init(3)};
  Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("Run f16/bf16 contractions on tensor cores (sm_80+)"),
      llvm::cl::init(true)};
  Option<std::string> gemm{
      *this, "gemm",
      llvm::cl::desc("Matrix products: generated (MPT's kernels) or "
                     "cublaslt (calls into cuBLASLt, which the runtime "
                     "loads with dlopen, for the products it can compute; "
                     "generated kernels for the others)"),
      llvm::cl::init("generated")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit directory (ptxas, libdevice); empty: "
                     "the one found when MPT was configured, else "
                     "$CUDA_HOME"),
      llvm::cl::init("")};
  Option<std::string> ptxasOptions{
      *this, "ptxas-options",
      llvm::cl::desc("Extra command line options for ptxas"),
      llvm::cl::init("")};
};

/// Appends the passes of `--mpt-lower-to-nvvm` to `pm`. Fails, after
/// reporting to `errorHandler`, when an option has no meaning (an unknown
/// format or chip).
LogicalResult buildLowerToNVVMPipeline(
    OpPassManager &pm, const LowerToNVVMOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler);

#define GEN_PASS_REGISTRATION
#include "mpt/Conversion/GPU/Passes.h.inc"

/// Registers the passes above and the `--mpt-lower-to-nvvm` pipeline.
void registerGPUConversionPasses();

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_GPU_PASSES_H
