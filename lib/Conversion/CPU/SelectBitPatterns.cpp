//===- SelectBitPatterns.cpp - 16-bit float selects as integer selects ----===//
//
// A select only moves bits, but LLVM's x86 backend, on CPUs without
// AVX512-BF16, may promote a bf16 select to f32 and round the result back
// with a `__truncsfbf2` call: selects of bf16 values become selects of
// their bit patterns.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_SELECTBITPATTERNS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

struct SelectBitPatternsPass
    : mpt::impl::SelectBitPatternsBase<SelectBitPatternsPass> {
  void runOnOperation() override {
    SmallVector<arith::SelectOp> selects;
    getOperation().walk([&](arith::SelectOp select) {
      if (getElementTypeOrSelf(select).isBF16())
        selects.push_back(select);
    });
    IRRewriter rewriter(&getContext());
    for (arith::SelectOp select : selects) {
      rewriter.setInsertionPoint(select);
      Location loc = select.getLoc();
      Type type = select.getType();
      Type bits = rewriter.getI16Type();
      if (auto shaped = dyn_cast<ShapedType>(type))
        bits = shaped.clone(bits);
      Value onTrue =
          arith::BitcastOp::create(rewriter, loc, bits, select.getTrueValue());
      Value onFalse =
          arith::BitcastOp::create(rewriter, loc, bits, select.getFalseValue());
      Value chosen = arith::SelectOp::create(
          rewriter, loc, select.getCondition(), onTrue, onFalse);
      rewriter.replaceOpWithNewOp<arith::BitcastOp>(select, type, chosen);
    }
  }
};

} // namespace
