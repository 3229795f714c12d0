//===- MPTToLinalg.h - mpt ops to linalg on tensors -------------*- C++ -*-===//

#ifndef MPT_CONVERSION_MPTTOLINALG_MPTTOLINALG_H
#define MPT_CONVERSION_MPTTOLINALG_MPTTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_DECL_CONVERTMPTTOLINALG
#include "mpt/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite every mpt tensor op (all but the step
/// structure and `mpt.gradient`) to linalg, tensor, arith and math.
void populateMPTToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_MPTTOLINALG_MPTTOLINALG_H
