//===- MPTGradOps.cpp - Ops of the backward computation -------------------===//
//
// Verifiers of the ops declared in MPTGradOps.td. Their classes are generated
// with the other mpt ops (MPTOps.cpp includes the definitions).
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {
/// Prints a shape as `[2, 3]` inside diagnostics.
struct Shape {
  ArrayRef<int64_t> dims;
};
Diagnostic &operator<<(Diagnostic &diag, Shape shape) {
  diag << "[";
  llvm::interleave(
      shape.dims, [&](int64_t dim) { diag << dim; }, [&] { diag << ", "; });
  return diag << "]";
}

RankedTensorType tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// The backends need static shapes; the shape rules below assume them.
LogicalResult verifyStaticShapes(Operation *op) {
  auto check = [&](StringRef kind, unsigned index, Type type) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || tensor.hasStaticShape())
      return success();
    return op->emitOpError() << kind << " #" << index
                             << " must have a static shape, found " << tensor;
  };
  for (auto [index, type] : llvm::enumerate(op->getOperandTypes()))
    if (failed(check("operand", index, type)))
      return failure();
  for (auto [index, type] : llvm::enumerate(op->getResultTypes()))
    if (failed(check("result", index, type)))
      return failure();
  return success();
}

LogicalResult verifySameElementType(Operation *op, StringRef name, Value value,
                                    StringRef refName, Value reference) {
  Type found = getElementTypeOrSelf(value.getType());
  Type expected = getElementTypeOrSelf(reference.getType());
  if (found == expected)
    return success();
  return op->emitOpError() << name << " element type " << found
                           << " must match " << refName << " element type "
                           << expected;
}
} // namespace

//===----------------------------------------------------------------------===//
// DivOp
//===----------------------------------------------------------------------===//

LogicalResult DivOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifySameElementType(*this, "rhs", getRhs(), "lhs", getLhs())))
    return failure();
  ArrayRef<int64_t> lhsShape = getLhs().getType().getShape();
  ArrayRef<int64_t> rhsShape = getRhs().getType().getShape();
  if (rhsShape.size() > lhsShape.size() ||
      lhsShape.take_back(rhsShape.size()) != rhsShape)
    return emitOpError() << "rhs shape " << Shape{rhsShape}
                         << " must equal lhs shape " << Shape{lhsShape}
                         << " or its trailing dims";
  return success();
}

//===----------------------------------------------------------------------===//
// BroadcastOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  RankedTensorType result = getResult().getType();
  ArrayRef<int64_t> dims = getDims();
  for (auto [index, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= result.getRank())
      return emitOpError() << "broadcast dim " << dim << " must be in [0, "
                           << result.getRank() << ") (the result rank)";
    if (index > 0 && dims[index - 1] >= dim)
      return emitOpError() << "broadcast dims " << Shape{dims}
                           << " must be sorted and unique";
  }
  SmallVector<int64_t> expected;
  for (auto [dim, size] : llvm::enumerate(result.getShape()))
    if (!llvm::is_contained(dims, static_cast<int64_t>(dim)))
      expected.push_back(size);
  ArrayRef<int64_t> found = getInput().getType().getShape();
  if (found != ArrayRef<int64_t>(expected))
    return emitOpError() << "input shape " << Shape{found} << " must be "
                         << Shape{expected}
                         << " (the result shape without the broadcast dims)";
  return success();
}

//===----------------------------------------------------------------------===//
// LayerNormGradOp
//===----------------------------------------------------------------------===//

LogicalResult LayerNormGradOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifySameElementType(*this, "gamma", getGamma(), "input",
                                   getInput())))
    return failure();
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 1)
    return emitOpError() << "input must have rank >= 1, found rank 0";
  int64_t features = input.getShape().back();
  ArrayRef<int64_t> gamma = tensorType(getGamma()).getShape();
  if (gamma.size() != 1 || gamma[0] != features)
    return emitOpError() << "gamma shape " << Shape{gamma} << " must be ["
                         << features << "] (the last dim of input)";
  if (getEpsilon().convertToDouble() <= 0)
    return emitOpError() << "epsilon must be > 0, found "
                         << getEpsilon().convertToDouble();
  return success();
}
