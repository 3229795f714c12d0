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
// its index is the position. ScatterND (every slice assignment and
// `index_put` PyTorch exports: `x[:, 0] = v`, `x[:, 2:4] = 0`) and GatherND
// with indices known at import time move elements by constant maps: one
// `mpt.gather` per indexed dim when the positions are a product of one list
// per dim (a slice), else a `mpt.gather_elements` of the flattened tensor;
// a scatter then selects the gathered updates where the indices write.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSwitch.h"

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
/// `fromEnd = false` for indices already in [0, size).
Value hitsAlong(GraphImporter &im, const onnx::NodeProto &node, Value indices,
                int64_t dim, int64_t size, Type element, bool fromEnd = true) {
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
  if (!fromEnd)
    return compare(0);
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

/// The positions a ScatterND writes as a product of one list of positions
/// per data dim, written in the order of the updates (the last dim's list
/// fastest), as every slice assignment writes: `x[:, 1::3]` writes all of
/// dim 0 times 1, 4, 7, ... of dim 1. Nullopt when the positions are no
/// such product.
std::optional<std::vector<Shape>> positionLists(ArrayRef<int64_t> positions,
                                                ArrayRef<int64_t> shape) {
  int64_t rank = shape.size(), count = positions.size();
  std::vector<int64_t> strides = stridesOf(shape);
  // From the last dim on: a dim's list is its coordinates at the first
  // elements of each block of the inner dims' product, as long as the
  // coordinates of the outer dims stay those of the first element.
  std::vector<Shape> lists(rank);
  int64_t inner = 1;
  for (int64_t dim = rank - 1; dim >= 0; --dim) {
    int64_t outer = dim > 0 ? positions[0] / strides[dim - 1] : 0;
    for (int64_t at = 0; at < count; at += inner) {
      if (dim > 0 && positions[at] / strides[dim - 1] != outer)
        break;
      lists[dim].push_back((positions[at] / strides[dim]) % shape[dim]);
    }
    inner *= lists[dim].size();
  }
  if (inner != count)
    return std::nullopt;
  // The product of the lists must be the positions, in their order.
  for (int64_t at = 0; at < count; ++at) {
    int64_t position = 0, rest = at;
    for (int64_t dim = rank - 1; dim >= 0; --dim) {
      int64_t size = lists[dim].size();
      position += lists[dim][rest % size] * strides[dim];
      rest /= size;
    }
    if (position != positions[at])
      return std::nullopt;
  }
  return lists;
}

/// Whether `list` is every position of a dim of `size`, in order.
bool isWholeDim(ArrayRef<int64_t> list, int64_t size) {
  return static_cast<int64_t>(list.size()) == size &&
         llvm::equal(list, llvm::seq<int64_t>(0, size));
}

/// How a ScatterND combines its updates with the data.
enum class Reduction { None, Add, Mul };

/// `written` selecting (none), adding to or multiplying the data: where
/// `mask` (null: everywhere) is 0 the data stays. A zero where an add
/// writes nothing is the gathers' reading out of range, needing no mask.
Value combine(GraphImporter &im, const onnx::NodeProto &node,
              Reduction reduction, Value data, Value written, Value mask) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(data);
  switch (reduction) {
  case Reduction::None:
    return mask ? Value(mlir::mpt::SelectOp::create(im.b, loc, mask, written,
                                                    data))
                : written;
  case Reduction::Add:
    return mlir::mpt::AddOp::create(im.b, loc, data, written);
  case Reduction::Mul:
    if (mask)
      written = mlir::mpt::SelectOp::create(
          im.b, loc, mask, written,
          broadcastTo(im, node,
                      scalarConstant(im, node, type.getElementType(), 1.0),
                      type.getShape()));
    return mlir::mpt::MulOp::create(im.b, loc, data, written);
  }
  llvm_unreachable("a reduction");
}

/// A ScatterND that writes a product of position lists (positionLists()):
/// the updates, of the lists' sizes, are spread to the data's size along
/// each dim whose list is not the whole dim, by an `mpt.gather` of the
/// update at each position (out of range, reading 0, where none is
/// written; the last one where several are), and combined with the data
/// where every dim's list holds the position. No constant is larger than
/// one dim.
Value scatterProduct(GraphImporter &im, const onnx::NodeProto &node,
                     Reduction reduction, Value data, Value updates,
                     ArrayRef<Shape> lists) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(data);
  Type element = type.getElementType();
  Shape shape;
  for (const Shape &list : lists)
    shape.push_back(list.size());
  Value spread = reshape(im, node, updates, shape), mask;
  for (auto [dim, list] : llvm::enumerate(lists)) {
    int64_t size = type.getDimSize(dim);
    if (isWholeDim(list, size))
      continue;
    std::vector<int64_t> from(size, static_cast<int64_t>(list.size()));
    for (auto [index, position] : llvm::enumerate(list))
      from[position] = index;
    HostConstant written;
    written.shape.assign(type.getRank(), 1);
    written.shape[dim] = size;
    for (int64_t index : from)
      written.floats.push_back(index < static_cast<int64_t>(list.size()));
    spread = gatherAlong(im, node, spread, dim, from);
    Value dimMask = broadcastTo(im, node, im.materialize(written, element, loc),
                                type.getShape());
    mask = mask ? Value(mlir::mpt::MulOp::create(im.b, loc, mask, dimMask))
                : dimMask;
  }
  return combine(im, node, reduction, data, spread, mask);
}

/// Any other ScatterND: the updates, flattened, are gathered to the data's
/// shape by a constant map from each data element to the update written
/// there (`mpt.gather_elements`). With add and mul an element written n
/// times takes n such gathers, each of the element's i-th write, so that
/// repeated indices add up (multiply); none takes an element's last write.
llvm::Expected<Value> scatterElements(GraphImporter &im,
                                      const onnx::NodeProto &node,
                                      Reduction reduction, Value data,
                                      Value updates,
                                      ArrayRef<int64_t> positions) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(data);
  Type element = type.getElementType();
  int64_t size = type.getNumElements();
  constexpr int64_t kMaxElements = int64_t(1) << 24;
  if (size > kMaxElements)
    return im.fail(node, "writes that are no product of one list of "
                         "positions per dim (a slice assignment) into more "
                         "than " +
                             llvm::Twine(kMaxElements) +
                             " elements are not supported");
  // The updates written to each data element, in their order.
  std::vector<llvm::SmallVector<int64_t, 1>> writes(size);
  for (auto [update, position] : llvm::enumerate(positions))
    writes[position].push_back(update);
  size_t layers = 0;
  for (llvm::SmallVector<int64_t, 1> &element : writes) {
    if (reduction == Reduction::None && element.size() > 1)
      element.erase(element.begin(), element.end() - 1);
    layers = std::max(layers, element.size());
  }
  int64_t count = positions.size();
  Value flat = reshape(im, node, updates, {1, count});
  Value result = data;
  for (size_t layer = 0; layer < layers; ++layer) {
    std::vector<int64_t> from;
    HostConstant written;
    written.shape.assign(type.getShape().begin(), type.getShape().end());
    for (const llvm::SmallVector<int64_t, 1> &element : writes) {
      bool writes = layer < element.size();
      from.push_back(writes ? element[layer] : count);
      written.floats.push_back(writes);
    }
    Value picked = gatherFlat(im, node, flat, from, type.getShape());
    Value mask = reduction == Reduction::Add
                     ? Value()
                     : im.materialize(written, element, loc);
    result = combine(im, node, reduction, result, picked, mask);
  }
  return result;
}

/// ScatterND (every slice assignment and `index_put` PyTorch exports) with
/// `reduction` none, add or mul and the indices known at import time, as
/// PyTorch computes them from shapes and constants. ONNX leaves repeated
/// indices undefined without a reduction: the last write of an element
/// holds. The gradient reaches the data where it is kept and each update
/// where it is written, as PyTorch's.
/// The row each index tuple of `indices` (a step tensor; its last dim holds
/// the tuples) names in data of `dataShape` flattened over its first
/// `batchDims` dims and the dims the tuples index: each entry `mod` its
/// dim's size (a negative entry counts from the end), scaled by the sizes of
/// the indexed dims after it, plus the offset of each batch element's rows.
/// Of the indices' shape without its last dim.
llvm::Expected<Value> flatRows(GraphImporter &im, const onnx::NodeProto &node,
                               Value indices, ArrayRef<int64_t> dataShape,
                               int64_t batchDims) {
  RankedTensorType indexType = typeOf(indices);
  ArrayRef<int64_t> indexShape = indexType.getShape();
  int64_t rank = dataShape.size(), indexRank = indexShape.size();
  int64_t depth = indexRank ? indexShape.back() : 0;
  if (batchDims < 0 || batchDims >= indexRank || depth < 1 ||
      batchDims + depth > rank)
    return im.fail(
        node, "indices of shape " + shapeText(indexShape) +
                  (batchDims ? " with batch_dims " + std::to_string(batchDims)
                             : std::string()) +
                  " do not index data of shape " + shapeText(dataShape) +
                  "; expected index tuples in the last dim, at "
                  "most as long as the data's rank");
  for (int64_t dim = 0; dim < batchDims; ++dim)
    if (indexShape[dim] != dataShape[dim])
      return im.fail(node, "batch dim " + llvm::Twine(dim) +
                               " of the indices (" + shapeText(indexShape) +
                               ") and the data (" + shapeText(dataShape) +
                               ") differ");
  Location loc = im.loc(node);
  Type element = indexType.getElementType();
  auto scalar = [&](int64_t value) {
    return im.materialize(makeInts({}, {value}), element, loc);
  };
  Shape rows(indexShape.drop_back());
  Shape columnShape(indexShape);
  columnShape.back() = 1;
  SmallVector<OpFoldResult> sizes, strides(indexRank, im.b.getIndexAttr(1));
  for (int64_t size : columnShape)
    sizes.push_back(im.b.getIndexAttr(size));
  Value flat;
  int64_t indexed = 1;
  for (int64_t entry = 0; entry < depth; ++entry) {
    SmallVector<OpFoldResult> offsets(indexRank, im.b.getIndexAttr(0));
    offsets.back() = im.b.getIndexAttr(entry);
    Value column = depth == 1 ? indices
                              : Value(tensor::ExtractSliceOp::create(
                                    im.b, loc, indexType.clone(columnShape),
                                    indices, offsets, sizes, strides));
    column = reshape(im, node, column, rows);
    int64_t size = dataShape[batchDims + entry];
    indexed *= size;
    llvm::Expected<Value> wrapped = indexArith(
        im, node, mlir::mpt::IndexArithKind::Mod, column, scalar(size));
    if (!wrapped)
      return wrapped.takeError();
    if (flat) {
      llvm::Expected<Value> scaled = indexArith(
          im, node, mlir::mpt::IndexArithKind::Mul, flat, scalar(size));
      if (!scaled)
        return scaled.takeError();
      wrapped = indexArith(im, node, mlir::mpt::IndexArithKind::Add, *scaled,
                           *wrapped);
      if (!wrapped)
        return wrapped.takeError();
    }
    flat = *wrapped;
  }
  if (batchDims == 0)
    return flat;
  Shape offsetShape(indexShape.begin(), indexShape.begin() + batchDims);
  offsetShape.resize(rows.size(), 1);
  std::vector<int64_t> offsets;
  for (int64_t batch = 0; batch < *elementCount(offsetShape); ++batch)
    offsets.push_back(batch * indexed);
  return indexArith(
      im, node, mlir::mpt::IndexArithKind::Add, flat,
      im.materialize(
          makeInts(std::vector<int64_t>(offsetShape.begin(), offsetShape.end()),
                   offsets),
          element, loc));
}

/// ScatterND whose indices the step computes (`x[rows, x.argmax(1)] = v`),
/// reduction none or add: the data flattened to [rows, row size] over the
/// dims the tuples index, the rows flatRows() names compared with every row
/// (hits, [updates, rows], 0/1), the updates placed by the f32 product
/// hitsᵀ · updates; add adds them, none takes them where some tuple hits a
/// row (repeated rows add up; ONNX leaves them undefined).
llvm::Error scatterComputedND(GraphImporter &im, const onnx::NodeProto &node,
                              Reduction reduction) {
  if (reduction == Reduction::Mul)
    return im.fail(node, "reduction = mul with indices the step computes is "
                         "not supported; supported: none, add");
  llvm::Expected<Value> data = im.floatValue(node, 0);
  if (!data)
    return data.takeError();
  RankedTensorType type = typeOf(*data);
  Type element = type.getElementType();
  llvm::Expected<Value> updates = im.value(node, 2, element);
  if (!updates)
    return updates.takeError();
  llvm::Expected<Value> indices = indexInput(im, node, 1);
  if (!indices)
    return indices.takeError();
  ArrayRef<int64_t> dataShape = type.getShape();
  llvm::Expected<Value> flat = flatRows(im, node, *indices, dataShape, 0);
  if (!flat)
    return flat.takeError();
  int64_t depth = typeOf(*indices).getShape().back();
  Shape expected(typeOf(*flat).getShape());
  expected.append(dataShape.begin() + depth, dataShape.end());
  if (typeOf(*updates).getShape() != ArrayRef<int64_t>(expected) ||
      typeOf(*updates).getElementType() != element)
    return im.fail(node, "updates " + typeText(updates->getType()) +
                             " do not match; expected the indices' shape "
                             "without its last dim, then the data's dims "
                             "after the indexed ones: " +
                             shapeText(expected));
  int64_t count = *elementCount(typeOf(*flat).getShape());
  int64_t rows = *elementCount(dataShape.take_front(depth));
  int64_t width = *elementCount(dataShape.drop_front(depth));
  if (!elementCount({count, rows}) || count * rows > (int64_t(1) << 24))
    return im.fail(node, "comparing " + llvm::Twine(count) +
                             " computed indices with the " + llvm::Twine(rows) +
                             " rows of the data is too large (more than 2^24 "
                             "pairs)");
  Location loc = im.loc(node);
  Value hits =
      hitsAlong(im, node, reshape(im, node, *flat, {count}), 1, rows, element,
                /*fromEnd=*/false);
  auto placed = mlir::mpt::MatmulOp::create(
      im.b, loc, type.clone({rows, width}), hits,
      reshape(im, node, *updates, {count, width}), true, false);
  placed->setAttr("mpt.precision", im.b.getStringAttr("f32"));
  Value table = reshape(im, node, *data, {rows, width});
  Value result;
  if (reduction == Reduction::Add) {
    result = mlir::mpt::AddOp::create(im.b, loc, table, placed);
  } else {
    Value written =
        mlir::mpt::ReduceSumOp::create(im.b, loc, type.clone({rows}), hits,
                                       im.b.getDenseI64ArrayAttr({0}), false);
    result = mlir::mpt::SelectOp::create(
        im.b, loc,
        broadcastTo(im, node, reshape(im, node, written, {rows, 1}),
                    {rows, width}),
        placed, table);
  }
  im.setResult(node, reshape(im, node, result, dataShape));
  return llvm::Error::success();
}

llvm::Error importScatterND(GraphImporter &im, const onnx::NodeProto &node) {
  std::optional<Reduction> reduction =
      llvm::StringSwitch<std::optional<Reduction>>(
          im.stringAttr(node, "reduction", "none"))
          .Case("none", Reduction::None)
          .Case("add", Reduction::Add)
          .Case("mul", Reduction::Mul)
          .Default(std::nullopt);
  if (!reduction)
    return im.fail(node,
                   "reduction = " + im.stringAttr(node, "reduction", "none") +
                       " is not supported; supported: none, add, mul");
  const HostConstant *indices = im.constant(node, 1);
  if (!indices)
    return scatterComputedND(im, node, *reduction);
  // The float type is that of the one of data and updates the step
  // computes (both known: the node was folded).
  unsigned lead = im.constant(node, 0) ? 2 : 0;
  llvm::Expected<Value> computed = im.floatValue(node, lead);
  if (!computed)
    return computed.takeError();
  Type element = typeOf(*computed).getElementType();
  llvm::Expected<Value> known = im.value(node, 2 - lead, element);
  if (!known)
    return known.takeError();
  Value data = lead == 0 ? *computed : *known;
  Value updates = lead == 0 ? *known : *computed;
  if (typeOf(updates).getElementType() != element ||
      typeOf(data).getElementType() != element)
    return im.fail(node, "data and updates must have one float element type; "
                         "found " +
                             typeText(data.getType()) + " and " +
                             typeText(updates.getType()));
  RankedTensorType type = typeOf(data);
  llvm::Expected<std::vector<int64_t>> positions = indexedPositions(
      im, node, type.getShape(), *indices, typeOf(updates).getShape());
  if (!positions)
    return positions.takeError();
  if (positions->empty()) {
    im.setResult(node, data);
    return llvm::Error::success();
  }
  // A product with a repeated position only where the last write holds.
  std::optional<std::vector<Shape>> lists =
      positionLists(*positions, type.getShape());
  if (lists && *reduction != Reduction::None)
    for (const Shape &list : *lists)
      if (llvm::DenseSet<int64_t>(list.begin(), list.end()).size() !=
          list.size())
        lists.reset();
  if (lists) {
    im.setResult(node,
                 scatterProduct(im, node, *reduction, data, updates, *lists));
    return llvm::Error::success();
  }
  llvm::Expected<Value> result =
      scatterElements(im, node, *reduction, data, updates, *positions);
  if (!result)
    return result.takeError();
  im.setResult(node, *result);
  return llvm::Error::success();
}

/// GatherND (advanced indexing by several index lists, `x[:, [0, 2], [1,
/// 3]]`, and `torch.diagonal`, with a batch dim) with indices known at
/// import time. Reads of a product of position lists (positionLists())
/// are an `mpt.gather` of each dim's list where it is not the whole dim;
/// other reads gather the flattened data at the constant positions
/// (`mpt.gather_elements`). The result is reshaped to the indices' shape
/// without its last dim, then the data's dims the indices do not index.
/// GatherND whose indices the step computes (TensorFlow's `gather_nd` of
/// positions from the data, `batch_dims` of them): one `mpt.gather` of the
/// rows flatRows() names in the flattened data.
llvm::Error gatherComputedND(GraphImporter &im, const onnx::NodeProto &node,
                             Value data, int64_t batchDims) {
  llvm::Expected<Value> indices = indexInput(im, node, 1);
  if (!indices)
    return indices.takeError();
  RankedTensorType type = typeOf(data);
  ArrayRef<int64_t> dataShape = type.getShape();
  llvm::Expected<Value> flat =
      flatRows(im, node, *indices, dataShape, batchDims);
  if (!flat)
    return flat.takeError();
  int64_t indexed = batchDims + typeOf(*indices).getShape().back();
  Shape table{*elementCount(dataShape.take_front(indexed))};
  table.append(dataShape.begin() + indexed, dataShape.end());
  Shape result(typeOf(*flat).getShape());
  result.append(table.begin() + 1, table.end());
  im.setResult(
      node, mlir::mpt::GatherOp::create(im.b, im.loc(node), type.clone(result),
                                        reshape(im, node, data, table), *flat,
                                        im.b.getI64IntegerAttr(0)));
  return llvm::Error::success();
}

llvm::Error importGatherND(GraphImporter &im, const onnx::NodeProto &node) {
  int64_t batchDims = im.intAttr(node, "batch_dims", 0);
  llvm::Expected<Value> data = im.floatValue(node, 0);
  if (!data)
    return data.takeError();
  const HostConstant *indices = im.constant(node, 1);
  if (!indices)
    return gatherComputedND(im, node, *data, batchDims);
  RankedTensorType type = typeOf(*data);
  llvm::Expected<std::vector<int64_t>> positions = indexedPositions(
      im, node, type.getShape(), *indices, std::nullopt, batchDims);
  if (!positions)
    return positions.takeError();
  if (positions->empty())
    return im.fail(node, "the indices select no element (empty tensors are "
                         "not supported)");
  Shape result(indices->shape.begin(), indices->shape.end() - 1);
  result.append(type.getShape().begin() + batchDims + indices->shape.back(),
                type.getShape().end());
  Value picked = *data;
  if (std::optional<std::vector<Shape>> lists =
          positionLists(*positions, type.getShape())) {
    for (auto [dim, list] : llvm::enumerate(*lists))
      if (!isWholeDim(list, type.getDimSize(dim)))
        picked = gatherAlong(im, node, picked, dim, list);
  } else {
    picked = gatherFlat(im, node, picked, *positions, result);
  }
  im.setResult(node, reshape(im, node, picked, result));
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<int64_t>>
indexedPositions(const GraphImporter &im, const onnx::NodeProto &node,
                 ArrayRef<int64_t> dataShape, const HostConstant &indices,
                 std::optional<ArrayRef<int64_t>> updatesShape,
                 int64_t batchDims) {
  if (indices.isFloat())
    return im.fail(node, "the indices must be integers; found " +
                             elementTypeName(indices.elementType));
  int64_t rank = dataShape.size();
  int64_t indexRank = indices.shape.size();
  if (batchDims < 0 || batchDims >= indexRank || batchDims > rank ||
      !llvm::equal(ArrayRef<int64_t>(indices.shape).take_front(batchDims),
                   dataShape.take_front(batchDims)))
    return im.fail(
        node, "indices of shape " + shapeText(indices.shape) +
                  " do not index data of shape " + shapeText(dataShape) +
                  " with " + llvm::Twine(batchDims) +
                  " batch dims: expected rank > " + llvm::Twine(batchDims) +
                  ", the data's first dims and the tuples in the "
                  "last dim");
  int64_t depth = indices.shape.back();
  if (depth > rank - batchDims)
    return im.fail(node, "the indices' last dim " + llvm::Twine(depth) +
                             " exceeds the data's rank " + llvm::Twine(rank) +
                             " less its " + llvm::Twine(batchDims) +
                             " batch dims");
  int64_t last = batchDims + depth;
  Shape expected(indices.shape.begin(), indices.shape.end() - 1);
  expected.append(dataShape.begin() + last, dataShape.end());
  if (updatesShape && *updatesShape != ArrayRef<int64_t>(expected))
    return im.fail(node, "updates of shape " + shapeText(*updatesShape) +
                             " must have shape " + shapeText(expected) +
                             ": the indices' shape without its last dim, "
                             "then the data's dims from " +
                             llvm::Twine(depth) + " on");
  // The elements indexed are as many as the data's at most, in practice; a
  // bound keeps the host maps and constants of the step small.
  constexpr int64_t kMaxElements = int64_t(1) << 24;
  std::optional<int64_t> count = elementCount(expected);
  std::optional<int64_t> dataCount = elementCount(dataShape);
  if (!count || !dataCount || *count > kMaxElements ||
      *dataCount > kMaxElements)
    return im.fail(node, "more than " + llvm::Twine(kMaxElements) +
                             " elements indexed or in the data are not "
                             "supported");
  std::vector<int64_t> strides = stridesOf(dataShape);
  // Each tuple of indices reaches a block of the data's dims from `last` on,
  // in the part of the data of its batch position.
  int64_t block = last > 0 ? strides[last - 1] : *dataCount;
  int64_t part = batchDims > 0 ? strides[batchDims - 1] : *dataCount;
  int64_t tuples = block ? *count / block : 0;
  int64_t tuplesPerPart = 1;
  for (int64_t dim = batchDims; dim < indexRank - 1; ++dim)
    tuplesPerPart *= indices.shape[dim];
  std::vector<int64_t> positions;
  positions.reserve(*count);
  for (int64_t tuple = 0; tuple < tuples; ++tuple) {
    int64_t offset = (tuplesPerPart ? tuple / tuplesPerPart : 0) * part;
    for (int64_t dim = batchDims; dim < last; ++dim) {
      int64_t index = indices.ints[tuple * depth + dim - batchDims];
      int64_t extent = dataShape[dim];
      if (index < -extent || index >= extent)
        return im.fail(
            node, "index " + llvm::Twine(index) + " of index tuple " +
                      llvm::Twine(tuple) + " is out of range for dim " +
                      llvm::Twine(dim) + " of size " + llvm::Twine(extent));
      offset += (index < 0 ? index + extent : index) * strides[dim];
    }
    for (int64_t element = 0; element < block; ++element)
      positions.push_back(offset + element);
  }
  return positions;
}

void addSelectionImporters(llvm::StringMap<OpImporter> &importers) {
  importers["TopK"] = importTopK;
  importers["ArgMax"] = importArgExtreme;
  importers["ArgMin"] = importArgExtreme;
  importers["GatherElements"] = importGatherElements;
  importers["OneHot"] = importOneHot;
  importers["ScatterElements"] = importScatterElements;
  importers["ScatterND"] = importScatterND;
  importers["GatherND"] = importGatherND;
}

} // namespace import
} // namespace mpt
