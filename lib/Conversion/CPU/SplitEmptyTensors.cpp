//===- SplitEmptyTensors.cpp - One empty tensor per use -------------------===//
//
// Bufferization analyses alias sets pairwise; an empty tensor shared by
// every kernel call of a deep step makes one huge alias set. Each use gets
// an empty tensor of its own instead.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_SPLITEMPTYTENSORS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

struct SplitEmptyTensorsPass
    : mpt::impl::SplitEmptyTensorsBase<SplitEmptyTensorsPass> {
  void runOnOperation() override {
    // The first use in program order keeps the original; each later one
    // gets a clone, placed after the previous clones.
    DenseMap<Operation *, Operation *> lastCopy;
    OpBuilder b(&getContext());
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      for (OpOperand &operand : op->getOpOperands()) {
        auto empty = operand.get().getDefiningOp<tensor::EmptyOp>();
        if (!empty)
          continue;
        auto [it, first] = lastCopy.try_emplace(empty, empty);
        if (first)
          continue;
        b.setInsertionPointAfter(it->second);
        it->second = b.clone(*empty);
        operand.set(it->second->getResult(0));
      }
    });
  }
};

} // namespace
