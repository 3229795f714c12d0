//===- MaskOps.cpp - Comparisons and selection ----------------------------===//
//
// The enum of the ops declared in MPTMaskOps.td and the verifier of
// mpt.index_compare; their classes are generated with the other mpt ops
// (MPTOps.cpp includes the definitions), and traits verify the others.
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mpt/Dialect/MPT/IR/MPTMaskEnums.cpp.inc"

#include "VerifierUtils.h"

using namespace mlir;
using namespace mlir::mpt;
using mlir::mpt::detail::ShapeText;
using mlir::mpt::detail::tensorType;

/// The result has the shape NumPy's broadcasting gives the two operands.
LogicalResult IndexCompareOp::verify() {
  ArrayRef<int64_t> lhs = tensorType(getLhs()).getShape();
  ArrayRef<int64_t> rhs = tensorType(getRhs()).getShape();
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> shape(rank);
  for (size_t dim = 0; dim < rank; ++dim) {
    int64_t a = dim < rank - lhs.size() ? 1 : lhs[dim - (rank - lhs.size())];
    int64_t b = dim < rank - rhs.size() ? 1 : rhs[dim - (rank - rhs.size())];
    if (a != b && a != 1 && b != 1)
      return emitOpError() << "operand shapes " << ShapeText{lhs} << " and "
                           << ShapeText{rhs} << " do not broadcast";
    shape[dim] = a == 1 ? b : a;
  }
  return mlir::mpt::detail::verifyResultShape(*this, shape);
}
