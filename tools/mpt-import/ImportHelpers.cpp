//===- ImportHelpers.cpp - What the op importers share --------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace mpt {
namespace import {

RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [index, dim] : llvm::enumerate(shape))
    text += (index ? ", " : "") + std::to_string(dim);
  return text + "]";
}

std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

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

llvm::Error normalizeDistinctAxes(GraphImporter &im,
                                  const onnx::NodeProto &node,
                                  std::vector<int64_t> &axes, int64_t rank) {
  llvm::SmallVector<bool> seen(rank, false);
  for (int64_t &axis : axes) {
    llvm::Expected<int64_t> normalized = normalizeAxis(im, node, axis, rank);
    if (!normalized)
      return normalized.takeError();
    if (seen[*normalized])
      return im.fail(node, "axis " + llvm::Twine(axis) + " names dim " +
                               llvm::Twine(*normalized) +
                               ", which an earlier axis names already");
    seen[*normalized] = true;
    axis = *normalized;
  }
  return llvm::Error::success();
}

std::optional<int64_t> elementCount(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    if (dim < 0 || llvm::MulOverflow(count, dim, count))
      return std::nullopt;
  return count;
}

/// `value` of type `from` as `to`, with the same elements: a collapse or an
/// expansion of its dims, where dims only merge or split.
static Value reshapeDims(OpBuilder &b, Location loc, Value value,
                         RankedTensorType from, RankedTensorType to) {
  // A scalar and a tensor of one element: no dim is grouped.
  std::optional<SmallVector<ReassociationIndices>> reassociation =
      from.getRank() == 0 || to.getRank() == 0
          ? SmallVector<ReassociationIndices>{}
          : getReassociationIndicesForReshape(from, to);
  if (from.getRank() > to.getRank() && reassociation)
    return tensor::CollapseShapeOp::create(b, loc, to, value, *reassociation);
  if (from.getRank() < to.getRank() && reassociation)
    return tensor::ExpandShapeOp::create(b, loc, to, value, *reassociation);
  return nullptr;
}

/// An integer tensor (token ids, an attention mask) as `to`: tensor
/// collapses and expansions, which the step signature follows from a batch
/// input to the ops that read it as indices. A reshape that is neither goes
/// through the flat tensor.
static Value reshapeIntegers(OpBuilder &b, Location loc, Value value,
                             RankedTensorType to) {
  RankedTensorType from = typeOf(value);
  if (Value direct = reshapeDims(b, loc, value, from, to))
    return direct;
  auto flat = from.clone({from.getNumElements()});
  Value flattened = value;
  if (from != flat)
    flattened = reshapeDims(b, loc, value, from, flat);
  if (to == flat)
    return flattened;
  return reshapeDims(b, loc, flattened, flat, to);
}

Value reshape(GraphImporter &im, const onnx::NodeProto &node, Value value,
              ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(value);
  if (type.getShape() == shape)
    return value;
  if (isa<IntegerType>(type.getElementType()))
    return reshapeIntegers(im.b, im.loc(node), value, type.clone(shape));
  return mlir::mpt::ReshapeOp::create(im.b, im.loc(node), type.clone(shape),
                                      value);
}

Value permute(GraphImporter &im, const onnx::NodeProto &node, Value value,
              ArrayRef<int64_t> permutation) {
  RankedTensorType type = typeOf(value);
  Shape shape;
  for (int64_t dim : permutation)
    shape.push_back(type.getDimSize(dim));
  return mlir::mpt::TransposeOp::create(im.b, im.loc(node), type.clone(shape),
                                        value,
                                        im.b.getDenseI64ArrayAttr(permutation));
}

Value padAlong(GraphImporter &im, const onnx::NodeProto &node, Value value,
               int64_t axis, int64_t before, int64_t after, double fill) {
  if (!before && !after)
    return value;
  RankedTensorType type = typeOf(value);
  SmallVector<Value, 3> pieces;
  auto block = [&](int64_t count) {
    Shape shape(type.getShape());
    shape[axis] = count;
    Value scalar = scalarConstant(im, node, type.getElementType(), fill);
    pieces.push_back(broadcastTo(im, node, scalar, shape));
  };
  if (before)
    block(before);
  pieces.push_back(value);
  if (after)
    block(after);
  Shape shape(type.getShape());
  shape[axis] += before + after;
  return mlir::mpt::ConcatOp::create(im.b, im.loc(node), type.clone(shape),
                                     pieces, im.b.getI64IntegerAttr(axis));
}

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

llvm::Expected<std::pair<Value, Value>>
floatOperands(GraphImporter &im, const onnx::NodeProto &node) {
  unsigned first = im.constant(node, 0) ? 1 : 0;
  llvm::Expected<Value> a = im.floatValue(node, first);
  if (!a)
    return a.takeError();
  llvm::Expected<Value> b = im.valueBeside(node, 1 - first, *a);
  if (!b)
    return b.takeError();
  if (typeOf(*b).getElementType() != typeOf(*a).getElementType())
    return im.fail(node, "the operands must have one float element type");
  return first == 0 ? std::make_pair(*a, *b) : std::make_pair(*b, *a);
}

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

Value gatherAlong(GraphImporter &im, const onnx::NodeProto &node, Value value,
                  int64_t dim, ArrayRef<int64_t> positions) {
  RankedTensorType type = typeOf(value);
  Shape shape(type.getShape());
  shape[dim] = positions.size();
  Location loc = im.loc(node);
  return mlir::mpt::GatherOp::create(
      im.b, loc, type.clone(shape), value,
      im.materialize(
          makeInts({static_cast<int64_t>(positions.size())}, positions.vec()),
          im.b.getI64Type(), loc),
      im.b.getI64IntegerAttr(dim));
}

Value gatherFlat(GraphImporter &im, const onnx::NodeProto &node, Value value,
                 ArrayRef<int64_t> positions, ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(value);
  int64_t count = positions.size();
  Location loc = im.loc(node);
  Value picked = mlir::mpt::GatherElementsOp::create(
      im.b, loc, type.clone({1, count}),
      reshape(im, node, value, {1, type.getNumElements()}),
      im.materialize(makeInts({1, count}, positions.vec()), im.b.getI64Type(),
                     loc),
      im.b.getI64IntegerAttr(1));
  return reshape(im, node, picked, shape);
}

HostConstant makeInts(std::vector<int64_t> shape, std::vector<int64_t> values) {
  HostConstant result;
  result.elementType = onnx::TensorProto::INT64;
  result.shape = std::move(shape);
  result.ints = std::move(values);
  return result;
}

std::vector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t dim = static_cast<int64_t>(shape.size()) - 2; dim >= 0; --dim)
    strides[dim] = strides[dim + 1] * shape[dim + 1];
  return strides;
}

int64_t broadcastSource(ArrayRef<int64_t> shape, ArrayRef<int64_t> result,
                        int64_t index) {
  size_t offset = result.size() - shape.size();
  int64_t flat = 0, stride = 1;
  for (size_t dim = result.size(); dim-- > offset;) {
    int64_t coord = index % result[dim];
    index /= result[dim];
    if (shape[dim - offset] != 1)
      flat += coord * stride;
    stride *= shape[dim - offset];
  }
  return flat;
}

Value scalarConstant(GraphImporter &im, const onnx::NodeProto &node,
                     Type element, double value) {
  HostConstant constant;
  constant.floats = {value};
  return im.materialize(constant, element, im.loc(node));
}

llvm::Expected<std::pair<mlir::Value, mlir::Value>>
broadcastOperands(GraphImporter &im, const onnx::NodeProto &node,
                  mlir::Value lhs, mlir::Value rhs) {
  llvm::Expected<Shape> shape =
      broadcastShape(im, node, typeOf(lhs).getShape(), typeOf(rhs).getShape());
  if (!shape)
    return shape.takeError();
  lhs = broadcastTo(im, node, lhs, *shape);
  // The rhs may stay a trailing-dims operand (a bias, a scalar) once its
  // leading unit dims are dropped.
  llvm::ArrayRef<int64_t> rhsShape = typeOf(rhs).getShape();
  while (rhsShape != llvm::ArrayRef<int64_t>(*shape) && !rhsShape.empty() &&
         rhsShape.front() == 1)
    rhsShape = rhsShape.drop_front();
  if (llvm::ArrayRef<int64_t>(*shape).take_back(rhsShape.size()) == rhsShape)
    rhs = reshape(im, node, rhs, rhsShape);
  else
    rhs = broadcastTo(im, node, rhs, *shape);
  return std::pair{lhs, rhs};
}

Value stepIntegers(GraphImporter &im, const onnx::NodeProto &node) {
  Value widest;
  for (int index = 0; index < node.input_size(); ++index)
    if (Value value = im.lookup(node.input(index)))
      if (auto type = dyn_cast<IntegerType>(typeOf(value).getElementType()))
        if (!widest ||
            type.getWidth() >
                cast<IntegerType>(typeOf(widest).getElementType()).getWidth())
          widest = value;
  return widest;
}

llvm::Expected<Value> floatOrStepIntegers(GraphImporter &im,
                                          const onnx::NodeProto &node,
                                          unsigned index) {
  if (im.hasInput(node, index) && !im.constant(node, index))
    if (Value value = im.lookup(node.input(index)))
      if (isa<IntegerType>(typeOf(value).getElementType()))
        return value;
  return im.floatValue(node, index);
}

llvm::Expected<Value> indexInput(GraphImporter &im, const onnx::NodeProto &node,
                                 unsigned index) {
  Location loc = im.loc(node);
  Type i64 = im.b.getI64Type();
  if (const HostConstant *known = im.constant(node, index))
    if (!known->isFloat())
      return im.materialize(*known, i64, loc);
  Value value =
      im.hasInput(node, index) ? im.lookup(node.input(index)) : Value();
  if (value && isa<IntegerType>(typeOf(value).getElementType()))
    return value;
  if (value && im.integral.contains(value))
    return mlir::mpt::IndexCastOp::create(im.b, loc, typeOf(value).clone(i64),
                                          value)
        .getResult();
  return im.fail(node, "indices (input " + llvm::Twine(index) +
                           ") must be an INT64 or INT32 tensor, or floats "
                           "holding integers; found " +
                           (value ? typeText(value.getType())
                                  : std::string("a float constant or none")));
}

llvm::Expected<Value> integerInput(GraphImporter &im,
                                   const onnx::NodeProto &node, unsigned index,
                                   Type element) {
  if (const HostConstant *known = im.constant(node, index)) {
    if (known->isFloat())
      return im.fail(node, "input " + llvm::Twine(index) +
                               " is a float constant, but another input is "
                               "an integer tensor of the step");
    return im.materialize(*known, element, im.loc(node));
  }
  Value value =
      im.hasInput(node, index) ? im.lookup(node.input(index)) : Value();
  if (value && im.integral.contains(value) &&
      isa<FloatType>(typeOf(value).getElementType()))
    return mlir::mpt::IndexCastOp::create(im.b, im.loc(node),
                                          typeOf(value).clone(element), value)
        .getResult();
  if (!value || typeOf(value).getElementType() != element)
    return im.fail(node, "input " + llvm::Twine(index) +
                             " must be an integer tensor of element type " +
                             typeText(element) +
                             ", as the other inputs; found " +
                             (value ? typeText(value.getType()) : "none"));
  return value;
}

llvm::Expected<Value> indexArith(GraphImporter &im, const onnx::NodeProto &node,
                                 mlir::mpt::IndexArithKind kind, Value lhs,
                                 Value rhs) {
  llvm::Expected<Shape> shape =
      broadcastShape(im, node, typeOf(lhs).getShape(), typeOf(rhs).getShape());
  if (!shape)
    return shape.takeError();
  return mlir::mpt::IndexArithOp::create(
      im.b, im.loc(node),
      RankedTensorType::get(*shape, typeOf(lhs).getElementType()), kind, lhs,
      rhs);
}

} // namespace import
} // namespace mpt
