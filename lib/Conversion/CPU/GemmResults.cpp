//===- GemmResults.cpp - Where a GEMM kernel writes its result ------------===//
//
// The tensor a GEMM kernel (the block loop or the AMX kernel) writes, and
// how the op that reads the result is rewired to it:
//
// - An f32 result goes to the accumulator's tensor or, when the kernel
//   makes the accumulator's start in registers, to the tensor that start
//   writes: the caller of a kernel finds the result in its buffer.
// - A result that the kernel rounds (findRounding) goes to the destination
//   of the elementwise op that rounds it, which then reads it from there
//   and overwrites it in place, else to a tensor of its own; the op reads
//   the rounded values instead of rounding them.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

/// True when the op that does `rounding` does nothing else: it reads
/// `gemm`'s result, through reshapes, and stores it rounded.
bool onlyRounds(linalg::GenericOp consumer, arith::TruncFOp rounding) {
  return consumer.getNumDpsInputs() == 1 &&
         consumer.getBody()->getOperations().size() == 2 &&
         consumer.getBody()->getTerminator()->getOperand(0) ==
             rounding.getResult();
}

/// True when the op that does `rounding` is elementwise on identity maps
/// and writes one tensor of the rounded type without reading it: the
/// rounded blocks can be stored in that tensor, which the op then reads
/// and overwrites element by element.
bool roundsInPlace(linalg::GenericOp consumer, arith::TruncFOp rounding) {
  if (consumer.getNumDpsInits() != 1 || consumer.getNumReductionLoops() != 0 ||
      !llvm::all_of(consumer.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return false;
  OpOperand *init = consumer.getDpsInitOperand(0);
  return getElementTypeOrSelf(init->get().getType()) == rounding.getType() &&
         consumer.getMatchingBlockArgument(init).use_empty();
}

/// The destination of the op that does `rounding`, seen as `gemm`'s
/// result, when the rounded blocks can be stored there (roundsInPlace);
/// null otherwise, or when that destination is made after the GEMM.
Value roundedDestination(RewriterBase &rewriter, Location loc, Gemm &gemm,
                         arith::TruncFOp rounding) {
  auto consumer = cast<linalg::GenericOp>(rounding->getParentOp());
  if (!roundsInPlace(consumer, rounding))
    return {};
  Value destination = consumer.getDpsInits()[0];
  // A destination made after the GEMM (an empty tensor) gains nothing
  // over the blocks' own tensor.
  if (!DominanceInfo().properlyDominates(destination, gemm.op))
    return {};
  // Named: a range-for over llvm::reverse of a temporary would outlive it.
  SmallVector<Operation *> reshapes = reshapesToReader(gemm.op->getResult(0));
  for (Operation *reshape : llvm::reverse(reshapes)) {
    auto source = cast<RankedTensorType>(reshape->getOperand(0).getType())
                      .clone(rounding.getType());
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(reshape))
      destination = tensor::CollapseShapeOp::create(
          rewriter, loc, source, destination, expand.getReassociationIndices());
    else
      destination = tensor::ExpandShapeOp::create(
          rewriter, loc, source, destination,
          cast<tensor::CollapseShapeOp>(reshape).getReassociationIndices());
  }
  return destination;
}

/// Rewrites `consumer`, which reads the rounded blocks through `rounded`
/// and writes the tensor they were stored in, into an op that reads them
/// from its destination instead: it then updates that tensor in place,
/// also once tiled, where an input and a destination that alias would be
/// copied by bufferization.
void readRoundedFromDestination(RewriterBase &rewriter,
                                linalg::GenericOp consumer,
                                OpOperand &rounded) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    if (input == &rounded)
      continue;
    inputs.push_back(input->get());
    maps.push_back(consumer.getMatchingIndexingMap(input));
  }
  maps.push_back(
      consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0)));
  BlockArgument roundedArg = consumer.getMatchingBlockArgument(&rounded);
  rewriter.setInsertionPoint(consumer);
  auto inPlace = linalg::GenericOp::create(
      rewriter, consumer.getLoc(), consumer->getResultTypes(), inputs,
      ValueRange{rounded.get()}, maps, consumer.getIteratorTypesArray());
  rewriter.inlineRegionBefore(consumer.getRegion(), inPlace.getRegion(),
                              inPlace.getRegion().end());
  Block *body = inPlace.getBody();
  rewriter.replaceAllUsesWith(roundedArg, body->getArguments().back());
  body->eraseArgument(roundedArg.getArgNumber());
  rewriter.replaceOp(consumer, inPlace->getResults());
}

} // namespace

GemmDestination cpu::gemmDestination(RewriterBase &rewriter, Location loc,
                                     Gemm &gemm, AccumulatorStart start,
                                     arith::TruncFOp rounding) {
  if (rounding) {
    Value into = roundedDestination(rewriter, loc, gemm, rounding);
    return {into, rounding.getType(), /*inRoundingDestination=*/bool(into)};
  }
  Value init = gemm.op.getDpsInits()[0];
  return {start.readsTile() ? init : startDestination(rewriter, init),
          rewriter.getF32Type(), /*inRoundingDestination=*/false};
}

void cpu::replaceGemm(RewriterBase &rewriter, Gemm &gemm, Value result,
                      arith::TruncFOp rounding, GemmDestination destination) {
  if (!rounding) {
    rewriter.replaceOp(gemm.op, result);
    return;
  }
  // The reshapes back to the op's shape carry the rounded result.
  SmallVector<Operation *> reshapes = reshapesToReader(gemm.op->getResult(0));
  OpOperand &use = *(reshapes.empty() ? gemm.op->getResult(0)
                                      : reshapes.back()->getResult(0))
                        .use_begin();
  Value rounded = result;
  for (Operation *reshape : reshapes) {
    rewriter.modifyOpInPlace(reshape, [&] {
      reshape->setOperand(0, rounded);
      Value reshaped = reshape->getResult(0);
      reshaped.setType(
          cast<RankedTensorType>(reshaped.getType()).clone(rounding.getType()));
    });
    rounded = reshape->getResult(0);
  }
  auto consumer = cast<linalg::GenericOp>(use.getOwner());
  BlockArgument arg = consumer.getMatchingBlockArgument(&use);
  bool onlyRounding = onlyRounds(consumer, rounding);
  rewriter.modifyOpInPlace(consumer, [&] {
    use.set(rounded);
    arg.setType(rounding.getType());
  });
  rewriter.replaceOp(rounding, arg);
  if (destination.inRoundingDestination && onlyRounding)
    rewriter.replaceOp(consumer, rounded);
  else if (destination.inRoundingDestination)
    readRoundedFromDestination(rewriter, consumer, use);
  rewriter.eraseOp(gemm.op);
}
