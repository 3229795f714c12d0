//===- VerifierUtils.h - Checks shared by the mpt op verifiers --*- C++ -*-===//
//
// Internal to the dialect library: the building blocks of the verifiers in
// the dialect's .cpp files, so that every op words its shape and type
// errors the same way.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_DIALECT_MPT_IR_VERIFIERUTILS_H
#define MPT_LIB_DIALECT_MPT_IR_VERIFIERUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"

namespace mlir {
namespace mpt {
namespace detail {

/// Prints a shape (or a list of dims) as `[2, 4, 3]` inside diagnostics.
struct ShapeText {
  ArrayRef<int64_t> shape;
};
Diagnostic &operator<<(Diagnostic &diag, ShapeText text);

inline RankedTensorType tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Checks that `value` has the element type of `reference`.
LogicalResult verifySameElementType(Operation *op, StringRef name, Value value,
                                    StringRef refName, Value reference);

/// Checks that the shape of the op's first result is `expected`.
LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected);

/// `rhs` is either of lhs's shape or equals lhs's trailing dims, with the
/// same element type.
LogicalResult verifyBroadcastBinary(Operation *op, Value lhs, Value rhs);

/// Checks a normalisation's epsilon: finite and > 0.
LogicalResult verifyEpsilon(Operation *op, const APFloat &epsilon);

/// `axis` (negative counts from the end) as a dim index of a tensor of
/// `rank`, or an error naming the valid range.
FailureOr<int64_t> normalizeAxis(Operation *op, int64_t axis, int64_t rank);

/// Checks that the sorted `dims` are distinct dims of `input` and returns
/// the shape left when they are reduced (kept as 1 with `keepDims`).
FailureOr<SmallVector<int64_t>> reducedShape(Operation *op,
                                             ArrayRef<int64_t> input,
                                             ArrayRef<int64_t> dims,
                                             bool keepDims);

} // namespace detail
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_DIALECT_MPT_IR_VERIFIERUTILS_H
