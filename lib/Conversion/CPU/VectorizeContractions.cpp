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

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
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
    IRRewriter rewriter(&getContext());
    SmallVector<Gemm> gemms;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (FailureOr<Gemm> gemm = matchGemm(rewriter, op);
          succeeded(gemm) && succeeded(checkWorthPacking(rewriter, *gemm)))
        gemms.push_back(*gemm);
    });
    for (Gemm &gemm : gemms)
      if (failed(vectorizeGemm(rewriter, gemm)))
        return signalPassFailure();
  }
};

} // namespace
