//===- MPTGradOps.cpp - Ops of the backward computation -------------------===//
//
// Verifiers of the ops declared in MPTGradOps.td. Their classes are generated
// with the other mpt ops (MPTOps.cpp includes the definitions).
//
//===----------------------------------------------------------------------===//

#include "VerifierUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::detail;

//===----------------------------------------------------------------------===//
// DivOp
//===----------------------------------------------------------------------===//

LogicalResult DivOp::verify() {
  return verifyBroadcastBinary(*this, getLhs(), getRhs());
}

//===----------------------------------------------------------------------===//
// BroadcastOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  if (failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  RankedTensorType result = getResult().getType();
  ArrayRef<int64_t> dims = getDims();
  for (auto [index, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= result.getRank())
      return emitOpError() << "broadcast dim " << dim << " must be in [0, "
                           << result.getRank() << ") (the result rank)";
    if (index > 0 && dims[index - 1] >= dim)
      return emitOpError() << "broadcast dims " << ShapeText{dims}
                           << " must be sorted and unique";
  }
  SmallVector<int64_t> expected;
  for (auto [dim, size] : llvm::enumerate(result.getShape()))
    if (!llvm::is_contained(dims, static_cast<int64_t>(dim)))
      expected.push_back(size);
  ArrayRef<int64_t> found = getInput().getType().getShape();
  if (found != ArrayRef<int64_t>(expected))
    return emitOpError() << "input shape " << ShapeText{found} << " must be "
                         << ShapeText{expected}
                         << " (the result shape without the broadcast dims)";
  return success();
}

//===----------------------------------------------------------------------===//
// LayerNormGradOp
//===----------------------------------------------------------------------===//

LogicalResult LayerNormGradOp::verify() {
  if (failed(verifySameElementType(*this, "gamma", getGamma(), "input",
                                   getInput())))
    return failure();
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 1)
    return emitOpError() << "input must have rank >= 1, found rank 0";
  int64_t features = input.getShape().back();
  ArrayRef<int64_t> gamma = tensorType(getGamma()).getShape();
  if (gamma.size() != 1 || gamma[0] != features)
    return emitOpError() << "gamma shape " << ShapeText{gamma} << " must be ["
                         << features << "] (the last dim of input)";
  return verifyEpsilon(*this, getEpsilon());
}
