//===- ShapeImporters.cpp - Shape and data-movement ONNX ops to mpt ops -- ===//
//
// Reshapes, transposes, broadcasts, concatenation, slicing, splitting,
// padding and gathers.
// Their shape operands (targets, axes, bounds) must be known at import
// time; exported graphs compute them from static shapes.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// Reshape, Flatten, Squeeze and Unsqueeze of a float tensor, or of an
/// integer one (token ids, an attention mask).
llvm::Error importReshape(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.value(node, 0, im.b.getF32Type());
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  Shape shape;
  if (node.op_type() == "Flatten") {
    llvm::Expected<int64_t> axis = normalizeAxis(
        im, node, im.intAttr(node, "axis", 1), type.getRank() + 1);
    if (!axis)
      return axis.takeError();
    int64_t outer = 1;
    for (int64_t dim = 0; dim < *axis; ++dim)
      outer *= type.getDimSize(dim);
    shape = {outer, type.getNumElements() / outer};
  } else if (node.op_type() == "Reshape") {
    const HostConstant *target = im.constant(node, 1);
    if (!target)
      return im.fail(node, "the shape must be known at import time");
    bool allowZero = im.intAttr(node, "allowzero", 0) != 0;
    int64_t known = 1, inferred = -1;
    for (int64_t i = 0; i < target->numElements(); ++i) {
      int64_t dim = target->intAt(i);
      if (dim == 0 && !allowZero && i < type.getRank())
        dim = type.getDimSize(i);
      if (dim == -1 && inferred < 0)
        inferred = i;
      else if (dim < 0 || llvm::MulOverflow(known, dim, known))
        return im.fail(node, "cannot reshape " + shapeText(type.getShape()) +
                                 ": entry " + llvm::Twine(i) +
                                 " of the shape is " +
                                 llvm::Twine(target->intAt(i)) +
                                 "; expected sizes whose product fits in "
                                 "int64, 0 for the input's dim, and at most "
                                 "one -1");
      shape.push_back(dim);
    }
    if (inferred >= 0)
      shape[inferred] = known ? type.getNumElements() / known : 0;
  } else {
    llvm::Expected<std::optional<std::vector<int64_t>>> axes =
        im.intsInputOrAttr(node, 1, "axes");
    if (!axes)
      return axes.takeError();
    std::vector<int64_t> dims = axes->value_or(std::vector<int64_t>{});
    bool unsqueeze = node.op_type() == "Unsqueeze";
    int64_t rank = type.getRank() + (unsqueeze ? dims.size() : 0);
    if (llvm::Error error = normalizeDistinctAxes(im, node, dims, rank))
      return error;
    llvm::sort(dims);
    shape.assign(type.getShape().begin(), type.getShape().end());
    if (unsqueeze) {
      for (int64_t dim : dims)
        shape.insert(shape.begin() + dim, 1);
    } else {
      Shape kept;
      for (int64_t dim = 0; dim < type.getRank(); ++dim)
        if (dims.empty() ? shape[dim] != 1 : !llvm::is_contained(dims, dim))
          kept.push_back(shape[dim]);
      shape = kept;
    }
  }
  std::optional<int64_t> count = elementCount(shape);
  if (!count || *count != type.getNumElements())
    return im.fail(node, "cannot reshape " + shapeText(type.getShape()) +
                             " to " + shapeText(shape));
  im.setResult(node, reshape(im, node, *input, shape));
  return llvm::Error::success();
}

llvm::Error importTranspose(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  std::vector<int64_t> perm =
      im.intsAttr(node, "perm").value_or(std::vector<int64_t>{});
  if (perm.empty())
    for (int64_t dim = type.getRank() - 1; dim >= 0; --dim)
      perm.push_back(dim);
  Shape sorted(perm.begin(), perm.end());
  llvm::sort(sorted);
  if (sorted != llvm::to_vector(llvm::seq<int64_t>(0, type.getRank())))
    return im.fail(node, "perm " + shapeText(perm) +
                             " is not a permutation of the input's " +
                             llvm::Twine(type.getRank()) + " dims");
  Shape shape;
  for (int64_t dim : perm)
    shape.push_back(type.getDimSize(dim));
  im.setResult(node, mlir::mpt::TransposeOp::create(
                         im.b, im.loc(node), type.clone(shape), *input,
                         im.b.getDenseI64ArrayAttr(perm)));
  return llvm::Error::success();
}

llvm::Error importExpand(GraphImporter &im, const onnx::NodeProto &node) {
  // Integers of the step (indices to gather by) repeat as floats do.
  Value integers = im.lookup(node.input(0));
  llvm::Expected<Value> input =
      integers && isa<IntegerType>(typeOf(integers).getElementType())
          ? integers
          : im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  const HostConstant *target = im.constant(node, 1);
  if (!target)
    return im.fail(node, "the shape must be known at import time");
  Shape requested;
  for (int64_t i = 0; i < target->numElements(); ++i)
    requested.push_back(target->intAt(i));
  llvm::Expected<Shape> shape =
      broadcastShape(im, node, typeOf(*input).getShape(), requested);
  if (!shape)
    return shape.takeError();
  im.setResult(node, broadcastTo(im, node, *input, *shape));
  return llvm::Error::success();
}

/// SmallVector of index attributes, for tensor ops' static positions.
SmallVector<OpFoldResult> indexAttrs(GraphImporter &im,
                                     ArrayRef<int64_t> values) {
  SmallVector<OpFoldResult> attrs;
  for (int64_t value : values)
    attrs.push_back(im.b.getIndexAttr(value));
  return attrs;
}

/// Concat of floats: mpt.concat. Of integers of the step (a start token
/// before the ids: `torch.cat([bos, ids], 1)`): each input inserted into an
/// empty tensor (tensor.insert_slice), as integers carry no cotangent.
llvm::Error importConcat(GraphImporter &im, const onnx::NodeProto &node) {
  if (node.input_size() == 0)
    return im.fail(node, "expected at least one input, found none");
  Value integers = stepIntegers(im, node);
  Type element = integers ? typeOf(integers).getElementType() : Type();
  for (int index = 0; index < node.input_size() && !element; ++index)
    if (!im.constant(node, index)) {
      llvm::Expected<Value> first = im.floatValue(node, index);
      if (!first)
        return first.takeError();
      element = typeOf(*first).getElementType();
    }
  if (!element)
    element = im.b.getF32Type();
  SmallVector<Value> inputs;
  for (int index = 0; index < node.input_size(); ++index) {
    llvm::Expected<Value> input = integers
                                      ? integerInput(im, node, index, element)
                                      : im.value(node, index, element);
    if (!input)
      return input.takeError();
    inputs.push_back(*input);
  }
  RankedTensorType type = typeOf(inputs.front());
  llvm::Expected<int64_t> axis =
      normalizeAxis(im, node, im.intAttr(node, "axis", 0), type.getRank());
  if (!axis)
    return axis.takeError();
  Shape shape(type.getShape());
  shape[*axis] = 0;
  for (auto [index, input] : llvm::enumerate(inputs)) {
    ArrayRef<int64_t> dims = typeOf(input).getShape();
    bool fits = dims.size() == type.getShape().size();
    for (size_t dim = 0; fits && dim < dims.size(); ++dim)
      fits = dim == static_cast<size_t>(*axis) || dims[dim] == shape[dim];
    if (!fits)
      return im.fail(node, "input " + llvm::Twine(index) + " has shape " +
                               shapeText(dims) + "; expected the shape " +
                               shapeText(type.getShape()) +
                               " of input 0 but for dim " + llvm::Twine(*axis));
    if (llvm::AddOverflow(shape[*axis], dims[*axis], shape[*axis]))
      return im.fail(node, "the concatenated dim " + llvm::Twine(*axis) +
                               " overflows int64");
  }
  Location loc = im.loc(node);
  if (integers) {
    Value result = tensor::EmptyOp::create(im.b, loc, shape, element);
    Shape offsets(shape.size(), 0);
    for (Value input : inputs) {
      ArrayRef<int64_t> sizes = typeOf(input).getShape();
      result = tensor::InsertSliceOp::create(
          im.b, loc, input, result, indexAttrs(im, offsets),
          indexAttrs(im, sizes), indexAttrs(im, Shape(shape.size(), 1)));
      offsets[*axis] += sizes[*axis];
    }
    im.setResult(node, result);
    return llvm::Error::success();
  }
  im.setResult(node,
               mlir::mpt::ConcatOp::create(im.b, loc, type.clone(shape), inputs,
                                           im.b.getI64IntegerAttr(*axis)));
  return llvm::Error::success();
}

/// Slice of floats: mpt.slice, a negative step reversing its dim with an
/// mpt.gather. Of integers of the step (`ids[:, :-1]`, the first indices of
/// an argsort): tensor.extract_slice, as integers carry no cotangent.
llvm::Error importSlice(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = floatOrStepIntegers(im, node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  bool integers = isa<IntegerType>(type.getElementType());
  auto known = [&](unsigned index) -> llvm::Expected<std::vector<int64_t>> {
    llvm::Expected<std::optional<std::vector<int64_t>>> values =
        im.intsInputOrAttr(node, index, "");
    if (!values)
      return values.takeError();
    return values->value_or(std::vector<int64_t>{});
  };
  llvm::Expected<std::vector<int64_t>> starts = known(1), ends = known(2),
                                       axes = known(3), steps = known(4);
  if (!starts)
    return starts.takeError();
  if (!ends)
    return ends.takeError();
  if (!axes)
    return axes.takeError();
  if (!steps)
    return steps.takeError();
  size_t count = starts->size();
  for (auto [name, values, optional] : {std::tuple{"ends", &*ends, false},
                                        {"axes", &*axes, true},
                                        {"steps", &*steps, true}})
    if (values->size() != count && !(optional && values->empty()))
      return im.fail(node, llvm::Twine(name) + " has " +
                               llvm::Twine(values->size()) +
                               " entries; expected one per start (" +
                               llvm::Twine(count) + ")");
  int64_t rank = type.getRank();
  Shape offsets(rank, 0), strides(rank, 1), sizes(type.getShape());
  llvm::SmallVector<bool> sliced(rank, false), reversed(rank, false);
  for (size_t i = 0; i < count; ++i) {
    int64_t axisValue = axes->empty() ? static_cast<int64_t>(i) : (*axes)[i];
    llvm::Expected<int64_t> axis = normalizeAxis(im, node, axisValue, rank);
    if (!axis)
      return axis.takeError();
    if (sliced[*axis])
      return im.fail(node, "axes name dim " + llvm::Twine(*axis) + " twice");
    sliced[*axis] = true;
    int64_t step = steps->empty() ? 1 : (*steps)[i];
    if (step == 0)
      return im.fail(node, "step 0 along dim " + llvm::Twine(*axis) +
                               "; expected a nonzero step");
    if (step == std::numeric_limits<int64_t>::min())
      return im.fail(node, "step " + llvm::Twine(step) + " along dim " +
                               llvm::Twine(*axis) + " is out of range");
    // ONNX counts negative bounds from the end, then clamps them to
    // [0, size] going forward; going backward, the start to [0, size - 1]
    // and the end to [-1, size - 1].
    int64_t size = type.getDimSize(*axis);
    int64_t high = step > 0 ? size : size - 1;
    auto clampBound = [&](int64_t bound, int64_t low) {
      if (bound < 0)
        bound = bound < -size ? low : bound + size;
      return std::clamp(bound, low, high);
    };
    int64_t start = clampBound((*starts)[i], 0);
    int64_t end = clampBound((*ends)[i], step > 0 ? 0 : -1);
    int64_t distance = step > 0 ? end - start : start - end;
    if (distance <= 0)
      return im.fail(node, "the slice of dim " + llvm::Twine(*axis) +
                               " is empty; empty tensors are not supported");
    int64_t stride = step > 0 ? step : -step;
    sizes[*axis] = (distance - 1) / stride + 1;
    strides[*axis] = stride;
    // Backward, the same elements in ascending order, reversed below.
    offsets[*axis] = step > 0 ? start : start - (sizes[*axis] - 1) * stride;
    reversed[*axis] = step < 0 && sizes[*axis] > 1;
  }
  Location loc = im.loc(node);
  Value result = *input;
  bool slices = sizes != Shape(type.getShape()) ||
                llvm::any_of(offsets, [](int64_t v) { return v != 0; }) ||
                llvm::any_of(strides, [](int64_t v) { return v != 1; });
  if (integers) {
    if (llvm::is_contained(reversed, true))
      return im.fail(node, "a negative step (a flip) of integers is not "
                           "supported; supported: positive steps");
    if (slices)
      result = tensor::ExtractSliceOp::create(
          im.b, loc, type.clone(sizes), *input, indexAttrs(im, offsets),
          indexAttrs(im, sizes), indexAttrs(im, strides));
    im.setResult(node, result);
    return llvm::Error::success();
  }
  if (slices)
    result = mlir::mpt::SliceOp::create(im.b, loc, type.clone(sizes), *input,
                                        im.b.getDenseI64ArrayAttr(offsets),
                                        im.b.getDenseI64ArrayAttr(strides));
  // A negative step reverses its dim (torch.flip): a gather of the indices
  // from last to first.
  for (int64_t axis = 0; axis < rank; ++axis) {
    if (!reversed[axis])
      continue;
    auto indexType = RankedTensorType::get({sizes[axis]}, im.b.getI64Type());
    llvm::SmallVector<int64_t> indices;
    for (int64_t index = sizes[axis] - 1; index >= 0; --index)
      indices.push_back(index);
    Value indexConstant = arith::ConstantOp::create(
        im.b, loc, DenseIntElementsAttr::get(indexType, indices));
    result = mlir::mpt::GatherOp::create(im.b, loc, typeOf(result), result,
                                         indexConstant,
                                         im.b.getI64IntegerAttr(axis));
  }
  im.setResult(node, result);
  return llvm::Error::success();
}

/// torch.split and torch.chunk: one slice per output along the axis, of the
/// given sizes, of ceil(size / num_outputs) (opset 18) or, without either,
/// equal parts.
/// Elements `offset` to `offset + size` along `axis` of `value`.
HostConstant hostSlice(const HostConstant &value, int64_t axis, int64_t offset,
                       int64_t size) {
  int64_t inner = 1;
  for (size_t dim = axis + 1; dim < value.shape.size(); ++dim)
    inner *= value.shape[dim];
  int64_t extent = value.shape[axis];
  HostConstant part;
  part.elementType = value.elementType;
  part.shape = value.shape;
  part.shape[axis] = size;
  for (int64_t i = 0; i < value.numElements(); ++i) {
    int64_t at = (i / inner) % extent;
    if (at < offset || at >= offset + size)
      continue;
    if (value.isFloat())
      part.floats.push_back(value.floats[i]);
    else
      part.ints.push_back(value.ints[i]);
  }
  return part;
}

/// Split into slices along an axis; of an import-time tensor (the repeats
/// of `repeat_interleave`), on the host.
llvm::Error importSplit(GraphImporter &im, const onnx::NodeProto &node) {
  const HostConstant *known = im.constant(node, 0);
  Value input;
  Shape dims;
  if (known) {
    dims.assign(known->shape.begin(), known->shape.end());
  } else {
    llvm::Expected<Value> value = im.floatValue(node, 0);
    if (!value)
      return value.takeError();
    input = *value;
    dims.assign(typeOf(input).getShape().begin(),
                typeOf(input).getShape().end());
  }
  llvm::Expected<int64_t> axis = normalizeAxis(
      im, node, im.intAttr(node, "axis", 0), static_cast<int64_t>(dims.size()));
  if (!axis)
    return axis.takeError();
  int64_t size = dims[*axis], parts = node.output_size();
  std::vector<int64_t> sizes;
  if (im.hasInput(node, 1)) {
    const HostConstant *split = im.constant(node, 1);
    if (!split)
      return im.fail(node, "the split sizes must be known at import time");
    for (int64_t i = 0; i < split->numElements(); ++i)
      sizes.push_back(split->intAt(i));
  } else if (std::optional<std::vector<int64_t>> split =
                 im.intsAttr(node, "split")) {
    sizes = *split;
  } else if (const onnx::AttributeProto *count =
                 im.attribute(node, "num_outputs")) {
    // Opset 18: parts of ceil(size / n), the last one smaller.
    if (count->i() != parts)
      return im.fail(node, "num_outputs is " + llvm::Twine(count->i()) +
                               " but the node has " + llvm::Twine(parts) +
                               " outputs");
    int64_t part = (size + parts - 1) / parts;
    for (int64_t start = 0; start < size; start += part)
      sizes.push_back(std::min(part, size - start));
  } else {
    if (size % parts != 0)
      return im.fail(node, "dim " + llvm::Twine(*axis) + " of size " +
                               llvm::Twine(size) + " does not split into " +
                               llvm::Twine(parts) + " equal parts");
    sizes.assign(parts, size / parts);
  }
  int64_t total = 0;
  for (int64_t part : sizes) {
    if (part <= 0)
      return im.fail(node, "split size " + llvm::Twine(part) +
                               " is not supported; supported: positive "
                               "sizes (empty tensors are not supported)");
    total += part;
  }
  if (static_cast<int64_t>(sizes.size()) != parts || total != size)
    return im.fail(node, "expected " + llvm::Twine(parts) +
                             " split sizes adding up to " + llvm::Twine(size) +
                             ", found " + llvm::Twine(sizes.size()) +
                             " adding up to " + llvm::Twine(total));
  if (known) {
    for (int64_t part = 0, offset = 0; part < parts; offset += sizes[part++])
      if (!node.output(part).empty())
        im.define(node.output(part),
                  hostSlice(*known, *axis, offset, sizes[part]));
    return llvm::Error::success();
  }
  RankedTensorType type = typeOf(input);
  Shape offsets(type.getRank(), 0), shape(type.getShape());
  for (int64_t part = 0; part < parts; ++part) {
    shape[*axis] = sizes[part];
    if (im.consumed.contains(node.output(part)))
      im.setResult(node,
                   mlir::mpt::SliceOp::create(
                       im.b, im.loc(node), type.clone(shape), input,
                       im.b.getDenseI64ArrayAttr(offsets),
                       im.b.getDenseI64ArrayAttr(Shape(type.getRank(), 1))),
                   part);
    offsets[*axis] += sizes[part];
  }
  return llvm::Error::success();
}

/// The constant indices along one axis that pad it by reflection (the
/// edge element not repeated: PyTorch's ReflectionPad), by repeating the
/// edge element (edge: ReplicationPad) or by wrapping around (wrap, opset
/// 19: PyTorch's circular padding), `before` and `after` elements.
Value paddingIndices(GraphImporter &im, const onnx::NodeProto &node,
                     int64_t size, int64_t before, int64_t after,
                     llvm::StringRef mode) {
  llvm::SmallVector<int64_t> indices;
  for (int64_t position = -before; position < size + after; ++position) {
    int64_t source = position;
    if (mode == "reflect")
      source = source < 0       ? -source
               : source >= size ? 2 * (size - 1) - source
                                : source;
    else if (mode == "wrap")
      source = (source % size + size) % size;
    indices.push_back(std::clamp<int64_t>(source, 0, size - 1));
  }
  auto type = RankedTensorType::get({static_cast<int64_t>(indices.size())},
                                    im.b.getI64Type());
  return arith::ConstantOp::create(im.b, im.loc(node),
                                   DenseIntElementsAttr::get(type, indices));
}

/// Pad. Constant padding: PyTorch exports an average pool that counts its
/// padding (`count_include_pad`, the default) as a Pad before the pool.
/// Each padded dim becomes a concat of filled blocks around the input, each
/// cropped one a slice; the other modes gather constant indices per padded
/// dim.
llvm::Error importPad(GraphImporter &im, const onnx::NodeProto &node) {
  std::string mode = im.stringAttr(node, "mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      !(mode == "wrap" && im.opsetVersion >= 19))
    return im.fail(node, "mode = " + mode +
                             " is not supported; supported: constant, "
                             "reflect, edge, and wrap from opset 19 on");
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  const HostConstant *pads = im.constant(node, 1);
  if (!pads)
    return im.fail(node, "the pads must be known at import time");
  double fill = 0.0;
  if (im.hasInput(node, 2)) {
    const HostConstant *value = im.constant(node, 2);
    if (!value || value->numElements() != 1)
      return im.fail(node, "the constant_value must be a scalar known at "
                           "import time");
    fill = value->floatAt(0);
  }
  Value result = *input;
  int64_t rank = typeOf(result).getRank();
  // The padded axes: all of them, or those of input 3 (opset 18).
  std::vector<int64_t> axes;
  if (im.hasInput(node, 3)) {
    llvm::Expected<std::optional<std::vector<int64_t>>> given =
        im.intsInputOrAttr(node, 3, "");
    if (!given)
      return given.takeError();
    axes = **given;
    if (llvm::Error error = normalizeDistinctAxes(im, node, axes, rank))
      return error;
  } else {
    for (int64_t axis = 0; axis < rank; ++axis)
      axes.push_back(axis);
  }
  int64_t count = axes.size();
  if (pads->numElements() != 2 * count)
    return im.fail(node, "expected " + llvm::Twine(2 * count) + " pads for " +
                             llvm::Twine(count) + " padded axes of a rank-" +
                             llvm::Twine(rank) + " input, found " +
                             llvm::Twine(pads->numElements()));
  Shape starts(rank, 0), ends(rank, 0);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    starts[axis] = pads->intAt(i);
    ends[axis] = pads->intAt(i + count);
  }
  Location loc = im.loc(node);
  for (int64_t axis = 0; axis < rank; ++axis) {
    int64_t before = starts[axis], after = ends[axis];
    RankedTensorType type = typeOf(result);
    int64_t size = type.getDimSize(axis);
    if (size + std::min<int64_t>(before, 0) + std::min<int64_t>(after, 0) <= 0)
      return im.fail(node, "the pads crop dim " + llvm::Twine(axis) +
                               " to nothing; empty tensors are not "
                               "supported");
    if (before < 0 || after < 0) {
      Shape offsets(rank, 0), sizes(type.getShape());
      offsets[axis] = std::max<int64_t>(-before, 0);
      sizes[axis] =
          size + std::min<int64_t>(before, 0) + std::min<int64_t>(after, 0);
      result =
          mlir::mpt::SliceOp::create(im.b, loc, type.clone(sizes), result,
                                     im.b.getDenseI64ArrayAttr(offsets),
                                     im.b.getDenseI64ArrayAttr(Shape(rank, 1)));
      type = typeOf(result);
    }
    if (mode != "constant") {
      if (before <= 0 && after <= 0)
        continue;
      int64_t kept = type.getDimSize(axis);
      if (mode == "reflect" && (before >= kept || after >= kept))
        return im.fail(node, "reflecting dim " + llvm::Twine(axis) + " of " +
                                 llvm::Twine(kept) + " by " +
                                 llvm::Twine(std::max(before, after)) +
                                 "; the pads must be smaller than the dim");
      Shape shape(type.getShape());
      shape[axis] =
          kept + std::max<int64_t>(before, 0) + std::max<int64_t>(after, 0);
      result = mlir::mpt::GatherOp::create(
          im.b, loc, type.clone(shape), result,
          paddingIndices(im, node, kept, std::max<int64_t>(before, 0),
                         std::max<int64_t>(after, 0), mode),
          im.b.getI64IntegerAttr(axis));
      continue;
    }
    result = padAlong(im, node, result, axis, std::max<int64_t>(before, 0),
                      std::max<int64_t>(after, 0), fill);
  }
  im.setResult(node, result);
  return llvm::Error::success();
}

/// PyTorch's pixel_shuffle (DepthToSpace, mode CRD) and pixel_unshuffle
/// (SpaceToDepth), and DepthToSpace's DCR mode: a reshape that splits the
/// moved dims, a transpose that interleaves them, a reshape that merges.
llvm::Error importDepthSpace(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() != 4)
    return im.fail(node, "the input " + shapeText(type.getShape()) +
                             " must have rank 4 (N, C, H, W)");
  int64_t block = im.intAttr(node, "blocksize", 0);
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  bool toSpace = node.op_type() == "DepthToSpace";
  std::string mode = im.stringAttr(node, "mode", "DCR");
  if (block < 1)
    return im.fail(node,
                   "blocksize " + llvm::Twine(block) + " must be at least 1");
  if (toSpace && mode != "DCR" && mode != "CRD")
    return im.fail(node, "mode " + mode + " must be DCR or CRD");
  Shape split, permutation, merged;
  if (toSpace) {
    if (c % (block * block) != 0)
      return im.fail(node, "the channels (" + llvm::Twine(c) +
                               ") must be a multiple of blocksize^2 (" +
                               llvm::Twine(block * block) + ")");
    int64_t depth = c / (block * block);
    split = mode == "DCR" ? Shape{n, block, block, depth, h, w}
                          : Shape{n, depth, block, block, h, w};
    permutation =
        mode == "DCR" ? Shape{0, 3, 4, 1, 5, 2} : Shape{0, 1, 4, 2, 5, 3};
    merged = {n, depth, h * block, w * block};
  } else {
    if (h % block != 0 || w % block != 0)
      return im.fail(node, "the spatial dims " + shapeText({h, w}) +
                               " must be multiples of blocksize " +
                               llvm::Twine(block));
    split = {n, c, h / block, block, w / block, block};
    permutation = {0, 3, 5, 1, 2, 4};
    merged = {n, c * block * block, h / block, w / block};
  }
  Location loc = im.loc(node);
  Value value = reshape(im, node, *input, split);
  Shape moved;
  for (int64_t dim : permutation)
    moved.push_back(split[dim]);
  value =
      mlir::mpt::TransposeOp::create(im.b, loc, type.clone(moved), value,
                                     im.b.getDenseI64ArrayAttr(permutation));
  im.setResult(node, reshape(im, node, value, merged));
  return llvm::Error::success();
}

llvm::Error importGather(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> data = floatOrStepIntegers(im, node, 0);
  if (!data)
    return data.takeError();
  RankedTensorType type = typeOf(*data);
  bool integers = isa<IntegerType>(type.getElementType());
  llvm::Expected<int64_t> axis =
      normalizeAxis(im, node, im.intAttr(node, "axis", 0), type.getRank());
  if (!axis)
    return axis.takeError();
  Location loc = im.loc(node);
  // A known scalar index picks one slice: a slice and a reshape, whose
  // adjoint is cheaper than a gather's.
  const HostConstant *index = im.constant(node, 1);
  if (index && index->shape.empty()) {
    int64_t size = type.getDimSize(*axis), row = index->intAt(0);
    row = row < 0 ? row + size : row;
    if (row < 0 || row >= size)
      return im.fail(node, "index " + llvm::Twine(index->intAt(0)) +
                               " is out of range for a dim of " +
                               llvm::Twine(size));
    Shape offsets(type.getRank(), 0), sizes(type.getShape());
    offsets[*axis] = row;
    sizes[*axis] = 1;
    Shape strides(type.getRank(), 1);
    Value slice =
        integers
            ? Value(tensor::ExtractSliceOp::create(
                  im.b, loc, type.clone(sizes), *data, indexAttrs(im, offsets),
                  indexAttrs(im, sizes), indexAttrs(im, strides)))
            : Value(mlir::mpt::SliceOp::create(
                  im.b, loc, type.clone(sizes), *data,
                  im.b.getDenseI64ArrayAttr(offsets),
                  im.b.getDenseI64ArrayAttr(strides)));
    sizes.erase(sizes.begin() + *axis);
    im.setResult(node, reshape(im, node, slice, sizes));
    return llvm::Error::success();
  }
  if (integers)
    return im.fail(node, "gathering integers of the step by a tensor of "
                         "indices is not supported; supported: one index "
                         "known at import time (`ids[:, 0]`)");
  llvm::Expected<Value> indices = indexInput(im, node, 1);
  if (!indices)
    return indices.takeError();
  Shape shape(type.getShape().take_front(*axis));
  llvm::append_range(shape, typeOf(*indices).getShape());
  llvm::append_range(shape, type.getShape().drop_front(*axis + 1));
  im.setResult(node, mlir::mpt::GatherOp::create(
                         im.b, loc, type.clone(shape), *data, *indices,
                         im.b.getI64IntegerAttr(*axis)));
  return llvm::Error::success();
}

} // namespace

void addShapeImporters(llvm::StringMap<OpImporter> &importers) {
  importers["Reshape"] = importReshape;
  importers["Flatten"] = importReshape;
  importers["Squeeze"] = importReshape;
  importers["Unsqueeze"] = importReshape;
  importers["Transpose"] = importTranspose;
  importers["Expand"] = importExpand;
  importers["Concat"] = importConcat;
  importers["Slice"] = importSlice;
  importers["Pad"] = importPad;
  importers["Split"] = importSplit;
  importers["Gather"] = importGather;
  importers["DepthToSpace"] = importDepthSpace;
  importers["SpaceToDepth"] = importDepthSpace;
}

} // namespace import
} // namespace mpt
