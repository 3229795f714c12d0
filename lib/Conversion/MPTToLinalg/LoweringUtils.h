//===- LoweringUtils.h - Builders shared by the mpt lowerings ---*- C++ -*-===//
//
// Small builders for the linalg-on-tensors form of mpt ops: elementwise
// generics with trailing broadcast, reductions with an f32 accumulator,
// reshapes through collapse/expand, float conversions and constants.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_CONVERSION_MPTTOLINALG_LOWERINGUTILS_H
#define MPT_LIB_CONVERSION_MPTTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace mpt {

/// Builds the body of a generic: gets the block arguments of the inputs
/// (and, for reductions, the accumulators last) and returns the values to
/// yield.
using GenericBodyBuilder =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;
/// Builds a one-result elementwise body from the input elements.
using ScalarBodyBuilder =
    function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// The type of `value`, a ranked tensor.
inline RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// The type in which products, sums and statistics over `type`'s elements
/// are computed: f64 for f64, f32 for f32 and narrower floats.
FloatType computeTypeOf(Type type);

/// A float constant of `type` (a float type) holding `value`, rounded.
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);

/// Widens or rounds the float scalar `value` to `to`. f16 <-> bf16 goes
/// through f32, so that it rounds once.
Value convertFloat(OpBuilder &b, Location loc, Value value, Type to);

/// `tensor.empty` of the given shape and element type.
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType);

/// A tensor of the given shape filled with the scalar `value`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Value value);

/// The map of an operand of rank `operandRank` read in an iteration space of
/// rank `rank` with broadcast along the leading dims.
AffineMap trailingMap(MLIRContext *ctx, unsigned rank, unsigned operandRank);

/// The map of an operand of shape `operandShape` read in an iteration space
/// of shape `shape` with NumPy's broadcasting: aligned at the last dims, a
/// dim of size 1 read at 0 where the space's is larger, and the leading
/// dims it lacks repeated.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> operandShape);

/// The map of an operand that has every dim of the iteration space except
/// `droppedDims` (sorted).
AffineMap dropDimsMap(MLIRContext *ctx, unsigned rank,
                      ArrayRef<int64_t> droppedDims);

/// An all-parallel `linalg.generic` producing one tensor per result type
/// (all of one shape); the inputs are broadcast to it (broadcastMap).
SmallVector<Value> buildElementwise(OpBuilder &b, Location loc,
                                    TypeRange resultTypes, ValueRange inputs,
                                    GenericBodyBuilder body);
Value buildElementwise(OpBuilder &b, Location loc, Type resultType,
                       ValueRange inputs, ScalarBodyBuilder body);

/// Reduces the iteration space `shape` over `reducedDims` (sorted): each
/// input is read through its map, the accumulator of element type
/// `accType` starts at `init` and `body` gets the input elements followed
/// by the accumulator and returns its next value. The result has the shape
/// of the dims that are not reduced.
Value buildReduction(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     ArrayRef<int64_t> reducedDims, ValueRange inputs,
                     ArrayRef<AffineMap> inputMaps, Value init,
                     ScalarBodyBuilder body);

/// `shape` without the dims in `dims`.
SmallVector<int64_t> dropShapeDims(ArrayRef<int64_t> shape,
                                   ArrayRef<int64_t> dims);

/// Reshapes `value` to `type` (same element count and element type) with
/// one collapse or expand when the shapes allow it, else through a flat
/// tensor. Both lower to views of the same buffer.
Value reshapeTensor(OpBuilder &b, Location loc, Value value,
                    RankedTensorType type);

/// Converts every element of the float tensor `value` to `elementType`; the
/// value itself when it already has it.
Value convertTensor(OpBuilder &b, Location loc, Value value, Type elementType);

/// Mean and 1 / sqrt(variance + epsilon) of every row (the last dim) of
/// `input`, in its compute type; the variance is biased and taken around
/// the mean in a second pass, which is stable where E[x^2] - E[x]^2 cancels.
struct RowStatistics {
  Value mean, invStd;
};
RowStatistics buildRowStatistics(OpBuilder &b, Location loc, Value input,
                                 double epsilon);

/// The patterns of each group of ops; populateMPTToLinalgConversionPatterns
/// adds them all.
void populateTensorOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateContractionOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateNormalizationOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateTrainingOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateGradOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateActivationOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateCollectiveOpsToLinalgPatterns(RewritePatternSet &patterns);
void populateRandomOpsToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_CONVERSION_MPTTOLINALG_LOWERINGUTILS_H
