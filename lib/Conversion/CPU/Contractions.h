//===- Contractions.h - The GEMM kernels of the CPU -------------*- C++ -*-===//
//
// The parts of --mpt-cpu-vectorize-contractions: the recognition of a
// matmul-like linalg op (VectorizeContractions.cpp), the packing of its
// operands into panels (Packing.cpp), the register-tiled kernels of one
// block (MicroKernels.cpp), the kernel that rounds its result in registers
// (RoundedGemm.cpp) and the AMX kernel for bf16 operands
// (AmxContractions.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_CONVERSION_CPU_CONTRACTIONS_H
#define MPT_LIB_CONVERSION_CPU_CONTRACTIONS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir {
namespace mpt {
namespace cpu {

/// A contraction `C[b, m, n] += A[b?, m, k] * B[b?, k, n]` with static
/// sizes, identified by the loop dims of its indexing maps.
struct Gemm {
  linalg::LinalgOp op;
  std::optional<unsigned> batch;
  unsigned m, n, k;
  SmallVector<int64_t> sizes;
};

/// Recognizes a contraction on tensors of static shape with at most one
/// batch dim and one m, n and k dim, float operands and an f32
/// accumulator; fails, with the reason, otherwise.
FailureOr<Gemm> matchGemm(RewriterBase &rewriter, linalg::LinalgOp op);

/// How a kernel consumes a packed operand.
struct KernelKind {
  /// Element type of the packed panels.
  Type elementType;
  /// Consecutive k values kept side by side in a panel row: 1 for the f32
  /// FMA kernel, 2 for the bf16 dot-product kernel, which multiplies pairs.
  int64_t kPairs;
};

/// Copies `operand` of `gemm` into panels
/// `[batch?][rows / tile][k / pairs][tile][pairs]` (the last dim only when
/// `kind.kPairs > 1`) of `kind.elementType`, where `rowDim` (the gemm's m or
/// n) is the dim split into panels of `tile`: a `linalg.pack`, followed by
/// an elementwise `arith.extf` when the panels are wider than the operand.
/// --mpt-cpu-vectorize lowers the pack into a copy, fused into the
/// widening.
Value packOperand(OpBuilder &b, Location loc, Gemm &gemm, OpOperand &operand,
                  unsigned rowDim, int64_t tile, KernelKind kind);

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

/// Packs both operands of `gemm` into panels of `mr` rows and `nr` columns
/// for a kernel of `kind` and builds the gemm on them (see PackedGemm).
PackedGemm buildPackedGemm(OpBuilder &b, Location loc, Gemm &gemm, int64_t mr,
                           int64_t nr, KernelKind kind);

/// The gemm's result `C[batch?][M][N]` with m and n each split into
/// register tiles, `C[batch?][M/MR][MR][N/NR][NR]`, and how it folds back.
struct TiledResult {
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> reassociation;
};

TiledResult tileResult(Gemm &gemm, int64_t mr, int64_t nr);

/// The f32 kernel on panels `A[1?][1][K][MR]` and `B[1?][1][K][NR]`: each k
/// broadcasts MR lhs elements and multiplies them with one rhs row, one
/// FMA per row, accumulating into the block `acc` (`C[1?][1][MR][1][NR]`),
/// which is returned updated. The accumulators start from `acc`, or from
/// `initialValue` when given: a scalar for every accumulator, or the
/// vector of NR elements every row starts from. A block of a narrower
/// float type (which must then start from `initialValue`) receives the
/// accumulators rounded to it.
Value emitFMAKernel(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc,
                    int64_t mr, int64_t nr, Value initialValue);

/// The bf16 kernel of the tile `tile` of a packed gemm, on panels
/// `A[1?][1][K/2][MR][2]` and `B[1?][1][K/2][NR][2]`: each step over a pair
/// of k broadcasts the pair of every lhs row (as one 32-bit lane) and takes
/// its dot product with the rhs pairs of 16 columns (`vdpbf16ps`),
/// accumulating in f32. Returns the updated block.
Value emitBF16DotKernel(OpBuilder &b, Location loc, linalg::GenericOp tile,
                        int64_t mr, int64_t nr, Value initialValue);

/// The rounding of `gemm`'s result by its only user, an elementwise generic
/// that reads it only through an `arith.truncf` to a 16-bit float: the
/// kernel can round each register tile itself. Null when there is none, or
/// when the accumulator starts neither from a fill nor from a bias
/// broadcast over the rows (a rounded tile cannot start from its f32
/// slice).
arith::TruncFOp findRounding(Gemm &gemm);

/// Replaces `gemm` by the FMA kernel on `mr` x `nr` register tiles, each
/// rounded as `rounding` does when stored: the f32 result then only ever
/// lives in registers, and `rounding`'s generic reads the rounded result
/// instead.
void rewriteAsRoundedGemm(RewriterBase &rewriter, Gemm &gemm,
                          arith::TruncFOp rounding, int64_t mr, int64_t nr,
                          KernelKind kind);

/// True when `gemm` runs on the AMX kernel: bf16 operands, no batch dim,
/// m, n and k multiples of 32 and at most `maxKTiles` tiles of 32 k (the k
/// loop is unrolled).
bool isAMXGemm(Gemm &gemm, int64_t maxKTiles);

/// Replaces `gemm` by the AMX kernel: the lhs packed in 32 x 32 tiles, the
/// rhs in the VNNI layout (pairs of k interleaved), and a loop over 32 x 32
/// blocks of the result, each accumulated in four 16 x 16 f32 tiles.
void rewriteAsAMXGemm(RewriterBase &rewriter, Gemm &gemm);

} // namespace cpu
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_CPU_CONTRACTIONS_H
