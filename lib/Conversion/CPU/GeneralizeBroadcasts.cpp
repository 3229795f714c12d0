//===- GeneralizeBroadcasts.cpp - Broadcasts fusion can consume -----------===//
//
// The pass form of generalizeBroadcasts (Conversion/TensorRewrites), run
// before elementwise fusion.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"
#include "mpt/Conversion/TensorRewrites.h"

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
    IRRewriter rewriter(&getContext());
    if (failed(generalizeBroadcasts(rewriter, getOperation())))
      signalPassFailure();
  }
};

} // namespace
