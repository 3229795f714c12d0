//===- OpImporters.cpp - ONNX ops to mpt ops ------------------------------===//
//
// One importer per ONNX op type. NumPy broadcasting, which ONNX allows
// everywhere, is made explicit with `mpt.reshape` and `mpt.broadcast` where
// the mpt op's narrower rule (same shape, or trailing dims) does not cover
// it. Attribute values outside what the mpt ops express are errors that name
// the supported values.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Dialect/MPT/IR/Window.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace ::mpt::import;
using Shape = SmallVector<int64_t>;

namespace {

RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [index, dim] : llvm::enumerate(shape))
    text += (index ? ", " : "") + std::to_string(dim);
  return text + "]";
}

/// `axis` counted from the start of a tensor of `rank`, or an error.
llvm::Expected<int64_t> normalizeAxis(GraphImporter &im,
                                      const onnx::NodeProto &node, int64_t axis,
                                      int64_t rank) {
  if (axis < -rank || axis >= rank)
    return im.fail(node, "axis " + llvm::Twine(axis) +
                             " is out of range for "
                             "rank " +
                             llvm::Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

Value reshape(GraphImporter &im, const onnx::NodeProto &node, Value value,
              ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(value);
  if (type.getShape() == shape)
    return value;
  return mlir::mpt::ReshapeOp::create(im.b, im.loc(node), type.clone(shape),
                                      value);
}

/// `value` broadcast (NumPy rules) to `shape`.
Value broadcastTo(GraphImporter &im, const onnx::NodeProto &node, Value value,
                  ArrayRef<int64_t> shape) {
  ArrayRef<int64_t> from = typeOf(value).getShape();
  if (from == shape)
    return value;
  size_t offset = shape.size() - from.size();
  Shape kept;
  SmallVector<int64_t> dims;
  for (size_t dim = 0; dim < shape.size(); ++dim) {
    if (dim >= offset && from[dim - offset] == shape[dim]) {
      kept.push_back(shape[dim]);
      continue;
    }
    dims.push_back(dim);
  }
  Value squeezed = reshape(im, node, value, kept);
  return mlir::mpt::BroadcastOp::create(im.b, im.loc(node),
                                        typeOf(value).clone(shape), squeezed,
                                        im.b.getDenseI64ArrayAttr(dims));
}

/// Both float operands of a binary op, the known one in the type of the
/// other.
llvm::Expected<std::pair<Value, Value>>
floatOperands(GraphImporter &im, const onnx::NodeProto &node) {
  unsigned first = im.constant(node, 0) ? 1 : 0;
  llvm::Expected<Value> a = im.floatValue(node, first);
  if (!a)
    return a.takeError();
  llvm::Expected<Value> b =
      im.value(node, 1 - first, typeOf(*a).getElementType());
  if (!b)
    return b.takeError();
  if (typeOf(*b).getElementType() != typeOf(*a).getElementType())
    return im.fail(node, "the operands must have one float element type");
  return first == 0 ? std::make_pair(*a, *b) : std::make_pair(*b, *a);
}

/// NumPy's broadcast shape, or an error.
llvm::Expected<Shape> broadcastShape(GraphImporter &im,
                                     const onnx::NodeProto &node,
                                     ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      return im.fail(node, "shapes " + shapeText(a) + " and " + shapeText(b) +
                               " do not broadcast");
    result[i] = std::max(x, y);
  }
  return result;
}

template <typename OpT>
llvm::Error importBinary(GraphImporter &im, const onnx::NodeProto &node) {
  auto operands = floatOperands(im, node);
  if (!operands)
    return operands.takeError();
  auto [lhs, rhs] = *operands;
  llvm::Expected<Shape> shape =
      broadcastShape(im, node, typeOf(lhs).getShape(), typeOf(rhs).getShape());
  if (!shape)
    return shape.takeError();
  lhs = broadcastTo(im, node, lhs, *shape);
  // The rhs may stay a trailing-dims operand (a bias, a scalar) once its
  // leading unit dims are dropped.
  ArrayRef<int64_t> rhsShape = typeOf(rhs).getShape();
  while (rhsShape != ArrayRef<int64_t>(*shape) && !rhsShape.empty() &&
         rhsShape.front() == 1)
    rhsShape = rhsShape.drop_front();
  if (ArrayRef<int64_t>(*shape).take_back(rhsShape.size()) == rhsShape)
    rhs = reshape(im, node, rhs, rhsShape);
  else
    rhs = broadcastTo(im, node, rhs, *shape);
  im.setResult(node, OpT::create(im.b, im.loc(node), lhs, rhs));
  return llvm::Error::success();
}

template <typename OpT>
llvm::Error importUnary(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  im.setResult(node, OpT::create(im.b, im.loc(node), *input));
  return llvm::Error::success();
}

Value scalarConstant(GraphImporter &im, const onnx::NodeProto &node,
                     Type element, double value) {
  HostConstant constant;
  constant.floats = {value};
  return im.materialize(constant, element, im.loc(node));
}

llvm::Error importIdentity(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  im.setResult(node, *input);
  return llvm::Error::success();
}

/// Dropout is the identity when it drops nothing: in inference mode, or
/// with a ratio of 0 (what a model exported in training mode for MPT has).
llvm::Error importDropout(GraphImporter &im, const onnx::NodeProto &node) {
  if (node.output_size() > 1 && im.consumed.contains(node.output(1)))
    return im.fail(node, "the mask output is read; supported: dropout whose "
                         "mask nothing reads");
  const HostConstant *training = im.constant(node, 2);
  if (im.hasInput(node, 2) && !training)
    return im.fail(node, "training_mode must be known at import time");
  if (training && training->intAt(0) != 0) {
    const HostConstant *ratio = im.constant(node, 1);
    if (im.hasInput(node, 1) && !ratio)
      return im.fail(node, "the ratio must be known at import time");
    double value = ratio ? ratio->floatAt(0) : 0.5;
    if (value != 0.0)
      return im.fail(node, "dropout with ratio " + std::to_string(value) +
                               " in training mode is not supported; "
                               "supported: ratio 0 or inference mode");
  }
  return importIdentity(im, node);
}

llvm::Error importNeg(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  Value minusOne =
      scalarConstant(im, node, typeOf(*input).getElementType(), -1.0);
  im.setResult(node,
               mlir::mpt::MulOp::create(im.b, im.loc(node), *input, minusOne));
  return llvm::Error::success();
}

llvm::Error importReciprocal(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  HostConstant ones;
  ones.shape.assign(type.getShape().begin(), type.getShape().end());
  ones.floats.assign(type.getNumElements(), 1.0);
  Value one = im.materialize(ones, type.getElementType(), im.loc(node));
  im.setResult(node, mlir::mpt::DivOp::create(im.b, im.loc(node), one, *input));
  return llvm::Error::success();
}

template <typename OpT>
llvm::Error importSoftmax(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  llvm::Expected<int64_t> axis = normalizeAxis(
      im, node, im.intAttr(node, "axis", -1), typeOf(*input).getRank());
  if (!axis)
    return axis.takeError();
  im.setResult(node, OpT::create(im.b, im.loc(node), *input,
                                 im.b.getI64IntegerAttr(*axis)));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

llvm::Error importMatMul(GraphImporter &im, const onnx::NodeProto &node) {
  auto operands = floatOperands(im, node);
  if (!operands)
    return operands.takeError();
  auto [lhs, rhs] = *operands;
  ArrayRef<int64_t> a = typeOf(lhs).getShape(), b = typeOf(rhs).getShape();
  if (a.size() < 2 || b.size() < 2)
    return im.fail(node, "operands of shapes " + shapeText(a) + " and " +
                             shapeText(b) +
                             " are not supported; supported: rank >= 2");
  if (b.size() > 2 && a.drop_back(2) != b.drop_back(2)) {
    llvm::Expected<Shape> batch =
        broadcastShape(im, node, a.drop_back(2), b.drop_back(2));
    if (!batch)
      return batch.takeError();
    Shape lhsShape(*batch), rhsShape(*batch);
    lhsShape.append({a[a.size() - 2], a.back()});
    rhsShape.append({b[b.size() - 2], b.back()});
    lhs = broadcastTo(im, node, lhs, lhsShape);
    rhs = broadcastTo(im, node, rhs, rhsShape);
    a = typeOf(lhs).getShape();
    b = typeOf(rhs).getShape();
  }
  if (a.back() != b[b.size() - 2])
    return im.fail(node, "contraction dims of " + shapeText(a) + " and " +
                             shapeText(b) + " differ");
  Shape result(a.drop_back());
  result.push_back(b.back());
  im.setResult(node, mlir::mpt::MatmulOp::create(im.b, im.loc(node),
                                                 typeOf(lhs).clone(result), lhs,
                                                 rhs, false, false));
  return llvm::Error::success();
}

/// Y = alpha op(A) op(B) + beta C.
llvm::Error importGemm(GraphImporter &im, const onnx::NodeProto &node) {
  auto operands = floatOperands(im, node);
  if (!operands)
    return operands.takeError();
  auto [lhs, rhs] = *operands;
  bool transA = im.intAttr(node, "transA", 0) != 0;
  bool transB = im.intAttr(node, "transB", 0) != 0;
  ArrayRef<int64_t> a = typeOf(lhs).getShape(), b = typeOf(rhs).getShape();
  if (a.size() != 2 || b.size() != 2)
    return im.fail(node, "operands must be matrices");
  int64_t m = transA ? a[1] : a[0], k = transA ? a[0] : a[1];
  int64_t n = transB ? b[0] : b[1];
  if (k != (transB ? b[1] : b[0]))
    return im.fail(node, "contraction dims of " + shapeText(a) + " and " +
                             shapeText(b) + " differ");
  Location loc = im.loc(node);
  Type element = typeOf(lhs).getElementType();
  Value product = mlir::mpt::MatmulOp::create(
      im.b, loc, typeOf(lhs).clone({m, n}), lhs, rhs, transA, transB);
  double alpha = im.floatAttr(node, "alpha", 1.0);
  if (alpha != 1.0)
    product = mlir::mpt::MulOp::create(
        im.b, loc, product, scalarConstant(im, node, element, alpha));
  if (im.hasInput(node, 2)) {
    llvm::Expected<Value> bias = im.value(node, 2, element);
    if (!bias)
      return bias.takeError();
    Value c = *bias;
    double beta = im.floatAttr(node, "beta", 1.0);
    if (beta != 1.0)
      c = mlir::mpt::MulOp::create(im.b, loc, c,
                                   scalarConstant(im, node, element, beta));
    ArrayRef<int64_t> cShape = typeOf(c).getShape();
    while (!cShape.empty() && cShape.front() == 1 && cShape.size() > 1)
      cShape = cShape.drop_front();
    if (Shape({m, n}) != Shape(cShape) &&
        !(cShape.size() == 1 && cShape[0] == n))
      c = broadcastTo(im, node, c, {m, n});
    else
      c = reshape(im, node, c, cShape);
    product = mlir::mpt::AddOp::create(im.b, loc, product, c);
  }
  im.setResult(node, product);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

llvm::Error importReshape(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
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
      if (dim == -1)
        inferred = i;
      else
        known *= dim;
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
    for (int64_t &dim : dims) {
      llvm::Expected<int64_t> axis = normalizeAxis(im, node, dim, rank);
      if (!axis)
        return axis.takeError();
      dim = *axis;
    }
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
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  if (count != type.getNumElements())
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
  Shape shape;
  for (int64_t dim : perm) {
    if (dim < 0 || dim >= type.getRank())
      return im.fail(node, "perm is not a permutation of the input's dims");
    shape.push_back(type.getDimSize(dim));
  }
  im.setResult(node, mlir::mpt::TransposeOp::create(
                         im.b, im.loc(node), type.clone(shape), *input,
                         im.b.getDenseI64ArrayAttr(perm)));
  return llvm::Error::success();
}

llvm::Error importExpand(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
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

llvm::Error importConcat(GraphImporter &im, const onnx::NodeProto &node) {
  Type element;
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
    llvm::Expected<Value> input = im.value(node, index, element);
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
  for (Value input : inputs)
    shape[*axis] += typeOf(input).getDimSize(*axis);
  im.setResult(
      node, mlir::mpt::ConcatOp::create(im.b, im.loc(node), type.clone(shape),
                                        inputs, im.b.getI64IntegerAttr(*axis)));
  return llvm::Error::success();
}

llvm::Error importSlice(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
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
  int64_t rank = type.getRank();
  Shape offsets(rank, 0), strides(rank, 1), sizes(type.getShape());
  for (size_t i = 0; i < starts->size(); ++i) {
    int64_t axisValue = axes->empty() ? static_cast<int64_t>(i) : (*axes)[i];
    llvm::Expected<int64_t> axis = normalizeAxis(im, node, axisValue, rank);
    if (!axis)
      return axis.takeError();
    int64_t step = steps->empty() ? 1 : (*steps)[i];
    if (step <= 0)
      return im.fail(node, "step " + llvm::Twine(step) +
                               " is not supported; supported: positive steps");
    int64_t size = type.getDimSize(*axis);
    int64_t start = (*starts)[i], end = (*ends)[i];
    start = std::clamp(start < 0 ? start + size : start, int64_t(0), size);
    end = std::clamp(end < 0 ? end + size : end, int64_t(0), size);
    int64_t count = end > start ? (end - start + step - 1) / step : 0;
    if (count == 0)
      return im.fail(node, "the slice of dim " + llvm::Twine(*axis) +
                               " is empty; empty tensors are not supported");
    offsets[*axis] = start;
    strides[*axis] = step;
    sizes[*axis] = count;
  }
  im.setResult(node, mlir::mpt::SliceOp::create(
                         im.b, im.loc(node), type.clone(sizes), *input,
                         im.b.getDenseI64ArrayAttr(offsets),
                         im.b.getDenseI64ArrayAttr(strides)));
  return llvm::Error::success();
}

llvm::Error importGather(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> data = im.floatValue(node, 0);
  if (!data)
    return data.takeError();
  RankedTensorType type = typeOf(*data);
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
    Value slice = mlir::mpt::SliceOp::create(
        im.b, loc, type.clone(sizes), *data, im.b.getDenseI64ArrayAttr(offsets),
        im.b.getDenseI64ArrayAttr(Shape(type.getRank(), 1)));
    sizes.erase(sizes.begin() + *axis);
    im.setResult(node, reshape(im, node, slice, sizes));
    return llvm::Error::success();
  }
  llvm::Expected<Value> indices = im.value(node, 1, type.getElementType());
  if (!indices)
    return indices.takeError();
  if (!isa<IntegerType>(typeOf(*indices).getElementType()))
    return im.fail(node, "indices must be INT64 or INT32");
  Shape shape(type.getShape().take_front(*axis));
  llvm::append_range(shape, typeOf(*indices).getShape());
  llvm::append_range(shape, type.getShape().drop_front(*axis + 1));
  im.setResult(node, mlir::mpt::GatherOp::create(
                         im.b, loc, type.clone(shape), *data, *indices,
                         im.b.getI64IntegerAttr(*axis)));
  return llvm::Error::success();
}

llvm::Error importCast(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  int64_t to = im.intAttr(node, "to", 0);
  Type element;
  if (to == onnx::TensorProto::FLOAT)
    element = im.b.getF32Type();
  else if (to == onnx::TensorProto::DOUBLE)
    element = im.b.getF64Type();
  else if (to == onnx::TensorProto::FLOAT16)
    element = im.b.getF16Type();
  else if (to == onnx::TensorProto::BFLOAT16)
    element = im.b.getBF16Type();
  else
    return im.fail(node, "casting a float tensor to " +
                             elementTypeName(static_cast<int32_t>(to)) +
                             " is not supported; supported: FLOAT, DOUBLE, "
                             "FLOAT16, BFLOAT16");
  RankedTensorType type = typeOf(*input);
  Value result = *input;
  if (type.getElementType() != element)
    result = mlir::mpt::CastOp::create(im.b, im.loc(node), type.clone(element),
                                       result);
  im.setResult(node, result);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Reductions and normalisation
//===----------------------------------------------------------------------===//

template <typename OpT>
llvm::Error importReduce(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  llvm::Expected<std::optional<std::vector<int64_t>>> axes =
      im.intsInputOrAttr(node, 1, "axes");
  if (!axes)
    return axes.takeError();
  std::vector<int64_t> dims = axes->value_or(std::vector<int64_t>{});
  if (dims.empty() && im.intAttr(node, "noop_with_empty_axes", 0)) {
    im.setResult(node, *input);
    return llvm::Error::success();
  }
  if (dims.empty())
    for (int64_t dim = 0; dim < type.getRank(); ++dim)
      dims.push_back(dim);
  for (int64_t &dim : dims) {
    llvm::Expected<int64_t> axis = normalizeAxis(im, node, dim, type.getRank());
    if (!axis)
      return axis.takeError();
    dim = *axis;
  }
  llvm::sort(dims);
  bool keepDims = im.intAttr(node, "keepdims", 1) != 0;
  Shape shape;
  for (int64_t dim = 0; dim < type.getRank(); ++dim) {
    if (!llvm::is_contained(dims, dim))
      shape.push_back(type.getDimSize(dim));
    else if (keepDims)
      shape.push_back(1);
  }
  im.setResult(node, OpT::create(im.b, im.loc(node), type.clone(shape), *input,
                                 im.b.getDenseI64ArrayAttr(dims), keepDims));
  return llvm::Error::success();
}

llvm::Error importGlobalAveragePool(GraphImporter &im,
                                    const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() != 4)
    return im.fail(node, "supported: rank-4 (NCHW) inputs");
  im.setResult(node,
               mlir::mpt::ReduceMeanOp::create(
                   im.b, im.loc(node),
                   type.clone({type.getDimSize(0), type.getDimSize(1), 1, 1}),
                   *input, im.b.getDenseI64ArrayAttr({2, 3}), true));
  return llvm::Error::success();
}

llvm::Error importLayerNormalization(GraphImporter &im,
                                     const onnx::NodeProto &node) {
  for (int index = 1; index < node.output_size(); ++index)
    if (!node.output(index).empty())
      return im.fail(node, "the Mean and InvStdDev outputs are not supported");
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  int64_t axis = im.intAttr(node, "axis", -1);
  if (axis != -1 && axis != type.getRank() - 1)
    return im.fail(node, "axis " + llvm::Twine(axis) +
                             " is not supported; supported: the last dim");
  Type element = type.getElementType();
  llvm::Expected<Value> scale = im.value(node, 1, element);
  if (!scale)
    return scale.takeError();
  Value bias;
  if (im.hasInput(node, 2)) {
    llvm::Expected<Value> value = im.value(node, 2, element);
    if (!value)
      return value.takeError();
    bias = *value;
  } else {
    HostConstant zeros;
    zeros.shape = {type.getShape().back()};
    zeros.floats.assign(type.getShape().back(), 0.0);
    bias = im.materialize(zeros, element, im.loc(node));
  }
  im.setResult(node,
               mlir::mpt::LayerNormOp::create(
                   im.b, im.loc(node), type, *input, *scale, bias,
                   im.b.getF64FloatAttr(im.floatAttr(node, "epsilon", 1e-5))));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// The window attributes of a 2-D Conv or pooling node.
struct WindowAttrs {
  Shape kernel, strides, pads, dilations;
};

llvm::Expected<WindowAttrs> windowAttrs(GraphImporter &im,
                                        const onnx::NodeProto &node,
                                        ArrayRef<int64_t> kernel) {
  std::string autoPad = im.stringAttr(node, "auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID")
    return im.fail(node, "auto_pad = " + autoPad +
                             " is not supported; supported: NOTSET, VALID "
                             "(export with explicit padding)");
  if (im.intAttr(node, "ceil_mode", 0) != 0)
    return im.fail(node, "ceil_mode = 1 is not supported; supported: 0");
  if (im.intAttr(node, "storage_order", 0) != 0)
    return im.fail(node, "storage_order = 1 is not supported; supported: 0");
  WindowAttrs attrs;
  std::vector<int64_t> kernelAttr =
      im.intsAttr(node, "kernel_shape")
          .value_or(std::vector<int64_t>(kernel.begin(), kernel.end()));
  attrs.kernel.assign(kernelAttr.begin(), kernelAttr.end());
  auto get = [&](llvm::StringRef name, size_t size, int64_t value) {
    std::vector<int64_t> values =
        im.intsAttr(node, name).value_or(std::vector<int64_t>(size, value));
    return Shape(values.begin(), values.end());
  };
  attrs.strides = get("strides", 2, 1);
  attrs.pads = get("pads", 4, 0);
  attrs.dilations = get("dilations", 2, 1);
  if (attrs.kernel.size() != 2 || attrs.strides.size() != 2 ||
      attrs.pads.size() != 4 || attrs.dilations.size() != 2)
    return im.fail(node, "only 2-D windows are supported (kernel_shape, "
                         "strides and dilations of 2 values, pads of 4)");
  return attrs;
}

llvm::Error importConv(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() != 4)
    return im.fail(node, "a rank-" + llvm::Twine(type.getRank()) +
                             " input is not supported; supported: 2-D "
                             "convolution of NCHW inputs");
  Type element = type.getElementType();
  llvm::Expected<Value> weight = im.value(node, 1, element);
  if (!weight)
    return weight.takeError();
  ArrayRef<int64_t> w = typeOf(*weight).getShape();
  if (w.size() != 4)
    return im.fail(node, "the weight must have rank 4");
  llvm::Expected<WindowAttrs> attrs = windowAttrs(im, node, w.take_back(2));
  if (!attrs)
    return attrs.takeError();
  if (ArrayRef<int64_t>(attrs->kernel) != w.take_back(2))
    return im.fail(node, "kernel_shape " + shapeText(attrs->kernel) +
                             " does not match the weight " + shapeText(w));
  int64_t groups = im.intAttr(node, "group", 1);
  Value bias;
  if (im.hasInput(node, 2)) {
    llvm::Expected<Value> value = im.value(node, 2, element);
    if (!value)
      return value.takeError();
    bias = *value;
  }
  mlir::mpt::Window2D window = mlir::mpt::Window2D::get(
      attrs->kernel, attrs->strides, attrs->pads, attrs->dilations);
  Shape shape = {type.getDimSize(0), w[0],
                 window.outputSize(0, type.getDimSize(2)),
                 window.outputSize(1, type.getDimSize(3))};
  im.setResult(node, mlir::mpt::Conv2DOp::create(
                         im.b, im.loc(node), type.clone(shape), *input, *weight,
                         bias, im.b.getDenseI64ArrayAttr(attrs->strides),
                         im.b.getDenseI64ArrayAttr(attrs->pads),
                         im.b.getDenseI64ArrayAttr(attrs->dilations),
                         im.b.getI64IntegerAttr(groups)));
  return llvm::Error::success();
}

llvm::Error importPool(GraphImporter &im, const onnx::NodeProto &node) {
  if (node.output_size() > 1 && !node.output(1).empty())
    return im.fail(node, "the Indices output is not supported");
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() != 4)
    return im.fail(node, "supported: 2-D pooling of NCHW inputs");
  llvm::Expected<WindowAttrs> attrs = windowAttrs(im, node, {});
  if (!attrs)
    return attrs.takeError();
  bool isMax = node.op_type() == "MaxPool";
  if (!isMax && attrs->dilations != Shape{1, 1})
    return im.fail(node, "dilations are not supported for average pooling");
  mlir::mpt::Window2D window = mlir::mpt::Window2D::get(
      attrs->kernel, attrs->strides, attrs->pads, attrs->dilations);
  Shape shape = {type.getDimSize(0), type.getDimSize(1),
                 window.outputSize(0, type.getDimSize(2)),
                 window.outputSize(1, type.getDimSize(3))};
  Location loc = im.loc(node);
  Value result;
  if (isMax)
    result = mlir::mpt::MaxPool2DOp::create(
        im.b, loc, type.clone(shape), *input,
        im.b.getDenseI64ArrayAttr(attrs->kernel),
        im.b.getDenseI64ArrayAttr(attrs->strides),
        im.b.getDenseI64ArrayAttr(attrs->pads),
        im.b.getDenseI64ArrayAttr(attrs->dilations));
  else
    result = mlir::mpt::AvgPool2DOp::create(
        im.b, loc, type.clone(shape), *input,
        im.b.getDenseI64ArrayAttr(attrs->kernel),
        im.b.getDenseI64ArrayAttr(attrs->strides),
        im.b.getDenseI64ArrayAttr(attrs->pads),
        im.intAttr(node, "count_include_pad", 0) != 0);
  im.setResult(node, result);
  return llvm::Error::success();
}

} // namespace

namespace mpt {
namespace import {

const llvm::StringMap<OpImporter> &opImporters() {
  static const llvm::StringMap<OpImporter> importers = {
      {"Add", importBinary<mlir::mpt::AddOp>},
      {"Sub", importBinary<mlir::mpt::SubOp>},
      {"Mul", importBinary<mlir::mpt::MulOp>},
      {"Div", importBinary<mlir::mpt::DivOp>},
      {"Pow", importBinary<mlir::mpt::PowOp>},
      {"Relu", importUnary<mlir::mpt::ReluOp>},
      {"Tanh", importUnary<mlir::mpt::TanhOp>},
      {"Sigmoid", importUnary<mlir::mpt::SigmoidOp>},
      {"Sqrt", importUnary<mlir::mpt::SqrtOp>},
      {"Exp", importUnary<mlir::mpt::ExpOp>},
      {"Log", importUnary<mlir::mpt::LogOp>},
      {"Erf", importUnary<mlir::mpt::ErfOp>},
      {"Neg", importNeg},
      {"Reciprocal", importReciprocal},
      {"Identity", importIdentity},
      {"Dropout", importDropout},
      {"Softmax", importSoftmax<mlir::mpt::SoftmaxOp>},
      {"LogSoftmax", importSoftmax<mlir::mpt::LogSoftmaxOp>},
      {"MatMul", importMatMul},
      {"Gemm", importGemm},
      {"Reshape", importReshape},
      {"Flatten", importReshape},
      {"Squeeze", importReshape},
      {"Unsqueeze", importReshape},
      {"Transpose", importTranspose},
      {"Expand", importExpand},
      {"Concat", importConcat},
      {"Slice", importSlice},
      {"Gather", importGather},
      {"Cast", importCast},
      {"ReduceMean", importReduce<mlir::mpt::ReduceMeanOp>},
      {"ReduceSum", importReduce<mlir::mpt::ReduceSumOp>},
      {"ReduceMax", importReduce<mlir::mpt::ReduceMaxOp>},
      {"GlobalAveragePool", importGlobalAveragePool},
      {"LayerNormalization", importLayerNormalization},
      {"Conv", importConv},
      {"MaxPool", importPool},
      {"AveragePool", importPool},
  };
  return importers;
}

std::string supportedOpTypes() {
  SmallVector<std::string> names;
  for (const auto &entry : opImporters())
    names.push_back(entry.getKey().str());
  for (const char *folded :
       {"Constant", "Shape", "ConstantOfShape", "Equal", "Where", "Range"})
    names.push_back(folded);
  llvm::sort(names);
  std::string text;
  for (const std::string &name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text;
}

} // namespace import
} // namespace mpt
