//===- StepABI.h - The C entry point of a compiled step ---------*- C++ -*-===//

#ifndef MPT_CONVERSION_STEPABI_STEPABI_H
#define MPT_CONVERSION_STEPABI_STEPABI_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_DECL_STEPABI
#include "mpt/Conversion/Passes.h.inc"

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_STEPABI_STEPABI_H
