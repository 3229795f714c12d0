//===- BlockLoop.cpp - A packed GEMM as a parallel loop over blocks -------===//
//
// Both operands are copied into panels, then one `scf.forall` iteration
// per MR x NR block of the result runs the block kernel on one lhs and one
// rhs panel. The loop runs over rhs panels (outer), so that a panel is
// reused from cache by every lhs panel; with threads, its iterations are
// the OpenMP worksharing loop.
//
// The lhs panels are a copy of the whole lhs, in f32 for the FMA kernel:
// twice the bytes of a 16-bit activation. When they would exceed a budget,
// the rows are done in chunks that copy their own panels into one reused
// buffer; the rhs panels, copied once, are then read once per chunk.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

/// Offsets, sizes and strides of the slice of `source` that is one element
/// wide at each of `positions` and whole elsewhere.
struct Slice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};

Slice sliceAt(OpBuilder &b, Value source,
              ArrayRef<std::pair<int64_t, Value>> positions) {
  auto type = cast<RankedTensorType>(source.getType());
  Slice slice;
  slice.offsets.assign(type.getRank(), b.getIndexAttr(0));
  slice.strides.assign(type.getRank(), b.getIndexAttr(1));
  for (int64_t size : type.getShape())
    slice.sizes.push_back(b.getIndexAttr(size));
  for (auto [position, value] : positions) {
    slice.offsets[position] = value;
    slice.sizes[position] = b.getIndexAttr(1);
  }
  return slice;
}

/// The panel `[K/pairs][width]` of row block `row` of `panels`
/// (`[batch?][blocks][K/pairs][width]`).
Value panelAt(OpBuilder &b, Location loc, Value panels, Value batchIv,
              Value row) {
  auto type = cast<RankedTensorType>(panels.getType());
  SmallVector<std::pair<int64_t, Value>> positions = {
      {type.getRank() - 3, row}};
  if (type.getRank() == 4)
    positions.push_back({0, batchIv});
  Slice slice = sliceAt(b, panels, positions);
  auto panelType = RankedTensorType::get(type.getShape().take_back(2),
                                         type.getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, panelType, panels, slice.offsets, slice.sizes, slice.strides);
}

/// Each chunk reads every rhs panel once more, from memory when they do not
/// all fit in cache, so a chunk must reuse each panel, once loaded, for
/// enough rows that the loads keep up with the FMAs: this many rows per
/// byte of an rhs element (64 for 16-bit panels, 128 for f32 ones). With
/// half as many, a 256 x 4096 x 4096 f32 GEMM took 8% longer than
/// unchunked, with 2 register blocks of rows 25%.
constexpr int64_t kMinChunkRowsPerRhsByte = 32;

/// The rows of the result computed with one set of lhs panels: all M rows
/// when their panels fit in `lhsPanelBytes` (or when they are packed by
/// `linalg.pack`, which copies the whole operand), else the largest
/// multiple of `mr` that divides M and whose panels fit, but at least
/// kMinChunkRowsPerRhsByte rows per byte of an rhs element (the smallest
/// multiple above that divides M when none below does).
int64_t rowsPerChunk(Gemm &gemm, int64_t mr, KernelKind kind,
                     int64_t lhsPanelBytes) {
  int64_t m = gemm.sizes[gemm.m];
  int64_t rowBytes = gemm.sizes[gemm.k] *
                     kind.lhsElementType.getIntOrFloatBitWidth() / 8 *
                     (gemm.batch ? gemm.sizes[*gemm.batch] : 1);
  if (lhsPanelBytes <= 0 || m * rowBytes <= lhsPanelBytes ||
      !copiesPanels(gemm, *gemm.op.getDpsInputOperand(0), gemm.m))
    return m;
  int64_t minRows =
      llvm::alignTo(kMinChunkRowsPerRhsByte *
                        (kind.rhsElementType.getIntOrFloatBitWidth() / 8),
                    mr);
  int64_t rows = std::max(minRows, lhsPanelBytes / rowBytes / mr * mr);
  // The largest divisor of M from `rows` down to the minimum, else the
  // smallest above it (M itself at worst).
  for (int64_t candidate = rows; candidate >= minRows; candidate -= mr)
    if (m % candidate == 0)
      return candidate;
  for (int64_t candidate = rows + mr; candidate < m; candidate += mr)
    if (m % candidate == 0)
      return candidate;
  return m;
}

/// The loop over the blocks of `blocks` (`C[batch?][M/MR][MR][N/NR][NR]`)
/// in the row blocks from `firstBlock` (null: 0) that `lhs` holds the
/// panels of: one `scf.forall` iteration per rhs panel (outer) and lhs
/// panel, whose body is the block kernel. Returns the updated blocks.
Value emitBlockLoop(RewriterBase &rewriter, Location loc, Gemm &gemm, Value lhs,
                    Value rhs, Value blocks, Value firstBlock, int64_t mr,
                    int64_t nr, KernelKind kind, AccumulatorStart start) {
  bool batched = gemm.batch.has_value();
  auto shape = cast<RankedTensorType>(blocks.getType()).getShape();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  SmallVector<OpFoldResult> bounds;
  if (batched)
    bounds.push_back(rewriter.getIndexAttr(shape[0]));
  bounds.push_back(rewriter.getIndexAttr(shape[batched + 2]));
  bounds.push_back(
      rewriter.getIndexAttr(lhsType.getDimSize(lhsType.getRank() - 3)));
  auto forall = scf::ForallOp::create(rewriter, loc, bounds, ValueRange{blocks},
                                      /*mapping=*/std::nullopt);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(forall.getTerminator());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value batchIv = batched ? ivs[0] : Value(), j = ivs[batched],
        i = ivs[batched + 1];
  Value row =
      firstBlock
          ? arith::AddIOp::create(rewriter, loc, firstBlock, i).getResult()
          : i;
  Value out = forall.getRegionIterArgs()[0];
  SmallVector<std::pair<int64_t, Value>> positions = {{batched, row},
                                                      {batched + 2, j}};
  if (batched)
    positions.push_back({0, batchIv});
  Slice block = sliceAt(rewriter, out, positions);
  Value blockAcc = tensor::ExtractSliceOp::create(
      rewriter, loc, out, block.offsets, block.sizes, block.strides);
  Value initialValue =
      start.readsTile() ? Value() : emitRowStart(rewriter, loc, start, j, nr);
  Value result =
      emitBlockKernel(rewriter, loc, panelAt(rewriter, loc, lhs, batchIv, i),
                      panelAt(rewriter, loc, rhs, batchIv, j), blockAcc, mr, nr,
                      kind, initialValue);
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      rewriter, loc, result, out, block.offsets, block.sizes, block.strides);
  return forall.getResult(0);
}

/// The loop over chunks of `rows` rows of the result (rowsPerChunk), each
/// copying the lhs panels of its rows into one reused buffer before its
/// block loop. Returns the updated blocks.
Value emitChunkLoop(RewriterBase &rewriter, Location loc, Gemm &gemm, Value rhs,
                    Value blocks, int64_t rows, int64_t mr, int64_t nr,
                    KernelKind kind, AccumulatorStart start) {
  OpOperand &lhsOperand = *gemm.op.getDpsInputOperand(0);
  int64_t chunkBlocks = rows / mr;
  SmallVector<int64_t> panelShape;
  if (gemm.batch)
    panelShape.push_back(gemm.sizes[*gemm.batch]);
  panelShape.append(
      {chunkBlocks, gemm.sizes[gemm.k] / kind.kPairs, mr * kind.kPairs});
  Value panels =
      tensor::EmptyOp::create(rewriter, loc, panelShape, kind.lhsElementType);
  auto index = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, value);
  };
  auto loop = scf::ForOp::create(
      rewriter, loc, index(0), index(gemm.sizes[gemm.m] / mr),
      index(chunkBlocks), ValueRange{blocks, panels},
      [&](OpBuilder &nested, Location nestedLoc, Value firstBlock,
          ValueRange args) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToEnd(nested.getInsertionBlock());
        Value lhs = emitPanels(rewriter, nestedLoc, gemm, lhsOperand, gemm.m,
                               mr, kind.lhsElementType, kind.kPairs,
                               PanelRange{firstBlock, chunkBlocks, args[1]});
        Value updated = emitBlockLoop(rewriter, nestedLoc, gemm, lhs, rhs,
                                      args[0], firstBlock, mr, nr, kind, start);
        scf::YieldOp::create(rewriter, nestedLoc, ValueRange{updated, lhs});
      });
  return loop.getResult(0);
}

} // namespace

void cpu::rewriteAsBlockGemm(RewriterBase &rewriter, Gemm &gemm, int64_t mr,
                             int64_t nr, KernelKind kind,
                             arith::TruncFOp rounding, int64_t lhsPanelBytes) {
  Location loc = gemm.op.getLoc();
  rewriter.setInsertionPoint(gemm.op);
  int64_t rows = rowsPerChunk(gemm, mr, kind, lhsPanelBytes);
  bool chunked = rows != gemm.sizes[gemm.m];
  Value lhs =
      chunked ? Value()
              : emitPanels(rewriter, loc, gemm, *gemm.op.getDpsInputOperand(0),
                           gemm.m, mr, kind.lhsElementType, kind.kPairs);
  Value rhs = emitPanels(rewriter, loc, gemm, *gemm.op.getDpsInputOperand(1),
                         gemm.n, nr, kind.rhsElementType, kind.kPairs);
  AccumulatorStart start = findAccumulatorStart(gemm);

  auto [shape, reassociation] = tileResult(gemm, mr, nr);
  GemmDestination destination =
      gemmDestination(rewriter, loc, gemm, start, rounding);
  Value blocks =
      destination.tensor
          ? tensor::ExpandShapeOp::create(
                rewriter, loc,
                RankedTensorType::get(shape, destination.elementType),
                destination.tensor, reassociation)
                .getResult()
          : tensor::EmptyOp::create(rewriter, loc, shape,
                                    destination.elementType)
                .getResult();
  Value computed =
      chunked ? emitChunkLoop(rewriter, loc, gemm, rhs, blocks, rows, mr, nr,
                              kind, start)
              : emitBlockLoop(rewriter, loc, gemm, lhs, rhs, blocks,
                              /*firstBlock=*/Value(), mr, nr, kind, start);

  Value collapsed =
      tensor::CollapseShapeOp::create(rewriter, loc, computed, reassociation);
  replaceGemm(rewriter, gemm, collapsed, rounding, destination);
}
