//===- MicroKernels.cpp - Register-tiled GEMM kernels ---------------------===//
//
// The kernels of one MR x NR block of a packed GEMM: MR rows of NR f32
// accumulators stay in vector registers for the whole k loop, updated from
// one k-row of each packed panel per step, and are written back (rounded
// when the result is narrower) once at the end. 16-bit panels are widened
// in registers, so they take half the memory and bandwidth of f32 ones.
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

/// Computes the accumulators of one k step from the loop index and the
/// accumulators of the previous one.
using KernelStep = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value kIv, ValueRange accumulators)>;

Value index(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// Emits the register kernel of one block, whose result slice `acc` is
/// `C[1?][1][MR][1][NR]`: MR rows of NR / `width` accumulator vectors of
/// `width` f32, started from the slice or from `initialValue` when given
/// (a scalar broadcast to every accumulator, or the vector of NR elements
/// every row starts from), updated by `step` for each of `kSteps` k
/// steps and written back to the slice, which is returned. A slice of a
/// narrower float type (which then must start from `initialValue`)
/// receives the accumulators rounded to it.
Value emitKernel(OpBuilder &b, Location loc, Value acc, int64_t mr, int64_t nr,
                 int64_t width, int64_t kSteps, Value initialValue,
                 KernelStep step) {
  auto accType = cast<RankedTensorType>(acc.getType());
  assert((initialValue || accType.getElementType().isF32()) &&
         "a rounded block cannot start from its slice");
  int64_t rowPosition = accType.getRank() - 3;
  int64_t colPosition = accType.getRank() - 1;
  auto vectorType = VectorType::get({width}, b.getF32Type());
  auto accIndices = [&](int64_t row, int64_t col) {
    SmallVector<Value> indices(accType.getRank(), index(b, loc, 0));
    indices[rowPosition] = index(b, loc, row);
    indices[colPosition] = index(b, loc, col * width);
    return indices;
  };

  // The start of each column of vectors of a row.
  SmallVector<Value> columnStarts;
  if (initialValue && !isa<VectorType>(initialValue.getType()))
    initialValue =
        vector::BroadcastOp::create(b, loc, vectorType, initialValue);
  for (int64_t col = 0; initialValue && col < nr / width; ++col)
    columnStarts.push_back(
        initialValue.getType() == vectorType
            ? initialValue
            : vector::ExtractStridedSliceOp::create(
                  b, loc, initialValue, ArrayRef<int64_t>{col * width},
                  ArrayRef<int64_t>{width}, ArrayRef<int64_t>{1})
                  .getResult());
  SmallVector<Value> initial;
  for (int64_t row = 0; row < mr; ++row)
    for (int64_t col = 0; col < nr / width; ++col)
      initial.push_back(
          initialValue ? columnStarts[col]
                       : vector::TransferReadOp::create(
                             b, loc, vectorType, acc, accIndices(row, col),
                             /*padding=*/std::nullopt, ArrayRef<bool>{true})
                             .getResult());
  auto loop = scf::ForOp::create(
      b, loc, index(b, loc, 0), index(b, loc, kSteps), index(b, loc, 1),
      initial,
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

/// The FMA kernel on panels `A[K][MR]` (f32) and `B[K][NR]` (f32, or 16-bit
/// and widened in registers): each k broadcasts MR lhs elements from memory
/// and multiplies them with one rhs row. The lhs stays f32: broadcasting a
/// 16-bit element would take an insert, a conversion and a shuffle per
/// element, where an f32 one is a single load.
Value emitFMAKernel(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc,
                    int64_t mr, int64_t nr, Value initialValue) {
  auto panelType = cast<RankedTensorType>(rhs.getType());
  Type element = panelType.getElementType();
  assert(cast<RankedTensorType>(lhs.getType()).getElementType().isF32() &&
         "the FMA kernel broadcasts f32 lhs elements");
  return emitKernel(
      b, loc, acc, mr, nr, /*width=*/nr, panelType.getDimSize(0), initialValue,
      [&](OpBuilder &nested, Location nestedLoc, Value kIv,
          ValueRange accumulators) {
        auto widen = [&](Value value) -> Value {
          if (element.isF32())
            return value;
          return arith::ExtFOp::create(
              nested, nestedLoc,
              cast<VectorType>(value.getType()).clone(nested.getF32Type()),
              value);
        };
        Value rhsRow = widen(vector::TransferReadOp::create(
            nested, nestedLoc, VectorType::get({nr}, element), rhs,
            ValueRange{kIv, index(nested, nestedLoc, 0)},
            /*padding=*/std::nullopt, ArrayRef<bool>{true}));
        SmallVector<Value> updated;
        for (int64_t row = 0; row < mr; ++row) {
          Value scalar = tensor::ExtractOp::create(
              nested, nestedLoc, lhs,
              ValueRange{kIv, index(nested, nestedLoc, row)});
          Value splat = vector::BroadcastOp::create(nested, nestedLoc,
                                                    rhsRow.getType(), scalar);
          updated.push_back(vector::FMAOp::create(nested, nestedLoc, splat,
                                                  rhsRow, accumulators[row]));
        }
        return updated;
      });
}

/// The bf16 kernel on panels `A[K/2][MR * 2]` and `B[K/2][NR * 2]`: each
/// pair of k broadcasts the pair of every lhs row (as one 32-bit lane) and
/// takes its dot product with the rhs pairs of 16 columns (`vdpbf16ps`).
Value emitBF16DotKernel(OpBuilder &b, Location loc, Value lhs, Value rhs,
                        Value acc, int64_t mr, int64_t nr, Value initialValue) {
  constexpr int64_t kWidth = 16;
  Type bf16 = b.getBF16Type(), i32 = b.getI32Type();
  auto pairsType = VectorType::get({2 * kWidth}, bf16);
  int64_t kSteps = cast<RankedTensorType>(lhs.getType()).getDimSize(0);
  return emitKernel(
      b, loc, acc, mr, nr, kWidth, kSteps, initialValue,
      [&](OpBuilder &nested, Location nestedLoc, Value kIv,
          ValueRange accumulators) {
        SmallVector<Value> rhsPairs;
        for (int64_t col = 0; col < nr / kWidth; ++col)
          rhsPairs.push_back(vector::TransferReadOp::create(
              nested, nestedLoc, pairsType, rhs,
              ValueRange{kIv, index(nested, nestedLoc, col * 2 * kWidth)},
              /*padding=*/std::nullopt, ArrayRef<bool>{true}));
        SmallVector<Value> updated;
        for (int64_t row = 0; row < mr; ++row) {
          Value pair = vector::TransferReadOp::create(
              nested, nestedLoc, VectorType::get({2}, bf16), lhs,
              ValueRange{kIv, index(nested, nestedLoc, 2 * row)},
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

} // namespace

Value cpu::emitBlockKernel(OpBuilder &b, Location loc, Value lhs, Value rhs,
                           Value acc, int64_t mr, int64_t nr, KernelKind kind,
                           Value initialValue) {
  if (kind.kPairs > 1)
    return emitBF16DotKernel(b, loc, lhs, rhs, acc, mr, nr, initialValue);
  return emitFMAKernel(b, loc, lhs, rhs, acc, mr, nr, initialValue);
}
