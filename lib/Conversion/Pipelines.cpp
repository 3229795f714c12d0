//===- Pipelines.cpp - Pipeline stages shared by the back ends ------------===//

#include "mpt/Conversion/Pipelines.h"
#include "mpt/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mpt::addCleanupPasses(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createStructuralCSE());
}

void mpt::addStepToLinalgPasses(OpPassManager &pm) {
  pm.addPass(createStepABI());
  pm.addPass(createConvertMPTToLinalg());
  addCleanupPasses(pm);
}

void mpt::addStepBufferizationPasses(OpPassManager &pm) {
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  addCleanupPasses(pm);
}
