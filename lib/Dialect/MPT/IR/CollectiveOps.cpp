//===- CollectiveOps.cpp - Communication between ranks --------------------===//
//
// Verifiers and type inference of the ops declared in MPTCollectiveOps.td.
// Their classes are generated with the other mpt ops (MPTOps.cpp includes
// the definitions).
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mpt/Dialect/MPT/IR/MPTCollectiveEnums.cpp.inc"

using namespace mlir;
using namespace mlir::mpt;

LogicalResult AllReduceOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &inferredReturnTypes) {
  llvm::append_range(inferredReturnTypes, operands.getTypes());
  return success();
}

LogicalResult AllReduceOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one tensor to reduce, found none";
  std::optional<Type> commType = getCommType();
  if (!commType) {
    Type element = getElementTypeOrSelf(getInputs().front().getType());
    for (auto [index, input] : llvm::enumerate(getInputs()))
      if (getElementTypeOrSelf(input.getType()) != element)
        return emitOpError()
               << "operand " << index << " has element type "
               << getElementTypeOrSelf(input.getType())
               << ", but operand 0 has " << element
               << ": the operands of one message share an element type (or "
                  "travel compressed, 'as f16' or 'as bf16')";
    return success();
  }
  if (getKind() != ReductionKind::Sum && getKind() != ReductionKind::Mean)
    return emitOpError() << "compresses only a sum or a mean, found '"
                         << stringifyReductionKind(getKind())
                         << "' (the largest or smallest value is exact in "
                            "the operand type)";
  unsigned commWidth = commType->getIntOrFloatBitWidth();
  std::string commName;
  llvm::raw_string_ostream(commName) << *commType;
  for (auto [index, input] : llvm::enumerate(getInputs())) {
    Type element = getElementTypeOrSelf(input.getType());
    if (element.getIntOrFloatBitWidth() <= commWidth)
      return emitOpError() << "operand " << index << " has element type "
                           << element << ", but 'as " << commName
                           << "' must be narrower than the operand type "
                              "(compression rounds f32 or f64 values)";
  }
  return success();
}
