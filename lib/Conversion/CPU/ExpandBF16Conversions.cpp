//===- ExpandBF16Conversions.cpp - bf16 rounding without libcalls ---------===//
//
// On CPUs without AVX512-BF16: arithmetic on bf16 values (a max, a
// comparison) in f32, and f32 -> bf16 rounding and bf16 -> f32 widening as
// integer arithmetic on the f32 bits, so that the compiled step calls no
// compiler-rt conversion function and stays vectorized.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_EXPANDBF16CONVERSIONS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;

namespace {

struct ExpandBF16ConversionsPass
    : mpt::impl::ExpandBF16ConversionsBase<ExpandBF16ConversionsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // bf16 arithmetic: widened operands, the op in f32, a rounding back
    // (exact for the ops that reach here: maxima, comparisons, negations).
    TypeConverter widening;
    arith::populateEmulateUnsupportedFloatsConversions(
        widening, {BFloat16Type::get(context)}, Float32Type::get(context));
    ConversionTarget target(*context);
    arith::populateEmulateUnsupportedFloatsLegality(target, widening);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet emulation(context);
    arith::populateEmulateUnsupportedFloatsPatterns(emulation, widening);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(emulation))))
      return signalPassFailure();
    // Then every conversion as integer arithmetic.
    RewritePatternSet expansion(context);
    arith::populateExpandBFloat16Patterns(expansion);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expansion))))
      signalPassFailure();
  }
};

} // namespace
