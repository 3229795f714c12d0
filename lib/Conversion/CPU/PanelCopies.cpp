//===- PanelCopies.cpp - GEMM operands copied into panels by vectors ------===//
//
// The panels a GEMM kernel reads, written by explicit vector copies rather
// than by a generic transposing copy, which would gather one element at a
// time whenever the operand's contiguous dim is not the panel's:
//
// - An operand whose last dim is the panel's row dim (the rhs of a forward
//   GEMM, the lhs of a weight gradient) is copied one k row of `tile`
//   elements at a time, contiguous on both sides; pairs of k rows are
//   interleaved in registers for the dot-product kernel.
// - An operand whose last dim is k (the lhs of a forward GEMM, a transposed
//   weight) is read as a block of `tile` rows by one 512-bit vector of k,
//   transposed in registers by rounds of two-source interleaving shuffles
//   and written as k rows of the panel; pairs of bf16 k values move as one
//   32-bit lane.
//
// Conversions happen in registers on the way: a 16-bit operand that is
// only the rounding of an f32 tensor (a parameter cast once per step) is
// read in f32 and rounded while copied, so the rounded copy need not exist.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

/// Bytes of the k vector each row of a transposed block is read in: one
/// 512-bit register.
constexpr int64_t kBlockBytes = 64;

/// Where the batch, row and k dims of an operand are.
struct OperandDims {
  std::optional<int64_t> batch;
  int64_t row = 0, k = 0;
};

OperandDims operandDims(Gemm &gemm, OpOperand &operand, unsigned rowDim) {
  OperandDims dims;
  for (auto [position, expr] :
       llvm::enumerate(gemm.op.getMatchingIndexingMap(&operand).getResults())) {
    unsigned loopDim = cast<AffineDimExpr>(expr).getPosition();
    if (loopDim == rowDim)
      dims.row = position;
    else if (loopDim == gemm.k)
      dims.k = position;
    else
      dims.batch = position;
  }
  return dims;
}

/// Emits the copy of one panel: what the loop body over panels needs.
struct PanelCopier {
  OpBuilder &b;
  Location loc;
  Value source;
  OperandDims dims;
  /// The operand's element type (the source may be wider or narrower).
  Type operandElement;
  /// The panels' element type and pairs of k.
  Type element;
  int64_t pairs;
  int64_t tile;
  Value batchIv, firstRow;

  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  Value offset(Value base, int64_t delta) {
    return delta == 0 ? base
                      : arith::AddIOp::create(b, loc, base, index(delta));
  }

  /// Reads `length` consecutive elements of the source's last dim at row
  /// `row` and k `k`, converted to the operand's type and then to the
  /// panel's, as the operand's producer and the kernel would.
  Value read(Value row, Value k, int64_t length) {
    auto sourceType = cast<RankedTensorType>(source.getType());
    SmallVector<Value> indices(sourceType.getRank());
    indices[dims.row] = row;
    indices[dims.k] = k;
    if (dims.batch)
      indices[*dims.batch] = batchIv;
    Value vector = vector::TransferReadOp::create(
        b, loc, VectorType::get({length}, sourceType.getElementType()), source,
        indices, /*padding=*/std::nullopt, ArrayRef<bool>{true});
    return convert(convert(vector, operandElement), element);
  }

  Value convert(Value vector, Type element) {
    auto type = cast<VectorType>(vector.getType());
    if (type.getElementType() == element)
      return vector;
    auto converted = type.clone(element);
    if (element.getIntOrFloatBitWidth() >
        type.getElementType().getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, converted, vector);
    return arith::TruncFOp::create(b, loc, converted, vector);
  }

  /// The panel `[K/pairs][tile * pairs]` of an operand whose last dim is
  /// the row dim: each k row (each pair of k rows, interleaved) is one
  /// contiguous vector on both sides.
  Value copyContiguousRows(Value panel, int64_t depth) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(depth / pairs), index(1), ValueRange{panel},
        [&](OpBuilder &nested, Location nestedLoc, Value kIv, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(nested.getInsertionBlock());
          Value row = firstRow;
          Value vector;
          if (pairs == 1) {
            vector = read(row, kIv, tile);
          } else {
            Value even = arith::MulIOp::create(b, nestedLoc, kIv, index(2));
            vector = vector::InterleaveOp::create(
                b, nestedLoc, read(row, even, tile),
                read(row, offset(even, 1), tile));
          }
          Value written = vector::TransferWriteOp::create(
                              b, nestedLoc, vector, args[0],
                              ValueRange{kIv, index(0)}, ArrayRef<bool>{true})
                              .getResult();
          scf::YieldOp::create(b, nestedLoc, written);
        });
    return loop.getResult(0);
  }

  /// Writes `kCount` k values (from `k`) of `groupRows` rows of the panel
  /// from `group`, read as one vector per row and transposed in registers;
  /// pairs of k move as one 32-bit lane. A block whose sides are not both
  /// powers of two (the last k of an odd depth) is transposed as one
  /// `vector.transpose`.
  Value copyTransposedBlock(Value panel, Value k, int64_t kCount, int64_t group,
                            int64_t groupRows) {
    int64_t lanes = kCount / pairs;
    Type lane = laneType();
    SmallVector<Value> rows;
    for (int64_t row = 0; row < groupRows; ++row) {
      Value vector = read(offset(firstRow, group + row), k, kCount);
      if (pairs > 1)
        vector = vector::BitCastOp::create(
            b, loc, VectorType::get({lanes}, lane), vector);
      rows.push_back(vector);
    }
    Value kPair =
        pairs == 1
            ? k
            : arith::DivUIOp::create(b, loc, k, index(pairs)).getResult();
    if (llvm::isPowerOf2_64(groupRows) && llvm::isPowerOf2_64(lanes) &&
        lanes > 1)
      return writeTransposed(panel, kPair, interleaveRounds(rows), group,
                             groupRows);
    auto blockType = VectorType::get({groupRows, lanes}, lane);
    Value block = arith::ConstantOp::create(b, loc, b.getZeroAttr(blockType));
    for (auto [row, vector] : llvm::enumerate(rows))
      block = vector::InsertOp::create(b, loc, vector, block, row);
    Value transposed = vector::TransposeOp::create(b, loc, block, {1, 0});
    if (pairs > 1)
      transposed = vector::BitCastOp::create(
          b, loc, VectorType::get({lanes, groupRows * pairs}, element),
          transposed);
    return vector::TransferWriteOp::create(
               b, loc, transposed, panel,
               ValueRange{kPair, index(group * pairs)},
               ArrayRef<bool>{true, true})
        .getResult();
  }

  /// Transposes R rows of C lanes (R and C powers of two) in log2(R)
  /// rounds of two-source shuffles, R log2(R) in all: each round
  /// interleaves the first half of the vectors with the second, a perfect
  /// shuffle of the flattened block that rotates the bits of an element's
  /// index left by one, so that log2(R) rounds turn (row, lane) into
  /// (lane, row). Read in order, the result is the C x R transposed block,
  /// row by row. A `vector.transpose` of the whole block reaches LLVM as one
  /// permutation, R - 1 chained shuffles per output vector, whose
  /// instruction selection takes time quadratic in the size of the block.
  SmallVector<Value> interleaveRounds(SmallVector<Value> rows) {
    int64_t count = rows.size();
    int64_t lanes = cast<VectorType>(rows.front().getType()).getNumElements();
    SmallVector<int64_t> low, high;
    for (int64_t lane = 0; lane < lanes / 2; ++lane) {
      low.append({lane, lanes + lane});
      high.append({lanes / 2 + lane, lanes + lanes / 2 + lane});
    }
    for (int64_t round = 1; round < count; round *= 2) {
      SmallVector<Value> next;
      for (int64_t row = 0; row < count / 2; ++row) {
        Value first = rows[row], second = rows[row + count / 2];
        next.push_back(vector::ShuffleOp::create(b, loc, first, second, low));
        next.push_back(vector::ShuffleOp::create(b, loc, first, second, high));
      }
      rows = std::move(next);
    }
    return rows;
  }

  /// Writes `pieces`, the C x R block of interleaveRounds in vectors of C
  /// lanes, as the columns of panel rows from `kPair` that hold the R =
  /// `groupRows` rows from `group`: a piece holds C / R whole rows when
  /// C >= R, else a part of one.
  Value writeTransposed(Value panel, Value kPair, ArrayRef<Value> pieces,
                        int64_t group, int64_t groupRows) {
    int64_t lanes = cast<VectorType>(pieces.front().getType()).getNumElements();
    for (auto [position, piece] : llvm::enumerate(pieces)) {
      int64_t start = static_cast<int64_t>(position) * lanes;
      Value vector = piece;
      if (pairs > 1)
        vector = vector::BitCastOp::create(
            b, loc, VectorType::get({lanes * pairs}, element), vector);
      if (lanes > groupRows)
        vector = vector::ShapeCastOp::create(
            b, loc,
            VectorType::get({lanes / groupRows, groupRows * pairs}, element),
            vector);
      auto vectorType = cast<VectorType>(vector.getType());
      SmallVector<bool> inBounds(vectorType.getRank(), true);
      Value row = offset(kPair, start / groupRows);
      Value column = index((group + start % groupRows) * pairs);
      panel = vector::TransferWriteOp::create(b, loc, vector, panel,
                                              ValueRange{row, column}, inBounds)
                  .getResult();
    }
    return panel;
  }

  /// The type a panel element (a pair of k for the dot-product kernel)
  /// moves as through a register transpose.
  Type laneType() { return pairs == 1 ? element : b.getI32Type(); }

  /// The panel of an operand whose last dim is k, in groups of as many rows
  /// as a register has lanes, so that a group's square block and its
  /// transpose fit the vector registers (32 rows at once spill) and a group
  /// reads no more rows of the operand at once than the hardware prefetcher
  /// follows; each group is whole blocks of one register of k per row, then
  /// a last, narrower block.
  Value copyTransposedRows(Value panel, int64_t depth) {
    int64_t laneBytes = element.getIntOrFloatBitWidth() / 8 * pairs;
    int64_t kPerBlock = kBlockBytes / laneBytes * pairs;
    int64_t wholeBlocks = depth / kPerBlock, rest = depth % kPerBlock;
    int64_t groupRows =
        std::min(tile, kBlockBytes / (laneType().getIntOrFloatBitWidth() / 8));
    while (tile % groupRows != 0)
      --groupRows;
    for (int64_t group = 0; group < tile; group += groupRows) {
      if (wholeBlocks > 0) {
        auto loop = scf::ForOp::create(
            b, loc, index(0), index(wholeBlocks * kPerBlock), index(kPerBlock),
            ValueRange{panel},
            [&](OpBuilder &nested, Location nestedLoc, Value kIv,
                ValueRange args) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPointToStart(nested.getInsertionBlock());
              scf::YieldOp::create(b, nestedLoc,
                                   copyTransposedBlock(args[0], kIv, kPerBlock,
                                                       group, groupRows));
            });
        panel = loop.getResult(0);
      }
      if (rest > 0)
        panel = copyTransposedBlock(panel, index(wholeBlocks * kPerBlock), rest,
                                    group, groupRows);
    }
    return panel;
  }
};

} // namespace

bool cpu::copiesPanels(Gemm &gemm, OpOperand &operand, unsigned rowDim) {
  auto type = cast<RankedTensorType>(operand.get().getType());
  OperandDims dims = operandDims(gemm, operand, rowDim);
  int64_t last = type.getRank() - 1;
  return last == dims.row || last == dims.k;
}

Value cpu::emitPanels(OpBuilder &b, Location loc, Gemm &gemm,
                      OpOperand &operand, unsigned rowDim, int64_t tile,
                      Type element, int64_t pairs,
                      std::optional<PanelRange> range) {
  auto type = cast<RankedTensorType>(operand.get().getType());
  OperandDims dims = operandDims(gemm, operand, rowDim);
  int64_t last = type.getRank() - 1;
  if (!copiesPanels(gemm, operand, rowDim)) {
    // The kernels read the pairs of a panel row as one row.
    Value packed =
        packOperand(b, loc, gemm, operand, rowDim, tile, element, pairs);
    if (pairs == 1)
      return packed;
    int64_t rank = cast<RankedTensorType>(packed.getType()).getRank();
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t dim = 0; dim < rank - 2; ++dim)
      reassociation.push_back({dim});
    reassociation.push_back({rank - 2, rank - 1});
    return tensor::CollapseShapeOp::create(b, loc, packed, reassociation);
  }

  Value source = findConversionSource(operand.get());
  if (!source)
    source = operand.get();
  int64_t rows = type.getDimSize(dims.row), depth = type.getDimSize(dims.k);
  int64_t blocks = range ? range->blocks : rows / tile;
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> bounds;
  if (dims.batch) {
    shape.push_back(type.getDimSize(*dims.batch));
    bounds.push_back(b.getIndexAttr(shape.back()));
  }
  shape.append({blocks, depth / pairs, tile * pairs});
  bounds.push_back(b.getIndexAttr(blocks));
  Value panels =
      range ? range->into
            : tensor::EmptyOp::create(b, loc, shape, element).getResult();
  auto panelType =
      RankedTensorType::get({depth / pairs, tile * pairs}, element);

  auto loop = scf::ForallOp::create(b, loc, bounds, ValueRange{panels},
                                    /*mapping=*/std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getTerminator());
  SmallVector<Value> ivs = loop.getInductionVars();
  Value out = loop.getRegionIterArgs()[0];
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets(ivs.begin(), ivs.end());
  offsets.append({zero, zero});
  SmallVector<OpFoldResult> sizes(ivs.size(), one);
  sizes.append({b.getIndexAttr(depth / pairs), b.getIndexAttr(tile * pairs)});
  SmallVector<OpFoldResult> strides(shape.size(), one);
  Value panel = tensor::ExtractSliceOp::create(b, loc, panelType, out, offsets,
                                               sizes, strides);
  Value block = ivs.back();
  if (range)
    block = arith::AddIOp::create(b, loc, range->firstBlock, block);
  PanelCopier copier{
      b,
      loc,
      source,
      dims,
      type.getElementType(),
      element,
      pairs,
      tile,
      dims.batch ? ivs.front() : Value(),
      arith::MulIOp::create(b, loc, block,
                            arith::ConstantIndexOp::create(b, loc, tile))};
  Value filled = last == dims.row ? copier.copyContiguousRows(panel, depth)
                                  : copier.copyTransposedRows(panel, depth);
  b.setInsertionPointToStart(loop.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, filled, out, offsets, sizes,
                                        strides);
  return loop.getResult(0);
}
