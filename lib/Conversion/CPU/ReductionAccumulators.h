//===- ReductionAccumulators.h - Vector accumulators of reductions -*- C++ -*-//
//
// Loops that reduce a vector horizontally into their accumulator on every
// iteration carry the vector of partial results instead
// (ReductionAccumulators.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_CONVERSION_CPU_REDUCTIONACCUMULATORS_H
#define MPT_LIB_CONVERSION_CPU_REDUCTIONACCUMULATORS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace mpt {
namespace cpu {

/// Adds the pattern that makes an `scf.for` whose iteration argument is
/// only the accumulator of a `vector.multi_reduction` carry the reduced
/// vector's partial results, reduced once after the loop.
void populateReductionAccumulatorPatterns(RewritePatternSet &patterns);

} // namespace cpu
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_CPU_REDUCTIONACCUMULATORS_H
