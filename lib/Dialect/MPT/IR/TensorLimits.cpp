//===- TensorLimits.cpp - Which tensors can exist -------------------------===//

#include "mpt/Dialect/MPT/IR/TensorLimits.h"
#include "mpt/Dialect/MPT/IR/MPTTraits.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::mpt;

std::optional<int64_t> mlir::mpt::getCheckedProduct(ArrayRef<int64_t> dims) {
  int64_t product = 1;
  for (int64_t dim : dims) {
    if (dim < 0)
      return std::nullopt;
    std::optional<int64_t> next = llvm::checkedMul(product, dim);
    if (!next)
      return std::nullopt;
    product = *next;
  }
  return product;
}

std::optional<int64_t> mlir::mpt::getElementByteSize(Type elementType) {
  if (elementType.isIndex())
    return 8;
  if (elementType.isIntOrFloat())
    return llvm::divideCeil(elementType.getIntOrFloatBitWidth(), 8);
  return std::nullopt;
}

std::optional<TensorFootprint> mlir::mpt::getTensorFootprint(ShapedType type) {
  if (!type.hasStaticShape())
    return std::nullopt;
  std::optional<int64_t> numElements = getCheckedProduct(type.getShape());
  if (!numElements)
    return std::nullopt;
  int64_t elementBytes = getElementByteSize(type.getElementType()).value_or(1);
  std::optional<int64_t> numBytes =
      llvm::checkedMul(*numElements, elementBytes);
  if (!numBytes)
    return std::nullopt;
  return TensorFootprint{*numElements, *numBytes};
}

/// The exact product of `dims` (all >= 1) in decimal, however large.
static std::string exactProduct(ArrayRef<int64_t> dims, int64_t factor) {
  unsigned width = 64 * (dims.size() + 2);
  llvm::APInt product(width, factor);
  for (int64_t dim : dims)
    product *= llvm::APInt(width, dim);
  return llvm::toString(product, /*Radix=*/10, /*Signed=*/false);
}

LogicalResult
mlir::mpt::verifyTypeCanExist(function_ref<InFlightDiagnostic()> emitError,
                              const Twine &what, Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return success();
  ArrayRef<int64_t> shape = shaped.getShape();
  for (auto [index, dim] : llvm::enumerate(shape)) {
    if (ShapedType::isDynamic(dim))
      return emitError() << what << " (" << type << ") must have a static "
                         << "shape, found a dynamic dim " << index;
    if (dim == 0)
      return emitError() << what << " (" << type << ") has a zero-sized dim "
                         << index
                         << "; every dim of an mpt tensor must be at least 1";
  }
  if (getTensorFootprint(shaped))
    return success();
  int64_t elementBytes =
      getElementByteSize(shaped.getElementType()).value_or(1);
  return emitError() << what << " (" << type << ") has "
                     << exactProduct(shape, 1) << " elements ("
                     << exactProduct(shape, elementBytes)
                     << " bytes); a tensor can have at most "
                     << std::numeric_limits<int64_t>::max()
                     << " (2^63 - 1) of each, the most a 64-bit address "
                        "space can index";
}

LogicalResult mlir::mpt::verifyOperandsAndResultsCanExist(Operation *op) {
  auto emitError = [&] { return op->emitOpError(); };
  for (auto [index, type] : llvm::enumerate(op->getOperandTypes()))
    if (failed(verifyTypeCanExist(emitError, "operand #" + Twine(index), type)))
      return failure();
  for (auto [index, type] : llvm::enumerate(op->getResultTypes()))
    if (failed(verifyTypeCanExist(emitError, "result #" + Twine(index), type)))
      return failure();
  return success();
}
