//===- Broadcasts.cpp - Broadcasts fusion can consume ---------------------===//
//
// Elementwise fusion only takes `linalg.generic` producers: a named
// `linalg.broadcast` (a row statistic spread over its rows, as in the
// gradient of softmax or layer norm) stays an op of its own, whose full-size
// result is stored for the op that reads it. Its generic form is fused into
// that reader, which then reads the small tensor.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/TensorRewrites.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

using namespace mlir;

LogicalResult mpt::generalizeBroadcasts(RewriterBase &rewriter,
                                        Operation *root) {
  SmallVector<linalg::BroadcastOp> broadcasts;
  root->walk([&](linalg::BroadcastOp op) { broadcasts.push_back(op); });
  for (linalg::BroadcastOp op : broadcasts) {
    rewriter.setInsertionPoint(op);
    if (failed(linalg::generalizeNamedOp(rewriter, op)))
      return op.emitOpError("could not be generalized");
  }
  return success();
}
