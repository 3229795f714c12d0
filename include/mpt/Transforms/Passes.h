//===- Passes.h - Passes of the MPT compiler --------------------*- C++ -*-===//

#ifndef MPT_TRANSFORMS_PASSES_H
#define MPT_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_DECL
#include "mpt/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mpt/Transforms/Passes.h.inc"

/// `--mpt-auto-mixed-precision` as a step of the pipeline `pipelineFlag`:
/// its option errors name that flag, the one the user typed.
std::unique_ptr<Pass>
createAutoMixedPrecisionInPipeline(llvm::StringRef pipelineFlag);

/// Registers the passes above and the `--auto-mixed-precision` pipeline.
void registerMPTPasses();

} // namespace mpt
} // namespace mlir

#endif // MPT_TRANSFORMS_PASSES_H
