//===- RematerializeWidenings.cpp - Rounded results stored in 16 bits -----===//
//
// The GPU form of the CPU back end's pass of the same name: after
// elementwise fusion, a GEMM result rounded and widened back to f32 in one
// op is rounded by the GEMM's kernel instead, and the widening is
// recomputed by each of its readers, so that only the 16-bit tensor is
// stored. Only roundings that leave a widening are split off: a rounding
// followed by an activation stays in the GEMM's epilogue.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/GPU/Passes.h"
#include "mpt/Conversion/TensorRewrites.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPUREMATERIALIZEWIDENINGS
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

struct GPURematerializeWideningsPass
    : mpt::impl::GPURematerializeWideningsBase<GPURematerializeWideningsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    splitRoundings(rewriter, getOperation(), RoundingSplit::IntoWidenings);
    rematerializeWidenings(rewriter, getOperation(),
                           WideningInputs::NarrowerOrBroadcast);
  }
};

} // namespace
