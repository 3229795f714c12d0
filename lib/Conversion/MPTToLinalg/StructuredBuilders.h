//===- StructuredBuilders.h - Builders of the network-op lowerings -*- C++
//-*-===//
//
// What the lowerings of convolution, pooling and data movement share:
// generics with arbitrary affine input maps, "gather" generics that compute
// each element of a fresh tensor from its indices (reading operands with
// `tensor.extract` at computed, bounds-checked coordinates), spatial
// padding, and GEMMs in the form the CPU GEMM kernels recognise.
//
// Every op here writes a fresh tensor: nothing is inserted into a slice of
// another tensor, so bufferization never has to copy into a strided view.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_CONVERSION_MPTTOLINALG_STRUCTUREDBUILDERS_H
#define MPT_LIB_CONVERSION_MPTTOLINALG_STRUCTUREDBUILDERS_H

#include "LoweringUtils.h"

namespace mlir {
namespace mpt {

struct Window2D;

/// An all-parallel generic over the shape of `resultType` whose inputs are
/// read through `inputMaps` and whose body yields `body(input elements)`.
Value buildMappedElementwise(OpBuilder &b, Location loc,
                             RankedTensorType resultType, ValueRange inputs,
                             ArrayRef<AffineMap> inputMaps,
                             ScalarBodyBuilder body);

/// Builds an element from the loop indices (and, for a reduction, the
/// accumulator, last).
using IndexedBodyBuilder = function_ref<Value(
    OpBuilder &, Location, ArrayRef<Value> indices, ValueRange accumulator)>;

/// A generic over `resultType`'s shape without inputs, yielding
/// `body(indices)` for every element.
Value buildIndexedElementwise(OpBuilder &b, Location loc,
                              RankedTensorType resultType,
                              IndexedBodyBuilder body);

/// A reduction over the iteration space `outputShape x reducedShape` into a
/// tensor of `outputShape` that starts at `init`: `body(indices, acc)`
/// returns the next accumulator.
Value buildIndexedReduction(OpBuilder &b, Location loc,
                            ArrayRef<int64_t> outputShape,
                            ArrayRef<int64_t> reducedShape, Value init,
                            IndexedBodyBuilder body);

/// An index checked against a dim: the index itself when `valid`, else 0,
/// so that it can always be read.
struct CheckedIndex {
  Value index, valid;
};

/// `index` checked against `[0, size)`.
CheckedIndex checkIndex(OpBuilder &b, Location loc, Value index, int64_t size);

/// `shifted / stride`, valid when `shifted` is a non-negative multiple of
/// `stride` and the quotient is below `size`: with `shifted` a position
/// minus the offset of a window element, the output position whose window
/// reads the position through that element.
CheckedIndex strideIndex(OpBuilder &b, Location loc, Value shifted,
                         int64_t stride, int64_t size);

/// The output position along spatial dim `dim` (0: H, 1: W) whose window
/// reads input `position` through kernel element `kernelIndex`, checked
/// against the output size: `(position + pad - kernelIndex * dilation) /
/// stride` when that divides exactly.
CheckedIndex windowOutputIndex(OpBuilder &b, Location loc, Value position,
                               Value kernelIndex, const Window2D &window,
                               int dim, int64_t outputSize);

/// The conjunction of `flags` (true when empty).
Value allOf(OpBuilder &b, Location loc, ArrayRef<Value> flags);

/// The NCHW tensor `input` inside a border of `padValue` whose widths are
/// the window's padding; `input` itself without padding.
Value padSpatialDims(OpBuilder &b, Location loc, Value input,
                     const Window2D &window, Value padValue);

/// `acc += op(lhs) op(rhs)` as `linalg.matmul` (rank-2 operands) or
/// `linalg.batch_matmul` (rank 3, batch first), with transposed operands
/// read through the indexing maps: the form the CPU GEMM kernels match.
Value buildGemm(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc,
                bool transposeLhs, bool transposeRhs);

/// Patterns of the network ops; populateMPTToLinalgConversionPatterns adds
/// them.
void populateConvOpsToLinalgPatterns(RewritePatternSet &patterns);
void populatePoolOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateDataOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateMathOpsToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_MPTTOLINALG_STRUCTUREDBUILDERS_H
