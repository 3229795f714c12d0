//===- VerifierUtils.cpp - Checks shared by the mpt op verifiers ----------===//

#include "VerifierUtils.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::detail;

Diagnostic &mlir::mpt::detail::operator<<(Diagnostic &diag, ShapeText text) {
  diag << "[";
  llvm::interleave(
      text.shape, [&](int64_t dim) { diag << dim; }, [&] { diag << ", "; });
  return diag << "]";
}

/// Checks that `value` has the element type of `reference`.
LogicalResult mlir::mpt::detail::verifySameElementType(Operation *op,
                                                       StringRef name,
                                                       Value value,
                                                       StringRef refName,
                                                       Value reference) {
  Type found = getElementTypeOrSelf(value.getType());
  Type expected = getElementTypeOrSelf(reference.getType());
  if (found == expected)
    return success();
  return op->emitOpError() << name << " element type " << found
                           << " must match " << refName << " element type "
                           << expected;
}

/// Checks that the result shape is `expected`.
LogicalResult mlir::mpt::detail::verifyResultShape(Operation *op,
                                                   ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> found =
      cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  if (found == expected)
    return success();
  return op->emitOpError() << "result shape " << ShapeText{found} << " must be "
                           << ShapeText{expected};
}

LogicalResult mlir::mpt::detail::verifyBroadcastBinary(Operation *op, Value lhs,
                                                       Value rhs) {
  if (failed(verifySameElementType(op, "rhs", rhs, "lhs", lhs)))
    return failure();
  ArrayRef<int64_t> lhsShape = tensorType(lhs).getShape();
  ArrayRef<int64_t> rhsShape = tensorType(rhs).getShape();
  if (rhsShape.size() > lhsShape.size() ||
      lhsShape.take_back(rhsShape.size()) != rhsShape)
    return op->emitOpError()
           << "rhs shape " << ShapeText{rhsShape} << " must equal lhs shape "
           << ShapeText{lhsShape} << " or its trailing dims";
  return success();
}

LogicalResult mlir::mpt::detail::verifyEpsilon(Operation *op,
                                               const APFloat &epsilon) {
  if (epsilon.isNaN() || epsilon.isInfinity())
    return op->emitOpError() << "epsilon must be finite, found "
                             << (epsilon.isNaN() ? "nan" : "inf");
  if (epsilon.isNegative() || epsilon.isZero())
    return op->emitOpError()
           << "epsilon must be > 0, found " << epsilon.convertToDouble();
  return success();
}

FailureOr<int64_t> mlir::mpt::detail::normalizeAxis(Operation *op, int64_t axis,
                                                    int64_t rank) {
  if (axis < -rank || axis >= rank)
    return op->emitOpError() << "axis " << axis << " must be in [" << -rank
                             << ", " << rank << ")";
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
mlir::mpt::detail::reducedShape(Operation *op, ArrayRef<int64_t> input,
                                ArrayRef<int64_t> dims, bool keepDims) {
  for (auto [index, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= static_cast<int64_t>(input.size()))
      return op->emitOpError() << "reduced dim " << dim << " must be in [0, "
                               << input.size() << ")";
    if (index > 0 && dims[index - 1] == dim)
      return op->emitOpError() << "reduced dim " << dim << " appears twice";
  }
  SmallVector<int64_t> shape;
  for (auto [dim, size] : llvm::enumerate(input)) {
    if (!llvm::is_contained(dims, static_cast<int64_t>(dim)))
      shape.push_back(size);
    else if (keepDims)
      shape.push_back(1);
  }
  return shape;
}
