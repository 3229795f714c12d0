//===- Pipeline.cpp - The --mpt-lower-to-llvm pipeline --------------------===//
//
// The CPU back end in pipeline order: the step's C entry point, mpt to
// linalg, fusion, tiling and vectorization, bufferization into the caller's
// buffers, deallocation of temporaries, and the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"
#include "mpt/Conversion/Passes.h"
#include "mpt/Conversion/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// Transfers of more than one dim unrolled into 1-D ones (instead of
/// through a stack buffer, which would be allocated in every iteration of
/// the loops around them).
VectorTransferToSCFOptions fullyUnrolledTransfers() {
  VectorTransferToSCFOptions options;
  options.enableFullUnroll();
  return options;
}

/// Canonicalization and CSE of each function of type `FuncT` on its own,
/// in parallel over the kernels of a step.
template <typename FuncT> void addFunctionCleanupPasses(OpPassManager &pm) {
  OpPassManager &functions = pm.nest<FuncT>();
  functions.addPass(createCanonicalizerPass());
  functions.addPass(createCSEPass());
}

/// Tensors to buffers: results land in the caller's buffers (see
/// addStepBufferizationPasses), temporaries made once per call share a
/// static arena, and the others are freed when their last user is done.
void addBufferization(OpPassManager &pm, const CPUPipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createSplitEmptyTensors());
  addStepBufferizationPasses(pm);
  // Kernels write their results into the buffers their callers pass.
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  // Identical subviews merged by CSE turn tile copies into self-copies,
  // which canonicalization drops.
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  if (options.staticScratch)
    pm.addPass(createStaticScratch());
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferHoistingPass());
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferLoopHoistingPass());
  bufferization::buildBufferDeallocationPipeline(pm);
}

/// The dialect conversions to LLVM, one by one, so that the pipeline does
/// not depend on the conversion interfaces a driver registers. Those that
/// convert the ops inside a function run on each function on its own, in
/// parallel over the kernels of a step.
void addLLVMLowering(OpPassManager &pm, const CPUPipelineOptions &options) {
  if (options.threads == 1) {
    pm.addPass(createForallToForLoopPass());
  } else {
    pm.addPass(createForallToParallelLoopPass());
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = options.threads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
  }
  OpPassManager &bodies = pm.nest<func::FuncOp>();
  bodies.addPass(createLowerStridedCopies());
  bodies.addPass(createConvertLinalgToLoopsPass());
  bodies.addPass(vector::createLowerVectorMultiReductionPass());
  bodies.addPass(createConvertVectorToSCFPass(fullyUnrolledTransfers()));
  bodies.addPass(memref::createExpandStridedMetadataPass());
  bodies.addPass(createLowerAffinePass());
  bodies.addPass(createConvertMathToLLVMPass());
  bodies.addPass(createSelectBitPatterns());
  if (options.expandBF16)
    bodies.addPass(createExpandBF16Conversions());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = true;
  vectorToLLVM.amx = options.amx;
  vectorToLLVM.vectorTransposeLowering =
      vector::VectorTransposeLowering::Shuffle1D;
  bodies.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  // The OpenMP conversion wraps loop bodies in `memref.alloca_scope`, whose
  // region must stay a single block: memref is lowered before scf then.
  // Sequential loops are lowered first instead, as the region of an
  // `scf.for` must stay a single block when the scopes of the AMX kernels in
  // it are lowered.
  if (options.threads == 1)
    bodies.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  OpPassManager &scalars = pm.nest<func::FuncOp>();
  if (options.threads != 1)
    scalars.addPass(createSCFToControlFlowPass());
  scalars.addPass(createArithToLLVMConversionPass());
  scalars.addPass(createConvertIndexToLLVMPass());
  scalars.addPass(createUBToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addFunctionCleanupPasses<LLVM::LLVMFuncOp>(pm);
}

} // namespace

void mlir::mpt::buildLowerToLLVMPipeline(OpPassManager &pm,
                                         const CPUPipelineOptions &options) {
  addStepToLinalgPasses(pm);
  pm.addNestedPass<func::FuncOp>(createGeneralizeBroadcasts());
  pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  addCleanupPasses(pm);
  pm.addNestedPass<func::FuncOp>(createRematerializeWidenings());
  pm.addPass(createOutlineKernels());
  pm.addPass(createDeduplicateKernels());
  pm.addPass(createScheduleKernels());
  if (options.vectorize) {
    VectorizeContractionsOptions contractions;
    contractions.bf16DotProduct = options.bf16DotProduct;
    contractions.registerRows = options.registerRows;
    contractions.registerCols = options.registerCols;
    contractions.lhsPanelBytes = options.lhsPanelBytes;
    contractions.amx = options.amx;
    pm.addNestedPass<func::FuncOp>(createVectorizeContractions(contractions));
    pm.addNestedPass<func::FuncOp>(createVectorize());
    addFunctionCleanupPasses<func::FuncOp>(pm);
  }
  addBufferization(pm, options);
  addLLVMLowering(pm, options);
}

void mlir::mpt::registerCPUConversionPasses() {
  registerMPTConversionPasses();
  registerMPTCPUPasses();
  PassPipelineRegistration<CPUPipelineOptions>(
      "mpt-lower-to-llvm",
      "Lowers a differentiated step function to the LLVM dialect with the "
      "step's C entry point",
      buildLowerToLLVMPipeline);
}
