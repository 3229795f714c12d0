//===- Passes.h - Lowering of training steps to the CPU ---------*- C++ -*-===//
//
// `--mpt-lower-to-llvm` takes a differentiated step function (mpt ops on
// tensors) to the LLVM dialect, with the C entry point of the step ABI.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_CPU_PASSES_H
#define MPT_CONVERSION_CPU_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_DECL
#include "mpt/Conversion/CPU/Passes.h.inc"

/// The unit attribute of the kernel functions `--mpt-cpu-outline-kernels`
/// makes.
inline constexpr llvm::StringLiteral kKernelAttrName = "mpt.kernel";

/// Options of `--mpt-lower-to-llvm`.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize contractions, reductions and "
                     "elementwise ops (off: scalar loops)"),
      llvm::cl::init(true)};
  Option<bool> bf16DotProduct{
      *this, "bf16-dot-product",
      llvm::cl::desc("Run bf16 GEMMs on the AVX512-BF16 dot-product kernel "
                     "instead of the FMA kernel (needs avx512_bf16; mpt-run "
                     "turns it on where the CPU has it)"),
      llvm::cl::init(false)};
  Option<bool> expandBF16{
      *this, "expand-bf16",
      llvm::cl::desc("Round to and widen from bf16 with integer arithmetic "
                     "(mpt-cpu-expand-bf16-conversions) instead of LLVM's "
                     "conversions, which call compiler-rt where the CPU has "
                     "no AVX512-BF16 (mpt-run turns it on there)"),
      llvm::cl::init(false)};
  Option<int64_t> registerRows{
      *this, "register-rows",
      llvm::cl::desc("Rows of the GEMM kernels' register blocks (8 for "
                     "AVX-512; 4 where vectors are 256-bit)"),
      llvm::cl::init(8)};
  Option<int64_t> registerCols{
      *this, "register-cols",
      llvm::cl::desc("Columns of the GEMM kernels' register blocks (32 for "
                     "AVX-512; 16 where vectors are 256-bit)"),
      llvm::cl::init(32)};
  Option<int64_t> lhsPanelBytes{
      *this, "lhs-panel-bytes",
      llvm::cl::desc("Largest lhs panels of a GEMM: a larger lhs is packed "
                     "and computed in chunks of rows (0: whole)"),
      llvm::cl::init(262144)};
  Option<bool> amx{
      *this, "amx",
      llvm::cl::desc("Run bf16 GEMMs on AMX tiles (needs amx_bf16, and the "
                     "process that runs the code must have been granted the "
                     "tile registers: arch_prctl(ARCH_REQ_XCOMP_PERM) on "
                     "Linux)"),
      llvm::cl::init(false)};
  Option<bool> staticScratch{
      *this, "static-scratch",
      llvm::cl::desc("Keep the step's temporaries in static buffers "
                     "(allocated once per process; the step is then not "
                     "reentrant) instead of allocating them on every call"),
      llvm::cl::init(true)};
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads for the parallel loops (GEMM blocks): 1 runs "
                     "them sequentially; otherwise they become OpenMP "
                     "worksharing loops (the object then needs libomp), on "
                     "this many threads, 0 meaning OpenMP's default"),
      llvm::cl::init(0)};
};

/// Appends the passes of `--mpt-lower-to-llvm` to `pm`.
void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const CPUPipelineOptions &options);

#define GEN_PASS_REGISTRATION
#include "mpt/Conversion/CPU/Passes.h.inc"

/// Registers the CPU passes, the shared conversions the pipeline starts
/// with, and the `--mpt-lower-to-llvm` pipeline.
void registerCPUConversionPasses();

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_CPU_PASSES_H
