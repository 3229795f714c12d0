//===- Contractions.h - The GEMM kernels of the CPU -------------*- C++ -*-===//
//
// The parts of --mpt-cpu-vectorize-contractions: the recognition of a
// matmul-like linalg op (VectorizeContractions.cpp), the packing of its
// operands into panels (Packing.cpp, PanelCopies.cpp), the loop over
// register blocks and where each block's accumulators start (BlockLoop.cpp,
// RoundedGemm.cpp), the register-tiled kernels of one block
// (MicroKernels.cpp) and the AMX kernel for bf16 operands
// (AmxContractions.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_CONVERSION_CPU_CONTRACTIONS_H
#define MPT_LIB_CONVERSION_CPU_CONTRACTIONS_H

#include "mpt/Conversion/TensorRewrites.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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

/// Rewrites a contraction with several batch, m, n or k loops (reshapes
/// fused into it) into one with at most one of each, on collapsed views of
/// its operands, when each group is contiguous in every operand; returns
/// `op` itself when it has one of each already, fails otherwise.
FailureOr<linalg::LinalgOp> collapseContractionDims(RewriterBase &rewriter,
                                                    linalg::LinalgOp op);

/// Recognizes a contraction on tensors of static shape with at most one
/// batch dim and one m, n and k dim, float operands and an f32
/// accumulator; fails, with the reason, otherwise.
FailureOr<Gemm> matchGemm(RewriterBase &rewriter, linalg::LinalgOp op);

/// How a kernel consumes its packed operands.
struct KernelKind {
  /// Element types of the lhs and rhs panels: f32, or the operands' own
  /// 16-bit type, widened in registers by the kernel.
  Type lhsElementType, rhsElementType;
  /// Consecutive k values kept side by side in a panel row: 1 for the FMA
  /// kernel, 2 for the bf16 dot-product kernel, which multiplies pairs.
  int64_t kPairs;
};

/// A run of consecutive panels of an operand: `blocks` panels from panel
/// `firstBlock`, written into `into` (`[batch?][blocks][k / pairs][tile *
/// pairs]`, a tensor reused for every run).
struct PanelRange {
  Value firstBlock;
  int64_t blocks;
  Value into;
};

/// True when emitPanels copies `operand` by vectors (its last dim is
/// `rowDim` or k), and so can copy a PanelRange of it.
bool copiesPanels(Gemm &gemm, OpOperand &operand, unsigned rowDim);

/// Copies `operand` of `gemm` into panels `[batch?][rows / tile][k /
/// pairs][tile * pairs]` of `element`, where `rowDim` (the gemm's
/// m or n) is the dim split into panels of `tile` and the pairs of k (when
/// `kPairs` is 2) are side by side: an `scf.forall` over panels of
/// vector copies that convert in registers, reading the source of a
/// conversion that produced the operand (findConversionSource) rather than
/// the operand. With `range` (only when copiesPanels), copies those panels
/// only. Falls back to packOperand when the operand is read in an order the
/// copies do not take (its last dim neither `rowDim` nor k).
Value emitPanels(OpBuilder &b, Location loc, Gemm &gemm, OpOperand &operand,
                 unsigned rowDim, int64_t tile, Type element, int64_t kPairs,
                 std::optional<PanelRange> range = std::nullopt);

/// Copies `operand` of `gemm` into panels
/// `[batch?][rows / tile][k / pairs][tile][pairs]` (the last dim only when
/// `kPairs > 1`) of `element` with a `linalg.pack`, followed
/// by an elementwise `arith.extf` when the panels are wider than the
/// operand; --mpt-cpu-vectorize lowers the pack into a copy.
Value packOperand(OpBuilder &b, Location loc, Gemm &gemm, OpOperand &operand,
                  unsigned rowDim, int64_t tile, Type element, int64_t kPairs);

/// The gemm's result `C[batch?][M][N]` with m and n each split into
/// register tiles, `C[batch?][M/MR][MR][N/NR][NR]`, and how it folds back.
struct TiledResult {
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> reassociation;
};

TiledResult tileResult(Gemm &gemm, int64_t mr, int64_t nr);

/// The start of `gemm`'s accumulator that the kernels can make in
/// registers (RoundedGemm.cpp).
AccumulatorStart findAccumulatorStart(Gemm &gemm);

/// The start row of the block of columns `column` (of `nr` columns),
/// computed in registers by `start.rowStart`, or the fill value.
Value emitRowStart(OpBuilder &b, Location loc, AccumulatorStart start,
                   Value column, int64_t nr);

/// The rounding of `gemm`'s result by its only user, an elementwise generic
/// that reads it only through an `arith.truncf` to a 16-bit float: the
/// kernel can round each register tile itself. Null when there is none, or
/// when the accumulator must be read from memory (a rounded tile cannot
/// start from its f32 slice).
arith::TruncFOp findRounding(Gemm &gemm);
/// The tensor that the op starting an accumulator in registers (a fill,
/// a bias broadcast) writes, reshaped as its result is into `init`: the
/// blocks are written there, into the caller's buffer where that is one,
/// instead of a new tensor. `init` itself when it has no such op.
Value startDestination(RewriterBase &rewriter, Value init);

/// Where a GEMM kernel writes its result `C[batch?][M][N]` of
/// `elementType` (GemmResults.cpp): `tensor`, or a new tensor when null.
struct GemmDestination {
  Value tensor;
  Type elementType;
  /// The tensor is the destination of the op that rounds the result, which
  /// is then rewritten to read it from there.
  bool inRoundingDestination;
};

/// The destination of `gemm`'s result: with `rounding`, the destination of
/// the elementwise op that rounds it when that op writes it in place
/// without reading it and it is made before the GEMM, else a new tensor of
/// the rounded type; without, the accumulator's tensor, or the tensor that
/// `start` writes when the kernel makes the start in registers.
GemmDestination gemmDestination(RewriterBase &rewriter, Location loc,
                                Gemm &gemm, AccumulatorStart start,
                                arith::TruncFOp rounding);

/// Replaces `gemm` by `result`, computed into `destination`; with
/// `rounding`, the op that rounds the result reads the rounded `result`
/// (through the reshapes between them) instead, and reads and overwrites
/// it in place when it is its destination.
void replaceGemm(RewriterBase &rewriter, Gemm &gemm, Value result,
                 arith::TruncFOp rounding, GemmDestination destination);

/// The register kernel of one block: panels `A[K/pairs][MR * pairs]` and
/// `B[K/pairs][NR * pairs]` of `kind`, the block `acc` (`C[1?][1][MR][1][NR]`
/// of f32 or, rounded, of a 16-bit type) that it writes and returns, and
/// the start of its accumulators (a scalar, a vector of NR, or null to read
/// `acc`, which must then be f32).
///
/// With `kind.kPairs == 1` each k broadcasts MR f32 lhs elements and
/// multiplies them with one rhs row, one FMA per row, widening a 16-bit rhs
/// panel in registers. With pairs (bf16), each pair of k broadcasts the pair of
/// every lhs row as one 32-bit lane and takes its dot product with the
/// pairs of 16 columns (`vdpbf16ps`).
Value emitBlockKernel(OpBuilder &b, Location loc, Value lhs, Value rhs,
                      Value acc, int64_t mr, int64_t nr, KernelKind kind,
                      Value initialValue);

/// Replaces `gemm` by its kernel on `mr` x `nr` register blocks: both
/// operands packed (emitPanels), then an `scf.forall` over rhs panels
/// (outer, so that a panel is reused from cache by every lhs panel) and lhs
/// panels whose body is emitBlockKernel. With `rounding`, each block is
/// rounded as it does when stored and `rounding`'s generic reads the
/// rounded result instead: the f32 result only lives in registers.
///
/// When the lhs panels would take more than `lhsPanelBytes`, the rows of
/// the result are computed in chunks, each with panels of its own rows
/// only, copied into one buffer of at most that size that every chunk
/// reuses (each chunk reads the rhs panels once more).
void rewriteAsBlockGemm(RewriterBase &rewriter, Gemm &gemm, int64_t mr,
                        int64_t nr, KernelKind kind, arith::TruncFOp rounding,
                        int64_t lhsPanelBytes);

/// True when `gemm` runs on the AMX kernel: bf16 operands, no batch dim,
/// m, n and k multiples of 32 and at most `maxKTiles` tiles of 32 k (the k
/// loop is unrolled).
bool isAMXGemm(Gemm &gemm, int64_t maxKTiles);

/// Replaces `gemm` by the AMX kernel: the lhs packed in 32 x 32 tiles, the
/// rhs in the VNNI layout (pairs of k interleaved), and a loop over 32 x 32
/// blocks of the result, each accumulated in four 16 x 16 f32 tiles. With
/// `rounding`, each block is rounded as it is stored, as
/// rewriteAsBlockGemm does.
void rewriteAsAMXGemm(RewriterBase &rewriter, Gemm &gemm,
                      arith::TruncFOp rounding);

} // namespace cpu
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_CPU_CONTRACTIONS_H
