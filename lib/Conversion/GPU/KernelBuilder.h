//===- KernelBuilder.h - Building kernels for linalg ops --------*- C++ -*-===//
//
// What the kernel strategies of `--mpt-linalg-to-gpu` share: creating a named
// `gpu.launch`, index arithmetic, and evaluating a linalg op's body at one
// point of its iteration space.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_CONVERSION_GPU_KERNELBUILDER_H
#define MPT_LIB_CONVERSION_GPU_KERNELBUILDER_H

#include "mpt/Conversion/GPU/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace mpt {
namespace gpu_kernels {

/// Marks a runtime function whose calls only enqueue work on the step's
/// stream, which GPUStreamOrderedCalls passes them as their first argument.
constexpr llvm::StringLiteral kStreamOrderedAttrName = "mpt.stream_ordered";

/// The compute capability a chip name gives ("sm_90a" -> 90), if any.
std::optional<unsigned> smVersionOf(StringRef chip);

/// Creates the kernels of one function: names them `<func>_<kind>_<n>` in the
/// module `<func>_kernels`, and knows what the target offers.
class KernelBuilder {
public:
  KernelBuilder(func::FuncOp func, StringRef chip, unsigned smVersion,
                int64_t blockSize)
      : funcName(func.getSymName()), smVersion(smVersion),
        warpgroupMma(chip == "sm_90a"), blockSize(blockSize) {}

  /// Creates a `gpu.launch` at `b`'s insertion point with the given grid and
  /// block sizes (missing dimensions are 1), workgroup buffers and bytes of
  /// dynamic shared memory, and moves `b` into its body.
  gpu::LaunchOp launch(OpBuilder &b, Location loc, StringRef kind,
                       ArrayRef<Value> grid, ArrayRef<Value> block,
                       TypeRange workgroupBuffers = {},
                       int64_t dynamicSharedBytes = 0);

  /// Whether the target has `mma.sync` tensor cores for f16/bf16.
  bool hasMmaSync() const { return smVersion >= 80; }
  /// Whether the target has warpgroup MMA (`wgmma`): sm_90a alone, as its
  /// architecture-specific features are not carried to later chips.
  bool hasWgmma() const { return warpgroupMma; }
  /// Threads per block of elementwise and reduction kernels.
  int64_t getBlockSize() const { return blockSize; }

private:
  std::string funcName;
  unsigned smVersion;
  bool warpgroupMma;
  int64_t blockSize;
  unsigned kernelCount = 0;
};

//===----------------------------------------------------------------------===//
// Index arithmetic
//===----------------------------------------------------------------------===//

Value indexConstant(OpBuilder &b, Location loc, int64_t value);
/// The product of `values`, 1 when empty.
Value product(OpBuilder &b, Location loc, ValueRange values);
Value ceilDiv(OpBuilder &b, Location loc, Value lhs, Value rhs);
Value addIndex(OpBuilder &b, Location loc, Value lhs, Value rhs);
/// `lhs + rhs`, or `lhs` itself when `rhs` is 0.
Value addIndexConstant(OpBuilder &b, Location loc, Value lhs, int64_t rhs);
Value mulIndexConstant(OpBuilder &b, Location loc, Value lhs, int64_t rhs);
/// `lhs < rhs`, unsigned.
Value indexLessThan(OpBuilder &b, Location loc, Value lhs, Value rhs);
/// The zero of `type`.
Value zeroOf(OpBuilder &b, Location loc, Type type);

/// Every buffer a kernel gets is aligned to this many bytes: the runtime's
/// allocations are, and a step's callers must pass buffers that are.
constexpr int64_t kBufferAlignment = 16;

/// The alignment of a vector of `type` that starts at a multiple of its
/// length in a dense buffer.
llvm::MaybeAlign vectorAlignment(VectorType type);

/// Whether `map` (from loop indices to the indices of `buffer`) reads or
/// writes `buffer` in whole vectors of `width` elements along loop `dim`: a
/// dense buffer of whole bytes per element whose innermost index is that
/// loop and whose rows hold a whole number of vectors, so that a vector
/// starting at a multiple of `width` is entirely inside the buffer or
/// entirely outside, and aligned to its size (up to kBufferAlignment).
bool isVectorAccess(Value buffer, AffineMap map, unsigned dim, int64_t width);
/// Splits `linear` into coordinates of a row-major space of `sizes`.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ValueRange sizes);
/// The indices `map` gives at loop point `ivs`.
SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map,
                            ValueRange ivs);
/// Emits `if (condition) { body }`.
void emitIf(OpBuilder &b, Location loc, Value condition,
            function_ref<void(OpBuilder &)> body);

//===----------------------------------------------------------------------===//
// Linalg op bodies
//===----------------------------------------------------------------------===//

/// The sizes of `op`'s loops, computed on the host.
SmallVector<Value> loopSizes(OpBuilder &b, Location loc, linalg::LinalgOp op);

/// Loads the value of each init operand of `op` at loop point `ivs`. With
/// `onlyIfRead`, an init whose block argument the body does not read is not
/// loaded and gets a null value.
SmallVector<Value> loadInits(OpBuilder &b, Location loc, linalg::LinalgOp op,
                             ValueRange ivs, bool onlyIfRead = false);

/// Stores `values` into the init operands of `op` at loop point `ivs`.
void storeInits(OpBuilder &b, Location loc, linalg::LinalgOp op, ValueRange ivs,
                ValueRange values);

/// Evaluates the body of `op` at loop point `ivs` into `mapping`: loads the
/// inputs the body reads (unless `mapping` already binds their block
/// arguments), binds the init block arguments to `inits` and clones the body.
/// A null entry of `inits` leaves that init unbound, and the ops that need it
/// (a reduction's combiner) are left out.
void cloneBody(OpBuilder &b, Location loc, linalg::LinalgOp op, ValueRange ivs,
               ValueRange inits, IRMapping &mapping);

/// Evaluates the body of `op` at `ivs` with the given init values and
/// returns the values it yields.
SmallVector<Value> emitBody(OpBuilder &b, Location loc, linalg::LinalgOp op,
                            ValueRange ivs, ValueRange inits);

/// Whether `emitVectorPoints` can evaluate the elementwise `op` `width`
/// points at a time along loop `dim`: every output of `op` is written in
/// whole vectors along it (see isVectorAccess).
bool canEmitVectorPoints(linalg::LinalgOp op, unsigned dim, int64_t width);

/// Evaluates the elementwise `op` at the `width` points `ivs`, `ivs` + 1 along
/// `dim`, ... (`ivs[dim]` a multiple of `width`), storing each output as one
/// vector: each input read in whole vectors along `dim` is loaded as one
/// vector, the others element by element. `bindPoint(i, mapping)` binds
/// block arguments of the body to values of point i that the caller
/// provides instead of loading them (the inputs it binds are not loaded).
void emitVectorPoints(OpBuilder &b, Location loc, linalg::LinalgOp op,
                      ValueRange ivs, unsigned dim, int64_t width,
                      ArrayRef<BlockArgument> boundByCaller,
                      function_ref<void(int64_t, IRMapping &)> bindPoint);

//===----------------------------------------------------------------------===//
// Kernel strategies
//===----------------------------------------------------------------------===//

/// One thread per point of the parallel loops, walking the reduction loops
/// in order. Correct for every linalg op with a static iteration space; the
/// strategy of last resort and the right one when reductions are short or
/// not contiguous in memory. Reports an error when it fails.
LogicalResult buildLoopKernel(KernelBuilder &kernels, RewriterBase &rewriter,
                              linalg::LinalgOp op);

/// Reductions with a recognised combiner, spread over the threads of a
/// block (and over blocks when there are few outputs). Fails, with the
/// reason, when `op` is not such a reduction.
LogicalResult buildBlockReductionKernels(KernelBuilder &kernels,
                                         RewriterBase &rewriter,
                                         linalg::LinalgOp op);

/// Contractions with one M, one N and one K loop (and any batch loops): a
/// shared-memory tiled GEMM, on tensor cores when the operands are f16/bf16
/// and the chip has them. The elementwise ops right before and after it
/// that compute its initial output (a fill, a bias) and consume its result
/// (a cast, an activation) run inside the kernel when its output is a
/// temporary only they use. Returns those ops (and the output buffer's
/// allocation and free when it is no longer needed), for the caller to
/// erase with `op`; fails, with the reason, when `op` is not such a
/// contraction.
FailureOr<SmallVector<Operation *>> buildGemmKernel(KernelBuilder &kernels,
                                                    RewriterBase &rewriter,
                                                    linalg::LinalgOp op,
                                                    bool useTensorCores);

} // namespace gpu_kernels
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_GPU_KERNELBUILDER_H
