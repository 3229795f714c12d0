//===- GemmFusion.cpp - Elementwise neighbours run by a GEMM kernel -------===//
//
// A GEMM's output is usually a temporary between two elementwise ops: one
// computes its initial value (the zero fill of a gradient, the broadcast
// bias of a linear layer) and one consumes its result (the cast back to
// f16 and the activation, the unscaling of a weight gradient). The kernel
// runs both itself, so that the f32 output never reaches memory. The
// consumer then runs early, which is only allowed when nothing in between
// depends on its running late.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// The buffer `value` is a view of (itself when it is not a view).
Value rootBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// Whether `op` is elementwise over exactly the elements of `buffer`: all
/// loops parallel, with the buffer's static shape as their sizes.
bool isElementwiseOver(linalg::LinalgOp op, Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.hasStaticShape() || !op.hasPureBufferSemantics() ||
      op.getNumReductionLoops() != 0)
    return false;
  return op.getStaticLoopRanges() == SmallVector<int64_t>(type.getShape());
}

/// A prologue writes the whole output buffer, and nothing else, before the
/// GEMM, without reading it: the GEMM can compute each initial value
/// instead of loading it.
bool isPrologue(linalg::LinalgOp op, Value out) {
  return op.getNumDpsInits() == 1 && op.getDpsInitOperand(0)->get() == out &&
         isElementwiseOver(op, out) &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() &&
         !op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)) &&
         llvm::none_of(op.getDpsInputs(),
                       [&](Value input) { return input == out; });
}

/// The buffers (roots of views) an op between a GEMM and a neighbour it
/// absorbs reads and writes.
struct BufferAccess {
  DenseSet<Value> reads, writes;
  bool touches(Value buffer) const {
    return reads.contains(buffer) || writes.contains(buffer);
  }
};

/// What `op` reads and writes: a linalg op its inputs and inits, a kernel
/// made from an earlier op (a `gpu.launch`) every buffer its body uses,
/// counted as both read and written. Nothing for any other op, which the
/// neighbour may not be moved across.
std::optional<BufferAccess> bufferAccess(Operation *op) {
  BufferAccess access;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    for (Value input : linalgOp.getDpsInputs())
      access.reads.insert(rootBuffer(input));
    for (Value init : linalgOp.getDpsInits())
      access.writes.insert(rootBuffer(init));
    return access;
  }
  if (auto launch = dyn_cast<gpu::LaunchOp>(op)) {
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(launch.getBody(), captured);
    for (Value value : captured)
      if (isa<BaseMemRefType>(value.getType())) {
        access.reads.insert(rootBuffer(value));
        access.writes.insert(rootBuffer(value));
      }
    return access;
  }
  return std::nullopt;
}

/// The prologue of `gemm` (see isPrologue): the last op before it that
/// touches its output, provided the ops in between do not write the
/// prologue's inputs, which the GEMM then reads in its place. The frees of
/// those inputs in between move after the GEMM.
linalg::LinalgOp findPrologue(Gemm &gemm) {
  Value out = gemm.out->get();
  DenseSet<Value> written;
  SmallVector<gpu::DeallocOp> frees;
  for (Operation *op = gemm.op->getPrevNode(); op; op = op->getPrevNode()) {
    if (auto free = dyn_cast<gpu::DeallocOp>(op)) {
      frees.push_back(free);
      continue;
    }
    if (isa<gpu::AllocOp>(op))
      continue;
    std::optional<BufferAccess> access = bufferAccess(op);
    if (!access)
      return nullptr;
    if (!access->touches(out)) {
      written.insert(access->writes.begin(), access->writes.end());
      continue;
    }
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !isPrologue(linalgOp, out))
      return nullptr;
    DenseSet<Value> inputs;
    for (Value input : linalgOp.getDpsInputs())
      inputs.insert(rootBuffer(input));
    if (llvm::any_of(inputs, [&](Value v) { return written.contains(v); }))
      return nullptr;
    for (gpu::DeallocOp free : frees)
      if (inputs.contains(rootBuffer(free.getMemref())))
        free->moveAfter(gemm.op);
    return linalgOp;
  }
  return nullptr;
}

/// An epilogue reads the output buffer once, element for element, and
/// writes buffers the GEMM does not read (other blocks of the GEMM still
/// read its operands while a block runs the epilogue).
bool isEpilogue(linalg::LinalgOp op, Value out, Gemm &gemm) {
  if (!isElementwiseOver(op, out))
    return false;
  unsigned reads = 0;
  for (OpOperand *input : op.getDpsInputOperands())
    if (input->get() == out) {
      if (!op.getMatchingIndexingMap(input).isIdentity())
        return false;
      ++reads;
    }
  Value lhs = rootBuffer(gemm.lhs->get()), rhs = rootBuffer(gemm.rhs->get());
  return reads == 1 && llvm::all_of(op.getDpsInits(), [&](Value init) {
           Value root = rootBuffer(init);
           return root != out && root != lhs && root != rhs;
         });
}

/// The epilogue of `gemm` (see isEpilogue): the only op after it that reads
/// its output, a temporary that nothing else but its prologue and free
/// uses. The GEMM runs it early, so the ops in between must not write its
/// inputs nor touch its outputs.
linalg::LinalgOp findEpilogue(Gemm &gemm, linalg::LinalgOp prologue) {
  Value out = gemm.out->get();
  if (!out.getDefiningOp<gpu::AllocOp>())
    return nullptr;
  linalg::LinalgOp epilogue;
  for (Operation *user : out.getUsers()) {
    if (user == gemm.op || user == prologue || isa<gpu::DeallocOp>(user))
      continue;
    // One later linalg op may read it; any other user (a view included)
    // needs the buffer in memory.
    auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
    if (epilogue || !linalgOp || user->getBlock() != gemm.op->getBlock() ||
        user->isBeforeInBlock(gemm.op))
      return nullptr;
    epilogue = linalgOp;
  }
  if (!epilogue || !isEpilogue(epilogue, out, gemm))
    return nullptr;
  DenseSet<Value> inputs, outputs;
  for (Value input : epilogue.getDpsInputs())
    if (input != out)
      inputs.insert(rootBuffer(input));
  for (Value init : epilogue.getDpsInits())
    outputs.insert(rootBuffer(init));
  for (Operation *op = gemm.op->getNextNode(); op != epilogue;
       op = op->getNextNode()) {
    if (isa<gpu::AllocOp, gpu::DeallocOp>(op))
      continue;
    std::optional<BufferAccess> access = bufferAccess(op);
    if (!access ||
        llvm::any_of(access->writes,
                     [&](Value v) {
                       return inputs.contains(v) || outputs.contains(v);
                     }) ||
        llvm::any_of(access->reads,
                     [&](Value v) { return outputs.contains(v); }))
      return nullptr;
  }
  return epilogue;
}

/// The loop indices of an op elementwise over the GEMM's output, for the
/// output element the GEMM computes at `ivs`.
SmallVector<Value> outputIndices(OpBuilder &b, Location loc, Gemm &gemm,
                                 ValueRange ivs) {
  return applyMap(b, loc, gemm.op.getMatchingIndexingMap(gemm.out), ivs);
}

} // namespace

/// A block running the epilogue must not overwrite what another block's
/// prologue reads.
void gpu_kernels::findFusableNeighbours(Gemm &gemm) {
  if (!gemm.op.getMatchingIndexingMap(gemm.out).isProjectedPermutation())
    return;
  gemm.prologue = findPrologue(gemm);
  gemm.epilogue = findEpilogue(gemm, gemm.prologue);
  if (!gemm.prologue || !gemm.epilogue)
    return;
  DenseSet<Value> prologueInputs;
  for (Value input : gemm.prologue.getDpsInputs())
    prologueInputs.insert(rootBuffer(input));
  if (llvm::any_of(gemm.epilogue.getDpsInits(), [&](Value init) {
        return prologueInputs.contains(rootBuffer(init));
      }))
    gemm.epilogue = nullptr;
}

Value gpu_kernels::initialValue(OpBuilder &b, Location loc, Gemm &gemm,
                                ValueRange ivs, Value inBounds) {
  if (!gemm.prologue)
    return loadOrZero(b, loc, gemm, gemm.out, ivs, inBounds);
  Type type = gemm.elementType(gemm.out);
  auto ifOp = scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &then, Location l) {
        SmallVector<Value> noInit(1, nullptr);
        Value value = emitBody(then, l, gemm.prologue,
                               outputIndices(then, l, gemm, ivs), noInit)
                          .front();
        scf::YieldOp::create(then, l, value);
      },
      [&](OpBuilder &otherwise, Location l) {
        scf::YieldOp::create(otherwise, l, zeroOf(otherwise, l, type));
      });
  return ifOp.getResult(0);
}

void gpu_kernels::storeResult(OpBuilder &b, Location loc, Gemm &gemm,
                              ValueRange ivs, Value value) {
  if (!gemm.epilogue) {
    storeInits(b, loc, gemm.op, ivs, value);
    return;
  }
  linalg::LinalgOp epilogue = gemm.epilogue;
  SmallVector<Value> indices = outputIndices(b, loc, gemm, ivs);
  IRMapping mapping;
  for (OpOperand *input : epilogue.getDpsInputOperands())
    if (input->get() == gemm.out->get())
      mapping.map(epilogue.getMatchingBlockArgument(input), value);
  cloneBody(b, loc, epilogue, indices,
            loadInits(b, loc, epilogue, indices, /*onlyIfRead=*/true), mapping);
  storeInits(
      b, loc, epilogue, indices,
      llvm::map_to_vector(epilogue.getBlock()->getTerminator()->getOperands(),
                          [&](Value v) { return mapping.lookupOrDefault(v); }));
}

void gpu_kernels::hoistEpilogueAllocations(Gemm &gemm) {
  if (!gemm.epilogue)
    return;
  for (Value init : gemm.epilogue.getDpsInits()) {
    auto alloc = rootBuffer(init).getDefiningOp<gpu::AllocOp>();
    if (alloc && alloc->getBlock() == gemm.op->getBlock() &&
        gemm.op->isBeforeInBlock(alloc))
      alloc->moveBefore(gemm.op);
  }
}
void gpu_kernels::storeResults(OpBuilder &b, Location loc, Gemm &gemm,
                               const TileOrigin &origin, Value row, Value col,
                               ArrayRef<Value> values) {
  int64_t width = values.size();
  Value sizeM = gemm.size(gemm.m), sizeN = gemm.size(gemm.n);
  auto indicesAt = [&](OpBuilder &b, int64_t i) {
    return gemmIndices(b, loc, gemm, origin, row,
                       addIndexConstant(b, loc, col, i), Value());
  };
  // The output dim that n becomes, which the epilogue loops over.
  AffineMap outMap = gemm.op.getMatchingIndexingMap(gemm.out);
  std::optional<unsigned> outDimOfN =
      outMap.getResultPosition(getAffineDimExpr(gemm.n, b.getContext()));
  bool vectors =
      outDimOfN &&
      (gemm.epilogue ? canEmitVectorPoints(gemm.epilogue, *outDimOfN, width)
                     : isVectorAccess(gemm.out->get(), outMap, gemm.n, width));
  if (!vectors) {
    for (int64_t i = 0; i < width; ++i) {
      Value inBounds = arith::AndIOp::create(
          b, loc, indexLessThan(b, loc, row, sizeM),
          indexLessThan(b, loc, addIndexConstant(b, loc, col, i), sizeN));
      emitIf(b, loc, inBounds, [&](OpBuilder &b) {
        storeResult(b, loc, gemm, indicesAt(b, i), values[i]);
      });
    }
    return;
  }

  // The vector is entirely inside the output or entirely outside.
  Value inBounds =
      arith::AndIOp::create(b, loc, indexLessThan(b, loc, row, sizeM),
                            indexLessThan(b, loc, col, sizeN));
  emitIf(b, loc, inBounds, [&](OpBuilder &b) {
    SmallVector<Value> first = indicesAt(b, 0);
    if (!gemm.epilogue) {
      auto type = VectorType::get({width}, values.front().getType());
      vector::StoreOp::create(
          b, loc, vector::FromElementsOp::create(b, loc, type, values),
          gemm.out->get(), applyMap(b, loc, outMap, first),
          /*nontemporal=*/false, vectorAlignment(type));
      return;
    }
    SmallVector<BlockArgument> results;
    for (OpOperand *input : gemm.epilogue.getDpsInputOperands())
      if (input->get() == gemm.out->get())
        results.push_back(gemm.epilogue.getMatchingBlockArgument(input));
    emitVectorPoints(b, loc, gemm.epilogue, outputIndices(b, loc, gemm, first),
                     *outDimOfN, width, results,
                     [&](int64_t i, IRMapping &mapping) {
                       for (BlockArgument result : results)
                         mapping.map(result, values[i]);
                     });
  });
}
