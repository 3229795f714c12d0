//===- RoundedGemm.cpp - Where a GEMM's accumulators start and end -------===//
//
// A block kernel keeps its accumulators in registers; what it must read
// from memory at the start and write at the end is decided here.
//
// - Start: an accumulator that is a fill or a bias broadcast over the rows
//   is made in registers (the fill value, or the bias row of the block's
//   columns), so that neither the fill nor the broadcast bias is ever
//   written to memory.
// - End: contractions on f16/bf16 accumulate in f32, and their result is
//   then rounded by an elementwise op. When that op is the only user of
//   the f32 result and reads it only through an `arith.truncf`, the kernel
//   rounds each register block as it stores it: the f32 result never
//   leaves registers, and the rounded values are the same.
//
// Which accumulators start in registers and which results are rounded is
// decided on tensors, before the kernels exist (Conversion/TensorRewrites,
// shared with the GPU back end); the kernels' side of it is here.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

AccumulatorStart cpu::findAccumulatorStart(Gemm &gemm) {
  return mpt::findAccumulatorStart(gemm.op, gemm.batch.has_value());
}

Value cpu::emitRowStart(OpBuilder &b, Location loc, AccumulatorStart start,
                        Value column, int64_t nr) {
  if (!start.rowStart)
    return start.fillValue;
  Value offset = arith::MulIOp::create(
      b, loc, column, arith::ConstantIndexOp::create(b, loc, nr));
  IRMapping vectors;
  for (OpOperand *input : start.rowStart.getDpsInputOperands()) {
    Type element = getElementTypeOrSelf(input->get().getType());
    vectors.map(start.rowStart.getMatchingBlockArgument(input),
                vector::TransferReadOp::create(
                    b, loc, VectorType::get({nr}, element), input->get(),
                    ValueRange{offset}, /*padding=*/std::nullopt,
                    ArrayRef<bool>{true}));
  }
  for (Operation &op : start.rowStart.getBody()->without_terminator()) {
    Operation *vectorOp = b.clone(op, vectors);
    for (Value result : vectorOp->getResults())
      result.setType(VectorType::get({nr}, result.getType()));
  }
  return vectors.lookup(
      start.rowStart.getBody()->getTerminator()->getOperand(0));
}

arith::TruncFOp cpu::findRounding(Gemm &gemm) {
  return mpt::findRounding(gemm.op, gemm.batch.has_value());
}

Value cpu::startDestination(RewriterBase &rewriter, Value init) {
  SmallVector<Operation *> reshapes;
  Value start = init;
  while (start != sourceOfRowReshapes(start)) {
    reshapes.push_back(start.getDefiningOp());
    start = reshapes.back()->getOperand(0);
  }
  auto startOp = start.getDefiningOp<DestinationStyleOpInterface>();
  if (!startOp || startOp.getNumDpsInits() != 1)
    return init;
  Value destination = startOp.getDpsInits()[0];
  for (Operation *reshape : llvm::reverse(reshapes)) {
    IRMapping mapping;
    mapping.map(reshape->getOperand(0), destination);
    destination = rewriter.clone(*reshape, mapping)->getResult(0);
  }
  return destination;
}
