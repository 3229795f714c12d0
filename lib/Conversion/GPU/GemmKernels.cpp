//===- GemmKernels.cpp - Tiled GEMMs, on tensor cores when possible -------===//
//
// Contractions (the forward matmuls and the two matmuls per layer of the
// backward pass, each with its own transposition) are the bulk of a training
// step. Each becomes one tiled GEMM kernel: a block computes a tile of the
// output, staging tiles of both operands through shared memory so that each
// element read from device memory is used by many threads.
//
// - f16/bf16 operands on sm_80+: 8 warps compute a 128x128 tile with
//   `mma.sync.m16n8k16` (f32 accumulators in registers, k-steps of 32);
// - anything else: 256 threads compute a 64x64 tile, 4x4 outputs each,
//   evaluating the op's own body for every multiply-add.
//
// Operand tiles are loaded along each operand's contiguous dimension, so the
// loads are coalesced whatever the transposition, and zero-filled outside
// the operand, so sizes need not be multiples of the tile.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// A contraction with one M, one N and one K loop, and any batch loops.
struct Gemm {
  // Op handles are not const-correct; the Gemm is.
  mutable linalg::LinalgOp op;
  unsigned m, n, k;
  SmallVector<unsigned> batch;
  OpOperand *lhs, *rhs, *out;
  /// Elementwise ops fused into the kernel (null when none): the one that
  /// computes the initial output (a fill, a broadcast bias) and the one that
  /// consumes the result (a cast, an activation); see findFusableNeighbours.
  mutable linalg::LinalgOp prologue, epilogue;
  /// Loop sizes, on the host.
  SmallVector<Value> sizes;

  Value size(unsigned dim) const { return sizes[dim]; }
  Type elementType(OpOperand *operand) const {
    return getElementTypeOrSelf(operand->get().getType());
  }
};

FailureOr<Gemm> matchGemm(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op) || !op.hasPureBufferSemantics())
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1)
    return failure();
  Gemm gemm;
  gemm.op = op;
  gemm.m = dims->m.front();
  gemm.n = dims->n.front();
  gemm.k = dims->k.front();
  gemm.batch.assign(dims->batch.begin(), dims->batch.end());
  gemm.lhs = op.getDpsInputOperand(0);
  gemm.rhs = op.getDpsInputOperand(1);
  gemm.out = op.getDpsInitOperand(0);
  return gemm;
}

/// Whether the f16/bf16 operands of `gemm` fit `mma.sync.m16n8k16`: both
/// operands of the same 16-bit float type, accumulating into f32 or into
/// that type (accumulated in f32 here, then rounded once).
bool fitsMmaSync(const Gemm &gemm) {
  Type lhs = gemm.elementType(gemm.lhs);
  Type out = gemm.elementType(gemm.out);
  return (lhs.isF16() || lhs.isBF16()) && lhs == gemm.elementType(gemm.rhs) &&
         (out.isF32() || out == lhs);
}

Attribute workgroupMemory(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
}

/// Whether the innermost (contiguous) dimension of `operand` is loop `dim`.
bool isContiguousAlong(const Gemm &gemm, OpOperand *operand, unsigned dim) {
  AffineMap map = gemm.op.getMatchingIndexingMap(operand);
  auto innermost = dyn_cast<AffineDimExpr>(map.getResults().back());
  return innermost && innermost.getPosition() == dim;
}

/// Where a block's tile sits in the iteration space.
struct TileOrigin {
  SmallVector<Value> batchIvs;
  Value m, n;
};

/// The loop indices of `gemm` at (m, n, k) within the batch of `origin`; a
/// null index (one the caller's use does not depend on) is 0.
SmallVector<Value> gemmIndices(OpBuilder &b, Location loc, const Gemm &gemm,
                               const TileOrigin &origin, Value m, Value n,
                               Value k) {
  SmallVector<Value> ivs(gemm.op.getNumLoops(), indexConstant(b, loc, 0));
  for (auto [dim, iv] : llvm::zip(gemm.batch, origin.batchIvs))
    ivs[dim] = iv;
  for (auto [dim, iv] :
       {std::pair(gemm.m, m), std::pair(gemm.n, n), std::pair(gemm.k, k)})
    if (iv)
      ivs[dim] = iv;
  return ivs;
}

Value zeroOf(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
}

Value lessThan(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lhs, rhs);
}

Value add(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return arith::AddIOp::create(b, loc, lhs, rhs);
}

Value addConstant(OpBuilder &b, Location loc, Value lhs, int64_t rhs) {
  return rhs == 0 ? lhs : add(b, loc, lhs, indexConstant(b, loc, rhs));
}

Value mulConstant(OpBuilder &b, Location loc, Value lhs, int64_t rhs) {
  return arith::MulIOp::create(b, loc, lhs, indexConstant(b, loc, rhs));
}

/// Loads `operand` at loop point `ivs` when `inBounds`, zero otherwise.
Value loadOrZero(OpBuilder &b, Location loc, const Gemm &gemm,
                 OpOperand *operand, ValueRange ivs, Value inBounds) {
  Type type = gemm.elementType(operand);
  auto ifOp = scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &then, Location l) {
        Value value = memref::LoadOp::create(
            then, l, operand->get(),
            applyMap(then, l, gemm.op.getMatchingIndexingMap(operand), ivs));
        scf::YieldOp::create(then, l, value);
      },
      [&](OpBuilder &otherwise, Location l) {
        scf::YieldOp::create(otherwise, l, zeroOf(otherwise, l, type));
      });
  return ifOp.getResult(0);
}

//===----------------------------------------------------------------------===//
// Fused neighbours
//===----------------------------------------------------------------------===//

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

/// The prologue of `gemm` (see isPrologue): the last op before it that
/// touches its output, provided the linalg ops in between do not write the
/// prologue's inputs, which the GEMM then reads in its place. The frees of
/// those inputs in between move after the GEMM.
linalg::LinalgOp findPrologue(const Gemm &gemm) {
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
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp)
      return nullptr;
    bool touchesOut = llvm::any_of(op->getOperands(), [&](Value operand) {
      return rootBuffer(operand) == out;
    });
    if (!touchesOut) {
      for (Value init : linalgOp.getDpsInits())
        written.insert(rootBuffer(init));
      continue;
    }
    if (!isPrologue(linalgOp, out))
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
bool isEpilogue(linalg::LinalgOp op, Value out, const Gemm &gemm) {
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
/// uses. The GEMM runs it early, so the linalg ops in between must not
/// write its inputs nor touch its outputs.
linalg::LinalgOp findEpilogue(const Gemm &gemm, linalg::LinalgOp prologue) {
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
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp)
      return nullptr;
    for (Value init : linalgOp.getDpsInits())
      if (inputs.contains(rootBuffer(init)) ||
          outputs.contains(rootBuffer(init)))
        return nullptr;
    for (Value input : linalgOp.getDpsInputs())
      if (outputs.contains(rootBuffer(input)))
        return nullptr;
  }
  return epilogue;
}

/// Finds the prologue and epilogue of `gemm` (see Gemm). A block running
/// the epilogue must not overwrite what another block's prologue reads.
void findFusableNeighbours(Gemm &gemm) {
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

/// The loop indices of an op elementwise over the GEMM's output, for the
/// output element the GEMM computes at `ivs`.
SmallVector<Value> outputIndices(OpBuilder &b, Location loc, const Gemm &gemm,
                                 ValueRange ivs) {
  return applyMap(b, loc, gemm.op.getMatchingIndexingMap(gemm.out), ivs);
}

/// The initial output value at loop point `ivs` (zero outside the output):
/// the prologue's result there, or the output buffer's value.
Value initialValue(OpBuilder &b, Location loc, const Gemm &gemm, ValueRange ivs,
                   Value inBounds) {
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

/// Stores the final output `value` at loop point `ivs`: through the
/// epilogue when there is one, into the output buffer otherwise.
void storeResult(OpBuilder &b, Location loc, const Gemm &gemm, ValueRange ivs,
                 Value value) {
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

/// Moves the allocations of the epilogue's outputs made between the GEMM
/// and the epilogue to before the GEMM, whose kernel now writes them.
void hoistEpilogueAllocations(const Gemm &gemm) {
  if (!gemm.epilogue)
    return;
  for (Value init : gemm.epilogue.getDpsInits()) {
    auto alloc = rootBuffer(init).getDefiningOp<gpu::AllocOp>();
    if (alloc && alloc->getBlock() == gemm.op->getBlock() &&
        gemm.op->isBeforeInBlock(alloc))
      alloc->moveBefore(gemm.op);
  }
}

/// One operand tile to stage in shared memory: `tile[r][c]` receives the
/// operand at loop dims (rowDim = rowBase + r, colDim = colBase + c).
struct TileCopy {
  OpOperand *operand;
  unsigned rowDim, colDim;
  Value rowBase, colBase;
  int64_t rows, cols;
  Value tile;
};

/// Bytes one thread loads at once when copying a tile: the widest global
/// load (ld.global.v4.b32).
constexpr int64_t kVectorLoadBytes = 16;

/// Elements of `copy`'s operand that one thread can load at once: a 16-byte
/// vector when the operand is a dense buffer whose rows (along the tile's
/// fast dimension) hold a whole number of vectors, so that every vector of
/// the tile is aligned and either entirely inside the operand or entirely
/// outside; 1 otherwise.
int64_t vectorWidth(const Gemm &gemm, const TileCopy &copy, bool alongCols,
                    int64_t threads) {
  auto type = cast<MemRefType>(copy.operand->get().getType());
  int64_t elementBytes =
      llvm::divideCeil(type.getElementTypeBitWidth(), int64_t(8));
  int64_t width = kVectorLoadBytes / elementBytes;
  int64_t fastExtent = alongCols ? copy.cols : copy.rows;
  if (!type.getLayout().isIdentity() || !type.hasStaticShape() ||
      type.getRank() == 0 || type.getShape().back() % width != 0 ||
      fastExtent % width != 0 || (copy.rows * copy.cols) % (threads * width))
    return 1;
  return width;
}

/// The threads of the block copy `copy` cooperatively, consecutive threads
/// taking consecutive elements (or 16-byte vectors of them) along the
/// operand's contiguous dimension.
void emitTileCopy(OpBuilder &b, Location loc, const Gemm &gemm,
                  const TileOrigin &origin, const TileCopy &copy, Value tid,
                  int64_t threads) {
  bool alongCols = isContiguousAlong(gemm, copy.operand, copy.colDim);
  int64_t width = vectorWidth(gemm, copy, alongCols, threads);
  int64_t fastExtent = alongCols ? copy.cols : copy.rows;
  Value rowLimit = gemm.size(copy.rowDim);
  Value colLimit = gemm.size(copy.colDim);
  Type element = gemm.elementType(copy.operand);
  auto vectorType = VectorType::get({width}, element);
  for (int64_t first = 0; first < copy.rows * copy.cols;
       first += threads * width) {
    // Element `e` of the tile, in the operand's memory order.
    Value e =
        mulConstant(b, loc, addConstant(b, loc, tid, first / width), width);
    Value fast =
        arith::RemUIOp::create(b, loc, e, indexConstant(b, loc, fastExtent));
    Value slow =
        arith::DivUIOp::create(b, loc, e, indexConstant(b, loc, fastExtent));
    Value r = alongCols ? slow : fast;
    Value c = alongCols ? fast : slow;
    Value row = add(b, loc, copy.rowBase, r);
    Value col = add(b, loc, copy.colBase, c);
    SmallVector<Value> ivs =
        gemmIndices(b, loc, gemm, origin, Value(), Value(), Value());
    ivs[copy.rowDim] = row;
    ivs[copy.colDim] = col;
    Value inBounds =
        arith::AndIOp::create(b, loc, lessThan(b, loc, row, rowLimit),
                              lessThan(b, loc, col, colLimit));
    if (width == 1) {
      Value value = loadOrZero(b, loc, gemm, copy.operand, ivs, inBounds);
      memref::StoreOp::create(b, loc, value, copy.tile, ValueRange{r, c});
      continue;
    }
    auto ifOp = scf::IfOp::create(
        b, loc, inBounds,
        [&](OpBuilder &then, Location l) {
          Value loaded = vector::LoadOp::create(
              then, l, vectorType, copy.operand->get(),
              applyMap(then, l, gemm.op.getMatchingIndexingMap(copy.operand),
                       ivs),
              /*nontemporal=*/false, llvm::MaybeAlign(kVectorLoadBytes));
          scf::YieldOp::create(then, l, loaded);
        },
        [&](OpBuilder &otherwise, Location l) {
          Value zeros = arith::ConstantOp::create(
              otherwise, l, otherwise.getZeroAttr(vectorType));
          scf::YieldOp::create(otherwise, l, zeros);
        });
    Value loaded = ifOp.getResult(0);
    if (alongCols) {
      vector::StoreOp::create(b, loc, loaded, copy.tile, ValueRange{r, c});
      continue;
    }
    // The tile is transposed with respect to the operand: one element per
    // row of the tile.
    for (int64_t i = 0; i < width; ++i) {
      Value value =
          vector::ExtractOp::create(b, loc, loaded, ArrayRef<int64_t>{i});
      memref::StoreOp::create(b, loc, value, copy.tile,
                              ValueRange{addConstant(b, loc, r, i), c});
    }
  }
}

/// Sets up a block's tile origin: batch from blockIdx.z, M from blockIdx.y,
/// N from blockIdx.x.
TileOrigin tileOrigin(OpBuilder &b, Location loc, const Gemm &gemm,
                      gpu::LaunchOp launch, int64_t tileM, int64_t tileN) {
  TileOrigin origin;
  SmallVector<Value> batchSizes = llvm::map_to_vector(
      gemm.batch, [&](unsigned dim) { return gemm.size(dim); });
  origin.batchIvs = delinearize(b, loc, launch.getBlockIds().z, batchSizes);
  origin.m = mulConstant(b, loc, launch.getBlockIds().y, tileM);
  origin.n = mulConstant(b, loc, launch.getBlockIds().x, tileN);
  return origin;
}

gpu::LaunchOp launchTiles(KernelBuilder &kernels, OpBuilder &b, Location loc,
                          const Gemm &gemm, StringRef kind, int64_t tileM,
                          int64_t tileN, int64_t threads,
                          TypeRange sharedTiles) {
  SmallVector<Value> batchSizes = llvm::map_to_vector(
      gemm.batch, [&](unsigned dim) { return gemm.size(dim); });
  Value gridX =
      ceilDiv(b, loc, gemm.size(gemm.n), indexConstant(b, loc, tileN));
  Value gridY =
      ceilDiv(b, loc, gemm.size(gemm.m), indexConstant(b, loc, tileM));
  Value gridZ = product(b, loc, batchSizes);
  return kernels.launch(b, loc, kind, {gridX, gridY, gridZ},
                        {indexConstant(b, loc, threads)}, sharedTiles);
}

//===----------------------------------------------------------------------===//
// Ordinary cores
//===----------------------------------------------------------------------===//

namespace simt {
constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 16;
/// 16x16 threads, each computing the 4x4 outputs (ty + 16i, tx + 16j), so
/// that a warp's shared-memory reads are conflict-free.
constexpr int64_t kThreadsX = 16, kThreadsY = 16;
constexpr int64_t kThreads = kThreadsX * kThreadsY;
constexpr int64_t kPerThreadM = kTileM / kThreadsY;
constexpr int64_t kPerThreadN = kTileN / kThreadsX;
} // namespace simt

void buildSimtGemm(KernelBuilder &kernels, OpBuilder &b, const Gemm &gemm) {
  using namespace simt;
  Location loc = gemm.op.getLoc();
  MLIRContext *ctx = b.getContext();
  auto lhsTileType =
      MemRefType::get({kTileK, kTileM}, gemm.elementType(gemm.lhs),
                      MemRefLayoutAttrInterface(), workgroupMemory(ctx));
  auto rhsTileType =
      MemRefType::get({kTileK, kTileN}, gemm.elementType(gemm.rhs),
                      MemRefLayoutAttrInterface(), workgroupMemory(ctx));
  gpu::LaunchOp launch =
      launchTiles(kernels, b, loc, gemm, "gemm", kTileM, kTileN, kThreads,
                  {lhsTileType, rhsTileType});
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];
  TileOrigin origin = tileOrigin(b, loc, gemm, launch, kTileM, kTileN);
  Value tid = launch.getThreadIds().x;
  Value tx =
      arith::RemUIOp::create(b, loc, tid, indexConstant(b, loc, kThreadsX));
  Value ty =
      arith::DivUIOp::create(b, loc, tid, indexConstant(b, loc, kThreadsX));
  Value sizeM = gemm.size(gemm.m), sizeN = gemm.size(gemm.n);

  // Output (i, j) of this thread, its position and whether it exists.
  auto outputAt = [&](int64_t i, int64_t j) {
    Value row = add(b, loc, origin.m, addConstant(b, loc, ty, kThreadsY * i));
    Value col = add(b, loc, origin.n, addConstant(b, loc, tx, kThreadsX * j));
    Value inBounds = arith::AndIOp::create(b, loc, lessThan(b, loc, row, sizeM),
                                           lessThan(b, loc, col, sizeN));
    return std::make_tuple(row, col, inBounds);
  };

  SmallVector<Value> accumulators;
  for (int64_t i = 0; i < kPerThreadM; ++i)
    for (int64_t j = 0; j < kPerThreadN; ++j) {
      auto [row, col, inBounds] = outputAt(i, j);
      SmallVector<Value> ivs =
          gemmIndices(b, loc, gemm, origin, row, col, Value());
      accumulators.push_back(initialValue(b, loc, gemm, ivs, inBounds));
    }

  BlockArgument lhsArg = gemm.op.getMatchingBlockArgument(gemm.lhs);
  BlockArgument rhsArg = gemm.op.getMatchingBlockArgument(gemm.rhs);
  Value yielded = gemm.op.getBlock()->getTerminator()->getOperand(0);
  auto kLoop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), gemm.size(gemm.k),
      indexConstant(b, loc, kTileK), accumulators,
      [&](OpBuilder &b, Location loc, Value k0, ValueRange accs) {
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.lhs, gemm.k, gemm.m, k0, origin.m, kTileK, kTileM, lhsTile},
            tid, kThreads);
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.rhs, gemm.k, gemm.n, k0, origin.n, kTileK, kTileN, rhsTile},
            tid, kThreads);
        gpu::BarrierOp::create(b, loc);
        auto inner = scf::ForOp::create(
            b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, kTileK),
            indexConstant(b, loc, 1), accs,
            [&](OpBuilder &b, Location loc, Value kk, ValueRange accs) {
              SmallVector<Value> lhs, rhs;
              for (int64_t i = 0; i < kPerThreadM; ++i)
                lhs.push_back(memref::LoadOp::create(
                    b, loc, lhsTile,
                    ValueRange{kk, addConstant(b, loc, ty, kThreadsY * i)}));
              for (int64_t j = 0; j < kPerThreadN; ++j)
                rhs.push_back(memref::LoadOp::create(
                    b, loc, rhsTile,
                    ValueRange{kk, addConstant(b, loc, tx, kThreadsX * j)}));
              SmallVector<Value> next;
              for (int64_t i = 0; i < kPerThreadM; ++i)
                for (int64_t j = 0; j < kPerThreadN; ++j) {
                  IRMapping mapping;
                  mapping.map(lhsArg, lhs[i]);
                  mapping.map(rhsArg, rhs[j]);
                  SmallVector<Value> ivs =
                      gemmIndices(b, loc, gemm, origin, Value(), Value(),
                                  add(b, loc, k0, kk));
                  cloneBody(b, loc, gemm.op, ivs, accs[i * kPerThreadN + j],
                            mapping);
                  next.push_back(mapping.lookupOrDefault(yielded));
                }
              scf::YieldOp::create(b, loc, next);
            });
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, inner.getResults());
      });

  for (int64_t i = 0; i < kPerThreadM; ++i)
    for (int64_t j = 0; j < kPerThreadN; ++j) {
      Value row, col, inBounds;
      std::tie(row, col, inBounds) = outputAt(i, j);
      emitIf(b, loc, inBounds, [&](OpBuilder &b) {
        SmallVector<Value> ivs =
            gemmIndices(b, loc, gemm, origin, row, col, Value());
        storeResult(b, loc, gemm, ivs, kLoop.getResult(i * kPerThreadN + j));
      });
    }
}

//===----------------------------------------------------------------------===//
// Tensor cores
//===----------------------------------------------------------------------===//

namespace mma {
constexpr int64_t kTileM = 128, kTileN = 128, kTileK = 32;
/// Shared-memory rows are padded so that the eight rows a fragment load
/// touches fall in different banks.
constexpr int64_t kPaddedK = kTileK + 8;
/// The shape of one `mma.sync`.
constexpr int64_t kInstrM = 16, kInstrN = 8, kInstrK = 16;
/// 2x4 warps, each computing a 64x32 piece of the tile.
constexpr int64_t kWarpsM = 2, kWarpsN = 4, kWarpSize = 32;
constexpr int64_t kThreads = kWarpsM * kWarpsN * kWarpSize;
constexpr int64_t kWarpTileM = kTileM / kWarpsM, kWarpTileN = kTileN / kWarpsN;
constexpr int64_t kFragmentsM = kWarpTileM / kInstrM;
constexpr int64_t kFragmentsN = kWarpTileN / kInstrN;
} // namespace mma

/// The position of a lane within an `mma.sync` fragment: lane = 4 * group +
/// thread, per the PTX ISA's fragment layouts for m16n8k16.
struct LanePosition {
  Value group, thread;
};

/// Loads the two consecutive k-elements at tile[row][col] as one 32-bit
/// register of the fragment: a vector<2xf16>, or an i32 for bf16.
Value loadPair(OpBuilder &b, Location loc, Value tile, Value row, Value col) {
  Type element = cast<MemRefType>(tile.getType()).getElementType();
  Value pair = vector::LoadOp::create(b, loc, VectorType::get({2}, element),
                                      tile, ValueRange{row, col});
  if (element.isF16())
    return pair;
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), pair);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

/// The accumulator element `e` (0-3) of a lane holds row `group + 8 * (e /
/// 2)`, column `2 * thread + e % 2` of the 16x8 fragment.
std::pair<Value, Value> accumulatorPosition(OpBuilder &b, Location loc,
                                            const LanePosition &lane,
                                            Value rowBase, Value colBase,
                                            int64_t e) {
  Value row =
      add(b, loc, rowBase, addConstant(b, loc, lane.group, 8 * (e / 2)));
  Value col =
      add(b, loc, colBase,
          addConstant(b, loc, mulConstant(b, loc, lane.thread, 2), e % 2));
  return {row, col};
}

void buildMmaSyncGemm(KernelBuilder &kernels, OpBuilder &b, const Gemm &gemm) {
  using namespace mma;
  Location loc = gemm.op.getLoc();
  MLIRContext *ctx = b.getContext();
  Type operandType = gemm.elementType(gemm.lhs);
  Type outType = gemm.elementType(gemm.out);
  Type f32 = b.getF32Type();
  auto tileType =
      MemRefType::get({kTileM, kPaddedK}, operandType,
                      MemRefLayoutAttrInterface(), workgroupMemory(ctx));
  gpu::LaunchOp launch = launchTiles(kernels, b, loc, gemm, "gemm_mma", kTileM,
                                     kTileN, kThreads, {tileType, tileType});
  // lhsTile[m][k] and rhsTile[n][k]: both k-contiguous, as the row-major A
  // and column-major B fragments want them.
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];
  TileOrigin origin = tileOrigin(b, loc, gemm, launch, kTileM, kTileN);
  Value tid = launch.getThreadIds().x;
  Value warp =
      arith::DivUIOp::create(b, loc, tid, indexConstant(b, loc, kWarpSize));
  Value laneId =
      arith::RemUIOp::create(b, loc, tid, indexConstant(b, loc, kWarpSize));
  LanePosition lane{
      arith::DivUIOp::create(b, loc, laneId, indexConstant(b, loc, 4)),
      arith::RemUIOp::create(b, loc, laneId, indexConstant(b, loc, 4))};
  // This warp's piece of the tile, relative to the tile.
  Value warpM = mulConstant(
      b, loc,
      arith::DivUIOp::create(b, loc, warp, indexConstant(b, loc, kWarpsN)),
      kWarpTileM);
  Value warpN = mulConstant(
      b, loc,
      arith::RemUIOp::create(b, loc, warp, indexConstant(b, loc, kWarpsN)),
      kWarpTileN);
  Value sizeM = gemm.size(gemm.m), sizeN = gemm.size(gemm.n);

  // Accumulator element (i, j, e) of this lane in the output.
  auto outputAt = [&](int64_t i, int64_t j, int64_t e) {
    Value rowBase =
        add(b, loc, origin.m, addConstant(b, loc, warpM, kInstrM * i));
    Value colBase =
        add(b, loc, origin.n, addConstant(b, loc, warpN, kInstrN * j));
    auto [row, col] = accumulatorPosition(b, loc, lane, rowBase, colBase, e);
    Value inBounds = arith::AndIOp::create(b, loc, lessThan(b, loc, row, sizeM),
                                           lessThan(b, loc, col, sizeN));
    return std::make_tuple(row, col, inBounds);
  };

  auto accType = VectorType::get({4}, f32);
  SmallVector<Value> accumulators;
  for (int64_t i = 0; i < kFragmentsM; ++i)
    for (int64_t j = 0; j < kFragmentsN; ++j) {
      SmallVector<Value> elements;
      for (int64_t e = 0; e < 4; ++e) {
        auto [row, col, inBounds] = outputAt(i, j, e);
        SmallVector<Value> ivs =
            gemmIndices(b, loc, gemm, origin, row, col, Value());
        Value init = initialValue(b, loc, gemm, ivs, inBounds);
        if (outType != f32)
          init = arith::ExtFOp::create(b, loc, f32, init);
        elements.push_back(init);
      }
      accumulators.push_back(
          vector::FromElementsOp::create(b, loc, accType, elements));
    }

  auto ptxType =
      operandType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
  auto resultType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  auto kLoop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), gemm.size(gemm.k),
      indexConstant(b, loc, kTileK), accumulators,
      [&](OpBuilder &b, Location loc, Value k0, ValueRange accs) {
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.lhs, gemm.m, gemm.k, origin.m, k0, kTileM, kTileK, lhsTile},
            tid, kThreads);
        emitTileCopy(
            b, loc, gemm, origin,
            {gemm.rhs, gemm.n, gemm.k, origin.n, k0, kTileN, kTileK, rhsTile},
            tid, kThreads);
        gpu::BarrierOp::create(b, loc);
        SmallVector<Value> next(accs);
        for (int64_t ks = 0; ks < kTileK; ks += kInstrK) {
          // A fragment registers: (g, 2t), (g + 8, 2t), (g, 2t + 8),
          // (g + 8, 2t + 8); B: (k = 2t, n = g), (k = 2t + 8, n = g).
          Value col =
              addConstant(b, loc, mulConstant(b, loc, lane.thread, 2), ks);
          Value col8 = addConstant(b, loc, col, 8);
          SmallVector<SmallVector<Value>> lhsFragments, rhsFragments;
          for (int64_t i = 0; i < kFragmentsM; ++i) {
            Value row = add(b, loc, warpM,
                            addConstant(b, loc, lane.group, kInstrM * i));
            Value row8 = addConstant(b, loc, row, 8);
            lhsFragments.push_back({loadPair(b, loc, lhsTile, row, col),
                                    loadPair(b, loc, lhsTile, row8, col),
                                    loadPair(b, loc, lhsTile, row, col8),
                                    loadPair(b, loc, lhsTile, row8, col8)});
          }
          for (int64_t j = 0; j < kFragmentsN; ++j) {
            Value row = add(b, loc, warpN,
                            addConstant(b, loc, lane.group, kInstrN * j));
            rhsFragments.push_back({loadPair(b, loc, rhsTile, row, col),
                                    loadPair(b, loc, rhsTile, row, col8)});
          }
          for (int64_t i = 0; i < kFragmentsM; ++i)
            for (int64_t j = 0; j < kFragmentsN; ++j) {
              Value &acc = next[i * kFragmentsN + j];
              SmallVector<Value> c;
              for (int64_t e = 0; e < 4; ++e)
                c.push_back(vector::ExtractOp::create(b, loc, acc,
                                                      ArrayRef<int64_t>{e}));
              auto mmaOp = NVVM::MmaOp::create(
                  b, loc, resultType, lhsFragments[i], rhsFragments[j], c,
                  {kInstrM, kInstrN, kInstrK}, /*b1Op=*/std::nullopt,
                  /*intOverflow=*/std::nullopt,
                  std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
                  std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                                 NVVM::MMALayout::col});
              SmallVector<Value> d;
              for (int64_t e = 0; e < 4; ++e)
                d.push_back(LLVM::ExtractValueOp::create(b, loc, mmaOp, e));
              acc = vector::FromElementsOp::create(b, loc, accType, d);
            }
        }
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, next);
      });

  for (int64_t i = 0; i < kFragmentsM; ++i)
    for (int64_t j = 0; j < kFragmentsN; ++j)
      for (int64_t e = 0; e < 4; ++e) {
        Value row, col, inBounds;
        std::tie(row, col, inBounds) = outputAt(i, j, e);
        emitIf(b, loc, inBounds, [&](OpBuilder &b) {
          Value value = vector::ExtractOp::create(
              b, loc, kLoop.getResult(i * kFragmentsN + j),
              ArrayRef<int64_t>{e});
          if (outType != f32)
            value = arith::TruncFOp::create(b, loc, outType, value);
          SmallVector<Value> ivs =
              gemmIndices(b, loc, gemm, origin, row, col, Value());
          storeResult(b, loc, gemm, ivs, value);
        });
      }
}

} // namespace

FailureOr<SmallVector<Operation *>>
gpu_kernels::buildGemmKernel(KernelBuilder &kernels, OpBuilder &b,
                             linalg::LinalgOp op, bool useTensorCores) {
  FailureOr<Gemm> gemm = matchGemm(op);
  if (failed(gemm))
    return failure();
  findFusableNeighbours(*gemm);
  hoistEpilogueAllocations(*gemm);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op);
  gemm->sizes = loopSizes(b, op.getLoc(), op);
  if (useTensorCores && kernels.hasMmaSync() && fitsMmaSync(*gemm))
    buildMmaSyncGemm(kernels, b, *gemm);
  else
    buildSimtGemm(kernels, b, *gemm);

  // The fused neighbours are part of the kernel now; without an epilogue
  // reading it, the output buffer is dead too.
  SmallVector<Operation *> absorbed;
  for (linalg::LinalgOp neighbour : {gemm->prologue, gemm->epilogue})
    if (neighbour)
      absorbed.push_back(neighbour);
  if (gemm->epilogue) {
    Operation *alloc = gemm->out->get().getDefiningOp();
    for (Operation *user : alloc->getUsers())
      if (isa<gpu::DeallocOp>(user))
        absorbed.push_back(user);
    absorbed.push_back(alloc);
  }
  return absorbed;
}
