//===- Conversions.cpp - Ops that only convert a tensor's floats ----------===//
//
// An elementwise op that only widens or rounds a tensor (the 16-bit cast of
// a weight or a batch input) need not be stored: a GEMM's panel copies read
// its source and convert in registers on the CPU, and on the GPU it is
// recomputed next to each reader.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/TensorRewrites.h"

using namespace mlir;
using namespace mlir::mpt;

Value mpt::findConversionSource(Value value) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return {};
  Block *body = generic.getBody();
  if (!llvm::hasSingleElement(body->without_terminator()))
    return {};
  Operation &conversion = body->front();
  if (conversion.getOperand(0) != body->getArgument(0) ||
      body->getTerminator()->getOperand(0) != conversion.getResult(0))
    return {};
  if (auto truncation = dyn_cast<arith::TruncFOp>(conversion))
    return truncation.getRoundingmodeAttr() ? Value()
                                            : generic.getDpsInputs()[0];
  return isa<arith::ExtFOp>(conversion) ? generic.getDpsInputs()[0] : Value();
}
