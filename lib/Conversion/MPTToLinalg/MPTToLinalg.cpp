//===- MPTToLinalg.cpp - The --convert-mpt-to-linalg pass -----------------===//
//
// Rewrites a differentiated step function from mpt ops to linalg, tensor,
// arith and math on tensors, the input of the CPU and GPU code generators.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/MPTToLinalg/MPTToLinalg.h"
#include "LoweringUtils.h"
#include "StructuredBuilders.h"
#include "mpt/Conversion/Passes.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_CONVERTMPTTOLINALG
#include "mpt/Conversion/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

void mlir::mpt::populateMPTToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  populateTensorOpsToLinalgPatterns(patterns);
  populateContractionOpsToLinalgPatterns(patterns);
  populateNormalizationOpsToLinalgPatterns(patterns);
  populateTrainingOpsToLinalgPatterns(patterns);
  populateGradOpsToLinalgPatterns(patterns);
  populateActivationOpsToLinalgPatterns(patterns);
  populateConvOpsToLinalgPatterns(patterns);
  populatePoolOpsToLinalgPatterns(patterns);
  populateDataOpsToLinalgPatterns(patterns);
  populateMathOpsToLinalgPatterns(patterns);
  populateCollectiveOpsToLinalgPatterns(patterns);
  populateRandomOpsToLinalgPatterns(patterns);
}

namespace {

/// The ops that earlier passes must have removed, with what removes them.
LogicalResult checkDifferentiated(ModuleOp module) {
  WalkResult result = module.walk([](Operation *op) {
    if (isa<TrainStepOp>(op)) {
      op->emitOpError() << "must be expanded into a step function first: run "
                           "--mpt-expand-train-step";
      return WalkResult::interrupt();
    }
    if (isa<GradientOp>(op)) {
      op->emitOpError() << "is still present: run --mpt-differentiate first";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

struct ConvertMPTToLinalgPass
    : mpt::impl::ConvertMPTToLinalgBase<ConvertMPTToLinalgPass> {
  void runOnOperation() override {
    if (failed(checkDifferentiated(getOperation())))
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<MPTDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect>();
    // The call of the runtime that an mpt.all_reduce becomes.
    target.addLegalDialect<bufferization::BufferizationDialect,
                           memref::MemRefDialect, LLVM::LLVMDialect,
                           func::FuncDialect>();
    RewritePatternSet patterns(&getContext());
    populateMPTToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
