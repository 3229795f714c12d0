//===- MatrixImporters.cpp - Tile, Trilu and CumSum -----------------------===//
//
// Three ops built from broadcasts, constant masks and triangular products,
// so that their derivatives are those of their parts:
// - Tile (PyTorch's `repeat`): each repeated dim gets a broadcast dim in
//   front of it, which a reshape merges with it.
// - Trilu (`triu`, `tril`) of a tensor computed by the step: mpt.select
//   with a constant mask of the kept elements, zero elsewhere (an infinite
//   element that is dropped does not leak through a product with 0). Of an
//   import-time tensor it is folded (ConstantFolding.cpp).
// - CumSum (`cumsum`) along one axis: a product with a constant triangular
//   matrix of ones (lower or upper by `reverse`, without its diagonal when
//   `exclusive`), computed in f32 or wider whatever the precision pass
//   chooses for matrix products, as PyTorch's autocast runs cumsum in f32.
//   Integers of the step are summed in f64 and converted back.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;

namespace mpt {
namespace import {

bool triluKeeps(int64_t row, int64_t column, int64_t k, bool upper) {
  return upper ? column - row >= k : column - row <= k;
}

namespace {

/// The integers of import-time input `index`, or an error that says the
/// input must be known at import time.
llvm::Expected<std::vector<int64_t>> knownInts(GraphImporter &im,
                                               const onnx::NodeProto &node,
                                               unsigned index,
                                               llvm::StringRef what) {
  const HostConstant *known = im.constant(node, index);
  if (!known || known->isFloat())
    return im.fail(node, what + " (input " + llvm::Twine(index) +
                             ") must be integers known at import time");
  std::vector<int64_t> values;
  for (int64_t i = 0; i < known->numElements(); ++i)
    values.push_back(known->intAt(i));
  return values;
}

llvm::Error importTile(GraphImporter &im, const onnx::NodeProto &node) {
  // mpt.broadcast and the reshapes take integers too (`ids.repeat(1, 2)`).
  llvm::Expected<Value> input = floatOrStepIntegers(im, node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  llvm::Expected<std::vector<int64_t>> repeats =
      knownInts(im, node, 1, "repeats");
  if (!repeats)
    return repeats.takeError();
  if (static_cast<int64_t>(repeats->size()) != type.getRank())
    return im.fail(node, "repeats has " + llvm::Twine(repeats->size()) +
                             " values, expected one per dim of the input " +
                             shapeText(type.getShape()));
  Shape expanded, result;
  SmallVector<int64_t> added;
  for (auto [dim, count] : llvm::enumerate(*repeats)) {
    if (count < 1)
      return im.fail(node, "repeats[" + llvm::Twine(dim) + "] is " +
                               llvm::Twine(count) + "; expected >= 1");
    int64_t size = type.getDimSize(dim);
    std::optional<int64_t> tiled = elementCount({size, count});
    if (!tiled)
      return im.fail(node, "repeats[" + llvm::Twine(dim) + "] = " +
                               llvm::Twine(count) + " overflows the dim");
    if (count > 1) {
      added.push_back(expanded.size());
      expanded.push_back(count);
    }
    expanded.push_back(size);
    result.push_back(*tiled);
  }
  if (!elementCount(result))
    return im.fail(node, "the result " + shapeText(result) +
                             " has more elements than int64 counts");
  Value value = *input;
  if (!added.empty())
    value =
        mlir::mpt::BroadcastOp::create(im.b, im.loc(node), type.clone(expanded),
                                       value, im.b.getDenseI64ArrayAttr(added));
  im.setResult(node, reshape(im, node, value, result));
  return llvm::Error::success();
}

/// The diagonal offset of Trilu: input 1 when there is one, else 0.
llvm::Expected<int64_t> triluOffset(GraphImporter &im,
                                    const onnx::NodeProto &node) {
  if (!im.hasInput(node, 1))
    return 0;
  llvm::Expected<std::vector<int64_t>> k = knownInts(im, node, 1, "k");
  if (!k)
    return k.takeError();
  if (k->size() != 1)
    return im.fail(node,
                   "k must be one integer, found " + llvm::Twine(k->size()));
  return k->front();
}

llvm::Error importTrilu(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() < 2)
    return im.fail(node, "the input " + shapeText(type.getShape()) +
                             " must have rank >= 2 (matrices in its last "
                             "two dims)");
  llvm::Expected<int64_t> k = triluOffset(im, node);
  if (!k)
    return k.takeError();
  bool upper = im.intAttr(node, "upper", 1) != 0;
  int64_t rows = type.getDimSize(type.getRank() - 2);
  int64_t columns = type.getDimSize(type.getRank() - 1);
  HostConstant mask;
  mask.shape = {rows, columns};
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t column = 0; column < columns; ++column)
      mask.floats.push_back(triluKeeps(row, column, *k, upper) ? 1.0 : 0.0);
  Location loc = im.loc(node);
  Type element = type.getElementType();
  Value keep = broadcastTo(im, node, im.materialize(mask, element, loc),
                           type.getShape());
  Value zero = broadcastTo(im, node, scalarConstant(im, node, element, 0.0),
                           type.getShape());
  im.setResult(node,
               mlir::mpt::SelectOp::create(im.b, loc, keep, *input, zero));
  return llvm::Error::success();
}

llvm::Error importCumSum(GraphImporter &im, const onnx::NodeProto &node) {
  // Integers of the step (`attention_mask.cumsum(-1)`, position ids) are
  // summed in f64, which is exact up to 2^53, and converted back.
  Value given = im.hasInput(node, 0) && !im.constant(node, 0)
                    ? im.lookup(node.input(0))
                    : Value();
  auto integers =
      given ? dyn_cast<IntegerType>(typeOf(given).getElementType()) : nullptr;
  llvm::Expected<Value> input =
      integers ? mlir::mpt::IndexToFloatOp::create(
                     im.b, im.loc(node), typeOf(given).clone(im.b.getF64Type()),
                     given)
                     .getResult()
               : im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() == 0)
    return im.fail(node, "the input must have rank >= 1, found a scalar");
  llvm::Expected<std::vector<int64_t>> axes = knownInts(im, node, 1, "axis");
  if (!axes)
    return axes.takeError();
  if (axes->size() != 1)
    return im.fail(node, "axis must be one integer, found " +
                             llvm::Twine(axes->size()));
  llvm::Expected<int64_t> axis =
      normalizeAxis(im, node, axes->front(), type.getRank());
  if (!axis)
    return axis.takeError();
  bool exclusive = im.intAttr(node, "exclusive", 0) != 0;
  bool reverse = im.intAttr(node, "reverse", 0) != 0;
  int64_t length = type.getDimSize(*axis);

  // result[..., i] = sum over j of x[..., j] * sums[j, i].
  HostConstant sums;
  sums.shape = {length, length};
  for (int64_t from = 0; from < length; ++from)
    for (int64_t to = 0; to < length; ++to) {
      bool counted = reverse ? from >= to : from <= to;
      sums.floats.push_back(counted && !(exclusive && from == to) ? 1.0 : 0.0);
    }

  Location loc = im.loc(node);
  Type element = type.getElementType();
  // The axis last, the other dims as rows.
  SmallVector<int64_t> permutation, inverse(type.getRank());
  Shape moved;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (dim != *axis)
      permutation.push_back(dim);
  permutation.push_back(*axis);
  for (auto [position, dim] : llvm::enumerate(permutation)) {
    inverse[dim] = position;
    moved.push_back(type.getDimSize(dim));
  }
  Value value = *input;
  if (*axis != type.getRank() - 1)
    value =
        mlir::mpt::TransposeOp::create(im.b, loc, type.clone(moved), value,
                                       im.b.getDenseI64ArrayAttr(permutation));
  int64_t rows = type.getNumElements() / length;
  value = reshape(im, node, value, {rows, length});
  auto product = mlir::mpt::MatmulOp::create(
      im.b, loc, type.clone({rows, length}), value,
      im.materialize(sums, element, loc), false, false);
  if (!integers)
    product->setAttr("mpt.precision", im.b.getStringAttr("f32"));
  value = reshape(im, node, product, moved);
  if (*axis != type.getRank() - 1)
    value = mlir::mpt::TransposeOp::create(im.b, loc, type, value,
                                           im.b.getDenseI64ArrayAttr(inverse));
  if (integers)
    value =
        mlir::mpt::IndexCastOp::create(im.b, loc, type.clone(integers), value);
  im.setResult(node, value);
  return llvm::Error::success();
}

} // namespace

void addMatrixImporters(llvm::StringMap<OpImporter> &importers) {
  importers["Tile"] = importTile;
  importers["Trilu"] = importTrilu;
  importers["CumSum"] = importCumSum;
}

} // namespace import
} // namespace mpt
