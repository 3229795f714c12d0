//===- MPTTraits.h - Op traits of the mpt dialect ---------------*- C++ -*-===//

#ifndef MPT_DIALECT_MPT_IR_MPTTRAITS_H
#define MPT_DIALECT_MPT_IR_MPTTRAITS_H

#include "mlir/IR/OpDefinition.h"

namespace mlir {
namespace mpt {
/// Checks that every tensor operand and result of `op` can exist
/// (verifyTypeCanExist), naming the first one that cannot.
LogicalResult verifyOperandsAndResultsCanExist(Operation *op);
} // namespace mpt

namespace OpTrait {
namespace mpt {

/// Every tensor the op reads or writes can be stored: the trait of every
/// mpt op (MPT_Op), so that no later stage computes a size that overflows.
template <typename ConcreteType>
class TensorsCanExist
    : public ::mlir::OpTrait::TraitBase<ConcreteType, TensorsCanExist> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return ::mlir::mpt::verifyOperandsAndResultsCanExist(op);
  }
};

/// The op's precision is part of its definition (its result type does not
/// follow its operands, as the f32 loss of mpt.mse_loss): the
/// mixed-precision pass keeps the op in the class it declares, and the
/// class options and the `mpt.precision` override cannot move it.
template <typename ConcreteType>
class FixedPrecision
    : public ::mlir::OpTrait::TraitBase<ConcreteType, FixedPrecision> {};

} // namespace mpt
} // namespace OpTrait
} // namespace mlir

#endif // MPT_DIALECT_MPT_IR_MPTTRAITS_H
