//===- RandomOps.cpp - Verifiers of the random ops ------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;

LogicalResult DropoutOp::verify() {
  double p = getP().convertToDouble();
  if (!(p >= 0.0 && p < 1.0))
    return emitOpError() << "expected a drop probability 'p' in [0, 1), found "
                         << p;
  return success();
}

LogicalResult RandomNormalOp::verify() {
  double mean = getMean().convertToDouble();
  double scale = getScale().convertToDouble();
  if (!std::isfinite(mean) || !(scale >= 0.0) || std::isinf(scale))
    return emitOpError() << "expected a finite mean and a finite scale >= 0, "
                            "found mean "
                         << mean << " and scale " << scale;
  return success();
}

LogicalResult RandomUniformOp::verify() {
  double low = getLow().convertToDouble(), high = getHigh().convertToDouble();
  if (!std::isfinite(low) || !std::isfinite(high) || !(low <= high))
    return emitOpError() << "expected finite bounds with low <= high, found "
                            "low "
                         << low << " and high " << high;
  return success();
}
