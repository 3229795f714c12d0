//===- MPTDialect.cpp - The mixed-precision training dialect --------------===//

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Dialect/MPT/IR/TensorLimits.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

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

/// Checks the tensor that an `mpt.*` role attribute names (argument or
/// result `index` of a function), so that a step function written or
/// rewritten by hand is held to the limits of the step it came from.
/// Dynamic shapes are the step ABI's to reject, with its reason.
static LogicalResult verifyRoleValue(Operation *op, StringRef kind,
                                     unsigned index, NamedAttribute role,
                                     Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return success();
  return verifyTypeCanExist(
      [&] { return op->emitOpError(); },
      kind + " #" + Twine(index) + " with " + role.getName().getValue(), type);
}

LogicalResult MPTDialect::verifyRegionArgAttribute(Operation *op,
                                                   unsigned regionIndex,
                                                   unsigned argIndex,
                                                   NamedAttribute attribute) {
  Type type;
  if (auto function = dyn_cast<FunctionOpInterface>(op)) {
    if (argIndex < function.getNumArguments())
      type = function.getArgumentTypes()[argIndex];
  } else if (regionIndex < op->getNumRegions() &&
             !op->getRegion(regionIndex).empty() &&
             argIndex < op->getRegion(regionIndex).getNumArguments()) {
    type = op->getRegion(regionIndex).getArgument(argIndex).getType();
  }
  if (!type)
    return success();
  return verifyRoleValue(op, "argument", argIndex, attribute, type);
}

LogicalResult
MPTDialect::verifyRegionResultAttribute(Operation *op, unsigned regionIndex,
                                        unsigned resultIndex,
                                        NamedAttribute attribute) {
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function || resultIndex >= function.getNumResults())
    return success();
  return verifyRoleValue(op, "result", resultIndex, attribute,
                         function.getResultTypes()[resultIndex]);
}
