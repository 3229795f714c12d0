//===- Pipelines.cpp - Registration of the MPT passes and pipelines -------===//
//
// `--auto-mixed-precision` is the command the product's users type. It is a
// pipeline, not a pass, so that each pass keeps one concern: the precision
// rewrite and the step expansion stay separately testable and printable.
//
//===----------------------------------------------------------------------===//

#include "mpt/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::mpt;

static constexpr llvm::StringLiteral kAutoMixedPrecision =
    "auto-mixed-precision";

/// Appends `--mpt-auto-mixed-precision` configured by `options`, the pass's
/// own option string, then `--mpt-expand-train-step`. Parsing the string
/// into the pass (rather than into a copy of its options) keeps "which
/// options were given" intact: the step's own loss-scale policy wins unless
/// a loss-scale option is given explicitly.
static LogicalResult buildAutoMixedPrecisionPipeline(
    OpPassManager &pm, StringRef options,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  std::unique_ptr<Pass> precision =
      createAutoMixedPrecisionInPipeline(kAutoMixedPrecision);
  if (failed(precision->initializeOptions(options, errorHandler)))
    return failure();
  pm.addPass(std::move(precision));
  pm.addPass(createExpandTrainStep());
  return success();
}

void mlir::mpt::registerMPTPasses() {
  registerMPTTransformsPasses();
  registerPassPipeline(
      kAutoMixedPrecision,
      "Makes a training step mixed precision and expands it into its step "
      "function: --mpt-auto-mixed-precision (whose options it takes), then "
      "--mpt-expand-train-step",
      buildAutoMixedPrecisionPipeline,
      // The options are the pass's; its own entry in --help lists them.
      [](function_ref<void(const detail::PassOptions &)>) {});
}
