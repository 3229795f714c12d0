//===- RandomOps.cpp - Verifier of mpt.dropout ----------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;
using namespace mlir::mpt;

LogicalResult DropoutOp::verify() {
  double p = getP().convertToDouble();
  if (!(p >= 0.0 && p < 1.0))
    return emitOpError() << "expected a drop probability 'p' in [0, 1), found "
                         << p;
  return success();
}
