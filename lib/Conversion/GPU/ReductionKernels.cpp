//===- ReductionKernels.cpp - Reductions spread over many threads ---------===//
//
// The loss, `all_finite` and the bias gradients reduce many elements into
// few outputs. One thread per output would leave most of the GPU idle, so
// the reduced elements are spread over threads and combined:
//
// - *row* reductions (the reduced dimension is the contiguous one): one
//   block per output; its threads stride over the reduced elements, so that
//   each warp reads contiguous memory, and `gpu.all_reduce` combines them
//   (warp shuffles, then shared memory);
// - *column* reductions (the reduced dimension is strided): one thread per
//   output walks it, so that neighbouring threads read neighbouring
//   elements.
//
// When that gives too few blocks to fill the GPU (a loss is one output), the
// reduced elements are also split over `S` blocks per output that write
// partial results, and a second kernel combines those with the output's
// initial value.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// How many blocks a reduction should launch to keep every multiprocessor
/// of a large GPU busy (132 on an H100, each running several blocks).
constexpr int64_t kTargetBlocks = 1024;
/// Fewest elements each thread should reduce in a split reduction, so that
/// the partial results stay a small fraction of the input.
constexpr int64_t kMinElementsPerThread = 8;
/// Fewest outputs for which one block (or thread) each fills the GPU.
constexpr int64_t kEnoughOutputs = 256;

/// A linalg op with one output whose body combines one value per reduced
/// element into it with an operator `gpu.all_reduce` knows.
struct BlockReduction {
  linalg::LinalgOp op;
  SmallVector<unsigned> parallelDims, reductionDims;
  Operation *combiner;
  /// The value of the body that is combined into the output.
  Value reduced;
  BlockArgument accumulator;
  gpu::AllReduceOperation kind;
  /// Whether the contiguous dimension of the input is a reduced one.
  bool isRow;
};

std::optional<gpu::AllReduceOperation> allReduceKindOf(Operation *combiner) {
  using Kind = gpu::AllReduceOperation;
  return llvm::TypeSwitch<Operation *, std::optional<Kind>>(combiner)
      .Case([](arith::AddFOp) { return Kind::ADD; })
      .Case([](arith::AddIOp) { return Kind::ADD; })
      .Case([](arith::MulFOp) { return Kind::MUL; })
      .Case([](arith::MulIOp) { return Kind::MUL; })
      .Case([](arith::MaximumFOp) { return Kind::MAXIMUMF; })
      .Case([](arith::MinimumFOp) { return Kind::MINIMUMF; })
      .Case([](arith::MaxNumFOp) { return Kind::MAXNUMF; })
      .Case([](arith::MinNumFOp) { return Kind::MINNUMF; })
      .Case([](arith::MaxSIOp) { return Kind::MAXSI; })
      .Case([](arith::MinSIOp) { return Kind::MINSI; })
      .Case([](arith::MaxUIOp) { return Kind::MAXUI; })
      .Case([](arith::MinUIOp) { return Kind::MINUI; })
      .Case([](arith::AndIOp) { return Kind::AND; })
      .Case([](arith::OrIOp) { return Kind::OR; })
      .Case([](arith::XOrIOp) { return Kind::XOR; })
      .Default([](Operation *) { return std::nullopt; });
}

/// Whether the innermost dimension of `op`'s largest input is reduced: then
/// threads striding over the reduced elements read contiguous memory.
bool reducesContiguousDim(linalg::LinalgOp op) {
  OpOperand *largest = nullptr;
  for (OpOperand *input : op.getDpsInputOperands())
    if (op.getRank(input) > 0 &&
        (!largest || op.getRank(input) > op.getRank(largest)))
      largest = input;
  if (!largest)
    return true;
  auto innermost = dyn_cast<AffineDimExpr>(
      op.getMatchingIndexingMap(largest).getResults().back());
  return innermost && op.getIteratorTypesArray()[innermost.getPosition()] ==
                          utils::IteratorType::reduction;
}

FailureOr<BlockReduction> matchBlockReduction(RewriterBase &rewriter,
                                              linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0)
    return rewriter.notifyMatchFailure(
        op, "expected one output and at least one reduction loop");
  if (!op.hasPureBufferSemantics())
    return rewriter.notifyMatchFailure(op, "not on buffers");
  BlockReduction reduction;
  reduction.op = op;
  SmallVector<Operation *> combiners;
  reduction.reduced = matchReduction(op.getRegionOutputArgs(), 0, combiners);
  if (!reduction.reduced || combiners.size() != 1)
    return rewriter.notifyMatchFailure(
        op, "the body does not combine one value into the output with one op");
  reduction.combiner = combiners.front();
  std::optional<gpu::AllReduceOperation> kind =
      allReduceKindOf(reduction.combiner);
  if (!kind || !arith::getNeutralElement(reduction.combiner))
    return rewriter.notifyMatchFailure(
        op, "the combiner is no gpu.all_reduce operator with a neutral "
            "element");
  // Shuffles move 32-bit values; i1 is widened to i32 below.
  Type type = reduction.reduced.getType();
  if (!(type.isF32() || type.isInteger(32) || type.isInteger(1)))
    return rewriter.notifyMatchFailure(
        op, "expected f32, i32 or i1 values to combine");
  reduction.kind = *kind;
  reduction.accumulator = op.getRegionOutputArgs().front();
  op.getParallelDims(reduction.parallelDims);
  op.getReductionDims(reduction.reductionDims);
  reduction.isRow = reducesContiguousDim(op);
  return reduction;
}

/// Emits the kernels of one matched reduction.
class ReductionEmitter {
public:
  ReductionEmitter(KernelBuilder &kernels, OpBuilder &b,
                   BlockReduction &reduction)
      : kernels(kernels), b(b), r(reduction), loc(reduction.op.getLoc()) {}

  void emit() {
    SmallVector<Value> sizes = loopSizes(b, loc, r.op);
    for (unsigned dim : r.parallelDims)
      parallelSizes.push_back(sizes[dim]);
    for (unsigned dim : r.reductionDims)
      reductionSizes.push_back(sizes[dim]);
    Value outputs = product(b, loc, parallelSizes);
    Value reduced = product(b, loc, reductionSizes);
    int64_t threads = threadsPerBlock(reduced);
    int64_t splits = splitCount(outputs, reduced, threads);

    auto fromInput = [&](OpBuilder &b, Value p, Value i) {
      return reducedValueAt(b, p, i);
    };
    if (splits == 1) {
      emitKernel("reduce", outputs, reduced, threads, 1, fromInput,
                 [&](OpBuilder &b, Value p, Value, Value total) {
                   combineIntoOutput(b, p, total);
                 });
      return;
    }

    // Partial results, laid out so that the threads writing (and later
    // reading) them touch neighbouring elements.
    Type type = r.reduced.getType();
    int64_t numOutputs = *getConstantIntValue(outputs);
    auto partialType =
        MemRefType::get(r.isRow ? ArrayRef<int64_t>{numOutputs, splits}
                                : ArrayRef<int64_t>{splits, numOutputs},
                        type);
    Value partials = gpu::AllocOp::create(b, loc, partialType,
                                          /*asyncToken=*/Type(),
                                          /*asyncDependencies=*/{},
                                          /*dynamicSizes=*/{},
                                          /*symbolOperands=*/{})
                         .getMemref();
    auto at = [&](OpBuilder &b, Value p, Value s) -> SmallVector<Value> {
      return r.isRow ? SmallVector<Value>{p, s} : SmallVector<Value>{s, p};
    };
    emitKernel("reduce_partial", outputs, reduced, threads, splits, fromInput,
               [&](OpBuilder &b, Value p, Value s, Value total) {
                 memref::StoreOp::create(b, loc, total, partials, at(b, p, s));
               });
    Value splitCount = indexConstant(b, loc, splits);
    emitKernel(
        "reduce_final", outputs, splitCount, threadsPerBlock(splitCount), 1,
        [&](OpBuilder &b, Value p, Value s) -> Value {
          return memref::LoadOp::create(b, loc, partials, at(b, p, s));
        },
        [&](OpBuilder &b, Value p, Value, Value total) {
          combineIntoOutput(b, p, total);
        });
    gpu::DeallocOp::create(b, loc, /*asyncToken=*/Type(), ValueRange{},
                           partials);
  }

private:
  /// The value to combine for output `p` and reduced element `i`.
  using ValueFn = function_ref<Value(OpBuilder &, Value p, Value i)>;
  /// What a thread does with the combined value of output `p`, part `s`.
  using FinishFn =
      function_ref<void(OpBuilder &, Value p, Value s, Value total)>;

  /// A row reduction uses as many threads as there are elements to reduce,
  /// in whole warps, up to the configured block size. A column reduction
  /// has one thread per output.
  int64_t threadsPerBlock(Value reduced) const {
    int64_t limit = kernels.getBlockSize();
    std::optional<int64_t> count = getConstantIntValue(reduced);
    if (!r.isRow || !count)
      return limit;
    return std::clamp<int64_t>(llvm::PowerOf2Ceil(*count), 32, limit);
  }

  /// Into how many parts to split each output's reduced elements.
  int64_t splitCount(Value outputs, Value reduced, int64_t threads) const {
    std::optional<int64_t> numOutputs = getConstantIntValue(outputs);
    std::optional<int64_t> numReduced = getConstantIntValue(reduced);
    if (!numOutputs || !numReduced)
      return 1;
    int64_t blocks =
        r.isRow ? *numOutputs : llvm::divideCeil(*numOutputs, threads);
    if (*numOutputs >= kEnoughOutputs && blocks >= kTargetBlocks / 4)
      return 1;
    int64_t perPart =
        r.isRow ? threads * kMinElementsPerThread : kMinElementsPerThread;
    int64_t byWork = llvm::divideCeil(*numReduced, perPart);
    int64_t byOccupancy = llvm::divideCeil(kTargetBlocks, blocks);
    return std::max<int64_t>(1, std::min(byWork, byOccupancy));
  }

  /// Emits one kernel reducing `reduced` elements for each of `outputs`
  /// outputs, each split into `splits` parts.
  void emitKernel(StringRef kind, Value outputs, Value reduced, int64_t threads,
                  int64_t splits, ValueFn valueAt, FinishFn finish) {
    Value threadCount = indexConstant(b, loc, threads);
    Value gridX = r.isRow ? outputs : ceilDiv(b, loc, outputs, threadCount);
    Value splitCount = indexConstant(b, loc, splits);
    OpBuilder::InsertionGuard guard(b);
    gpu::LaunchOp launch =
        kernels.launch(b, loc, kind, {gridX, splitCount}, {threadCount});
    Value tid = launch.getThreadIds().x;
    Value split = launch.getBlockIds().y;
    Value perSplit = ceilDiv(b, loc, reduced, splitCount);
    Value begin = arith::MulIOp::create(b, loc, split, perSplit);
    Value end = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, begin, perSplit), reduced);

    if (r.isRow) {
      Value p = launch.getBlockIds().x;
      Value first = arith::AddIOp::create(b, loc, begin, tid);
      Value partial = accumulate(b, p, first, end, threadCount, valueAt);
      Value total = allReduce(b, partial);
      Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            tid, indexConstant(b, loc, 0));
      emitIf(b, loc, isFirst,
             [&](OpBuilder &b) { finish(b, p, split, total); });
      return;
    }
    Value p = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, threadCount),
        tid);
    Value inBounds =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, p, outputs);
    emitIf(b, loc, inBounds, [&](OpBuilder &b) {
      Value total =
          accumulate(b, p, begin, end, indexConstant(b, loc, 1), valueAt);
      finish(b, p, split, total);
    });
  }

  /// Combines `valueAt(p, i)` for i = begin, begin + step, ... < end,
  /// starting from the combiner's neutral element.
  Value accumulate(OpBuilder &b, Value p, Value begin, Value end, Value step,
                   ValueFn valueAt) {
    TypedAttr neutral = *arith::getNeutralElement(r.combiner);
    Value init = arith::ConstantOp::create(b, loc, neutral);
    auto loop = scf::ForOp::create(
        b, loc, begin, end, step, ValueRange{init},
        [&](OpBuilder &nested, Location, Value i, ValueRange acc) {
          Value next = combine(nested, acc.front(), valueAt(nested, p, i));
          scf::YieldOp::create(nested, loc, next);
        });
    return loop.getResult(0);
  }

  /// Applies the op's combiner to `acc` and `value`.
  Value combine(OpBuilder &b, Value acc, Value value) {
    IRMapping mapping;
    mapping.map(r.accumulator, acc);
    mapping.map(r.reduced, value);
    return b.clone(*r.combiner, mapping)->getResult(0);
  }

  /// Combines `value` over the threads of the block. An i1 is reduced as an
  /// i32, sign-extended for the signed operators so that true stays the
  /// smallest value.
  Value allReduce(OpBuilder &b, Value value) {
    using Kind = gpu::AllReduceOperation;
    auto kindAttr = gpu::AllReduceOperationAttr::get(b.getContext(), r.kind);
    if (!value.getType().isInteger(1))
      return gpu::AllReduceOp::create(b, loc, value, kindAttr,
                                      /*uniform=*/true);
    Type i32 = b.getI32Type();
    bool isSigned = r.kind == Kind::MAXSI || r.kind == Kind::MINSI;
    Value wide = isSigned
                     ? arith::ExtSIOp::create(b, loc, i32, value).getResult()
                     : arith::ExtUIOp::create(b, loc, i32, value).getResult();
    Value total =
        gpu::AllReduceOp::create(b, loc, wide, kindAttr, /*uniform=*/true);
    return arith::TruncIOp::create(b, loc, b.getI1Type(), total);
  }

  /// Loop indices of output `p` and reduced element `i`.
  SmallVector<Value> loopIndices(OpBuilder &b, Value p, Value i) {
    SmallVector<Value> ivs(r.op.getNumLoops());
    for (auto [dim, iv] :
         llvm::zip(r.parallelDims, delinearize(b, loc, p, parallelSizes)))
      ivs[dim] = iv;
    for (auto [dim, iv] :
         llvm::zip(r.reductionDims, delinearize(b, loc, i, reductionSizes)))
      ivs[dim] = iv;
    return ivs;
  }

  /// The body's value to combine, evaluated at output `p`, element `i`.
  Value reducedValueAt(OpBuilder &b, Value p, Value i) {
    IRMapping mapping;
    SmallVector<Value> noInit(1, nullptr);
    cloneBody(b, loc, r.op, loopIndices(b, p, i), noInit, mapping);
    return mapping.lookupOrDefault(r.reduced);
  }

  /// Stores `combiner(total, output[p])` into output `p`.
  void combineIntoOutput(OpBuilder &b, Value p, Value total) {
    SmallVector<Value> ivs = loopIndices(b, p, indexConstant(b, loc, 0));
    Value init = loadInits(b, loc, r.op, ivs).front();
    storeInits(b, loc, r.op, ivs, combine(b, init, total));
  }

  KernelBuilder &kernels;
  OpBuilder &b;
  BlockReduction &r;
  Location loc;
  SmallVector<Value> parallelSizes, reductionSizes;
};

} // namespace

LogicalResult gpu_kernels::buildBlockReductionKernels(KernelBuilder &kernels,
                                                      RewriterBase &rewriter,
                                                      linalg::LinalgOp op) {
  FailureOr<BlockReduction> reduction = matchBlockReduction(rewriter, op);
  if (failed(reduction))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  ReductionEmitter(kernels, rewriter, *reduction).emit();
  return success();
}
