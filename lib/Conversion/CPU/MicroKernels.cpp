//===- MicroKernels.cpp - Register-tiled GEMM kernels ---------------------===//
//
// The kernels of one MR x NR block of a packed GEMM: MR rows of NR f32
// accumulators stay in vector registers for the whole k loop, updated from
// one k-row of each packed panel per step, and are written back (rounded
// when the result is narrower) once at the end.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::cpu;

namespace {

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

} // namespace

Value cpu::emitFMAKernel(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         Value acc, int64_t mr, int64_t nr,
                         Value initialValue) {
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

Value cpu::emitBF16DotKernel(OpBuilder &b, Location loc, linalg::GenericOp tile,
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
