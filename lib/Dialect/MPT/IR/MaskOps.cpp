//===- MaskOps.cpp - Comparisons and selection ----------------------------===//
//
// The enums of the ops declared in MPTMaskOps.td and the verifiers of
// mpt.index_compare and mpt.index_arith; their classes are generated with the
// other mpt ops (MPTOps.cpp includes the definitions), and traits verify the
// others.
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mpt/Dialect/MPT/IR/MPTMaskEnums.cpp.inc"

#include "VerifierUtils.h"

using namespace mlir;
using namespace mlir::mpt;
using mlir::mpt::detail::ShapeText;
using mlir::mpt::detail::tensorType;

/// The result of `op` has the shape NumPy's broadcasting gives `lhs` and
/// `rhs`.
static LogicalResult verifyBroadcastResult(Operation *op, Value lhsValue,
                                           Value rhsValue) {
  ArrayRef<int64_t> lhs = tensorType(lhsValue).getShape();
  ArrayRef<int64_t> rhs = tensorType(rhsValue).getShape();
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> shape(rank);
  for (size_t dim = 0; dim < rank; ++dim) {
    int64_t a = dim < rank - lhs.size() ? 1 : lhs[dim - (rank - lhs.size())];
    int64_t b = dim < rank - rhs.size() ? 1 : rhs[dim - (rank - rhs.size())];
    if (a != b && a != 1 && b != 1)
      return op->emitOpError() << "operand shapes " << ShapeText{lhs} << " and "
                               << ShapeText{rhs} << " do not broadcast";
    shape[dim] = a == 1 ? b : a;
  }
  return mlir::mpt::detail::verifyResultShape(op, shape);
}

LogicalResult IndexCompareOp::verify() {
  return verifyBroadcastResult(*this, getLhs(), getRhs());
}

LogicalResult IndexArithOp::verify() {
  return verifyBroadcastResult(*this, getLhs(), getRhs());
}
