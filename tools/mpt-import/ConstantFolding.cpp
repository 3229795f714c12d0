//===- ConstantFolding.cpp - Shape arithmetic at import time --------------===//
//
// Exported graphs compute reshape targets, slice bounds and scale factors
// from `Shape` of their activations. With static shapes all of it is known
// at import time: these ops run here, on host tensors, and never reach the
// step. A node is folded when all its inputs are known (for `Shape`, when
// its input has a static type); otherwise the op importers take it.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <functional>

using namespace mpt::import;

namespace {

using Shape = std::vector<int64_t>;

std::string shapeString(const Shape &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// NumPy broadcasting of two shapes; nullopt when they do not broadcast.
std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      return std::nullopt;
    result[i] = std::max(x, y);
  }
  return result;
}

/// Import-time values are shape arithmetic and small constants: a larger
/// one is a malformed model, not something to compute on the host.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 24;

/// The element count of a shape checkFoldedShape() accepted.
int64_t countOf(const Shape &shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

/// Fails unless a value of `shape` may be computed at import time.
llvm::Error checkFoldedShape(const GraphImporter &importer,
                             const onnx::NodeProto &node, const Shape &shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return importer.fail(node, "the result shape " + shapeString(shape) +
                                     " has a negative dim");
    if (llvm::MulOverflow(count, dim, count) || count > kMaxFoldedElements)
      return importer.fail(
          node, "the result shape " + shapeString(shape) + " has more than " +
                    llvm::Twine(kMaxFoldedElements) +
                    " elements, the most an import-time value may have");
  }
  return llvm::Error::success();
}

bool isComparison(const std::string &op) {
  return op == "Equal" || op == "Less" || op == "Greater" ||
         op == "LessOrEqual" || op == "GreaterOrEqual";
}

bool isLogical(const std::string &op) {
  return op == "And" || op == "Or" || op == "Xor";
}

bool isElementwiseBinary(const std::string &op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
         op == "Pow" || op == "Max" || op == "Min" || op == "Mod" ||
         isComparison(op) || isLogical(op);
}

/// `x op y` for a comparison or logical `op`, in the type both have.
template <typename T> bool holds(const std::string &op, T x, T y) {
  if (op == "Equal")
    return x == y;
  if (op == "Less")
    return x < y;
  if (op == "Greater")
    return x > y;
  if (op == "LessOrEqual")
    return x <= y;
  if (op == "GreaterOrEqual")
    return x >= y;
  bool p = x != 0, q = y != 0;
  return op == "And" ? p && q : op == "Or" ? p || q : p != q;
}

/// The host function of a unary elementwise op folded on known values
/// (positions and distances computed in the forward pass, as relative
/// position buckets are), in double precision.
std::optional<double (*)(double)> unaryFunction(const std::string &op) {
  static const llvm::StringMap<double (*)(double)> functions = {
      {"Sqrt", [](double x) { return std::sqrt(x); }},
      {"Neg", [](double x) { return -x; }},
      {"Reciprocal", [](double x) { return 1.0 / x; }},
      {"Abs", [](double x) { return std::fabs(x); }},
      {"Floor", [](double x) { return std::floor(x); }},
      {"Ceil", [](double x) { return std::ceil(x); }},
      // Half to even, as ONNX's Round and torch.round.
      {"Round", [](double x) { return std::nearbyint(x); }},
      {"Sign", [](double x) { return double((x > 0) - (x < 0)); }},
      {"Exp", [](double x) { return std::exp(x); }},
      {"Log", [](double x) { return std::log(x); }},
      {"Sin", [](double x) { return std::sin(x); }},
      {"Cos", [](double x) { return std::cos(x); }},
      {"Tanh", [](double x) { return std::tanh(x); }},
      {"Erf", [](double x) { return std::erf(x); }},
      {"Sigmoid", [](double x) { return 1.0 / (1.0 + std::exp(-x)); }},
      {"Relu", [](double x) { return x > 0 ? x : 0.0; }},
  };
  auto it = functions.find(op);
  if (it == functions.end())
    return std::nullopt;
  return it->second;
}

/// A binary op on two known tensors with broadcasting.
/// Returns nullopt when the shapes do not broadcast (the op importer says
/// so); integer overflow and division by zero are errors.
llvm::Expected<std::optional<HostConstant>>
foldBinary(const GraphImporter &importer, const onnx::NodeProto &node,
           const HostConstant &a, const HostConstant &b) {
  const std::string &op = node.op_type();
  std::optional<Shape> shape = broadcastShapes(a.shape, b.shape);
  if (!shape)
    return std::nullopt;
  if (llvm::Error error = checkFoldedShape(importer, node, *shape))
    return std::move(error);
  bool comparison = isComparison(op) || isLogical(op);
  bool isFloat = a.isFloat() || b.isFloat();
  HostConstant result;
  result.shape = *shape;
  result.elementType = comparison ? onnx::TensorProto::BOOL
                       : isFloat ? (a.isFloat() ? a.elementType : b.elementType)
                                 : a.elementType;
  int64_t count = result.numElements();
  for (int64_t i = 0; i < count; ++i) {
    int64_t ia = broadcastSource(a.shape, *shape, i);
    int64_t ib = broadcastSource(b.shape, *shape, i);
    if (comparison && !isFloat) {
      result.ints.push_back(holds(op, a.intAt(ia), b.intAt(ib)));
      continue;
    }
    if (isFloat || op == "Pow") {
      double x = a.floatAt(ia), y = b.floatAt(ib);
      double value = comparison                       ? double(holds(op, x, y))
                     : op == "Add"                    ? x + y
                     : op == "Sub"                    ? x - y
                     : op == "Mul"                    ? x * y
                     : op == "Div"                    ? x / y
                     : std::isnan(x) || std::isnan(y) ? x + y
                     : op == "Max"                    ? std::max(x, y)
                     : op == "Min"                    ? std::min(x, y)
                     : op == "Mod"                    ? std::fmod(x, y)
                                                      : std::pow(x, y);
      if (!comparison && !result.isFloat() &&
          !(value >= -0x1p63 && value < 0x1p63))
        return importer.fail(node, "the integer result " +
                                       std::to_string(value) +
                                       " does not fit in int64");
      if (comparison || !result.isFloat())
        result.ints.push_back(static_cast<int64_t>(value));
      else
        result.floats.push_back(value);
      continue;
    }
    int64_t x = a.intAt(ia), y = b.intAt(ib), value = 0;
    if ((op == "Div" || op == "Mod") && y == 0)
      return importer.fail(node, "integer division of " + llvm::Twine(x) +
                                     " by zero");
    if (op == "Max" || op == "Min") {
      result.ints.push_back(op == "Max" ? std::max(x, y) : std::min(x, y));
      continue;
    }
    if (op == "Mod") {
      // The remainder takes the divisor's sign (fmod = 0) or the
      // dividend's (fmod = 1).
      int64_t remainder = y == -1 ? 0 : x % y;
      if (!importer.intAttr(node, "fmod", 0) && remainder != 0 &&
          (remainder < 0) != (y < 0))
        remainder += y;
      result.ints.push_back(remainder);
      continue;
    }
    bool overflow = op == "Add"   ? llvm::AddOverflow(x, y, value)
                    : op == "Sub" ? llvm::SubOverflow(x, y, value)
                    : op == "Mul" ? llvm::MulOverflow(x, y, value)
                    : op == "Div"
                        ? x == std::numeric_limits<int64_t>::min() && y == -1
                        : false;
    if (overflow)
      return importer.fail(node, op + " of " + llvm::Twine(x) + " and " +
                                     llvm::Twine(y) + " overflows int64");
    result.ints.push_back(op == "Div" ? x / y : value);
  }
  return result;
}

/// Copies the elements of `source` at the given flat indices.
HostConstant gatherElements(const HostConstant &source, Shape shape,
                            const std::vector<int64_t> &indices) {
  HostConstant result;
  result.elementType = source.elementType;
  result.shape = std::move(shape);
  for (int64_t index : indices) {
    if (source.isFloat())
      result.floats.push_back(source.floats[index]);
    else
      result.ints.push_back(source.ints[index]);
  }
  return result;
}

} // namespace

namespace {

/// The static type of input 0, all that Shape, Size and EyeLike read.
llvm::Expected<mlir::RankedTensorType> inputType(GraphImporter &importer,
                                                 const onnx::NodeProto &node) {
  // An import-time input is not materialized (a large index tensor would
  // stay in the step as a dead constant).
  if (const HostConstant *known = importer.constant(node, 0))
    return mlir::RankedTensorType::get(
        known->shape, known->isFloat()
                          ? mlir::Type(importer.b.getF32Type())
                          : mlir::Type(importer.b.getIntegerType(64)));
  llvm::Expected<mlir::Value> input =
      importer.value(node, 0, importer.b.getF32Type());
  if (!input)
    return input.takeError();
  return mlir::cast<mlir::RankedTensorType>(input->getType());
}

} // namespace

llvm::Expected<bool>
mpt::import::foldConstantNode(GraphImporter &importer,
                              const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (op == "Constant") {
    const onnx::AttributeProto *attr = importer.attribute(node, "value");
    if (attr) {
      llvm::Expected<HostConstant> value = decodeTensor(attr->t());
      if (!value)
        return importer.fail(node, llvm::toString(value.takeError()));
      importer.define(node.output(0), std::move(*value));
      return true;
    }
    if (const onnx::AttributeProto *f =
            importer.attribute(node, "value_float")) {
      HostConstant value;
      value.floats = {f->f()};
      importer.define(node.output(0), value);
      return true;
    }
    if (const onnx::AttributeProto *i = importer.attribute(node, "value_int")) {
      importer.define(node.output(0), makeInts({}, {i->i()}));
      return true;
    }
    if (const onnx::AttributeProto *is =
            importer.attribute(node, "value_ints")) {
      std::vector<int64_t> values(is->ints().begin(), is->ints().end());
      importer.define(node.output(0),
                      makeInts({static_cast<int64_t>(values.size())}, values));
      return true;
    }
    if (const onnx::AttributeProto *fs =
            importer.attribute(node, "value_floats")) {
      HostConstant value;
      value.shape = {static_cast<int64_t>(fs->floats_size())};
      value.floats.assign(fs->floats().begin(), fs->floats().end());
      importer.define(node.output(0), value);
      return true;
    }
    return importer.fail(node, "supported: the value, value_float, "
                               "value_floats, value_int and value_ints "
                               "attributes");
  }

  // Shape needs only the static type of its input.
  if (op == "Shape") {
    llvm::Expected<mlir::RankedTensorType> type = inputType(importer, node);
    if (!type)
      return type.takeError();
    int64_t rank = type->getRank();
    int64_t start = importer.intAttr(node, "start", 0);
    int64_t end = importer.intAttr(node, "end", rank);
    start = std::clamp(start < 0 ? start + rank : start, int64_t(0), rank);
    end = std::clamp(end < 0 ? end + rank : end, int64_t(0), rank);
    std::vector<int64_t> dims(type->getShape().begin() + start,
                              type->getShape().begin() + std::max(start, end));
    importer.define(node.output(0),
                    makeInts({static_cast<int64_t>(dims.size())}, dims));
    return true;
  }

  // So does Size, the element count.
  if (op == "Size") {
    llvm::Expected<mlir::RankedTensorType> type = inputType(importer, node);
    if (!type)
      return type.takeError();
    importer.define(node.output(0), makeInts({}, {type->getNumElements()}));
    return true;
  }

  // So does EyeLike, ones on diagonal k of a matrix of the input's shape.
  if (op == "EyeLike") {
    llvm::Expected<mlir::RankedTensorType> type = inputType(importer, node);
    if (!type)
      return type.takeError();
    if (type->getRank() != 2)
      return importer.fail(node, "the input has rank " +
                                     llvm::Twine(type->getRank()) +
                                     "; expected a matrix (rank 2)");
    int64_t rows = type->getDimSize(0), columns = type->getDimSize(1);
    if (llvm::Error error = checkFoldedShape(importer, node, {rows, columns}))
      return std::move(error);
    int64_t k = importer.intAttr(node, "k", 0);
    HostConstant eye;
    eye.elementType = static_cast<int32_t>(
        importer.intAttr(node, "dtype",
                         mlir::isa<mlir::FloatType>(type->getElementType())
                             ? onnx::TensorProto::FLOAT
                             : onnx::TensorProto::INT64));
    eye.shape = {rows, columns};
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t column = 0; column < columns; ++column) {
        bool one = column - row == k;
        if (eye.isFloat())
          eye.floats.push_back(one);
        else
          eye.ints.push_back(one);
      }
    importer.define(node.output(0), std::move(eye));
    return true;
  }

  std::vector<const HostConstant *> inputs;
  for (int index = 0; index < node.input_size(); ++index) {
    if (node.input(index).empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    const HostConstant *known = importer.constant(node, index);
    if (!known)
      return false;
    inputs.push_back(known);
  }
  if (inputs.empty() || !inputs[0])
    return false;
  const HostConstant &first = *inputs[0];
  auto define = [&](HostConstant value) {
    importer.define(node.output(0), std::move(value));
    return true;
  };

  if (op == "Identity")
    return define(first);
  if (isElementwiseBinary(op) && inputs.size() == 2 && inputs[1]) {
    llvm::Expected<std::optional<HostConstant>> value =
        foldBinary(importer, node, first, *inputs[1]);
    if (!value)
      return value.takeError();
    if (!*value)
      return false;
    return define(std::move(**value));
  }
  if (std::optional<double (*)(double)> function = unaryFunction(op)) {
    HostConstant value = first;
    bool exact = op == "Neg" || op == "Abs" || op == "Floor" || op == "Ceil" ||
                 op == "Round" || op == "Sign";
    if (!value.isFloat() && !exact)
      return false;
    for (int64_t i = 0; i < value.numElements(); ++i) {
      if (value.isFloat()) {
        value.floats[i] = (*function)(value.floats[i]);
        continue;
      }
      if (op == "Sign") {
        value.ints[i] = (value.ints[i] > 0) - (value.ints[i] < 0);
        continue;
      }
      int64_t &x = value.ints[i];
      if ((op == "Neg" || (op == "Abs" && x < 0)) &&
          llvm::SubOverflow(int64_t(0), x, x))
        return importer.fail(node, op + " of " + llvm::Twine(first.ints[i]) +
                                       " overflows int64");
    }
    return define(value);
  }
  if (op == "Cast") {
    int64_t to = importer.intAttr(node, "to", onnx::TensorProto::FLOAT);
    HostConstant value;
    value.elementType = static_cast<int32_t>(to);
    value.shape = first.shape;
    for (int64_t i = 0; i < first.numElements(); ++i) {
      if (value.isFloat())
        value.floats.push_back(first.floatAt(i));
      else if (to == onnx::TensorProto::BOOL)
        value.ints.push_back(first.isFloat() ? first.floatAt(i) != 0
                                             : first.intAt(i) != 0);
      else
        value.ints.push_back(first.intAt(i));
    }
    return define(value);
  }
  if (op == "Not") {
    HostConstant value = first;
    if (value.isFloat())
      return false;
    for (int64_t &element : value.ints)
      element = element == 0;
    return define(value);
  }
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape" ||
      op == "Flatten") {
    // Row-major data keeps its order; only the shape changes.
    Shape shape = first.shape;
    if (op == "Reshape") {
      if (!inputs[1])
        return false;
      Shape requested;
      for (int64_t i = 0; i < inputs[1]->numElements(); ++i)
        requested.push_back(inputs[1]->intAt(i));
      shape.clear();
      int64_t known = 1, inferred = -1;
      for (int64_t i = 0; i < static_cast<int64_t>(requested.size()); ++i) {
        int64_t dim = requested[i];
        if (dim == 0 && i < static_cast<int64_t>(first.shape.size()))
          dim = first.shape[i];
        bool inferable = dim == -1 && inferred < 0;
        if (inferable)
          inferred = i;
        else if (dim < 1 || llvm::MulOverflow(known, dim, known))
          return importer.fail(
              node, "cannot reshape " + shapeString(first.shape) + " to " +
                        shapeString(requested) + ": entry " + llvm::Twine(i) +
                        " is " + llvm::Twine(requested[i]));
        shape.push_back(dim);
      }
      if (inferred >= 0 && known > 0)
        shape[inferred] = first.numElements() / known;
    } else if (op == "Flatten") {
      int64_t axis = importer.intAttr(node, "axis", 1);
      int64_t rank = first.shape.size();
      if (axis < -rank || axis > rank)
        return importer.fail(node, "axis " + llvm::Twine(axis) +
                                       " is out of range for rank " +
                                       llvm::Twine(rank));
      if (axis < 0)
        axis += rank;
      int64_t outer = 1;
      for (int64_t dim = 0; dim < axis; ++dim)
        outer *= first.shape[dim];
      shape = {outer, first.numElements() / std::max<int64_t>(outer, 1)};
    } else {
      llvm::Expected<std::optional<std::vector<int64_t>>> axes =
          importer.intsInputOrAttr(node, 1, "axes");
      if (!axes)
        return axes.takeError();
      std::vector<int64_t> dims = axes->value_or(std::vector<int64_t>{});
      int64_t rank = shape.size() + (op == "Unsqueeze" ? dims.size() : 0);
      std::vector<bool> seen(rank, false);
      for (int64_t &dim : dims) {
        int64_t axis = dim < 0 ? dim + rank : dim;
        if (axis < 0 || axis >= rank || seen[axis])
          return importer.fail(node, "axes " + shapeString(**axes) +
                                         " must be distinct dims in [" +
                                         llvm::Twine(-rank) + ", " +
                                         llvm::Twine(rank) + ")");
        seen[axis] = true;
        dim = axis;
      }
      std::sort(dims.begin(), dims.end());
      if (op == "Unsqueeze") {
        for (int64_t dim : dims)
          shape.insert(shape.begin() + dim, 1);
      } else {
        Shape kept;
        for (int64_t dim = 0; dim < static_cast<int64_t>(shape.size()); ++dim)
          if (dims.empty() ? shape[dim] != 1
                           : !std::binary_search(dims.begin(), dims.end(), dim))
            kept.push_back(shape[dim]);
        shape = kept;
      }
    }
    HostConstant value = first;
    value.shape = shape;
    int64_t count = 1;
    for (int64_t dim : shape)
      if (dim < 0 || llvm::MulOverflow(count, dim, count))
        return false;
    if (count != first.numElements())
      return false;
    return define(value);
  }
  if (op == "Concat") {
    int64_t rank = first.shape.size();
    int64_t axis = importer.intAttr(node, "axis", 0);
    if (rank == 0 || axis < -rank || axis >= rank)
      return false; // mpt-import's Concat says what it needs.
    if (axis < 0)
      axis += rank;
    Shape shape = first.shape;
    shape[axis] = 0;
    for (const HostConstant *input : inputs) {
      if (!input || input->isFloat() != first.isFloat() ||
          input->shape.size() != first.shape.size())
        return false;
      for (int64_t dim = 0; dim < rank; ++dim)
        if (dim != axis && input->shape[dim] != first.shape[dim])
          return false;
      shape[axis] += input->shape[axis];
    }
    // Rows of the dims before the axis, each the inputs' blocks in turn.
    int64_t rows = 1;
    for (int64_t dim = 0; dim < axis; ++dim)
      rows *= first.shape[dim];
    HostConstant value;
    value.elementType = first.elementType;
    value.shape = shape;
    for (int64_t row = 0; row < rows; ++row)
      for (const HostConstant *input : inputs) {
        int64_t block = rows ? input->numElements() / rows : 0;
        if (input->isFloat())
          value.floats.insert(value.floats.end(),
                              input->floats.begin() + row * block,
                              input->floats.begin() + (row + 1) * block);
        else
          value.ints.insert(value.ints.end(), input->ints.begin() + row * block,
                            input->ints.begin() + (row + 1) * block);
      }
    return define(value);
  }
  if (op == "Gather") {
    int64_t axis = importer.intAttr(node, "axis", 0);
    if (axis != 0 || first.shape.empty() || !inputs[1])
      return false;
    int64_t rows = first.shape[0];
    int64_t rowSize = first.numElements() / std::max<int64_t>(rows, 1);
    Shape shape = inputs[1]->shape;
    shape.insert(shape.end(), first.shape.begin() + 1, first.shape.end());
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < inputs[1]->numElements(); ++i) {
      int64_t row = inputs[1]->intAt(i);
      row = row < 0 ? row + rows : row;
      if (row < 0 || row >= rows)
        return importer.fail(node, "index " + llvm::Twine(inputs[1]->intAt(i)) +
                                       " is out of range for a dim of " +
                                       llvm::Twine(rows));
      for (int64_t j = 0; j < rowSize; ++j)
        indices.push_back(row * rowSize + j);
    }
    return define(gatherElements(first, shape, indices));
  }
  // Of any rank, with any steps: F.pad reverses its pad pairs with a
  // negative step over a [dims, 2] tensor of integers.
  if (op == "Slice" && !first.shape.empty()) {
    if (!inputs[1] || !inputs[2])
      return false;
    int64_t rank = first.shape.size(), count = inputs[1]->numElements();
    if (count < 1 || inputs[2]->numElements() != count ||
        (inputs.size() > 3 && inputs[3] && inputs[3]->numElements() != count) ||
        (inputs.size() > 4 && inputs[4] && inputs[4]->numElements() != count))
      return false; // mpt-import's Slice says what it needs.
    Shape starts(rank, 0), steps(rank, 1), result = first.shape;
    for (int64_t i = 0; i < count; ++i) {
      int64_t axis = inputs.size() > 3 && inputs[3] ? inputs[3]->intAt(i) : i;
      axis = axis < 0 ? axis + rank : axis;
      int64_t step = inputs.size() > 4 && inputs[4] ? inputs[4]->intAt(i) : 1;
      if (axis < 0 || axis >= rank || step == 0)
        return false;
      int64_t size = first.shape[axis];
      int64_t begin = inputs[1]->intAt(i), end = inputs[2]->intAt(i);
      begin = begin < 0 ? begin + size : begin;
      end = end < 0 ? end + size : end;
      // Within [0, size] going up, [-1, size - 1] going down, as ONNX
      // clamps them; the distance is then at most size + 1.
      int64_t low = step > 0 ? 0 : -1, high = step > 0 ? size : size - 1;
      begin = std::clamp(begin, std::max<int64_t>(low, 0), high);
      end = std::clamp(end, low, high);
      int64_t distance = step > 0 ? end - begin : begin - end;
      int64_t stride = step > 0 ? step : -step;
      starts[axis] = begin;
      steps[axis] = step;
      result[axis] = distance <= 0 ? 0 : (distance - 1) / stride + 1;
    }
    if (llvm::Error error = checkFoldedShape(importer, node, result))
      return std::move(error);
    Shape strides = stridesOf(first.shape), resultStrides = stridesOf(result);
    std::vector<int64_t> indices;
    for (int64_t i = 0, e = countOf(result); i < e; ++i) {
      int64_t flat = 0;
      for (int64_t dim = 0; dim < rank; ++dim) {
        int64_t coordinate = (i / resultStrides[dim]) % result[dim];
        flat += (starts[dim] + coordinate * steps[dim]) * strides[dim];
      }
      indices.push_back(flat);
    }
    return define(gatherElements(first, result, indices));
  }
  if (op == "ConstantOfShape") {
    HostConstant value;
    value.elementType = onnx::TensorProto::FLOAT;
    double fill = 0;
    if (const onnx::AttributeProto *attr = importer.attribute(node, "value")) {
      llvm::Expected<HostConstant> decoded = decodeTensor(attr->t());
      if (!decoded)
        return importer.fail(node, llvm::toString(decoded.takeError()));
      value.elementType = decoded->elementType;
      fill = decoded->floatAt(0);
    }
    for (int64_t i = 0; i < first.numElements(); ++i)
      value.shape.push_back(first.intAt(i));
    if (llvm::Error error = checkFoldedShape(importer, node, value.shape))
      return std::move(error);
    for (int64_t i = 0; i < value.numElements(); ++i) {
      if (value.isFloat())
        value.floats.push_back(fill);
      else
        value.ints.push_back(static_cast<int64_t>(fill));
    }
    return define(value);
  }
  if (op == "Where" && inputs.size() == 3) {
    std::optional<Shape> shape = broadcastShapes(first.shape, inputs[1]->shape);
    if (shape)
      shape = broadcastShapes(*shape, inputs[2]->shape);
    if (!shape || inputs[1]->isFloat() != inputs[2]->isFloat())
      return false;
    if (llvm::Error error = checkFoldedShape(importer, node, *shape))
      return std::move(error);
    HostConstant value;
    value.elementType = inputs[1]->elementType;
    value.shape = *shape;
    for (int64_t i = 0; i < value.numElements(); ++i) {
      bool pick = first.intAt(broadcastSource(first.shape, *shape, i)) != 0;
      const HostConstant &from = pick ? *inputs[1] : *inputs[2];
      int64_t at = broadcastSource(from.shape, *shape, i);
      if (value.isFloat())
        value.floats.push_back(from.floats[at]);
      else
        value.ints.push_back(from.ints[at]);
    }
    return define(value);
  }
  if (op == "Range" && inputs.size() == 3) {
    HostConstant value;
    value.elementType = first.elementType;
    double start = first.floatAt(0), limit = inputs[1]->floatAt(0),
           delta = inputs[2]->floatAt(0);
    if (delta == 0)
      return importer.fail(node, "delta must not be 0");
    double steps = std::ceil((limit - start) / delta);
    if (!(steps <= kMaxFoldedElements))
      return importer.fail(
          node, llvm::formatv("the range from {0:e} to {1:e} by {2:e} has more "
                              "than {3} elements, the most an import-time "
                              "value may have",
                              start, limit, delta, kMaxFoldedElements)
                    .str());
    int64_t count = std::max<int64_t>(0, static_cast<int64_t>(steps));
    value.shape = {count};
    for (int64_t i = 0; i < count; ++i) {
      if (value.isFloat())
        value.floats.push_back(start + i * delta);
      else
        value.ints.push_back(static_cast<int64_t>(start + i * delta));
    }
    return define(value);
  }
  if (op == "Transpose") {
    Shape shape = first.shape;
    int64_t rank = shape.size();
    std::vector<int64_t> perm =
        importer.intsAttr(node, "perm").value_or(std::vector<int64_t>{});
    if (perm.empty())
      for (int64_t dim = rank - 1; dim >= 0; --dim)
        perm.push_back(dim);
    Shape sorted = perm;
    llvm::sort(sorted);
    for (int64_t dim = 0; dim < rank; ++dim)
      if (sorted.size() != shape.size() || sorted[dim] != dim)
        return importer.fail(node, "perm " + shapeString(perm) +
                                       " is not a permutation of the input's " +
                                       llvm::Twine(rank) + " dims");
    Shape result;
    for (int64_t dim : perm)
      result.push_back(shape.at(dim));
    Shape strides = stridesOf(shape), resultStrides = stridesOf(result);
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < first.numElements(); ++i) {
      int64_t flat = 0;
      for (int64_t dim = 0; dim < rank; ++dim)
        flat += ((i / resultStrides[dim]) % result[dim]) * strides[perm[dim]];
      indices.push_back(flat);
    }
    return define(gatherElements(first, result, indices));
  }
  // Integer data (position ids, torch.arange(T).expand(B, T)) is folded:
  // the step's ops move float tensors only. A float one is broadcast at run
  // time rather than stored whole.
  if ((op == "Expand" || op == "Tile") && !first.isFloat() &&
      inputs.size() == 2 && inputs[1] && !inputs[1]->isFloat()) {
    std::vector<int64_t> operand(inputs[1]->numElements());
    for (int64_t i = 0; i < inputs[1]->numElements(); ++i)
      operand[i] = inputs[1]->intAt(i);
    Shape result;
    if (op == "Expand") {
      std::optional<Shape> joined =
          broadcastShapes(first.shape, Shape(operand.begin(), operand.end()));
      if (!joined)
        return importer.fail(node, "the input " + shapeString(first.shape) +
                                       " does not broadcast to " +
                                       shapeString(operand));
      result = *joined;
    } else {
      if (operand.size() != first.shape.size())
        return false; // mpt-import's Tile says what it needs.
      for (auto [size, count] : llvm::zip(first.shape, operand)) {
        int64_t tiled;
        if (count < 1 || llvm::MulOverflow(size, count, tiled))
          return false; // mpt-import's Tile says why.
        result.push_back(tiled);
      }
    }
    if (llvm::Error error = checkFoldedShape(importer, node, result))
      return std::move(error);
    Shape strides = stridesOf(first.shape), resultStrides = stridesOf(result);
    std::vector<int64_t> indices;
    for (int64_t i = 0, e = countOf(result); i < e; ++i) {
      int64_t flat = 0;
      for (size_t dim = 0; dim < result.size(); ++dim) {
        int64_t coordinate = (i / resultStrides[dim]) % result[dim];
        // Expand aligns the trailing dims and repeats size-1 dims; Tile
        // wraps around each dim.
        size_t offset = result.size() - first.shape.size();
        if (dim < offset)
          continue;
        int64_t size = first.shape[dim - offset];
        flat += (op == "Expand" ? (size == 1 ? 0 : coordinate)
                                : coordinate % size) *
                strides[dim - offset];
      }
      indices.push_back(flat);
    }
    return define(gatherElements(first, result, indices));
  }
  // The element count behind torch.std/var's unbiased correction: a
  // product of dims from Shape.
  if (op == "ReduceProd") {
    int64_t rank = first.shape.size();
    std::vector<int64_t> axes =
        importer.intsAttr(node, "axes").value_or(std::vector<int64_t>{});
    if (axes.empty())
      for (int64_t dim = 0; dim < rank; ++dim)
        axes.push_back(dim);
    llvm::SmallVector<bool> reduced(rank, false);
    for (int64_t axis : axes) {
      axis = axis < 0 ? axis + rank : axis;
      if (axis < 0 || axis >= rank)
        return false;
      reduced[axis] = true;
    }
    bool keepDims = importer.intAttr(node, "keepdims", 1) != 0;
    Shape result, kept;
    for (int64_t dim = 0; dim < rank; ++dim) {
      kept.push_back(reduced[dim] ? 1 : first.shape[dim]);
      if (!reduced[dim] || keepDims)
        result.push_back(kept.back());
    }
    Shape strides = stridesOf(first.shape), keptStrides = stridesOf(kept);
    HostConstant value;
    value.elementType = first.elementType;
    value.shape = result;
    if (first.isFloat())
      value.floats.assign(countOf(kept), 1.0);
    else
      value.ints.assign(countOf(kept), 1);
    for (int64_t i = 0; i < first.numElements(); ++i) {
      int64_t target = 0;
      for (int64_t dim = 0; dim < rank; ++dim)
        if (!reduced[dim])
          target += ((i / strides[dim]) % first.shape[dim]) * keptStrides[dim];
      if (first.isFloat())
        value.floats[target] *= first.floats[i];
      else if (llvm::MulOverflow(value.ints[target], first.ints[i],
                                 value.ints[target]))
        return importer.fail(node, "the product overflows int64");
    }
    return define(std::move(value));
  }
  // A causal mask built in the forward pass (torch.triu of ones or -inf).
  if (op == "Trilu") {
    if (first.shape.size() < 2)
      return false; // mpt-import's Trilu says what it needs.
    int64_t k = 0;
    if (inputs.size() > 1 && inputs[1]) {
      if (inputs[1]->isFloat() || inputs[1]->numElements() != 1)
        return false;
      k = inputs[1]->intAt(0);
    }
    bool upper = importer.intAttr(node, "upper", 1) != 0;
    int64_t columns = first.shape.back();
    int64_t rows = first.shape[first.shape.size() - 2];
    HostConstant value = first;
    for (int64_t i = 0; i < value.numElements(); ++i) {
      if (triluKeeps((i / columns) % rows, i % columns, k, upper))
        continue;
      if (value.isFloat())
        value.floats[i] = 0.0;
      else
        value.ints[i] = 0;
    }
    return define(std::move(value));
  }
  // Slice assignments into an import-time tensor (a table filled in the
  // forward pass: `pe[:, 0::2] = torch.sin(...)`).
  if (op == "ScatterND" && inputs.size() >= 3 && inputs[1] && inputs[2]) {
    const HostConstant &updates = *inputs[2];
    std::string reduction = importer.stringAttr(node, "reduction", "none");
    if (first.isFloat() != updates.isFloat() ||
        !llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction))
      return false; // mpt-import's ScatterND says what it needs.
    llvm::Expected<std::vector<int64_t>> positions = indexedPositions(
        importer, node, first.shape, *inputs[1], updates.shape);
    if (!positions)
      return positions.takeError();
    HostConstant value = first;
    for (auto [update, position] : llvm::enumerate(*positions)) {
      if (value.isFloat()) {
        double &to = value.floats[position];
        double from = updates.floats[update];
        to = reduction == "add"   ? to + from
             : reduction == "mul" ? to * from
             : reduction == "max" ? std::max(to, from)
             : reduction == "min" ? std::min(to, from)
                                  : from;
        continue;
      }
      int64_t &to = value.ints[position];
      int64_t from = updates.ints[update];
      if ((reduction == "add" && llvm::AddOverflow(to, from, to)) ||
          (reduction == "mul" && llvm::MulOverflow(to, from, to)))
        return importer.fail(node, "the " + reduction + " overflows int64");
      if (reduction == "max" || reduction == "min" || reduction == "none")
        to = reduction == "max"   ? std::max(to, from)
             : reduction == "min" ? std::min(to, from)
                                  : from;
    }
    return define(std::move(value));
  }
  // Advanced indexing of an import-time tensor.
  if (op == "GatherND" && inputs.size() == 2 && inputs[1]) {
    const HostConstant &indices = *inputs[1];
    int64_t batchDims = importer.intAttr(node, "batch_dims", 0);
    llvm::Expected<std::vector<int64_t>> positions = indexedPositions(
        importer, node, first.shape, indices, std::nullopt, batchDims);
    if (!positions)
      return positions.takeError();
    Shape shape(indices.shape.begin(), indices.shape.end() - 1);
    shape.insert(shape.end(),
                 first.shape.begin() + batchDims + indices.shape.back(),
                 first.shape.end());
    return define(gatherElements(first, shape, *positions));
  }
  // Running sums of import-time integers (the diagonal positions
  // `torch.diagonal` computes).
  if (op == "CumSum" && inputs.size() == 2 && inputs[1] &&
      inputs[1]->numElements() == 1 && !first.shape.empty()) {
    int64_t rank = first.shape.size(), axis = inputs[1]->intAt(0);
    if (axis < -rank || axis >= rank)
      return false; // mpt-import's CumSum says what it needs.
    if (axis < 0)
      axis += rank;
    bool exclusive = importer.intAttr(node, "exclusive", 0) != 0;
    bool reverse = importer.intAttr(node, "reverse", 0) != 0;
    int64_t extent = first.shape[axis], inner = 1;
    for (int64_t dim = axis + 1; dim < rank; ++dim)
      inner *= first.shape[dim];
    HostConstant value = first;
    // Each line along the axis: its start and its elements `inner` apart.
    for (int64_t start = 0; start < value.numElements(); ++start) {
      if ((start / inner) % extent != 0)
        continue;
      double floatSum = 0.0;
      int64_t intSum = 0;
      for (int64_t step = 0; step < extent; ++step) {
        int64_t at = start + (reverse ? extent - 1 - step : step) * inner;
        if (value.isFloat()) {
          double x = first.floats[at];
          value.floats[at] = exclusive ? floatSum : floatSum + x;
          floatSum += x;
          continue;
        }
        int64_t x = first.ints[at], next;
        if (llvm::AddOverflow(intSum, x, next))
          return importer.fail(node, "the running sum overflows int64");
        value.ints[at] = exclusive ? intSum : next;
        intSum = next;
      }
    }
    return define(std::move(value));
  }
  return false;
}
