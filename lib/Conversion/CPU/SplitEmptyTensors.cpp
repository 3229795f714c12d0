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
    SmallVector<tensor::EmptyOp> shared;
    getOperation().walk([&](tensor::EmptyOp empty) {
      if (!empty->hasOneUse() && !empty->use_empty())
        shared.push_back(empty);
    });
    OpBuilder b(&getContext());
    for (tensor::EmptyOp empty : shared) {
      b.setInsertionPointAfter(empty);
      for (OpOperand &use :
           llvm::make_early_inc_range(llvm::drop_begin(empty->getUses())))
        use.set(b.clone(*empty)->getResult(0));
    }
  }
};

} // namespace
