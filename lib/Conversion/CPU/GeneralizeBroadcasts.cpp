//===- GeneralizeBroadcasts.cpp - Broadcasts fusion can consume -----------===//
//
// Elementwise fusion only takes `linalg.generic` producers: a named
// `linalg.broadcast` (a row statistic spread over its rows, as in the
// gradient of softmax or layer norm) stays an op of its own, whose full-size
// result is stored for the op that reads it. Its generic form is fused into
// that reader, which then reads the small tensor.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GENERALIZEBROADCASTS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

struct GeneralizeBroadcastsPass
    : mpt::impl::GeneralizeBroadcastsBase<GeneralizeBroadcastsPass> {
  void runOnOperation() override {
    SmallVector<linalg::BroadcastOp> broadcasts;
    getOperation().walk(
        [&](linalg::BroadcastOp op) { broadcasts.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::BroadcastOp op : broadcasts) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op))) {
        op.emitOpError("could not be generalized");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
