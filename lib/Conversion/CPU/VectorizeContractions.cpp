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
// This file recognises the contractions and drives the rewrite; the parts
// are declared in Contractions.h.
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"
#include "mpt/Conversion/CPU/Passes.h"

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

FailureOr<Gemm> cpu::matchGemm(RewriterBase &rewriter, linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op))
    return rewriter.notifyMatchFailure(op, "not a contraction");
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics())
    return rewriter.notifyMatchFailure(
        op, "expected two inputs and one output, on tensors");
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->batch.size() > 1 || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1)
    return rewriter.notifyMatchFailure(
        op, "expected one m, one n and one k loop and at most one batch loop");
  if (!getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32())
    return rewriter.notifyMatchFailure(op, "expected an f32 accumulator");
  for (Value input : op.getDpsInputs())
    if (!isa<FloatType>(getElementTypeOrSelf(input.getType())) ||
        getElementTypeOrSelf(input.getType()).getIntOrFloatBitWidth() > 32)
      return rewriter.notifyMatchFailure(
          op, "expected float operands of at most 32 bits");
  Gemm gemm{op,         std::nullopt, dims->m[0],
            dims->n[0], dims->k[0],   op.getStaticLoopRanges()};
  if (!dims->batch.empty())
    gemm.batch = dims->batch[0];
  // The kernels write blocks of C[batch?][m][n].
  SmallVector<AffineExpr> resultOrder;
  if (gemm.batch)
    resultOrder.push_back(getAffineDimExpr(*gemm.batch, op.getContext()));
  resultOrder.push_back(getAffineDimExpr(gemm.m, op.getContext()));
  resultOrder.push_back(getAffineDimExpr(gemm.n, op.getContext()));
  if (op.getIndexingMapsArray().back().getResults() !=
      ArrayRef<AffineExpr>(resultOrder))
    return rewriter.notifyMatchFailure(
        op, "expected a result indexed as [batch?][m][n]");
  if (ShapedType::isDynamicShape(gemm.sizes))
    return rewriter.notifyMatchFailure(op, "expected static sizes");
  return gemm;
}

namespace {

struct VectorizeContractionsPass
    : mpt::impl::VectorizeContractionsBase<VectorizeContractionsPass> {
  using VectorizeContractionsBase::VectorizeContractionsBase;

  /// Succeeds when the gemm splits into whole register tiles and is big
  /// enough for packing to pay off.
  LogicalResult checkWorthPacking(RewriterBase &rewriter, Gemm &gemm) const {
    int64_t m = gemm.sizes[gemm.m], n = gemm.sizes[gemm.n];
    int64_t k = gemm.sizes[gemm.k];
    if (m % registerRows != 0 || n % registerCols != 0)
      return rewriter.notifyMatchFailure(
          gemm.op, "m or n does not split into whole register tiles");
    if (m * n * k < minFlops / 2)
      return rewriter.notifyMatchFailure(
          gemm.op, "fewer flops than min-flops: not worth packing");
    return success();
  }

  /// The bf16 dot-product kernel for bf16 operands when the target has it
  /// (and k splits into pairs), else the FMA kernel: on an f32 lhs panel
  /// and, when both operands have the same 16-bit type, an rhs panel of
  /// that type (widened in registers), else f32.
  KernelKind kernelKindOf(Gemm &gemm) {
    Type lhs = getElementTypeOrSelf(gemm.op.getDpsInputs()[0].getType());
    Type rhs = getElementTypeOrSelf(gemm.op.getDpsInputs()[1].getType());
    if (bf16DotProduct && lhs.isBF16() && rhs.isBF16() &&
        gemm.sizes[gemm.k] % 2 == 0 && registerCols % 16 == 0)
      return {lhs, rhs, 2};
    Type f32 = Float32Type::get(&getContext());
    if (narrowPanels && lhs == rhs && lhs.getIntOrFloatBitWidth() == 16)
      return {f32, rhs, 1};
    return {f32, f32, 1};
  }

  LogicalResult vectorizeGemm(RewriterBase &rewriter, Gemm &gemm) {
    if (amx && isAMXGemm(gemm, amxMaxKTiles)) {
      rewriteAsAMXGemm(rewriter, gemm, findRounding(gemm));
      return success();
    }
    rewriteAsBlockGemm(rewriter, gemm, registerRows, registerCols,
                       kernelKindOf(gemm), findRounding(gemm), lhsPanelBytes);
    return success();
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> contractions;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (linalg::isaContractionOpInterface(op))
        contractions.push_back(op);
    });
    SmallVector<Gemm> gemms;
    for (linalg::LinalgOp contraction : contractions) {
      rewriter.setInsertionPoint(contraction);
      FailureOr<linalg::LinalgOp> op =
          collapseContractionDims(rewriter, contraction);
      if (failed(op))
        continue;
      if (FailureOr<Gemm> gemm = matchGemm(rewriter, *op);
          succeeded(gemm) && succeeded(checkWorthPacking(rewriter, *gemm)))
        gemms.push_back(*gemm);
    }
    for (Gemm &gemm : gemms)
      if (failed(vectorizeGemm(rewriter, gemm)))
        return signalPassFailure();
    // The rounded results widened back (gradients of f32 parameters) are
    // widened where they are read.
    rematerializeWidenings(rewriter, getOperation());
  }
};

} // namespace
