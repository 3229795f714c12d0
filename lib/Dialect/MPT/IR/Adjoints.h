//===- Adjoints.h - What every adjoint of an mpt op builds with -*- C++ -*-===//
//
// Internal to the dialect library: the state an adjoint works with, the
// small builders the adjoints of MPTAdjoints.cpp and NetworkAdjoints.cpp
// share, and the AdjointOpInterface model that runs them.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_DIALECT_MPT_IR_ADJOINTS_H
#define MPT_LIB_DIALECT_MPT_IR_ADJOINTS_H

#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/TensorLimits.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir {
namespace mpt {
namespace adjoint {

/// What the adjoint of a single-result op works with.
struct Adjoint {
  AdjointBuilder &b;
  Location loc;
  /// The cotangent of the op's result.
  Value dr;
  ArrayRef<bool> requested;
  MutableArrayRef<Value> operandCotangents;

  /// Set when a size computation overflowed; the model then fails.
  bool sizeOverflowed = false;

  /// Sets the cotangent of `operand` to what `build` returns; `build` runs
  /// only when the cotangent is requested, so nothing unneeded is built.
  void set(OpOperand &operand, llvm::function_ref<Value()> build) {
    unsigned index = operand.getOperandNumber();
    if (requested[index])
      operandCotangents[index] = build();
  }

  /// The product of some dims of the op's tensors. The verifier has bounded
  /// every tensor's element count (MPT_TensorsCanExist), so this cannot
  /// overflow on verified IR; if it does, the adjoint fails.
  int64_t product(ArrayRef<int64_t> dims) {
    if (std::optional<int64_t> value = getCheckedProduct(dims))
      return *value;
    sizeOverflowed = true;
    return 1;
  }
};

inline RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

inline Type elementTypeOf(Value value) {
  return getElementTypeOrSelf(value.getType());
}

Value mul(Adjoint &adj, Value lhs, Value rhs);

Value div(Adjoint &adj, Value lhs, Value rhs);

Value sub(Adjoint &adj, Value lhs, Value rhs);

Value negate(Adjoint &adj, Value value);

/// A rank-0 tensor of `like`'s element type holding `value`.
Value scalar(Adjoint &adj, Value like, double value);

/// `1 - value`, elementwise.
Value oneMinus(Adjoint &adj, Value value);

Value reshape(Adjoint &adj, Value value, Type type);

/// Sums `value` over the leading dims that trailing broadcasting added to a
/// value of type `target` (the rhs of a binary op, a bias, a shared matrix).
Value sumToShape(Adjoint &adj, Value value, Type target);

/// `value` as a matrix: every dim but the last folded into the rows.
Value asMatrix(Adjoint &adj, Value value);

/// `op(lhs) · op(rhs)` with the result type the matmul verifier expects.
Value matmul(Adjoint &adj, Value lhs, Value rhs, bool transposeLhs,
             bool transposeRhs);

/// Swaps the last two dims.
Value transposeMatrices(Adjoint &adj, Value value);

/// `type` without the dims in `dims`.
RankedTensorType dropDims(RankedTensorType type, ArrayRef<int64_t> dims);

/// The AdjointOpInterface model of a single-result mpt op, forwarding to
/// the buildAdjointOf overload for OpT that the file attaching it defines
/// in this namespace (found by argument-dependent lookup).
template <typename OpT>
struct AdjointModel
    : AdjointOpInterface::ExternalModel<AdjointModel<OpT>, OpT> {
  LogicalResult buildAdjoint(Operation *op, AdjointBuilder &builder,
                             ValueRange resultCotangents,
                             ArrayRef<bool> requested,
                             MutableArrayRef<Value> operandCotangents) const {
    Adjoint adjoint{builder, op->getLoc(), resultCotangents.front(), requested,
                    operandCotangents};
    buildAdjointOf(cast<OpT>(op), adjoint);
    if (adjoint.sizeOverflowed)
      return op->emitOpError()
             << "cannot be differentiated: a size of its tensors overflows "
                "int64";
    return success();
  }
};

template <typename... OpTs> void attachAdjointModels(MLIRContext *context) {
  (OpTs::template attachInterface<AdjointModel<OpTs>>(*context), ...);
}

} // namespace adjoint
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_DIALECT_MPT_IR_ADJOINTS_H
