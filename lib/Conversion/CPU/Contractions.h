//===- Contractions.h - GEMM matching and packing for the CPU ---*- C++ -*-===//
//
// What the GEMM kernels of --mpt-cpu-vectorize-contractions share: the
// recognition of a matmul-like linalg op and the packing of its operands
// into panels, and the AMX kernel for bf16 operands.
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

/// Recognizes a contraction with at most one batch dim and one m, n and k
/// dim, whose body is a multiply-accumulate in the accumulator's float
/// type.
std::optional<Gemm> matchGemm(linalg::LinalgOp op);

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
/// n) is the dim split into panels of `tile`. The copy is an elementwise
/// generic that later vectorizes like any other.
Value packOperand(OpBuilder &b, Location loc, Gemm &gemm, OpOperand &operand,
                  unsigned rowDim, int64_t tile, KernelKind kind);

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
