//===- VectorizeContractions.cpp - GEMMs as register-tiled kernels --------===//
//
// Turns every large enough matmul-like linalg op into a packed, tiled and
// vectorized kernel, the structure of a BLAS GEMM:
//
// 1. Pack: the lhs is copied into panels of MR rows laid out k-major
//    ([M/MR][K][MR]) and the rhs into panels of NR columns ([N/NR][K][NR]),
//    widened to f32. Each panel is then read contiguously by the kernel,
//    whatever the operand's original layout or transposition.
// 2. Tile: one MR x NR block of the result per iteration of the (parallel)
//    loops over panel pairs.
// 3. Vectorize: each block is an explicit kernel that keeps MR vectors of
//    NR accumulators in registers across the whole k loop and updates them
//    with a broadcast lhs element times an rhs row (one FMA per vector).
//
// With the bf16-dot-product option, bf16 operands are instead packed with
// pairs of k side by side and multiplied by `vdpbf16ps`; with the amx
// option, bf16 contractions go to the AMX kernel (AmxContractions.cpp).
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"
#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_VECTORIZECONTRACTIONS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

std::optional<Gemm> cpu::matchGemm(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->batch.size() > 1 || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1)
    return std::nullopt;
  Type accType = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!accType.isF32())
    return std::nullopt;
  for (Value input : op.getDpsInputs())
    if (!isa<FloatType>(getElementTypeOrSelf(input.getType())) ||
        getElementTypeOrSelf(input.getType()).getIntOrFloatBitWidth() > 32)
      return std::nullopt;
  Gemm gemm{op,         std::nullopt, dims->m[0],
            dims->n[0], dims->k[0],   op.getStaticLoopRanges()};
  if (!dims->batch.empty())
    gemm.batch = dims->batch[0];
  if (ShapedType::isDynamicShape(gemm.sizes))
    return std::nullopt;
  return gemm;
}

Value cpu::packOperand(OpBuilder &b, Location loc, Gemm &gemm,
                       OpOperand &operand, unsigned rowDim, int64_t tile,
                       KernelKind kind) {
  MLIRContext *ctx = b.getContext();
  AffineMap map = gemm.op.getMatchingIndexingMap(&operand);
  auto type = cast<RankedTensorType>(operand.get().getType());

  // Split the row dim of the operand into [rows / tile, tile] and its k dim
  // into [k / pairs, pairs].
  SmallVector<int64_t> expandedShape;
  SmallVector<ReassociationIndices> reassociation;
  // Where each expanded operand dim goes in the packed layout.
  enum class Role { Batch, RowOuter, KOuter, RowInner, KInner };
  SmallVector<Role> roles;
  bool pairs = kind.kPairs > 1;
  for (auto [position, expr] : llvm::enumerate(map.getResults())) {
    unsigned loopDim = cast<AffineDimExpr>(expr).getPosition();
    ReassociationIndices group = {int64_t(expandedShape.size())};
    int64_t size = type.getDimSize(position);
    if (loopDim == rowDim) {
      expandedShape.append({size / tile, tile});
      roles.append({Role::RowOuter, Role::RowInner});
      group.push_back(group.front() + 1);
    } else if (loopDim == gemm.k && pairs) {
      expandedShape.append({size / kind.kPairs, kind.kPairs});
      roles.append({Role::KOuter, Role::KInner});
      group.push_back(group.front() + 1);
    } else {
      expandedShape.push_back(size);
      roles.push_back(loopDim == gemm.k ? Role::KOuter : Role::Batch);
    }
    reassociation.push_back(group);
  }
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(expandedShape, type.getElementType()),
      operand.get(), reassociation);

  // The packed dims: (batch?, row outer, k outer, row inner, k inner?).
  bool hasBatch = llvm::is_contained(roles, Role::Batch);
  unsigned first = hasBatch ? 1 : 0;
  auto packedDim = [&](Role role) -> unsigned {
    switch (role) {
    case Role::Batch:
      return 0;
    case Role::RowOuter:
      return first;
    case Role::KOuter:
      return first + 1;
    case Role::RowInner:
      return first + 2;
    case Role::KInner:
      return first + 3;
    }
    llvm_unreachable("unknown role");
  };
  SmallVector<int64_t> packedShape(first + (pairs ? 4 : 3));
  SmallVector<AffineExpr> readExprs;
  for (auto [role, size] : llvm::zip(roles, expandedShape)) {
    packedShape[packedDim(role)] = size;
    readExprs.push_back(getAffineDimExpr(packedDim(role), ctx));
  }
  Value init = tensor::EmptyOp::create(b, loc, packedShape, kind.elementType);
  unsigned rank = packedShape.size();
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, readExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{expanded},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               Value value = args[0];
               if (value.getType() != kind.elementType)
                 value = arith::ExtFOp::create(nested, nestedLoc,
                                               kind.elementType, value);
               linalg::YieldOp::create(nested, nestedLoc, value);
             })
      .getResult(0);
}

namespace {

/// The gemm rewritten on packed operands.
struct PackedGemm {
  /// Loops (batch?, i, j, k, kk?, ii, jj) over `A[batch?][i][k][ii][kk?] *
  /// B[batch?][j][k][jj][kk?]` accumulated into the result viewed as
  /// `C[batch?][i][ii][j][jj]` (a free reshape of the original); `kk` runs
  /// over the k pairs of the bf16 layout.
  linalg::GenericOp op;
  /// `op`'s result reshaped to the original result type.
  Value result;
  /// When the accumulator starts as a constant (a `linalg.fill`): the fill
  /// of the reshaped accumulator and its value, which the kernels
  /// broadcast into registers instead of reading the tile.
  linalg::FillOp fill;
  Value fillValue;
};

/// The gemm's result `C[batch?][M][N]` with m and n each split into
/// register tiles, `C[batch?][M/MR][MR][N/NR][NR]`, and how it folds back.
struct TiledResult {
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> reassociation;
};

TiledResult tileResult(Gemm &gemm, int64_t mr, int64_t nr) {
  TiledResult tiled;
  if (gemm.batch) {
    tiled.shape.push_back(gemm.sizes[*gemm.batch]);
    tiled.reassociation.push_back({0});
  }
  int64_t base = tiled.shape.size();
  tiled.shape.append(
      {gemm.sizes[gemm.m] / mr, mr, gemm.sizes[gemm.n] / nr, nr});
  tiled.reassociation.push_back({base, base + 1});
  tiled.reassociation.push_back({base + 2, base + 3});
  return tiled;
}

PackedGemm buildPackedGemm(OpBuilder &b, Location loc, Gemm &gemm, int64_t mr,
                           int64_t nr, KernelKind kind) {
  MLIRContext *ctx = b.getContext();
  OpOperand *lhs = gemm.op.getDpsInputOperand(0);
  OpOperand *rhs = gemm.op.getDpsInputOperand(1);
  Value packedLhs = packOperand(b, loc, gemm, *lhs, gemm.m, mr, kind);
  Value packedRhs = packOperand(b, loc, gemm, *rhs, gemm.n, nr, kind);

  // The accumulator, with m and n each split in two.
  OpOperand *init = gemm.op.getDpsInitOperand(0);
  auto initType = cast<RankedTensorType>(init->get().getType());
  bool batched = gemm.batch.has_value();
  auto [accShape, reassociation] = tileResult(gemm, mr, nr);
  unsigned base = batched ? 1 : 0;
  auto accType = RankedTensorType::get(accShape, initType.getElementType());
  PackedGemm packed;
  Value acc;
  if (auto fill = init->get().getDefiningOp<linalg::FillOp>()) {
    // A fill of its own, which the kernels then make redundant.
    packed.fillValue = fill.getInputs()[0];
    packed.fill = linalg::FillOp::create(
        b, loc, ValueRange{packed.fillValue},
        ValueRange{tensor::EmptyOp::create(b, loc, accShape,
                                           initType.getElementType())});
    acc = packed.fill.getResult(0);
  } else {
    acc = tensor::ExpandShapeOp::create(b, loc, accType, init->get(),
                                        reassociation);
  }

  // Loops: (batch?, i, j, k, kk?, ii, jj).
  bool pairs = kind.kPairs > 1;
  unsigned rank = base + (pairs ? 6 : 5);
  auto dim = [&](unsigned position) { return getAffineDimExpr(position, ctx); };
  AffineExpr i = dim(base), j = dim(base + 1), k = dim(base + 2);
  AffineExpr ii = dim(rank - 2), jj = dim(rank - 1);
  auto withBatch = [&](bool hasBatch, ArrayRef<AffineExpr> exprs) {
    SmallVector<AffineExpr> all;
    if (hasBatch)
      all.push_back(dim(0));
    llvm::append_range(all, exprs);
    return AffineMap::get(rank, 0, all, ctx);
  };
  auto operandHasBatch = [&](Value packed) {
    return cast<RankedTensorType>(packed.getType()).getRank() ==
           (pairs ? 5 : 4);
  };
  SmallVector<AffineExpr> lhsExprs = {i, k, ii}, rhsExprs = {j, k, jj};
  if (pairs) {
    lhsExprs.push_back(dim(base + 3));
    rhsExprs.push_back(dim(base + 3));
  }
  SmallVector<AffineMap> maps = {
      withBatch(operandHasBatch(packedLhs), lhsExprs),
      withBatch(operandHasBatch(packedRhs), rhsExprs),
      withBatch(batched, {i, ii, j, jj})};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[base + 2] = utils::IteratorType::reduction;
  if (pairs)
    iterators[base + 3] = utils::IteratorType::reduction;
  Type accElement = initType.getElementType();
  packed.op = linalg::GenericOp::create(
      b, loc, TypeRange{accType}, ValueRange{packedLhs, packedRhs},
      ValueRange{acc}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        auto widen = [&](Value value) -> Value {
          if (value.getType() == accElement)
            return value;
          return arith::ExtFOp::create(nested, nestedLoc, accElement, value);
        };
        Value product = arith::MulFOp::create(nested, nestedLoc, widen(args[0]),
                                              widen(args[1]));
        linalg::YieldOp::create(
            nested, nestedLoc,
            arith::AddFOp::create(nested, nestedLoc, args[2], product)
                .getResult());
      });
  packed.result = tensor::CollapseShapeOp::create(
      b, loc, initType, packed.op.getResult(0), reassociation);
  return packed;
}

/// Index helpers for the kernels: constants, and the indices of an element
/// of a tile slice (zeros except at the given positions).
struct TileIndexing {
  OpBuilder &b;
  Location loc;

  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  SmallVector<Value> at(RankedTensorType type,
                        ArrayRef<std::pair<int64_t, Value>> positions) {
    SmallVector<Value> indices(type.getRank(), index(0));
    for (auto [position, value] : positions)
      indices[position] = value;
    return indices;
  }
};

/// Computes the accumulators of one k step from the loop index and the
/// accumulators of the previous one.
using KernelStep = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value kIv, ValueRange accumulators)>;

/// Emits the register kernel of one tile of the packed gemm, whose result
/// slice `acc` is `C[1?][1][MR][1][NR]`: MR rows of NR / `width`
/// accumulator vectors of `width` f32, started from the slice or from
/// `initialValue` when given (a scalar broadcast to every accumulator, or,
/// when `width` is NR, the vector every row starts from), updated by `step`
/// for each of `kSteps` k steps and written back to the slice, which is
/// returned. A slice of a narrower float type (which then must start from
/// `initialValue`) receives the accumulators rounded to it.
Value emitKernel(OpBuilder &b, Location loc, Value acc, int64_t mr, int64_t nr,
                 int64_t width, int64_t kSteps, Value initialValue,
                 KernelStep step) {
  TileIndexing idx{b, loc};
  auto accType = cast<RankedTensorType>(acc.getType());
  assert((initialValue || accType.getElementType().isF32()) &&
         "a rounded tile cannot start from its slice");
  int64_t rowPosition = accType.getRank() - 3;
  int64_t colPosition = accType.getRank() - 1;
  auto vectorType = VectorType::get({width}, b.getF32Type());
  auto accIndices = [&](int64_t row, int64_t col) {
    return idx.at(accType, {{rowPosition, idx.index(row)},
                            {colPosition, idx.index(col * width)}});
  };

  SmallVector<Value> initial;
  for (int64_t row = 0; row < mr; ++row)
    for (int64_t col = 0; col < nr / width; ++col)
      initial.push_back(
          !initialValue ? vector::TransferReadOp::create(
                              b, loc, vectorType, acc, accIndices(row, col),
                              /*padding=*/std::nullopt, ArrayRef<bool>{true})
                              .getResult()
          : initialValue.getType() == vectorType
              ? initialValue
              : vector::BroadcastOp::create(b, loc, vectorType, initialValue)
                    .getResult());
  auto loop = scf::ForOp::create(
      b, loc, idx.index(0), idx.index(kSteps), idx.index(1), initial,
      [&](OpBuilder &nested, Location nestedLoc, Value kIv,
          ValueRange accumulators) {
        scf::YieldOp::create(nested, nestedLoc,
                             step(nested, nestedLoc, kIv, accumulators));
      });

  auto storedType = VectorType::get({width}, accType.getElementType());
  Value result = acc;
  for (int64_t row = 0; row < mr; ++row)
    for (int64_t col = 0; col < nr / width; ++col) {
      Value vector = loop.getResult(row * (nr / width) + col);
      if (storedType != vectorType)
        vector = arith::TruncFOp::create(b, loc, storedType, vector);
      result = vector::TransferWriteOp::create(b, loc, vector, result,
                                               accIndices(row, col),
                                               ArrayRef<bool>{true})
                   .getResult();
    }
  return result;
}

/// The f32 kernel on panels `A[1?][1][K][MR]` and `B[1?][1][K][NR]`: each k
/// broadcasts MR lhs elements and multiplies them with one rhs row, one
/// FMA per row, accumulating into `acc`.
Value emitFMAKernel(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc,
                    int64_t mr, int64_t nr, Value initialValue) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  auto rowType = VectorType::get({nr}, b.getF32Type());
  int64_t kSteps = lhsType.getDimSize(lhsType.getRank() - 2);
  return emitKernel(
      b, loc, acc, mr, nr, /*width=*/nr, kSteps, initialValue,
      [&](OpBuilder &nested, Location nestedLoc, Value kIv,
          ValueRange accumulators) {
        TileIndexing idx{nested, nestedLoc};
        Value rhsRow = vector::TransferReadOp::create(
            nested, nestedLoc, rowType, rhs,
            idx.at(rhsType, {{rhsType.getRank() - 2, kIv}}),
            /*padding=*/std::nullopt, ArrayRef<bool>{true});
        SmallVector<Value> updated;
        for (int64_t row = 0; row < mr; ++row) {
          Value element = tensor::ExtractOp::create(
              nested, nestedLoc, lhs,
              idx.at(lhsType, {{lhsType.getRank() - 2, kIv},
                               {lhsType.getRank() - 1, idx.index(row)}}));
          Value splat =
              vector::BroadcastOp::create(nested, nestedLoc, rowType, element);
          updated.push_back(vector::FMAOp::create(nested, nestedLoc, splat,
                                                  rhsRow, accumulators[row]));
        }
        return updated;
      });
}

/// Merges the last two dims of a panel slice (a row of pairs) into one.
Value mergePairs(OpBuilder &b, Location loc, Value slice) {
  auto type = cast<RankedTensorType>(slice.getType());
  int64_t rank = type.getRank();
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t dim = 0; dim < rank - 2; ++dim)
    reassociation.push_back({dim});
  reassociation.push_back({rank - 2, rank - 1});
  return tensor::CollapseShapeOp::create(b, loc, slice, reassociation);
}

/// The bf16 kernel on panels `A[1?][1][K/2][MR][2]` and
/// `B[1?][1][K/2][NR][2]`: each step over a pair of k broadcasts the pair of
/// every lhs row (as one 32-bit lane) and takes its dot product with the
/// rhs pairs of 16 columns (`vdpbf16ps`), accumulating in f32.
Value emitBF16DotKernel(OpBuilder &b, Location loc, linalg::GenericOp tile,
                        int64_t mr, int64_t nr, Value initialValue) {
  Value lhs = mergePairs(b, loc, tile.getDpsInputs()[0]);
  Value rhs = mergePairs(b, loc, tile.getDpsInputs()[1]);
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  constexpr int64_t kWidth = 16;
  Type bf16 = b.getBF16Type(), i32 = b.getI32Type();
  auto pairsType = VectorType::get({2 * kWidth}, bf16);
  int64_t kSteps = lhsType.getDimSize(lhsType.getRank() - 2);
  return emitKernel(
      b, loc, tile.getDpsInits()[0], mr, nr, kWidth, kSteps, initialValue,
      [&](OpBuilder &nested, Location nestedLoc, Value kIv,
          ValueRange accumulators) {
        TileIndexing idx{nested, nestedLoc};
        int64_t k = rhsType.getRank() - 2, inner = rhsType.getRank() - 1;
        SmallVector<Value> rhsPairs;
        for (int64_t col = 0; col < nr / kWidth; ++col)
          rhsPairs.push_back(vector::TransferReadOp::create(
              nested, nestedLoc, pairsType, rhs,
              idx.at(rhsType, {{k, kIv}, {inner, idx.index(col * 2 * kWidth)}}),
              /*padding=*/std::nullopt, ArrayRef<bool>{true}));
        SmallVector<Value> updated;
        for (int64_t row = 0; row < mr; ++row) {
          Value pair = vector::TransferReadOp::create(
              nested, nestedLoc, VectorType::get({2}, bf16), lhs,
              idx.at(lhsType, {{k, kIv}, {inner, idx.index(2 * row)}}),
              /*padding=*/std::nullopt, ArrayRef<bool>{true});
          Value lane = vector::BitCastOp::create(
              nested, nestedLoc, VectorType::get({1}, i32), pair);
          Value lanes = vector::BroadcastOp::create(
              nested, nestedLoc, VectorType::get({kWidth}, i32), lane);
          Value lhsPairs =
              vector::BitCastOp::create(nested, nestedLoc, pairsType, lanes);
          for (int64_t col = 0; col < nr / kWidth; ++col)
            updated.push_back(x86vector::DotBF16Op::create(
                nested, nestedLoc, accumulators[row * (nr / kWidth) + col],
                lhsPairs, rhsPairs[col]));
        }
        return updated;
      });
}

/// The elementwise generic that computes the start of `gemm`'s accumulator
/// from vectors along n only (a bias broadcast over the rows), when there is
/// one and the gemm has no batch dim: the kernel can compute each tile's
/// start row in registers.
linalg::GenericOp findRowStart(Gemm &gemm) {
  auto start =
      gemm.op.getDpsInitOperand(0)->get().getDefiningOp<linalg::GenericOp>();
  if (gemm.batch || !start || start.getNumDpsInits() != 1 ||
      start.getNumReductionLoops() != 0 ||
      !start.getIndexingMapsArray().back().isIdentity() ||
      !start.getMatchingBlockArgument(start.getDpsInitOperand(0)).use_empty())
    return {};
  MLIRContext *ctx = gemm.op.getContext();
  AffineMap alongN = AffineMap::get(2, 0, getAffineDimExpr(1, ctx));
  for (OpOperand *input : start.getDpsInputOperands())
    if (start.getMatchingIndexingMap(input) != alongN)
      return {};
  // Each op becomes its vector form: no regions, and no scalar operands
  // from outside the body.
  Block *body = start.getBody();
  if (body->getTerminator()->getOperand(0).getParentBlock() != body)
    return {};
  for (Operation &op : body->without_terminator())
    if (op.getNumRegions() != 0 ||
        !OpTrait::hasElementwiseMappableTraits(&op) ||
        llvm::any_of(op.getOperands(), [&](Value operand) {
          return operand.getParentBlock() != body;
        }))
      return {};
  return start;
}

/// The start of `gemm`'s accumulator in the rounded kernel of the block of
/// columns `column`: the fill value, or the row computed by the `start`
/// generic (see findRowStart) on vectors of `nr` elements.
Value emitRowStart(OpBuilder &b, Location loc, Gemm &gemm,
                   linalg::GenericOp start, Value column, int64_t nr) {
  if (!start)
    return gemm.op.getDpsInitOperand(0)
        ->get()
        .getDefiningOp<linalg::FillOp>()
        .getInputs()[0];
  Value offset = arith::MulIOp::create(
      b, loc, column, arith::ConstantIndexOp::create(b, loc, nr));
  IRMapping vectors;
  for (OpOperand *input : start.getDpsInputOperands()) {
    Type element = getElementTypeOrSelf(input->get().getType());
    vectors.map(start.getMatchingBlockArgument(input),
                vector::TransferReadOp::create(
                    b, loc, VectorType::get({nr}, element), input->get(),
                    ValueRange{offset}, /*padding=*/std::nullopt,
                    ArrayRef<bool>{true}));
  }
  for (Operation &op : start.getBody()->without_terminator()) {
    Operation *vectorOp = b.clone(op, vectors);
    for (Value result : vectorOp->getResults())
      result.setType(VectorType::get({nr}, result.getType()));
  }
  return vectors.lookup(start.getBody()->getTerminator()->getOperand(0));
}

/// The rounding of `gemm`'s result by its only user, an elementwise generic
/// that reads it only through an `arith.truncf` to a 16-bit float: the
/// kernel can round each register tile itself. Null when there is none, or
/// when the accumulator starts neither from a fill nor from a row start
/// (a rounded tile cannot start from its f32 slice).
arith::TruncFOp findRounding(Gemm &gemm) {
  Value result = gemm.op->getResult(0);
  if ((!gemm.op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>() &&
       !findRowStart(gemm)) ||
      !result.hasOneUse())
    return {};
  OpOperand &use = *result.use_begin();
  auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!consumer || !consumer.isDpsInput(&use) ||
      consumer.getNumReductionLoops() != 0)
    return {};
  BlockArgument arg = consumer.getMatchingBlockArgument(&use);
  if (!arg.hasOneUse())
    return {};
  auto rounding = dyn_cast<arith::TruncFOp>(*arg.user_begin());
  if (!rounding || rounding.getRoundingmodeAttr() ||
      !isa<Float16Type, BFloat16Type>(rounding.getType()))
    return {};
  return rounding;
}

/// Replaces `gemm` by the FMA kernel on `mr` x `nr` register tiles, each
/// rounded as `rounding` does when stored: the f32 result then only ever
/// lives in registers, and `rounding`'s generic reads the rounded result
/// instead.
void rewriteAsRoundedGemm(RewriterBase &rewriter, Gemm &gemm,
                          arith::TruncFOp rounding, int64_t mr, int64_t nr,
                          KernelKind kind) {
  Location loc = gemm.op.getLoc();
  rewriter.setInsertionPoint(gemm.op);
  Value lhs = packOperand(rewriter, loc, gemm, *gemm.op.getDpsInputOperand(0),
                          gemm.m, mr, kind);
  Value rhs = packOperand(rewriter, loc, gemm, *gemm.op.getDpsInputOperand(1),
                          gemm.n, nr, kind);
  linalg::GenericOp rowStart = findRowStart(gemm);

  // One MR x NR block per iteration, over rhs panels then lhs panels as in
  // the unrounded kernel.
  auto [shape, reassociation] = tileResult(gemm, mr, nr);
  bool batched = gemm.batch.has_value();
  SmallVector<OpFoldResult> bounds;
  if (batched)
    bounds.push_back(rewriter.getIndexAttr(shape[0]));
  bounds.push_back(rewriter.getIndexAttr(shape[batched + 2]));
  bounds.push_back(rewriter.getIndexAttr(shape[batched]));
  Type rounded = rounding.getType();
  auto forall = scf::ForallOp::create(
      rewriter, loc, bounds,
      ValueRange{tensor::EmptyOp::create(rewriter, loc, shape, rounded)},
      std::nullopt);
  SmallVector<Value> ivs = forall.getInductionVars();
  Value batchIv = batched ? ivs[0] : Value(), j = ivs[batched],
        i = ivs[batched + 1];
  OpFoldResult zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
  // The slice at `positions` (each of size one) of `source`, whole elsewhere.
  auto slice = [&](Value source,
                   ArrayRef<std::pair<int64_t, Value>> positions) {
    auto type = cast<RankedTensorType>(source.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), zero),
        strides(type.getRank(), one), sizes;
    for (int64_t size : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    for (auto [position, value] : positions) {
      offsets[position] = value;
      sizes[position] = one;
    }
    return std::make_tuple(offsets, sizes, strides);
  };
  // A panel `[batch?][rows / tile][k][tile]` of row block `row`.
  auto panel = [&](Value packed, Value row) -> Value {
    int64_t first = cast<RankedTensorType>(packed.getType()).getRank() - 3;
    SmallVector<std::pair<int64_t, Value>> positions = {{first, row}};
    if (first)
      positions.push_back({0, batchIv});
    auto [offsets, sizes, strides] = slice(packed, positions);
    return tensor::ExtractSliceOp::create(rewriter, loc, packed, offsets, sizes,
                                          strides);
  };

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(forall.getTerminator());
  Value result = forall.getRegionIterArgs()[0];
  SmallVector<std::pair<int64_t, Value>> positions = {{batched, i},
                                                      {batched + 2, j}};
  if (batched)
    positions.push_back({0, batchIv});
  auto [offsets, sizes, strides] = slice(result, positions);
  Value block =
      emitFMAKernel(rewriter, loc, panel(lhs, i), panel(rhs, j),
                    tensor::ExtractSliceOp::create(rewriter, loc, result,
                                                   offsets, sizes, strides),
                    mr, nr, emitRowStart(rewriter, loc, gemm, rowStart, j, nr));
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(rewriter, loc, block, result, offsets,
                                        sizes, strides);

  rewriter.setInsertionPointAfter(forall);
  Value collapsed = tensor::CollapseShapeOp::create(
      rewriter, loc, forall.getResult(0), reassociation);
  OpOperand &use = *gemm.op->getResult(0).use_begin();
  auto consumer = cast<linalg::GenericOp>(use.getOwner());
  BlockArgument arg = consumer.getMatchingBlockArgument(&use);
  rewriter.modifyOpInPlace(consumer, [&] {
    use.set(collapsed);
    arg.setType(rounded);
  });
  rewriter.replaceOp(rounding, arg);
  rewriter.eraseOp(gemm.op);
}

struct VectorizeContractionsPass
    : mpt::impl::VectorizeContractionsBase<VectorizeContractionsPass> {
  using VectorizeContractionsBase::VectorizeContractionsBase;

  /// True when the gemm splits into whole register tiles and is big enough
  /// for packing to pay off.
  bool worthPacking(const Gemm &gemm) const {
    int64_t m = gemm.sizes[gemm.m], n = gemm.sizes[gemm.n];
    int64_t k = gemm.sizes[gemm.k];
    return m % registerRows == 0 && n % registerCols == 0 &&
           m * n * k >= minFlops / 2;
  }

  /// The bf16 dot-product kernel for bf16 operands when the target has it
  /// (and k splits into pairs), else the f32 FMA kernel on widened panels.
  KernelKind kernelKindOf(Gemm &gemm) {
    auto isBF16 = [](Value value) {
      return getElementTypeOrSelf(value.getType()).isBF16();
    };
    if (bf16DotProduct && gemm.sizes[gemm.k] % 2 == 0 &&
        registerCols % 16 == 0 && llvm::all_of(gemm.op.getDpsInputs(), isBF16))
      return {BFloat16Type::get(&getContext()), 2};
    return {Float32Type::get(&getContext()), 1};
  }

  LogicalResult vectorizeGemm(RewriterBase &rewriter, Gemm &gemm) {
    if (amx && isAMXGemm(gemm, amxMaxKTiles)) {
      rewriteAsAMXGemm(rewriter, gemm);
      return success();
    }
    KernelKind kind = kernelKindOf(gemm);
    if (arith::TruncFOp rounding = findRounding(gemm);
        rounding && kind.kPairs == 1) {
      rewriteAsRoundedGemm(rewriter, gemm, rounding, registerRows, registerCols,
                           kind);
      return success();
    }
    Location loc = gemm.op.getLoc();
    rewriter.setInsertionPoint(gemm.op);
    PackedGemm packed =
        buildPackedGemm(rewriter, loc, gemm, registerRows, registerCols, kind);
    rewriter.replaceOp(gemm.op, packed.result);

    // One MR x NR block per iteration of the loops over rhs panels (outer,
    // so that a panel is reused from cache by every lhs panel) and lhs
    // panels.
    unsigned base = gemm.batch ? 1 : 0;
    unsigned rank = packed.op.getNumLoops();
    SmallVector<int64_t> tileSizes(rank, 0);
    for (unsigned dim = 0; dim < base + 2; ++dim)
      tileSizes[dim] = 1;
    SmallVector<int64_t> interchange =
        llvm::to_vector(llvm::seq<int64_t>(0, rank));
    std::swap(interchange[base], interchange[base + 1]);
    scf::SCFTilingOptions options;
    options
        .setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), tileSizes))
        .setInterchange(interchange)
        .setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(packed.op.getOperation()), options);
    if (failed(tiled))
      return packed.op.emitOpError()
             << "could not be tiled into register blocks";
    rewriter.replaceOp(packed.op, tiled->replacements);

    auto tile = cast<linalg::GenericOp>(tiled->tiledOps.back());
    rewriter.setInsertionPoint(tile);
    rewriter.replaceOp(
        tile,
        kind.kPairs > 1
            ? emitBF16DotKernel(rewriter, tile.getLoc(), tile, registerRows,
                                registerCols, packed.fillValue)
            : emitFMAKernel(rewriter, tile.getLoc(), tile.getDpsInputs()[0],
                            tile.getDpsInputs()[1], tile.getDpsInits()[0],
                            registerRows, registerCols, packed.fillValue));
    // Every tile now starts from the fill value in registers and overwrites
    // its block: the fill itself is dead work.
    if (packed.fill)
      rewriter.replaceOp(packed.fill, packed.fill.getDpsInits()[0]);
    return success();
  }

  void runOnOperation() override {
    SmallVector<Gemm> gemms;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<Gemm> gemm = matchGemm(op); gemm && worthPacking(*gemm))
        gemms.push_back(*gemm);
    });
    IRRewriter rewriter(&getContext());
    for (Gemm &gemm : gemms)
      if (failed(vectorizeGemm(rewriter, gemm)))
        return signalPassFailure();
  }
};

} // namespace
