//===- MPTInterfaces.h - Interfaces of the mpt dialect ----------*- C++ -*-===//

#ifndef MPT_DIALECT_MPT_IR_MPTINTERFACES_H
#define MPT_DIALECT_MPT_IR_MPTINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <utility>

namespace mlir {
namespace mpt {

/// How an op behaves in low precision; see PrecisionClassOpInterface.
enum class PrecisionClass { Allow, Infer, Clear, Deny };

llvm::StringRef stringifyPrecisionClass(PrecisionClass cls);
std::optional<PrecisionClass> symbolizePrecisionClass(llvm::StringRef name);

/// True for ranked tensors of a floating-point element type.
bool isFloatTensor(Type type);

} // namespace mpt
} // namespace mlir

#include "mpt/Dialect/MPT/IR/MPTInterfaces.h.inc"

#endif // MPT_DIALECT_MPT_IR_MPTINTERFACES_H
