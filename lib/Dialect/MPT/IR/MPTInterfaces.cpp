//===- MPTInterfaces.cpp - Interfaces of the mpt dialect ------------------===//

#include "mpt/Dialect/MPT/IR/MPTInterfaces.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::mpt;

llvm::StringRef mlir::mpt::stringifyPrecisionClass(PrecisionClass cls) {
  switch (cls) {
  case PrecisionClass::Allow:
    return "allow";
  case PrecisionClass::Infer:
    return "infer";
  case PrecisionClass::Clear:
    return "clear";
  case PrecisionClass::Deny:
    return "deny";
  }
  llvm_unreachable("unknown precision class");
}

std::optional<PrecisionClass>
mlir::mpt::symbolizePrecisionClass(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<PrecisionClass>>(name)
      .Case("allow", PrecisionClass::Allow)
      .Case("infer", PrecisionClass::Infer)
      .Case("clear", PrecisionClass::Clear)
      .Case("deny", PrecisionClass::Deny)
      .Default(std::nullopt);
}

bool mlir::mpt::isFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

#include "mpt/Dialect/MPT/IR/MPTInterfaces.cpp.inc"
