//===- MPTOps.h - Operations of the mpt dialect -----------------*- C++ -*-===//

#ifndef MPT_DIALECT_MPT_IR_MPTOPS_H
#define MPT_DIALECT_MPT_IR_MPTOPS_H

#include "mpt/Dialect/MPT/IR/MPTAttrs.h"
#include "mpt/Dialect/MPT/IR/MPTCollectiveEnums.h.inc"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTInterfaces.h"
#include "mpt/Dialect/MPT/IR/MPTMaskEnums.h.inc"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CastInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "mpt/Dialect/MPT/IR/MPTOps.h.inc"

#endif // MPT_DIALECT_MPT_IR_MPTOPS_H
