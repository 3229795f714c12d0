//===- RematerializeWidenings.cpp - Widenings recomputed by readers -------===//
//
// The pass form of cpu::rematerializeWidenings (RoundedGemm.cpp), run on
// whole functions before kernels are outlined: once the widening and its
// readers are in kernels of their own, no fusion can reach across them.
// The roundings of GEMM results are split off first, so that what an op
// computes from a rounded result is a widening that its readers recompute,
// and the rounding itself lands in the GEMM's kernel.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_REMATERIALIZEWIDENINGS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// True when `consumer` has one result, wider than each of its inputs
/// other than `rounded` and rank-0 scalars: once it reads `rounded`
/// narrowed, it is a widening that its readers can recompute.
bool readsOnlyNarrower(linalg::GenericOp consumer, OpOperand *rounded) {
  if (consumer->getNumResults() != 1)
    return false;
  unsigned width = getElementTypeOrSelf(consumer->getResult(0).getType())
                       .getIntOrFloatBitWidth();
  return llvm::all_of(consumer.getDpsInputOperands(), [&](OpOperand *input) {
    auto type = dyn_cast<ShapedType>(input->get().getType());
    return input == rounded || !type || type.getRank() == 0 ||
           type.getElementType().getIntOrFloatBitWidth() < width;
  });
}

} // namespace

void cpu::splitRoundings(RewriterBase &rewriter, Operation *root) {
  SmallVector<std::pair<linalg::LinalgOp, arith::TruncFOp>> roundings;
  root->walk([&](linalg::LinalgOp op) {
    if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
        !linalg::isaContractionOpInterface(op))
      return;
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    if (failed(dims))
      return;
    if (arith::TruncFOp rounding = findRounding(op, !dims->batch.empty()))
      roundings.push_back({op, rounding});
  });
  for (auto [contraction, rounding] : roundings) {
    auto consumer = cast<linalg::GenericOp>(rounding->getParentOp());
    Block *body = consumer.getBody();
    // Already an op that only rounds.
    if (consumer.getNumDpsInputs() == 1 && body->getOperations().size() == 2 &&
        body->getTerminator()->getOperand(0) == rounding.getResult())
      continue;
    auto arg = cast<BlockArgument>(rounding.getIn());
    OpOperand *use = consumer.getMatchingOpOperand(arg);
    if (!readsOnlyNarrower(consumer, use))
      continue;
    Value wide = use->get();
    auto wideType = cast<RankedTensorType>(wide.getType());
    Type narrow = rounding.getType();
    Location loc = rounding.getLoc();
    rewriter.setInsertionPoint(consumer);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, wideType.getShape(), narrow);
    AffineMap identity = rewriter.getMultiDimIdentityMap(wideType.getRank());
    auto rounded = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{wide},
        ValueRange{init}, ArrayRef<AffineMap>{identity, identity},
        SmallVector<utils::IteratorType>(wideType.getRank(),
                                         utils::IteratorType::parallel),
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          linalg::YieldOp::create(
              b, nestedLoc,
              arith::TruncFOp::create(b, nestedLoc, narrow, args[0])
                  .getResult());
        });
    rewriter.modifyOpInPlace(consumer, [&] {
      use->set(rounded.getResult(0));
      arg.setType(narrow);
    });
    rewriter.replaceOp(rounding, arg);
  }
}

namespace {

struct RematerializeWideningsPass
    : mpt::impl::RematerializeWideningsBase<RematerializeWideningsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    cpu::splitRoundings(rewriter, getOperation());
    cpu::rematerializeWidenings(rewriter, getOperation());
  }
};

} // namespace
