//===- Widenings.cpp - Widenings recomputed where they are read -----------===//
//
// A rounded result read back in f32 (a gradient by the loss-scale guard, the
// unscaling and its parameter's update; a prediction by an f32 loss) would
// be stored at twice the bytes of the 16-bit value it comes from. The
// rounding is split off into the contraction's consumer, so that the
// contraction's kernel rounds, and the widening is recomputed by each of its
// readers: only the 16-bit tensor is stored.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/TensorRewrites.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The bytes of a tensor of static shape; none for anything else.
std::optional<int64_t> staticBytes(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return std::nullopt;
  return tensor.getNumElements() *
         int64_t(llvm::divideCeil(tensor.getElementTypeBitWidth(), 8));
}

/// True when `op` reads `input` as a broadcast of a smaller tensor along
/// some of its loops (a row statistic), which costs less to keep than the
/// full-size result.
bool isBroadcastRead(linalg::GenericOp op, OpOperand *input) {
  AffineMap map = op.getMatchingIndexingMap(input);
  return map.isProjectedPermutation() && map.getNumResults() < map.getNumDims();
}

/// True when `op` is elementwise and computes a wider float tensor from
/// 16-bit ones (and rank-0 scalars, and with WideningInputs::
/// NarrowerOrBroadcast broadcasts of smaller tensors) with no side effects:
/// storing its result costs more memory than recomputing it where it is
/// used. With `narrowed`, that input counts as being of element type
/// `narrowType` (what it reads once its rounding is split off).
bool isWidening(linalg::GenericOp op, WideningInputs inputs,
                OpOperand *narrowed = nullptr, Type narrowType = {}) {
  if (op->getNumResults() != 1 || op.getNumReductionLoops() != 0 ||
      !op.getIndexingMapsArray().back().isIdentity())
    return false;
  Type resultType = op->getResult(0).getType();
  unsigned resultWidth =
      getElementTypeOrSelf(resultType).getIntOrFloatBitWidth();
  bool widens = false;
  // The bytes of the tensors the recomputation keeps alive, and whether
  // some are broadcasts, which only pay off when the total is smaller.
  int64_t inputBytes = 0;
  bool broadcasts = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type)
      return false;
    if (type.getRank() == 0)
      continue;
    std::optional<int64_t> bytes = staticBytes(type);
    inputBytes += bytes.value_or(0);
    if (inputs == WideningInputs::NarrowerOrBroadcast &&
        isBroadcastRead(op, input)) {
      if (!bytes)
        return false;
      broadcasts = true;
      continue;
    }
    Type element = input == narrowed ? narrowType : type.getElementType();
    if (!op.getMatchingIndexingMap(input).isIdentity() ||
        !isa<FloatType>(element) ||
        element.getIntOrFloatBitWidth() >= resultWidth)
      return false;
    widens = true;
  }
  if (broadcasts) {
    std::optional<int64_t> resultBytes = staticBytes(resultType);
    if (!resultBytes || inputBytes >= *resultBytes)
      return false;
  }
  return widens && llvm::all_of(op.getBody()->without_terminator(),
                                [](Operation &bodyOp) {
                                  return isMemoryEffectFree(&bodyOp) &&
                                         bodyOp.getNumRegions() == 0;
                                });
}

/// True when `op` is a contraction with both m and n dims, which the GEMM
/// kernels take; a dot product along rows or a matrix-vector product is a
/// reduction of the vectorizer like any other.
bool isGemm(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op))
    return false;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  return succeeded(dims) && !dims->m.empty() && !dims->n.empty();
}

} // namespace

namespace {

/// One round of rematerializeWidenings: fuses the widenings of `root` whose
/// readers can all recompute them. Returns whether one was erased.
bool rematerializeReadWidenings(RewriterBase &rewriter, Operation *root,
                                WideningInputs inputs) {
  SmallVector<linalg::GenericOp> widenings;
  root->walk([&](linalg::GenericOp op) {
    Value result = op->getResult(0);
    if (!isWidening(op, inputs) || result.use_empty())
      return;
    // Each reader fuses one use; a reader with several would keep reading
    // the stored copy, and a reader that is itself a widening could be
    // erased before its turn.
    SmallPtrSet<Operation *, 4> readers(result.user_begin(), result.user_end());
    if (readers.size() != static_cast<size_t>(std::distance(result.use_begin(),
                                                            result.use_end())))
      return;
    if (llvm::all_of(result.getUses(), [&](OpOperand &use) {
          auto reader = dyn_cast<linalg::GenericOp>(use.getOwner());
          // A GEMM reads the 16-bit source itself (its panel copies widen
          // in registers) once its producer is outlined with it; fused,
          // its body would no longer be a multiply-add.
          return linalg::areElementwiseOpsFusable(&use) && reader &&
                 !isWidening(reader, inputs) && !isGemm(reader);
        }))
      widenings.push_back(op);
  });
  bool erased = false;
  for (linalg::GenericOp widening : widenings) {
    SmallVector<OpOperand *> uses = llvm::map_to_vector(
        widening->getResult(0).getUses(), [](OpOperand &use) { return &use; });
    for (OpOperand *use : uses) {
      // A copy of its own for each user, which fusion then consumes whole
      // (fusing a value with other users would keep it as a result).
      Operation *consumer = use->getOwner();
      rewriter.setInsertionPoint(widening);
      Operation *copy = rewriter.clone(*widening);
      rewriter.modifyOpInPlace(consumer, [&] { use->set(copy->getResult(0)); });
      rewriter.setInsertionPoint(consumer);
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, use);
      if (failed(fused)) {
        rewriter.modifyOpInPlace(consumer,
                                 [&] { use->set(widening->getResult(0)); });
        rewriter.eraseOp(copy);
        continue;
      }
      for (auto [original, replacement] : fused->replacements)
        if (original.getDefiningOp() == consumer)
          rewriter.replaceAllUsesWith(original, replacement);
      rewriter.eraseOp(consumer);
      rewriter.eraseOp(copy);
    }
    if (widening->use_empty()) {
      rewriter.eraseOp(widening);
      erased = true;
    }
  }
  return erased;
}

} // namespace

void mpt::rematerializeWidenings(RewriterBase &rewriter, Operation *root,
                                 WideningInputs inputs) {
  // A reader that recomputes a widening may have become one (softmax's
  // probabilities once they read its 16-bit scores): again until none is
  // left.
  while (rematerializeReadWidenings(rewriter, root, inputs)) {
  }
}

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

void mpt::splitRoundings(RewriterBase &rewriter, Operation *root,
                         RoundingSplit which) {
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
    Type narrow = rounding.getType();
    if (!readsOnlyNarrower(consumer, use) ||
        (which == RoundingSplit::IntoWidenings &&
         !isWidening(consumer, WideningInputs::Narrower, use, narrow)))
      continue;
    Value wide = use->get();
    auto wideType = cast<RankedTensorType>(wide.getType());
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
