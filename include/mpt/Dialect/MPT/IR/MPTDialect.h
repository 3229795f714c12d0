//===- MPTDialect.h - The mixed-precision training dialect ------*- C++ -*-===//

#ifndef MPT_DIALECT_MPT_IR_MPTDIALECT_H
#define MPT_DIALECT_MPT_IR_MPTDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"

// The traits that MPT_Op gives every op of the dialect.
#include "mpt/Dialect/MPT/IR/MPTTraits.h"

#include "mpt/Dialect/MPT/IR/MPTOpsDialect.h.inc"

#endif // MPT_DIALECT_MPT_IR_MPTDIALECT_H
