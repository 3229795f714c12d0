//===- SelectionImporters.cpp - TopK, ArgMax/ArgMin and GatherElements ----===//
//
// Ops that select elements by their order or by indices along one dim.
// TopK (PyTorch's `topk`, and `sort`, which exports as a TopK of the whole
// dim) is `mpt.top_k`, which yields the indices, and the values are the
// input gathered at them (`mpt.gather_elements`), so that the gradient
// flows back to the elements selected, as in PyTorch. ArgMax and ArgMin are
// a TopK of one. GatherElements (`torch.gather`) is `mpt.gather_elements`.
// OneHot (`F.one_hot`) compares the indices with the positions along the
// new dim.
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
  llvm::Expected<Value> indices = im.value(node, 1, type.getElementType());
  if (!indices)
    return indices.takeError();
  RankedTensorType indexType = typeOf(*indices);
  if (!isa<IntegerType>(indexType.getElementType()))
    return im.fail(node, "indices must be INT64 or INT32; found " +
                             typeText(indexType));
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

/// One-hot rows of integer indices (`F.one_hot`): where the index equals
/// the position along the new dim (or that position minus the depth, for an
/// index counted from the end) the `on` value, elsewhere `off`; an index
/// out of range gives a row of `off`. The rows are floats of the values'
/// float type (f32 for integer values, which PyTorch casts with
/// `.float()`).
llvm::Error importOneHot(GraphImporter &im, const onnx::NodeProto &node) {
  Value indices = im.lookup(node.input(0));
  const HostConstant *known = im.constant(node, 0);
  if (known)
    indices = im.materialize(*known, im.b.getI64Type(), im.loc(node));
  if (!indices || !isa<IntegerType>(typeOf(indices).getElementType()))
    return im.fail(node, "indices must be an INT64 or INT32 tensor");
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
  Shape spread(indexType.getShape()), positionsShape(rank, 1);
  spread.insert(spread.begin() + *axis, 1);
  positionsShape[*axis] = classes;
  Value column = reshape(im, node, indices, spread);
  auto positions = [&](int64_t shift) {
    HostConstant range;
    range.elementType = onnx::TensorProto::INT64;
    range.shape.assign(positionsShape.begin(), positionsShape.end());
    for (int64_t position = 0; position < classes; ++position)
      range.ints.push_back(position + shift);
    return im.materialize(range, indexType.getElementType(), loc);
  };
  Shape shape(indexType.getShape());
  shape.insert(shape.begin() + *axis, classes);
  Type element = values->elementType == onnx::TensorProto::DOUBLE
                     ? Type(im.b.getF64Type())
                     : Type(im.b.getF32Type());
  auto rowsType = RankedTensorType::get(shape, element);
  auto compare = [&](Value against) {
    return mlir::mpt::IndexCompareOp::create(
        im.b, loc, rowsType, mlir::mpt::ComparePredicate::EQ, column, against);
  };
  Value hot = mlir::mpt::AddOp::create(im.b, loc, compare(positions(0)),
                                       compare(positions(-classes)));
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

} // namespace

void addSelectionImporters(llvm::StringMap<OpImporter> &importers) {
  importers["TopK"] = importTopK;
  importers["ArgMax"] = importArgExtreme;
  importers["ArgMin"] = importArgExtreme;
  importers["GatherElements"] = importGatherElements;
  importers["OneHot"] = importOneHot;
}

} // namespace import
} // namespace mpt
