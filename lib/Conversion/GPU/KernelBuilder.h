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

/// The compute capability a chip name gives ("sm_90a" -> 90), if any.
std::optional<unsigned> smVersionOf(StringRef chip);

/// Creates the kernels of one function: names them `<func>_<kind>_<n>` in the
/// module `<func>_kernels`, and knows what the target offers.
class KernelBuilder {
public:
  KernelBuilder(func::FuncOp func, unsigned smVersion, int64_t blockSize)
      : funcName(func.getSymName()), smVersion(smVersion),
        blockSize(blockSize) {}

  /// Creates a `gpu.launch` at `b`'s insertion point with the given grid and
  /// block sizes (missing dimensions are 1) and workgroup buffers, and moves
  /// `b` into its body.
  gpu::LaunchOp launch(OpBuilder &b, Location loc, StringRef kind,
                       ArrayRef<Value> grid, ArrayRef<Value> block,
                       TypeRange workgroupBuffers = {});

  /// Whether the target has `mma.sync` tensor cores for f16/bf16.
  bool hasMmaSync() const { return smVersion >= 80; }
  /// Threads per block of elementwise and reduction kernels.
  int64_t getBlockSize() const { return blockSize; }

private:
  std::string funcName;
  unsigned smVersion;
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
