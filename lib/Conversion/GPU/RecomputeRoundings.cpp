//===- RecomputeRoundings.cpp - 16-bit copies made where they are read ----===//
//
// A batch input rounded to 16 bits for the first layer's GEMM is read again
// by the first layer's weight gradient, at the very end of the step: stored
// once, the copy would hold device memory for the whole step. Rounding the
// input again before each reader costs one elementwise kernel per extra
// reader and keeps each copy alive only around its reader. The same holds
// for any tensor that stays in memory until after the copy's last reader.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/GPU/Passes.h"
#include "mpt/Conversion/TensorRewrites.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPURECOMPUTEROUNDINGS
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;

namespace {

constexpr StringLiteral kStepsAttr = "mpt.steps";
constexpr StringLiteral kBatchAttr = "mpt.batch";

/// The index in `entry`'s buffer array of the buffer `memref` was made
/// from by the step ABI (the descriptor of a pointer loaded from
/// `buffers[index]`), if it is one.
std::optional<int64_t> stepBufferIndex(Value memref, func::FuncOp entry) {
  auto cast = memref.getDefiningOp<UnrealizedConversionCastOp>();
  if (!cast || cast.getNumOperands() != 1)
    return std::nullopt;
  // The aligned pointer of the descriptor (position 1).
  Value descriptor = cast.getOperand(0);
  auto insert = descriptor.getDefiningOp<LLVM::InsertValueOp>();
  while (insert && insert.getPosition() != ArrayRef<int64_t>{1})
    insert = insert.getContainer().getDefiningOp<LLVM::InsertValueOp>();
  if (!insert)
    return std::nullopt;
  auto load = insert.getValue().getDefiningOp<LLVM::LoadOp>();
  if (!load)
    return std::nullopt;
  Value buffers = entry.getArgument(0);
  Value slot = load.getAddr();
  if (slot == buffers)
    return 0;
  auto gep = slot.getDefiningOp<LLVM::GEPOp>();
  if (!gep || gep.getBase() != buffers || !gep.getDynamicIndices().empty() ||
      gep.getRawConstantIndices().size() != 1)
    return std::nullopt;
  return gep.getRawConstantIndices()[0];
}

/// The argument attributes of the step whose entry point is `entry`, from
/// the signature the step ABI recorded in its module.
ArrayAttr stepArgAttrs(func::FuncOp entry) {
  auto module = entry->getParentOfType<ModuleOp>();
  auto steps =
      module ? module->getAttrOfType<DictionaryAttr>(kStepsAttr) : nullptr;
  if (!steps)
    return {};
  for (NamedAttribute step : steps) {
    auto signature = dyn_cast<DictionaryAttr>(step.getValue());
    if (!signature)
      continue;
    auto name = signature.getAs<StringAttr>("entry");
    if (name && name.getValue() == entry.getSymName())
      return signature.getAs<ArrayAttr>("arg_attrs");
  }
  return {};
}

/// True when `op` does nothing but round its one input (a conversion,
/// findConversionSource, to a narrower type).
bool onlyRounds(linalg::GenericOp op) {
  return mpt::findConversionSource(op->getResult(0)) &&
         isa<arith::TruncFOp>(op.getBody()->front());
}

/// The ops that read `rounding`'s result, through the reshapes between
/// them (each reshape read by them alone).
SmallVector<OpOperand *> readersThroughReshapes(linalg::GenericOp rounding) {
  SmallVector<OpOperand *> readers;
  for (OpOperand &use : rounding->getResult(0).getUses()) {
    Operation *user = use.getOwner();
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(user)) {
      for (OpOperand &reshaped : user->getResult(0).getUses())
        readers.push_back(&reshaped);
      continue;
    }
    readers.push_back(&use);
  }
  return readers;
}

/// True when `source`, computed in `rounding`'s block (not a step input),
/// is read there after the last of `readers`: its memory is held until
/// then anyway.
bool outlivesReaders(Value source, linalg::GenericOp rounding,
                     ArrayRef<OpOperand *> readers) {
  Block *block = rounding->getBlock();
  Operation *producer = source.getDefiningOp();
  if (!producer || isa<bufferization::ToTensorOp>(producer) ||
      source.getParentBlock() != block)
    return false;
  Operation *lastReader = nullptr;
  for (OpOperand *reader : readers) {
    Operation *op = block->findAncestorOpInBlock(*reader->getOwner());
    if (!op)
      return false;
    if (!lastReader || lastReader->isBeforeInBlock(op))
      lastReader = op;
  }
  return llvm::any_of(source.getUsers(), [&](Operation *user) {
    Operation *op = block->findAncestorOpInBlock(*user);
    return op && op != rounding && lastReader->isBeforeInBlock(op);
  });
}

/// Replaces `rounding` by one copy of it, with a new initial output and
/// the reshapes between them, right before each of `readers`.
void recomputeBeforeEachReader(RewriterBase &rewriter,
                               linalg::GenericOp rounding,
                               ArrayRef<OpOperand *> readers) {
  for (OpOperand *reader : readers) {
    rewriter.setInsertionPoint(reader->getOwner());
    IRMapping mapping;
    Operation *init = rounding.getDpsInitOperand(0)->get().getDefiningOp();
    if (init && isa<tensor::EmptyOp>(init))
      mapping.map(init->getResult(0), rewriter.clone(*init)->getResult(0));
    Value copy = rewriter.clone(*rounding, mapping)->getResult(0);
    if (Operation *reshape = reader->get().getDefiningOp();
        reshape && reshape != rounding) {
      mapping.map(rounding->getResult(0), copy);
      copy = rewriter.clone(*reshape, mapping)->getResult(0);
    }
    rewriter.modifyOpInPlace(reader->getOwner(), [&] { reader->set(copy); });
  }
  for (Operation *reshape :
       llvm::make_early_inc_range(rounding->getResult(0).getUsers()))
    rewriter.eraseOp(reshape);
  rewriter.eraseOp(rounding);
}

struct GPURecomputeRoundingsPass
    : mpt::impl::GPURecomputeRoundingsBase<GPURecomputeRoundingsPass> {
  using GPURecomputeRoundingsBase::GPURecomputeRoundingsBase;

  void runOnOperation() override {
    func::FuncOp entry = getOperation();
    ArrayAttr argAttrs = stepArgAttrs(entry);
    // A step input whose buffer stays in memory for the whole step: a
    // batch input, or with `parameters` any of them.
    auto isKeptInput = [&](Value input) {
      auto read = input.getDefiningOp<bufferization::ToTensorOp>();
      if (!read || !argAttrs || entry.getNumArguments() != 1)
        return false;
      std::optional<int64_t> index = stepBufferIndex(read.getBuffer(), entry);
      if (!index || *index >= static_cast<int64_t>(argAttrs.size()))
        return false;
      auto attrs = dyn_cast<DictionaryAttr>(argAttrs[*index]);
      return parameters || (attrs && attrs.contains(kBatchAttr));
    };
    SmallVector<std::pair<linalg::GenericOp, SmallVector<OpOperand *>>>
        roundings;
    entry.walk([&](linalg::GenericOp op) {
      if (!onlyRounds(op) || !op.hasPureTensorSemantics())
        return;
      SmallVector<OpOperand *> readers = readersThroughReshapes(op);
      Value source = op.getDpsInputOperand(0)->get();
      if (readers.size() > 1 &&
          (isKeptInput(source) || outlivesReaders(source, op, readers)))
        roundings.push_back({op, std::move(readers)});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[rounding, readers] : roundings)
      recomputeBeforeEachReader(rewriter, rounding, readers);
  }
};

} // namespace
