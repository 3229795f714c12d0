//===- ImportHelpers.h - What the op importers share ------------*- C++ -*-===//
//
// Types, shapes and NumPy broadcasting for the op importers, and the
// functions that add each group of importers to the table of
// opImporters().
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_IMPORT_IMPORTHELPERS_H
#define MPT_TOOLS_MPT_IMPORT_IMPORTHELPERS_H

#include "GraphImporter.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

namespace mpt {
namespace import {

using Shape = llvm::SmallVector<int64_t>;

mlir::RankedTensorType typeOf(mlir::Value value);

/// A shape as `[2, 3]` for messages.
std::string shapeText(llvm::ArrayRef<int64_t> shape);

/// A type as MLIR prints it (`tensor<2x3xf32>`), for messages.
std::string typeText(mlir::Type type);

/// `axis` counted from the start of a tensor of `rank`, or an error.
llvm::Expected<int64_t> normalizeAxis(GraphImporter &im,
                                      const onnx::NodeProto &node, int64_t axis,
                                      int64_t rank);

/// Normalizes every axis of `axes` like normalizeAxis; an axis named twice
/// is an error.
llvm::Error normalizeDistinctAxes(GraphImporter &im,
                                  const onnx::NodeProto &node,
                                  std::vector<int64_t> &axes, int64_t rank);

/// The element count of `shape`; nullopt when a dim is negative or the
/// count overflows int64.
std::optional<int64_t> elementCount(llvm::ArrayRef<int64_t> shape);

/// `value` with `shape` (same element count): an mpt.reshape unless it has
/// it already.
mlir::Value reshape(GraphImporter &im, const onnx::NodeProto &node,
                    mlir::Value value, llvm::ArrayRef<int64_t> shape);

/// `value` with its dims permuted: result dim `d` is dim `permutation[d]`
/// (an mpt.transpose of a float tensor).
mlir::Value permute(GraphImporter &im, const onnx::NodeProto &node,
                    mlir::Value value, llvm::ArrayRef<int64_t> permutation);

/// `value` with `before` and `after` elements of `fill` around dim `axis`
/// (an mpt.concat with broadcast constants; `value` itself when both are
/// 0).
mlir::Value padAlong(GraphImporter &im, const onnx::NodeProto &node,
                     mlir::Value value, int64_t axis, int64_t before,
                     int64_t after, double fill = 0.0);

/// `value` gathered along `dim` at the constant `positions` (an
/// mpt.gather; a position outside the dim reads 0).
mlir::Value gatherAlong(GraphImporter &im, const onnx::NodeProto &node,
                        mlir::Value value, int64_t dim,
                        llvm::ArrayRef<int64_t> positions);

/// The elements of `value` at the constant flat `positions`, as a tensor of
/// `shape` (an mpt.gather_elements of the flattened value; a position
/// outside it reads 0).
mlir::Value gatherFlat(GraphImporter &im, const onnx::NodeProto &node,
                       mlir::Value value, llvm::ArrayRef<int64_t> positions,
                       llvm::ArrayRef<int64_t> shape);

/// `value` broadcast (NumPy rules) to `shape`.
mlir::Value broadcastTo(GraphImporter &im, const onnx::NodeProto &node,
                        mlir::Value value, llvm::ArrayRef<int64_t> shape);

/// NumPy's broadcast shape of `a` and `b`, or an error.
llvm::Expected<Shape> broadcastShape(GraphImporter &im,
                                     const onnx::NodeProto &node,
                                     llvm::ArrayRef<int64_t> a,
                                     llvm::ArrayRef<int64_t> b);

/// `lhs` and `rhs` as an mpt binary op takes them for NumPy's broadcast of
/// the two: `lhs` broadcast to the result's shape, `rhs` of its trailing
/// dims (a bias, a scalar) or broadcast too.
llvm::Expected<std::pair<mlir::Value, mlir::Value>>
broadcastOperands(GraphImporter &im, const onnx::NodeProto &node,
                  mlir::Value lhs, mlir::Value rhs);

/// Both float operands of a binary op, an import-time one in the float
/// type of the other.
llvm::Expected<std::pair<mlir::Value, mlir::Value>>
floatOperands(GraphImporter &im, const onnx::NodeProto &node);

/// A rank-0 constant of `element` holding `value`.
mlir::Value scalarConstant(GraphImporter &im, const onnx::NodeProto &node,
                           mlir::Type element, double value);

/// Whether `value` is an `mpt.reduce_sum` of `x * x` or `x ^ 2`: the square
/// of a norm, as `torch.norm` and `ReduceL2` export it.
bool isSumOfSquares(mlir::Value value);

/// sqrt(`sum`) for a sum of squares, with the derivative PyTorch gives a
/// norm: 0 where the sum is 0, not 0 * inf. Where the sum is 0 the root
/// reads 1 and the result is a 0 of no cotangent; a NaN sum still reaches
/// the root.
mlir::Value rootOfSquares(GraphImporter &im, const onnx::NodeProto &node,
                          mlir::Value sum);

/// The widest input of `node` that is an integer tensor of the step (data
/// such as lengths or token ids, or what index arithmetic made of it), the
/// first of those as wide, or null.
mlir::Value stepIntegers(GraphImporter &im, const onnx::NodeProto &node);

/// Input `index` of `node` for an op that moves elements without computing
/// with them (Slice, Tile, a Gather of one index): an integer tensor of the
/// step as it is, else the float value of the input.
llvm::Expected<mlir::Value> floatOrStepIntegers(GraphImporter &im,
                                                const onnx::NodeProto &node,
                                                unsigned index);

/// Input `index` of `node` as indices: an integer tensor of the step as it
/// is, an integer constant as i64, a float tensor of integers (`(x *
/// n).long()`, a count of mask elements) as i64 through an mpt.index_cast;
/// anything else is an error that names the input.
llvm::Expected<mlir::Value>
indexInput(GraphImporter &im, const onnx::NodeProto &node, unsigned index);

/// Input `index` of a node on integers of the step, of element type
/// `element`: an integer tensor of the step, or an integer constant. A float
/// tensor of integers (a mask, or a count of mask elements: `mask.long()`)
/// is converted by an mpt.index_cast.
llvm::Expected<mlir::Value> integerInput(GraphImporter &im,
                                         const onnx::NodeProto &node,
                                         unsigned index, mlir::Type element);

/// `mpt.index_arith` of `kind` on `lhs` and `rhs`, broadcast.
llvm::Expected<mlir::Value> indexArith(GraphImporter &im,
                                       const onnx::NodeProto &node,
                                       mlir::mpt::IndexArithKind kind,
                                       mlir::Value lhs, mlir::Value rhs);

/// The importers of each group of op types.
void addElementwiseImporters(llvm::StringMap<OpImporter> &importers);
void addActivationImporters(llvm::StringMap<OpImporter> &importers);
void addResizeImporters(llvm::StringMap<OpImporter> &importers);
void addShapeImporters(llvm::StringMap<OpImporter> &importers);
void addLayerImporters(llvm::StringMap<OpImporter> &importers);
void addRecurrentImporters(llvm::StringMap<OpImporter> &importers);
void addNormalizationImporters(llvm::StringMap<OpImporter> &importers);
void addEinsumImporters(llvm::StringMap<OpImporter> &importers);
void addReductionImporters(llvm::StringMap<OpImporter> &importers);
void addMatrixImporters(llvm::StringMap<OpImporter> &importers);
void addSelectionImporters(llvm::StringMap<OpImporter> &importers);
void addRandomImporters(llvm::StringMap<OpImporter> &importers);

} // namespace import
} // namespace mpt

#endif // MPT_TOOLS_MPT_IMPORT_IMPORTHELPERS_H
