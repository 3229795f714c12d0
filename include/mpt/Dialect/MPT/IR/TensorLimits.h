//===- TensorLimits.h - Which tensors can exist -----------------*- C++ -*-===//
//
// A training step computes every tensor it names, so each one must be
// storable: a static shape without zero-sized dims whose element count and
// byte size fit in int64 (no 64-bit address space holds more). The
// verifiers check this once; every size the compiler computes from a shape
// goes through these checked functions.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_DIALECT_MPT_IR_TENSORLIMITS_H
#define MPT_DIALECT_MPT_IR_TENSORLIMITS_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/Diagnostics.h"

#include <optional>

namespace mlir {
namespace mpt {

/// The product of `dims`, or nullopt when a dim is negative (dynamic) or
/// the product overflows int64.
std::optional<int64_t> getCheckedProduct(ArrayRef<int64_t> dims);

/// Bytes per element of a tensor of `elementType`: whole bytes for int and
/// float types, 8 for index; nullopt for other element types.
std::optional<int64_t> getElementByteSize(Type elementType);

/// The element count and byte size of a statically shaped type, or nullopt
/// when either overflows int64 or the shape is not static. A type whose
/// element size is unknown counts one byte per element.
struct TensorFootprint {
  int64_t numElements;
  int64_t numBytes;
};
std::optional<TensorFootprint> getTensorFootprint(ShapedType type);

/// Checks that a value of `type` can exist. A ranked shaped type must have
/// a static shape, every dim at least 1, and fit (getTensorFootprint);
/// other types always can. `what` names the value in the message
/// ("operand #1", "parameter 'w'"), which says what was found.
LogicalResult verifyTypeCanExist(function_ref<InFlightDiagnostic()> emitError,
                                 const Twine &what, Type type);

} // namespace mpt
} // namespace mlir

#endif // MPT_DIALECT_MPT_IR_TENSORLIMITS_H
