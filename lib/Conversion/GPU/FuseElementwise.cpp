//===- FuseElementwise.cpp - One kernel per elementwise chain -------------===//
//
// Each linalg op becomes one kernel, and a kernel launch plus a round trip of
// its output through device memory costs far more than the arithmetic of a
// cast, a bias or an activation. Fusing producer-consumer chains of
// elementwise ops before bufferization removes both.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/GPU/Passes.h"
#include "mpt/Conversion/TensorRewrites.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPUFUSEELEMENTWISE
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;

namespace {

/// Whether the producer of `fused` should be fused into its consumer.
///
/// Contractions keep their operands as they are: a cast fused into a matmul
/// would run once per multiply-add instead of once per element, and would
/// hide the low-precision operands that select tensor cores. A producer with
/// other users is fused only when it is 0-d: recomputing a scalar in every
/// thread costs nothing, while recomputing a tensor reads its inputs again.
bool shouldFuse(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  if (!producer)
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  if (consumer && linalg::isaContractionOpInterface(consumer))
    return false;
  auto type = dyn_cast<RankedTensorType>(fused->get().getType());
  return producer->hasOneUse() || (type && type.getRank() == 0);
}

/// Gives each user of `op`'s result its own copy of `op`.
void cloneForEachUser(Operation *op) {
  SmallVector<OpOperand *> laterUses =
      llvm::map_to_vector(llvm::drop_begin(op->getResult(0).getUses()),
                          [](OpOperand &use) { return &use; });
  for (OpOperand *use : laterUses) {
    OpBuilder b(use->getOwner());
    use->set(b.clone(*op)->getResult(0));
  }
}

/// Replaces `op` by one copy of it right before each of its users.
void cloneBeforeEachUser(Operation *op) {
  if (op->use_empty())
    return;
  SmallVector<OpOperand *> uses = llvm::map_to_vector(
      op->getResult(0).getUses(), [](OpOperand &use) { return &use; });
  for (OpOperand *use : uses) {
    OpBuilder b(use->getOwner());
    use->set(b.clone(*op)->getResult(0));
  }
  op->erase();
}

/// Gives each op its own initial output. A shared `tensor.empty` lets
/// bufferization put the outputs of unrelated ops in one buffer, one after
/// the other, which ties the ops together (a GEMM's output buffer then also
/// holds a later op's result, and cannot be kept in registers); the
/// stream-ordered allocator reuses the memory of separate buffers anyway. A
/// shared fill would bufferize into one buffer plus a device copy per
/// further user; a fill kernel (or none, when the fill fuses into a GEMM)
/// is cheaper. Each fill goes right before its user: its buffer is then
/// allocated no earlier than needed (the zero fills of a backward pass
/// start out together at its beginning), and a GEMM finds the fill of its
/// output next to it, to compute it in its own kernel.
void unshareInitialOutputs(func::FuncOp func) {
  // Fills first: their copies share the fill's empty tensor.
  SmallVector<linalg::FillOp> fills;
  func.walk([&](linalg::FillOp fill) {
    if (fill.hasPureTensorSemantics())
      fills.push_back(fill);
  });
  for (linalg::FillOp fill : fills)
    cloneBeforeEachUser(fill);
  func.walk([](tensor::EmptyOp empty) { cloneForEachUser(empty); });
}

struct GPUFuseElementwisePass
    : public mpt::impl::GPUFuseElementwiseBase<GPUFuseElementwisePass> {
  void runOnOperation() override {
    // A broadcast becomes a generic that fusion takes into its readers,
    // which then read the small tensor instead of a stored full-size one.
    IRRewriter rewriter(&getContext());
    if (failed(mpt::generalizeBroadcasts(rewriter, getOperation())))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    unshareInitialOutputs(getOperation());
  }
};

} // namespace
