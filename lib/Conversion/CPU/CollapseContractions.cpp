//===- CollapseContractions.cpp - Contractions with one dim per role ------===//
//
// Fusing reshapes into contractions (linalg-fuse-elementwise-ops) leaves
// them with several m, n, k or batch loops: a linear layer on
// [batch][seq][width] has two m loops, a projection into heads two n
// loops, a weight gradient two k loops. Where each group of loops is
// contiguous in every operand, it is one loop over a collapsed view, and
// the contraction becomes a GEMM the packed kernels take.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

/// The loop dims of `group` in the order they appear in `map`'s results.
SmallVector<unsigned> inMapOrder(AffineMap map, ArrayRef<unsigned> group) {
  SmallVector<unsigned> ordered;
  for (AffineExpr expr : map.getResults())
    if (auto dim = dyn_cast<AffineDimExpr>(expr);
        dim && llvm::is_contained(group, dim.getPosition()))
      ordered.push_back(dim.getPosition());
  return ordered;
}

} // namespace

FailureOr<linalg::LinalgOp> cpu::collapseContractionDims(RewriterBase &rewriter,
                                                         linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op) || !op.hasPureTensorSemantics() ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return rewriter.notifyMatchFailure(op, "not a contraction on tensors");
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return rewriter.notifyMatchFailure(op, "no m, n and k loops");
  if (dims->batch.size() <= 1 && dims->m.size() == 1 && dims->n.size() == 1 &&
      dims->k.size() == 1)
    return op;
  if (op.getNumLoops() !=
      dims->batch.size() + dims->m.size() + dims->n.size() + dims->k.size())
    return rewriter.notifyMatchFailure(op, "loops of no contraction role");

  // Loops in the order (batch, m, n, k), each group as the operands read
  // it, so that every group is a range of consecutive loops.
  AffineMap resultMap = op.getIndexingMapsArray().back();
  AffineMap lhsMap = op.getIndexingMapsArray().front();
  SmallVector<SmallVector<unsigned>> groups = {
      inMapOrder(resultMap, dims->batch), inMapOrder(resultMap, dims->m),
      inMapOrder(resultMap, dims->n), inMapOrder(lhsMap, dims->k)};
  SmallVector<unsigned> order;
  SmallVector<ReassociationIndices> folded;
  for (ArrayRef<unsigned> group : groups) {
    if (group.size() > 1)
      folded.push_back(llvm::to_vector(
          llvm::seq<int64_t>(order.size(), order.size() + group.size())));
    llvm::append_range(order, group);
  }
  if (order.size() != op.getNumLoops())
    return rewriter.notifyMatchFailure(op, "a loop read by no operand");

  FailureOr<linalg::GenericOp> generic =
      isa<linalg::GenericOp>(op) ? cast<linalg::GenericOp>(op)
                                 : linalg::generalizeNamedOp(rewriter, op);
  if (failed(generic))
    return rewriter.notifyMatchFailure(op, "could not be generalized");
  SmallVector<AffineMap> permuted;
  AffineMap permutation =
      AffineMap::getPermutationMap(order, rewriter.getContext());
  for (AffineMap map : generic->getIndexingMapsArray())
    permuted.push_back(map.compose(inversePermutation(permutation)));
  if (!linalg::areDimSequencesPreserved(permuted, folded))
    return rewriter.notifyMatchFailure(
        op, "a group of m, n, k or batch loops is not contiguous in every "
            "operand");
  FailureOr<linalg::GenericOp> interchanged =
      linalg::interchangeGenericOp(rewriter, *generic, order);
  if (failed(interchanged))
    return rewriter.notifyMatchFailure(op, "could not be interchanged");
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(*interchanged, folded, rewriter);
  if (failed(collapsed))
    return rewriter.notifyMatchFailure(op, "could not be collapsed");
  rewriter.replaceOp(*interchanged, collapsed->results);
  return collapsed->collapsedOp;
}
