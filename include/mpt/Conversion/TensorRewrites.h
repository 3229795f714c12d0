//===- TensorRewrites.h - Rewrites both back ends run on tensors -*- C++
//-*-===//
//
// Tensor-level rewrites that both back ends run before their kernels are
// formed: broadcasts in the generic form that elementwise fusion consumes;
// a 16-bit rounding of a contraction's f32 result that only feeds a
// widening back to f32 split off into the contraction's own consumer; and
// a widening of 16-bit tensors recomputed by each of its readers instead of
// stored. Results are bit-identical: the same values are computed, only
// where the copies live changes.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_TENSORREWRITES_H
#define MPT_CONVERSION_TENSORREWRITES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace mpt {

/// The value `value` is a float conversion of (`arith.extf`, or
/// `arith.truncf` without a rounding mode, by an elementwise generic with
/// identity maps), or null. Such a conversion need not be stored: its
/// readers can convert the source themselves.
Value findConversionSource(Value value);

/// Rewrites every `linalg.broadcast` of `root` as the equivalent
/// `linalg.generic`, which elementwise fusion takes as a producer (a named
/// broadcast would stay an op of its own, its full-size result stored).
/// Fails, with an error on the op, when one cannot be generalized.
LogicalResult generalizeBroadcasts(RewriterBase &rewriter, Operation *root);

/// Where the accumulators of a contraction start.
struct AccumulatorStart {
  /// A scalar every accumulator starts from (a `linalg.fill`'s value).
  Value fillValue;
  /// An elementwise generic that computes the accumulator from vectors
  /// along n only (a bias broadcast over the rows): a kernel can compute
  /// each block's start row in registers.
  linalg::GenericOp rowStart;
  /// Neither: a kernel reads the accumulator's tile.
  bool readsTile() const { return !fillValue && !rowStart; }
};

/// `value` seen through the reshapes that only regroup its rows, keeping
/// its last dim as it is (a [batch][seq][n] fill or bias broadcast
/// collapsed into the [batch * seq][n] accumulator of a GEMM): every row of
/// the source is a row of `value`.
Value sourceOfRowReshapes(Value value);

/// The start of contraction `op`'s accumulator that a kernel can make in
/// registers; `batched` when `op` has a batch dim.
AccumulatorStart findAccumulatorStart(linalg::LinalgOp op, bool batched);

/// The rounding of contraction `op`'s result by its only user, an
/// elementwise generic that reads it only through an `arith.truncf` to a
/// 16-bit float: a kernel can round each block of the result itself. Null
/// when there is none, or when the accumulator must be read from memory (a
/// rounded block cannot start from its f32 slice).
arith::TruncFOp findRounding(linalg::LinalgOp op, bool batched);

/// The reshapes between `result` and its reader, each the only user of the
/// value before it (a GEMM collapsed from several m or n loops is expanded
/// back to its op's shape): the reader of the last one reads `result`.
SmallVector<Operation *> reshapesToReader(Value result);

/// Which roundings splitRoundings splits off.
enum class RoundingSplit {
  /// Every one whose op computes more than the rounding from it.
  All,
  /// Only those whose op then widens the rounded value (and reads nothing
  /// else but narrower tensors and scalars): rematerializeWidenings
  /// recomputes it in its readers. A rounding followed by an activation
  /// stays in the op that applies it.
  IntoWidenings,
};

/// Splits the rounding (findRounding) of every contraction of `root` off
/// the op that does it, when that op computes more: a generic that only
/// rounds is left to read the contraction, and the op reads its 16-bit
/// result. The contraction's kernel then holds the rounding, and what the
/// op computes from the rounded value (a widening back to f32) can be
/// recomputed by its readers.
void splitRoundings(RewriterBase &rewriter, Operation *root,
                    RoundingSplit which = RoundingSplit::All);

/// What a widening that rematerializeWidenings recomputes may read besides
/// rank-0 scalars.
enum class WideningInputs {
  /// Only narrower float tensors of the result's shape.
  Narrower,
  /// Also broadcasts of smaller tensors (row statistics, such as softmax's
  /// maximum and sum), when all its inputs together take fewer bytes than
  /// its result: softmax's f32 probabilities computed from its 16-bit
  /// scores.
  NarrowerOrBroadcast,
};

/// Fuses every elementwise op of `root` that only widens 16-bit tensors
/// (and reads what `inputs` allows) into each op that reads its result,
/// when all of them are elementwise generics (reductions included) and
/// none is a GEMM, so that the wide result is recomputed where it is read
/// instead of stored.
void rematerializeWidenings(RewriterBase &rewriter, Operation *root,
                            WideningInputs inputs = WideningInputs::Narrower);

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_TENSORREWRITES_H
