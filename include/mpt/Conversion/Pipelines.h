//===- Pipelines.h - Pipeline stages shared by the back ends ----*- C++ -*-===//
//
// The stages the CPU and GPU pipelines have in common, written once: the
// cleanups between stages, the way into linalg on tensors, and the
// bufferization of a step into its caller's buffers.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_PIPELINES_H
#define MPT_CONVERSION_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir {
namespace mpt {

/// Canonicalization and CSE (`--mpt-cse`), run after every stage that leaves
/// dead or duplicated IR behind.
void addCleanupPasses(OpPassManager &pm);

/// `--mpt-step-abi` and `--convert-mpt-to-linalg`, then cleanups: a
/// differentiated step becomes its C entry point on linalg ops on tensors.
void addStepToLinalgPasses(OpPassManager &pm);

/// Empty-tensor elimination and one-shot bufferization across function
/// boundaries with identity layouts, then cleanups: the entry point
/// materializes its results in the caller's buffers, and the ops that
/// compute them write there directly.
void addStepBufferizationPasses(OpPassManager &pm);

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_PIPELINES_H
