//===- MPTAdjointInterface.h - Reverse-mode adjoints ------------*- C++ -*-===//

#ifndef MPT_DIALECT_MPT_IR_MPTADJOINTINTERFACE_H
#define MPT_DIALECT_MPT_IR_MPTADJOINTINTERFACE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir {
class DialectRegistry;

namespace mpt {

/// The builder adjoints build their backward ops with. Constants go to the
/// start of the block the backward code is built in, one op per value and
/// type, so that adjoints sharing a constant (`1.0` of a type, `0.5`, ...)
/// share one op.
class AdjointBuilder : public OpBuilder {
public:
  /// Builds before `insertionPoint`, with constants at the start of its
  /// block.
  explicit AdjointBuilder(Operation *insertionPoint);

  /// A constant of `type` (a float type or a tensor of floats, then a
  /// splat) whose elements are `value` rounded to the element type.
  Value getSplat(Location loc, Type type, double value);

  /// A rank-0 tensor of `elementType` holding `value`: the form in which the
  /// broadcasting binary ops take a scalar factor.
  Value getScalarTensor(Location loc, Type elementType, double value);

private:
  OpBuilder constantBuilder;
  DenseMap<Attribute, Value> constants;
};

/// Attaches the adjoints of the mpt ops (AdjointOpInterface external
/// models). Tools that run --mpt-differentiate call it; the pass also
/// registers them itself.
void registerAdjointInterfaceModels(DialectRegistry &registry);

} // namespace mpt
} // namespace mlir

#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h.inc"

#endif // MPT_DIALECT_MPT_IR_MPTADJOINTINTERFACE_H
