//===- RematerializeWidenings.cpp - Widenings recomputed by readers -------===//
//
// The pass form of rematerializeWidenings (Conversion/TensorRewrites), run on
// whole functions before kernels are outlined: once the widening and its
// readers are in kernels of their own, no fusion can reach across them.
// The roundings of GEMM results are split off first, so that what an op
// computes from a rounded result is a widening that its readers recompute,
// and the rounding itself lands in the GEMM's kernel.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"
#include "mpt/Conversion/TensorRewrites.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_REMATERIALIZEWIDENINGS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

struct RematerializeWideningsPass
    : mpt::impl::RematerializeWideningsBase<RematerializeWideningsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    splitRoundings(rewriter, getOperation());
    rematerializeWidenings(rewriter, getOperation());
  }
};

} // namespace
