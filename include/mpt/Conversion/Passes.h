//===- Passes.h - Conversions shared by the back ends -----------*- C++ -*-===//
//
// Every back end starts a step the same way: `--mpt-step-abi` gives it the C
// entry point of the runtime and `--convert-mpt-to-linalg` rewrites its mpt
// ops to linalg on tensors. Each conversion has its own header, as in
// CIRCT; this one gathers them and registers them. The CPU and GPU
// pipelines are declared in CPU/Passes.h and GPU/Passes.h.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_PASSES_H
#define MPT_CONVERSION_PASSES_H

#include "mpt/Conversion/MPTToLinalg/MPTToLinalg.h"
#include "mpt/Conversion/StepABI/StepABI.h"
#include "mpt/Conversion/StructuralCSE/StructuralCSE.h"

// The dialects the shared conversions create, which their pass definitions
// load.
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace mpt {

#define GEN_PASS_REGISTRATION
#include "mpt/Conversion/Passes.h.inc"

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_PASSES_H
