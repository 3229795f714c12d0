//===- MPTAttrs.h - Attributes of the mpt dialect ---------------*- C++ -*-===//

#ifndef MPT_DIALECT_MPT_IR_MPTATTRS_H
#define MPT_DIALECT_MPT_IR_MPTATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

namespace mlir {
namespace mpt {
/// Parses a float attribute parameter as an IEEE double.
inline FailureOr<llvm::APFloat> parseDoubleParameter(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return llvm::APFloat(value);
}
} // namespace mpt
} // namespace mlir

#include "mpt/Dialect/MPT/IR/MPTEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "mpt/Dialect/MPT/IR/MPTAttrs.h.inc"

#endif // MPT_DIALECT_MPT_IR_MPTATTRS_H
