//===- SelectionImporters.cpp - TopK, ArgMax/ArgMin, gathers, scatters ----===//
//
// Ops that select elements by their order or by indices along one dim.
// TopK (PyTorch's `topk`, and `sort`, which exports as a TopK of the whole
// dim) is `mpt.top_k`, which yields the indices, and the values are the
// input gathered at them (`mpt.gather_elements`), so that the gradient
// flows back to the elements selected, as in PyTorch. ArgMax and ArgMin are
// a TopK of one. GatherElements (`torch.gather`) is `mpt.gather_elements`.
// OneHot (`F.one_hot`) compares the indices with the positions along the
// new dim. ScatterElements (`scatter`, `scatter_add`) places the updates by
// the same comparison: a sum over the updates of each one times whether
// its index is the position.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// The positions of the `k` first elements along `axis` of `data` in the
/// order TopK sorts by, as an i64 tensor.
Value topKIndices(GraphImporter &im, const onnx::NodeProto &node, Value data,
                  int64_t axis, int64_t k, bool largest) {
  RankedTensorType type = typeOf(data);
  Shape shape(type.getShape());
  shape[axis] = k;
  return mlir::mpt::TopKOp::create(
      im.b, im.loc(node), RankedTensorType::get(shape, im.b.getI64Type()), data,
      im.b.getI64IntegerAttr(k), im.b.getI64IntegerAttr(axis),
      im.b.getBoolAttr(largest));
}

/// The float input 0 of `node` and its attribute `axis` (by default
/// `defaultAxis`), counted from the start.
struct AlongAxis {
  Value data;
  int64_t axis;
};

llvm::Expected<AlongAxis> dataAlongAxis(GraphImporter &im,
                                        const onnx::NodeProto &node,
                                        int64_t defaultAxis) {
  llvm::Expected<Value> data = im.floatValue(node, 0);
  if (!data)
    return data.takeError();
  llvm::Expected<int64_t> axis = normalizeAxis(
      im, node, im.intAttr(node, "axis", defaultAxis), typeOf(*data).getRank());
  if (!axis)
    return axis.takeError();
  return AlongAxis{*data, *axis};
}

llvm::Error importTopK(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<AlongAxis> input = dataAlongAxis(im, node, -1);
  if (!input)
    return input.takeError();
  auto [data, axis] = *input;
  RankedTensorType type = typeOf(data);
  // K is an input from opset 10 on, an attribute before.
  int64_t k = im.intAttr(node, "k", -1);
  if (im.hasInput(node, 1)) {
    const HostConstant *known = im.constant(node, 1);
    if (!known)
      return im.fail(node, "K must be known at import time; it is computed "
                           "by the step");
    if (known->numElements() != 1)
      return im.fail(node, "K must hold one value; it has shape " +
                               shapeText(known->shape));
    k = known->intAt(0);
  }
  int64_t size = type.getDimSize(axis);
  if (k < 1 || k > size)
    return im.fail(node, "K = " + llvm::Twine(k) + " must be in [1, " +
                             llvm::Twine(size) +
                             "], the input's size along "
                             "axis " +
                             llvm::Twine(axis));
  bool largest = im.intAttr(node, "largest", 1) != 0;
  // `sorted = 0` allows any order; the sorted one is one of them.
  Value indices = topKIndices(im, node, data, axis, k, largest);
  im.setResult(node,
               mlir::mpt::GatherElementsOp::create(
                   im.b, im.loc(node), type.clone(typeOf(indices).getShape()),
                   data, indices, im.b.getI64IntegerAttr(axis)));
  if (node.output_size() > 1 && !node.output(1).empty())
    im.setResult(node, indices, 1);
  return llvm::Error::success();
}

/// ArgMax and ArgMin: the first position of the largest (smallest) element,
/// a TopK of one.
llvm::Error importArgExtreme(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<AlongAxis> input = dataAlongAxis(im, node, 0);
  if (!input)
    return input.takeError();
  auto [data, axis] = *input;
  RankedTensorType type = typeOf(data);
  if (im.intAttr(node, "select_last_index", 0) != 0)
    return im.fail(node, "select_last_index = 1 is not supported; the first "
                         "index of equal elements is (PyTorch's rule)");
  Value indices =
      topKIndices(im, node, data, axis, 1, node.op_type() == "ArgMax");
  if (im.intAttr(node, "keepdims", 1) == 0) {
    Shape shape(type.getShape());
    shape.erase(shape.begin() + axis);
    indices = reshape(im, node, indices, shape);
  }
  im.setResult(node, indices);
  return llvm::Error::success();
}

llvm::Error importGatherElements(GraphImporter &im,
                                 const onnx::NodeProto &node) {
  llvm::Expected<AlongAxis> input = dataAlongAxis(im, node, 0);
  if (!input)
    return input.takeError();
  auto [data, axis] = *input;
  RankedTensorType type = typeOf(data);
  llvm::Expected<Value> indices = indexInput(im, node, 1);
  if (!indices)
    return indices.takeError();
  RankedTensorType indexType = typeOf(*indices);
  bool matches = indexType.getRank() == type.getRank();
  for (int64_t dim = 0; matches && dim < type.getRank(); ++dim)
    matches = dim == axis || indexType.getDimSize(dim) == type.getDimSize(dim);
  if (!matches)
    return im.fail(node, "indices of shape " + shapeText(indexType.getShape()) +
                             " must have the data's shape " +
                             shapeText(type.getShape()) +
                             " on every dim but the axis " + llvm::Twine(axis));
  im.setResult(node, mlir::mpt::GatherElementsOp::create(
                         im.b, im.loc(node), type.clone(indexType.getShape()),
                         data, *indices, im.b.getI64IntegerAttr(axis)));
  return llvm::Error::success();
}

/// Whether each of the integer `indices` is each position along a new dim
/// `dim` of `size` positions (or that position minus `size`, for an index
/// counted from the end): 1 or 0 in `element`, of the indices' shape with
/// `size` inserted at `dim`. An index out of range is no position.
Value hitsAlong(GraphImporter &im, const onnx::NodeProto &node, Value indices,
                int64_t dim, int64_t size, Type element) {
  Location loc = im.loc(node);
  RankedTensorType indexType = typeOf(indices);
  Shape spread(indexType.getShape()), hitsShape(indexType.getShape());
  Shape positionsShape(indexType.getRank() + 1, 1);
  spread.insert(spread.begin() + dim, 1);
  hitsShape.insert(hitsShape.begin() + dim, size);
  positionsShape[dim] = size;
  Value column = reshape(im, node, indices, spread);
  auto compare = [&](int64_t shift) {
    HostConstant range;
    range.elementType = onnx::TensorProto::INT64;
    range.shape.assign(positionsShape.begin(), positionsShape.end());
    for (int64_t position = 0; position < size; ++position)
      range.ints.push_back(position + shift);
    return mlir::mpt::IndexCompareOp::create(
        im.b, loc, RankedTensorType::get(hitsShape, element),
        mlir::mpt::ComparePredicate::EQ, column,
        im.materialize(range, indexType.getElementType(), loc));
  };
  return mlir::mpt::AddOp::create(im.b, loc, compare(0), compare(-size));
}

/// One-hot rows of integer indices (`F.one_hot`): where the index equals
/// the position along the new dim (or that position minus the depth, for an
/// index counted from the end) the `on` value, elsewhere `off`; an index
/// out of range gives a row of `off`. The rows are floats of the values'
/// float type (f32 for integer values, which PyTorch casts with
/// `.float()`).
llvm::Error importOneHot(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> given = indexInput(im, node, 0);
  if (!given)
    return given.takeError();
  Value indices = *given;
  const HostConstant *depth = im.constant(node, 1);
  const HostConstant *values = im.constant(node, 2);
  if (!depth || depth->numElements() != 1 || !values ||
      values->numElements() != 2)
    return im.fail(node, "depth (one value) and values (off, on) must be "
                         "known at import time");
  int64_t classes = depth->intAt(0);
  if (classes < 1)
    return im.fail(node,
                   "depth " + llvm::Twine(classes) + " must be at least 1");
  RankedTensorType indexType = typeOf(indices);
  int64_t rank = indexType.getRank() + 1;
  llvm::Expected<int64_t> axis =
      normalizeAxis(im, node, im.intAttr(node, "axis", -1), rank);
  if (!axis)
    return axis.takeError();
  Location loc = im.loc(node);
  Type element = values->elementType == onnx::TensorProto::DOUBLE
                     ? Type(im.b.getF64Type())
                     : Type(im.b.getF32Type());
  Value hot = hitsAlong(im, node, indices, *axis, classes, element);
  double off = values->floatAt(0), on = values->floatAt(1);
  if (off != 0.0 || on != 1.0)
    hot = mlir::mpt::AddOp::create(
        im.b, loc,
        mlir::mpt::MulOp::create(im.b, loc, hot,
                                 scalarConstant(im, node, element, on - off)),
        scalarConstant(im, node, element, off));
  im.setResult(node, hot);
  return llvm::Error::success();
}

/// ScatterElements (`torch.scatter`, `scatter_add`) along `axis`, with
/// `reduction` none or add. For index k along the axis and position j,
/// hits[..., k, j, ...] = (indices[..., k, ...] == j) (or j - size, for an
/// index counted from the end); the scattered sums are
/// sum_k updates[..., k, ...] * hits[..., k, j, ...], and with them the
/// result is data + sums (add) or, where some index hits, the sums and
/// elsewhere data (none; ONNX leaves repeated indices undefined, here they
/// add up). The gradient reaches data where it is kept and each update at
/// its position, as PyTorch's. An index out of range hits nothing.
llvm::Error importScatterElements(GraphImporter &im,
                                  const onnx::NodeProto &node) {
  std::string reduction = im.stringAttr(node, "reduction", "none");
  if (reduction != "none" && reduction != "add")
    return im.fail(node, "reduction = " + reduction +
                             " is not supported; supported: none, add");
  llvm::Expected<AlongAxis> input = dataAlongAxis(im, node, 0);
  if (!input)
    return input.takeError();
  Value data = input->data;
  int64_t axis = input->axis;
  RankedTensorType type = typeOf(data);
  Type element = type.getElementType();
  Location loc = im.loc(node);
  llvm::Expected<Value> indexValue = indexInput(im, node, 1);
  if (!indexValue)
    return indexValue.takeError();
  Value indices = *indexValue;
  RankedTensorType indexType = typeOf(indices);
  ArrayRef<int64_t> given = indexType.getShape();
  bool matches = indexType.getRank() == type.getRank();
  for (int64_t dim = 0; matches && dim < type.getRank(); ++dim)
    matches = dim == axis || given[dim] == type.getDimSize(dim);
  if (!matches)
    return im.fail(node, "indices of shape " + shapeText(given) +
                             " are not supported for data of shape " +
                             shapeText(type.getShape()) +
                             "; supported: the data's shape on every dim "
                             "but the axis " +
                             llvm::Twine(axis));
  llvm::Expected<Value> updates = im.value(node, 2, element);
  if (!updates)
    return updates.takeError();
  if (typeOf(*updates).getShape() != given)
    return im.fail(
        node, "updates of shape " + shapeText(typeOf(*updates).getShape()) +
                  " must have the indices' shape " + shapeText(given));
  int64_t size = type.getDimSize(axis);
  Shape spread(given), hitsShape(given);
  spread.insert(spread.begin() + axis + 1, 1);
  hitsShape.insert(hitsShape.begin() + axis + 1, size);
  if (!elementCount(hitsShape))
    return im.fail(node, "comparing " + shapeText(given) +
                             " indices with the " + llvm::Twine(size) +
                             " positions is too large");
  Value hits = hitsAlong(im, node, indices, axis + 1, size, element);
  Value placed = mlir::mpt::MulOp::create(
      im.b, loc,
      broadcastTo(im, node, reshape(im, node, *updates, spread), hitsShape),
      hits);
  auto sumOverIndices = [&](Value value) {
    return mlir::mpt::ReduceSumOp::create(
        im.b, loc, type, value, im.b.getDenseI64ArrayAttr({axis}), false);
  };
  Value sums = sumOverIndices(placed);
  Value result = reduction == "add"
                     ? Value(mlir::mpt::AddOp::create(im.b, loc, data, sums))
                     : Value(mlir::mpt::SelectOp::create(
                           im.b, loc, sumOverIndices(hits), sums, data));
  im.setResult(node, result);
  return llvm::Error::success();
}

} // namespace

void addSelectionImporters(llvm::StringMap<OpImporter> &importers) {
  importers["TopK"] = importTopK;
  importers["ArgMax"] = importArgExtreme;
  importers["ArgMin"] = importArgExtreme;
  importers["GatherElements"] = importGatherElements;
  importers["OneHot"] = importOneHot;
  importers["ScatterElements"] = importScatterElements;
}

} // namespace import
} // namespace mpt
