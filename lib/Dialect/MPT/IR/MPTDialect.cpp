//===- MPTDialect.cpp - The mixed-precision training dialect --------------===//

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;
using namespace mlir::mpt;

#include "mpt/Dialect/MPT/IR/MPTOpsDialect.cpp.inc"

void MPTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mpt/Dialect/MPT/IR/MPTOps.cpp.inc"
      >();
  registerAttributes();
}
