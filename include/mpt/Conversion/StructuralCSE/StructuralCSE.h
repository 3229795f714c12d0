//===- StructuralCSE.h - CSE that hashes regions too ------------*- C++ -*-===//

#ifndef MPT_CONVERSION_STRUCTURALCSE_STRUCTURALCSE_H
#define MPT_CONVERSION_STRUCTURALCSE_STRUCTURALCSE_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_DECL_STRUCTURALCSE
#include "mpt/Conversion/Passes.h.inc"

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_STRUCTURALCSE_STRUCTURALCSE_H
