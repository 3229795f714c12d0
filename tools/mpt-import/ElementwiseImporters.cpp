//===- ElementwiseImporters.cpp - Elementwise ONNX ops to mpt ops ------- ===//
//
// Arithmetic with NumPy broadcasting, made explicit with `mpt.reshape` and
// `mpt.broadcast` where the mpt op's trailing-dims rule does not cover it;
// unary math, softmax, float casts, comparisons and logic computed by the
// step as 0/1 masks, selection by a mask, and the ops that import as
// nothing.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/xxhash.h"

#include <cstdio>
#include <cstdlib>
#include <limits>

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// Both float operands of a binary node, broadcast as the binary mpt ops
/// take them.
llvm::Expected<std::pair<Value, Value>>
broadcastFloatOperands(GraphImporter &im, const onnx::NodeProto &node) {
  auto operands = floatOperands(im, node);
  if (!operands)
    return operands.takeError();
  return broadcastOperands(im, node, operands->first, operands->second);
}

/// A binary node on integers of the step: `mpt.index_arith`.
llvm::Error importIndexArith(GraphImporter &im, const onnx::NodeProto &node,
                             mlir::mpt::IndexArithKind kind, Value integers) {
  Type element = typeOf(integers).getElementType();
  llvm::Expected<Value> lhs = integerInput(im, node, 0, element);
  if (!lhs)
    return lhs.takeError();
  llvm::Expected<Value> rhs = integerInput(im, node, 1, element);
  if (!rhs)
    return rhs.takeError();
  llvm::Expected<Value> result = indexArith(im, node, kind, *lhs, *rhs);
  if (!result)
    return result.takeError();
  im.setResult(node, *result);
  return llvm::Error::success();
}

template <typename OpT>
llvm::Error importFloatBinary(GraphImporter &im, const onnx::NodeProto &node) {
  auto broadcast = broadcastFloatOperands(im, node);
  if (!broadcast)
    return broadcast.takeError();
  auto [lhs, rhs] = *broadcast;
  im.setResult(node, OpT::create(im.b, im.loc(node), lhs, rhs));
  return llvm::Error::success();
}

/// A binary op of floats, or of the step's integers (index arithmetic of
/// `kind`).
template <typename OpT, mlir::mpt::IndexArithKind kind>
llvm::Error importBinary(GraphImporter &im, const onnx::NodeProto &node) {
  if (Value integers = stepIntegers(im, node))
    return importIndexArith(im, node, kind, integers);
  return importFloatBinary<OpT>(im, node);
}

template <typename OpT>
llvm::Error importUnary(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  im.setResult(node, OpT::create(im.b, im.loc(node), *input));
  return llvm::Error::success();
}

/// `x` rounded toward zero: a floor where it is >= 0, else a ceil.
Value truncate(GraphImporter &im, const onnx::NodeProto &node, Value x) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(x);
  Value zero = broadcastTo(im, node,
                           scalarConstant(im, node, type.getElementType(), 0.0),
                           type.getShape());
  Value positive = mlir::mpt::CompareOp::create(
      im.b, loc, mlir::mpt::ComparePredicate::GE, x, zero);
  return mlir::mpt::SelectOp::create(im.b, loc, positive,
                                     mlir::mpt::FloorOp::create(im.b, loc, x),
                                     mlir::mpt::CeilOp::create(im.b, loc, x));
}

/// torch.fmod of floats (Mod with fmod = 1): `x - trunc(x / y) * y`, the
/// quotient truncated by a floor or a ceil by its sign. Its derivative is
/// PyTorch's: 1 for x, -trunc(x / y) for y.
llvm::Error importFloatMod(GraphImporter &im, const onnx::NodeProto &node) {
  if (im.intAttr(node, "fmod", 0) == 0)
    return im.fail(node, "Mod of float tensors with fmod = 0 is not valid "
                         "ONNX; torch.remainder exports as Floor, Div, Mul "
                         "and Sub, and torch.fmod as fmod = 1");
  llvm::Expected<std::pair<Value, Value>> operands = floatOperands(im, node);
  if (!operands)
    return operands.takeError();
  llvm::Expected<std::pair<Value, Value>> broadcast =
      broadcastOperands(im, node, operands->first, operands->second);
  if (!broadcast)
    return broadcast.takeError();
  auto [x, y] = *broadcast;
  Location loc = im.loc(node);
  Value quotient = mlir::mpt::DivOp::create(im.b, loc, x, y);
  Value product =
      mlir::mpt::MulOp::create(im.b, loc, truncate(im, node, quotient), y);
  im.setResult(node, mlir::mpt::SubOp::create(im.b, loc, x, product));
  return llvm::Error::success();
}

/// Mod of the step's integers (`index % T`), or torch.fmod of floats.
llvm::Error importMod(GraphImporter &im, const onnx::NodeProto &node) {
  Value integers = stepIntegers(im, node);
  if (!integers)
    return importFloatMod(im, node);
  if (im.intAttr(node, "fmod", 0) != 0)
    return im.fail(node, "Mod with fmod = 1 (the dividend's sign) is not "
                         "supported for integers; supported: fmod = 0 (the "
                         "divisor's sign, Python's %)");
  return importIndexArith(im, node, mlir::mpt::IndexArithKind::Mod, integers);
}

/// IsNaN: `x != x`, a 0/1 mask.
llvm::Error importIsNaN(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  im.setResult(
      node, mlir::mpt::CompareOp::create(
                im.b, im.loc(node), mlir::mpt::ComparePredicate::NE, *x, *x));
  return llvm::Error::success();
}

/// IsInf: `|x| == inf`, or `x == inf` or `x == -inf` with one sign
/// detected, a 0/1 mask.
llvm::Error importIsInf(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  bool positive = im.intAttr(node, "detect_positive", 1) != 0;
  bool negative = im.intAttr(node, "detect_negative", 1) != 0;
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(*x);
  Value tested = *x;
  double infinity = std::numeric_limits<double>::infinity();
  if (positive && negative)
    tested = mlir::mpt::AbsOp::create(im.b, loc, *x);
  else if (negative)
    infinity = -infinity;
  Value result;
  if (positive || negative)
    result = mlir::mpt::CompareOp::create(
        im.b, loc, mlir::mpt::ComparePredicate::EQ, tested,
        broadcastTo(im, node,
                    scalarConstant(im, node, type.getElementType(), infinity),
                    type.getShape()));
  else
    result = broadcastTo(im, node,
                         scalarConstant(im, node, type.getElementType(), 0.0),
                         type.getShape());
  im.setResult(node, result);
  return llvm::Error::success();
}

/// A square root; of a sum of squares, a norm (`torch.norm(x, dim)` exports
/// as `Sqrt(ReduceSum(Mul(x, x)))`), with the norm's zero gradient at zero.
llvm::Error importSqrt(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  im.setResult(node, isSumOfSquares(*input) ? rootOfSquares(im, node, *input)
                                            : mlir::mpt::SqrtOp::create(
                                                  im.b, im.loc(node), *input));
  return llvm::Error::success();
}

llvm::Error importIdentity(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  im.setResult(node, *input);
  return llvm::Error::success();
}

/// Dropout in training mode with a ratio above 0 becomes mpt.dropout, with a
/// seed of its own (a hash of its output's name, so that the masks of a
/// model do not depend on the order of its nodes); in inference mode, or
/// with a ratio of 0, it is the identity.
llvm::Error importDropout(GraphImporter &im, const onnx::NodeProto &node) {
  if (node.output_size() > 1 && im.consumed.contains(node.output(1)))
    return im.fail(node, "the mask output is read; supported: dropout whose "
                         "mask nothing reads");
  const HostConstant *training = im.constant(node, 2);
  if (im.hasInput(node, 2) && !training)
    return im.fail(node, "training_mode must be known at import time");
  if (!training || training->intAt(0) == 0)
    return importIdentity(im, node);
  const HostConstant *ratio = im.constant(node, 1);
  if (im.hasInput(node, 1) && !ratio)
    return im.fail(node, "the ratio must be known at import time");
  double value = ratio ? ratio->floatAt(0) : 0.5;
  if (!(value >= 0.0 && value < 1.0))
    return im.fail(node, "dropout with ratio " + std::to_string(value) +
                             " is not supported; supported: ratios in [0, 1)");
  // An f32 ratio (PyTorch exports p as one) reads as the shortest decimal
  // that rounds to it: p = 0.3 stays 0.3, not 0.30000001192092896.
  auto single = static_cast<float>(value);
  if (static_cast<double>(single) == value)
    for (int digits = 1; digits <= 9; ++digits) {
      char text[32];
      std::snprintf(text, sizeof(text), "%.*g", digits, value);
      double decimal = std::strtod(text, nullptr);
      if (static_cast<float>(decimal) == single) {
        value = decimal;
        break;
      }
    }
  if (value == 0.0)
    return importIdentity(im, node);
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  auto seed = static_cast<int64_t>(llvm::xxh3_64bits(node.output(0)) >> 33);
  im.setResult(node, mlir::mpt::DropoutOp::create(
                         im.b, im.loc(node), typeOf(*input), *input,
                         /*step=*/Value(), im.b.getF64FloatAttr(value),
                         im.b.getI64IntegerAttr(seed)));
  return llvm::Error::success();
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

/// `mask predicate 0` for a mask of any shape.
Value compareWithZero(GraphImporter &im, const onnx::NodeProto &node,
                      mlir::mpt::ComparePredicate predicate, Value mask) {
  RankedTensorType type = typeOf(mask);
  Value zero = broadcastTo(im, node,
                           scalarConstant(im, node, type.getElementType(), 0.0),
                           type.getShape());
  return mlir::mpt::CompareOp::create(im.b, im.loc(node), predicate, mask,
                                      zero);
}

/// `integers != 0` for integers of the step: an f32 0/1 mask.
Value integersNonZero(GraphImporter &im, const onnx::NodeProto &node,
                      Value integers) {
  RankedTensorType type = typeOf(integers);
  HostConstant zero;
  zero.elementType = onnx::TensorProto::INT64;
  zero.ints = {0};
  return mlir::mpt::IndexCompareOp::create(
      im.b, im.loc(node), type.clone(im.b.getF32Type()),
      mlir::mpt::ComparePredicate::NE, integers,
      im.materialize(zero, type.getElementType(), im.loc(node)));
}

/// Whether an input of `node` is an integer tensor computed at run time
/// (token ids).
bool hasRuntimeIntegerInput(GraphImporter &im, const onnx::NodeProto &node) {
  for (int index = 0; index < node.input_size(); ++index) {
    if (!im.hasInput(node, index) || im.constant(node, index))
      continue;
    Value value = im.lookup(node.input(index));
    if (value && isa<IntegerType>(getElementTypeOrSelf(value.getType())))
      return true;
  }
  return false;
}

/// The float type of Cast's `to`, or null for another type.
Type castFloatType(GraphImporter &im, int64_t to) {
  switch (to) {
  case onnx::TensorProto::FLOAT:
    return im.b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return im.b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return im.b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return im.b.getBF16Type();
  default:
    return {};
  }
}

/// Cast of an integer tensor computed by the step: to a float type
/// (mpt.index_to_float), to BOOL (`!= 0`, a mask), or to INT32 or INT64
/// (mpt.index_cast when the width changes).
llvm::Error importIndexCast(GraphImporter &im, const onnx::NodeProto &node,
                            Value input) {
  int64_t to = im.intAttr(node, "to", 0);
  RankedTensorType type = typeOf(input);
  Location loc = im.loc(node);
  if (Type element = castFloatType(im, to)) {
    im.setResult(node, mlir::mpt::IndexToFloatOp::create(
                           im.b, loc, type.clone(element), input));
    return llvm::Error::success();
  }
  if (to == onnx::TensorProto::BOOL) {
    im.setResult(node, integersNonZero(im, node, input));
    return llvm::Error::success();
  }
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32) {
    Type element =
        im.b.getIntegerType(to == onnx::TensorProto::INT64 ? 64 : 32);
    im.setResult(node, element == type.getElementType()
                           ? input
                           : mlir::mpt::IndexCastOp::create(
                                 im.b, loc, type.clone(element), input)
                                 .getResult());
    return llvm::Error::success();
  }
  return im.fail(node, "casting an INT" + llvm::Twine(width) + " tensor to " +
                           elementTypeName(static_cast<int32_t>(to)) +
                           " is not supported; supported: FLOAT, DOUBLE, "
                           "FLOAT16, BFLOAT16, BOOL, INT32, INT64");
}

llvm::Error importCast(GraphImporter &im, const onnx::NodeProto &node) {
  if (hasRuntimeIntegerInput(im, node))
    return importIndexCast(im, node, im.lookup(node.input(0)));
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  int64_t to = im.intAttr(node, "to", 0);
  Type element = castFloatType(im, to);
  if (to == onnx::TensorProto::BOOL) {
    im.setResult(node, compareWithZero(
                           im, node, mlir::mpt::ComparePredicate::NE, *input));
    return llvm::Error::success();
  }
  bool toSignedInteger =
      to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32 ||
      to == onnx::TensorProto::INT16 || to == onnx::TensorProto::INT8;
  // A mask, or a count made of masks (`mask.long().sum()`), stays the
  // float tensor of integers it is; integer ops read it as a float one.
  // Other floats are rounded toward zero first (`(x * n).long()`).
  if (toSignedInteger) {
    im.setResult(node, im.integral.contains(*input)
                           ? *input
                           : truncate(im, node, *input));
    return llvm::Error::success();
  }
  if (!element)
    return im.fail(node, "casting a float tensor to " +
                             elementTypeName(static_cast<int32_t>(to)) +
                             " is not supported; supported: FLOAT, DOUBLE, "
                             "FLOAT16, BFLOAT16, BOOL, and the signed "
                             "integer types (rounding toward zero)");
  RankedTensorType type = typeOf(*input);
  Value result = *input;
  if (type.getElementType() != element)
    result = mlir::mpt::CastOp::create(im.b, im.loc(node), type.clone(element),
                                       result);
  im.setResult(node, result);
  return llvm::Error::success();
}

/// Where with a condition known at import time (masked_fill with a mask
/// buffer, as causal attention does): each branch computed at run time is
/// multiplied by a 0/1 mask of where it is selected, and the selected
/// values of a known branch are one constant added to them, so a fill of
/// -inf stays exact (its unselected elements are 0, not -inf * 0).
llvm::Error importKnownWhere(GraphImporter &im, const onnx::NodeProto &node,
                             const HostConstant *condition) {
  const HostConstant *known[2] = {im.constant(node, 1), im.constant(node, 2)};
  llvm::Expected<Value> first = im.floatValue(node, known[0] ? 2 : 1);
  if (!first)
    return first.takeError();
  Type element = typeOf(*first).getElementType();
  Value branches[2];
  Shape shape(condition->shape.begin(), condition->shape.end());
  Shape hostShape = shape;
  for (int branch = 0; branch < 2; ++branch) {
    Shape branchShape;
    if (known[branch]) {
      branchShape.assign(known[branch]->shape.begin(),
                         known[branch]->shape.end());
      llvm::Expected<Shape> joined =
          broadcastShape(im, node, hostShape, branchShape);
      if (!joined)
        return joined.takeError();
      hostShape = *joined;
    } else {
      llvm::Expected<Value> value = im.value(node, branch + 1, element);
      if (!value)
        return value.takeError();
      branches[branch] = *value;
      branchShape = Shape(typeOf(*value).getShape());
    }
    llvm::Expected<Shape> joined = broadcastShape(im, node, shape, branchShape);
    if (!joined)
      return joined.takeError();
    shape = *joined;
  }
  HostConstant selected[2], fill;
  selected[0].shape = selected[1].shape = fill.shape =
      std::vector<int64_t>(hostShape.begin(), hostShape.end());
  int64_t count = 1;
  for (int64_t dim : hostShape)
    count *= dim;
  bool anyFill = false;
  for (int64_t i = 0; i < count; ++i) {
    bool isFirst =
        condition->intAt(broadcastSource(condition->shape, hostShape, i)) != 0;
    selected[0].floats.push_back(isFirst ? 1.0 : 0.0);
    selected[1].floats.push_back(isFirst ? 0.0 : 1.0);
    const HostConstant *source = known[isFirst ? 0 : 1];
    double value =
        source ? source->floatAt(broadcastSource(source->shape, hostShape, i))
               : 0.0;
    anyFill |= value != 0.0;
    fill.floats.push_back(value);
  }
  Location loc = im.loc(node);
  Value result;
  for (int branch = 0; branch < 2; ++branch) {
    if (!branches[branch])
      continue;
    Value mask = broadcastTo(
        im, node, im.materialize(selected[branch], element, loc), shape);
    Value term = mlir::mpt::MulOp::create(
        im.b, loc, broadcastTo(im, node, branches[branch], shape), mask);
    result = result ? mlir::mpt::AddOp::create(im.b, loc, result, term) : term;
  }
  if (anyFill)
    result = mlir::mpt::AddOp::create(
        im.b, loc, result,
        broadcastTo(im, node, im.materialize(fill, element, loc), shape));
  im.setResult(node, result);
  return llvm::Error::success();
}

/// `value` of `shape` with the element type `element`: a cast (exact for
/// a 0/1 mask) and a broadcast where needed.
Value fitTo(GraphImporter &im, const onnx::NodeProto &node, Value value,
            Type element, ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(value);
  if (type.getElementType() != element)
    value = mlir::mpt::CastOp::create(im.b, im.loc(node), type.clone(element),
                                      value);
  return broadcastTo(im, node, value, shape);
}

/// Where whose branches are integers of the step (`torch.where(ids > 10,
/// ids - 10, ids)`, `ids.masked_fill(mask, 1)`): `f + (t - f) * m` in index
/// arithmetic, `m` the condition as a 0/1 integer mask, which is exact for
/// any integers (the arithmetic wraps).
llvm::Error importIndexWhere(GraphImporter &im, const onnx::NodeProto &node,
                             Type element) {
  Location loc = im.loc(node);
  Value mask;
  if (const HostConstant *known = im.constant(node, 0)) {
    // A BOOL constant holds 0 and 1.
    mask = im.materialize(*known, element, loc);
  } else {
    Value condition = im.hasInput(node, 0) ? im.lookup(node.input(0)) : Value();
    if (!condition)
      return im.fail(node, "input 0 is missing");
    if (isa<IntegerType>(typeOf(condition).getElementType())) {
      condition = integersNonZero(im, node, condition);
    } else if (!condition.getDefiningOp<mlir::mpt::CompareOp>() &&
               !condition.getDefiningOp<mlir::mpt::IndexCompareOp>()) {
      // A comparison's mask is 0 or 1 already.
      condition =
          compareWithZero(im, node, mlir::mpt::ComparePredicate::NE, condition);
    }
    mask = mlir::mpt::IndexCastOp::create(
        im.b, loc, typeOf(condition).clone(element), condition);
  }
  llvm::Expected<Value> chosen = integerInput(im, node, 1, element);
  if (!chosen)
    return chosen.takeError();
  llvm::Expected<Value> otherwise = integerInput(im, node, 2, element);
  if (!otherwise)
    return otherwise.takeError();
  using mlir::mpt::IndexArithKind;
  llvm::Expected<Value> result =
      indexArith(im, node, IndexArithKind::Sub, *chosen, *otherwise);
  if (result)
    result = indexArith(im, node, IndexArithKind::Mul, *result, mask);
  if (result)
    result = indexArith(im, node, IndexArithKind::Add, *otherwise, *result);
  if (!result)
    return result.takeError();
  im.setResult(node, *result);
  return llvm::Error::success();
}

/// Where with a condition computed by the step: mpt.select of the branches,
/// each broadcast to the result's shape; of integer branches, index
/// arithmetic.
llvm::Error importWhere(GraphImporter &im, const onnx::NodeProto &node) {
  // The widest integer branch computed by the step, if any.
  IntegerType integers;
  for (unsigned index : {1u, 2u}) {
    Value branch = im.hasInput(node, index) && !im.constant(node, index)
                       ? im.lookup(node.input(index))
                       : Value();
    if (auto type = branch
                        ? dyn_cast<IntegerType>(typeOf(branch).getElementType())
                        : IntegerType())
      if (!integers || type.getWidth() > integers.getWidth())
        integers = type;
  }
  if (integers)
    return importIndexWhere(im, node, integers);
  if (const HostConstant *condition = im.constant(node, 0))
    return importKnownWhere(im, node, condition);
  llvm::Expected<Value> condition = im.floatValue(node, 0);
  if (!condition)
    return condition.takeError();
  // The float type of a branch computed at run time, else f32.
  Type element = im.b.getF32Type();
  for (unsigned index : {1u, 2u})
    if (!im.constant(node, index)) {
      llvm::Expected<Value> branch = im.floatValue(node, index);
      if (!branch)
        return branch.takeError();
      element = typeOf(*branch).getElementType();
      break;
    }
  Value operands[3] = {*condition};
  Shape shape(typeOf(*condition).getShape());
  for (unsigned index : {1u, 2u}) {
    llvm::Expected<Value> branch = im.value(node, index, element);
    if (!branch)
      return branch.takeError();
    if (!isa<FloatType>(typeOf(*branch).getElementType()))
      return im.fail(node,
                     "input " + llvm::Twine(index) + " must be a float tensor");
    operands[index] = *branch;
    llvm::Expected<Shape> joined =
        broadcastShape(im, node, shape, typeOf(*branch).getShape());
    if (!joined)
      return joined.takeError();
    shape = *joined;
  }
  for (Value &operand : operands)
    operand = fitTo(im, node, operand, element, shape);
  im.setResult(node,
               mlir::mpt::SelectOp::create(im.b, im.loc(node), operands[0],
                                           operands[1], operands[2]));
  return llvm::Error::success();
}

/// A comparison of integer tensors, at least one computed at run time:
/// mpt.index_compare, which broadcasts its operands, into an f32 mask read
/// like a float comparison's. An import-time operand becomes a constant of
/// the other's integer type.
llvm::Error importIndexComparison(GraphImporter &im,
                                  const onnx::NodeProto &node,
                                  mlir::mpt::ComparePredicate predicate) {
  Type element;
  Shape shape;
  for (unsigned index : {0u, 1u}) {
    if (!im.hasInput(node, index))
      return im.fail(node, "input " + llvm::Twine(index) + " is missing");
    ArrayRef<int64_t> operandShape;
    if (const HostConstant *known = im.constant(node, index)) {
      if (known->isFloat())
        return im.fail(node, "input " + llvm::Twine(index) +
                                 " must be an integer tensor like the other, "
                                 "found " +
                                 elementTypeName(known->elementType));
      operandShape = known->shape;
    } else {
      llvm::Expected<Value> defined = im.value(node, index, im.b.getF32Type());
      if (!defined)
        return defined.takeError();
      Value value = *defined;
      Type type = typeOf(value).getElementType();
      if (!isa<IntegerType>(type) || (element && type != element))
        return im.fail(node, "input " + llvm::Twine(index) +
                                 " must be an integer tensor of the other "
                                 "input's element type, found " +
                                 typeText(value.getType()));
      element = type;
      operandShape = typeOf(value).getShape();
    }
    llvm::Expected<Shape> joined =
        broadcastShape(im, node, shape, operandShape);
    if (!joined)
      return joined.takeError();
    shape = *joined;
  }
  unsigned width = cast<IntegerType>(element).getWidth();
  Value operands[2];
  for (unsigned index : {0u, 1u}) {
    const HostConstant *known = im.constant(node, index);
    if (!known) {
      operands[index] = im.lookup(node.input(index));
      continue;
    }
    for (int64_t i = 0, e = known->numElements(); i < e; ++i)
      if (!llvm::isIntN(width, known->intAt(i)))
        return im.fail(node, "the constant " + llvm::Twine(known->intAt(i)) +
                                 " does not fit the i" + llvm::Twine(width) +
                                 " it is compared with");
    operands[index] = im.materialize(*known, element, im.loc(node));
  }
  im.setResult(node, mlir::mpt::IndexCompareOp::create(
                         im.b, im.loc(node),
                         RankedTensorType::get(shape, im.b.getF32Type()),
                         predicate, operands[0], operands[1]));
  return llvm::Error::success();
}

/// A comparison computed by the step: a 0/1 mask of the broadcast shape in
/// the operands' float type, which Where, Not, And, Or and Cast read.
template <mlir::mpt::ComparePredicate predicate>
llvm::Error importComparison(GraphImporter &im, const onnx::NodeProto &node) {
  if (hasRuntimeIntegerInput(im, node))
    return importIndexComparison(im, node, predicate);
  auto broadcast = broadcastFloatOperands(im, node);
  if (!broadcast)
    return broadcast.takeError();
  auto [lhs, rhs] = *broadcast;
  rhs = broadcastTo(im, node, rhs, typeOf(lhs).getShape());
  im.setResult(node, mlir::mpt::CompareOp::create(im.b, im.loc(node), predicate,
                                                  lhs, rhs));
  return llvm::Error::success();
}

/// Not, And, Or and Xor of masks computed by the step (0/1 in a float
/// type): `m == 0`, `m1 * m2`, `m1 + m2 != 0` and `m1 != m2`.
llvm::Error importLogical(GraphImporter &im, const onnx::NodeProto &node) {
  using mlir::mpt::ComparePredicate;
  llvm::StringRef op = node.op_type();
  if (op == "Not") {
    llvm::Expected<Value> mask = im.floatValue(node, 0);
    if (!mask)
      return mask.takeError();
    im.setResult(node, compareWithZero(im, node, ComparePredicate::EQ, *mask));
    return llvm::Error::success();
  }
  // Masks of data of two float types (an IsInf of f64 data beside a
  // comparison of f32 data) are exact in either: both become f32 ones.
  // Otherwise an import-time operand takes the other's float type.
  Location loc = im.loc(node);
  Value masks[2];
  for (unsigned index : {0u, 1u})
    if (im.hasInput(node, index) && !im.constant(node, index))
      masks[index] = im.lookup(node.input(index));
  bool widen =
      masks[0] && masks[1] &&
      isa<FloatType>(typeOf(masks[0]).getElementType()) &&
      isa<FloatType>(typeOf(masks[1]).getElementType()) &&
      typeOf(masks[0]).getElementType() != typeOf(masks[1]).getElementType();
  if (widen)
    for (Value &mask : masks)
      if (!typeOf(mask).getElementType().isF32())
        mask = mlir::mpt::CastOp::create(
            im.b, loc, typeOf(mask).clone(im.b.getF32Type()), mask);
  auto broadcast = widen ? broadcastOperands(im, node, masks[0], masks[1])
                         : broadcastFloatOperands(im, node);
  if (!broadcast)
    return broadcast.takeError();
  auto [lhs, rhs] = *broadcast;
  Value result;
  if (op == "And") {
    result = mlir::mpt::MulOp::create(im.b, loc, lhs, rhs);
  } else if (op == "Or") {
    result = compareWithZero(im, node, ComparePredicate::NE,
                             mlir::mpt::AddOp::create(im.b, loc, lhs, rhs));
  } else {
    rhs = broadcastTo(im, node, rhs, typeOf(lhs).getShape());
    result =
        mlir::mpt::CompareOp::create(im.b, loc, ComparePredicate::NE, lhs, rhs);
  }
  im.setResult(node, result);
  return llvm::Error::success();
}

} // namespace

void addElementwiseImporters(llvm::StringMap<OpImporter> &importers) {
  using mlir::mpt::IndexArithKind;
  importers["Add"] = importBinary<mlir::mpt::AddOp, IndexArithKind::Add>;
  importers["Sub"] = importBinary<mlir::mpt::SubOp, IndexArithKind::Sub>;
  importers["Mul"] = importBinary<mlir::mpt::MulOp, IndexArithKind::Mul>;
  importers["Div"] = importBinary<mlir::mpt::DivOp, IndexArithKind::Div>;
  importers["Mod"] = importMod;
  importers["Pow"] = importFloatBinary<mlir::mpt::PowOp>;
  importers["Relu"] = importUnary<mlir::mpt::ReluOp>;
  importers["Tanh"] = importUnary<mlir::mpt::TanhOp>;
  importers["Sigmoid"] = importUnary<mlir::mpt::SigmoidOp>;
  importers["Sqrt"] = importSqrt;
  importers["Exp"] = importUnary<mlir::mpt::ExpOp>;
  importers["Sin"] = importUnary<mlir::mpt::SinOp>;
  importers["Cos"] = importUnary<mlir::mpt::CosOp>;
  importers["Log"] = importUnary<mlir::mpt::LogOp>;
  importers["Erf"] = importUnary<mlir::mpt::ErfOp>;
  importers["Atan"] = importUnary<mlir::mpt::AtanOp>;
  importers["Asin"] = importUnary<mlir::mpt::AsinOp>;
  importers["Acos"] = importUnary<mlir::mpt::AcosOp>;
  importers["Tan"] = importUnary<mlir::mpt::TanOp>;
  importers["Floor"] = importUnary<mlir::mpt::FloorOp>;
  importers["Ceil"] = importUnary<mlir::mpt::CeilOp>;
  importers["Round"] = importUnary<mlir::mpt::RoundOp>;
  importers["IsNaN"] = importIsNaN;
  importers["IsInf"] = importIsInf;
  importers["Neg"] = importNeg;
  importers["Reciprocal"] = importReciprocal;
  importers["Identity"] = importIdentity;
  importers["Dropout"] = importDropout;
  importers["Softmax"] = importSoftmax<mlir::mpt::SoftmaxOp>;
  importers["LogSoftmax"] = importSoftmax<mlir::mpt::LogSoftmaxOp>;
  importers["Cast"] = importCast;
  importers["Where"] = importWhere;
  using mlir::mpt::ComparePredicate;
  importers["Greater"] = importComparison<ComparePredicate::GT>;
  importers["GreaterOrEqual"] = importComparison<ComparePredicate::GE>;
  importers["Less"] = importComparison<ComparePredicate::LT>;
  importers["LessOrEqual"] = importComparison<ComparePredicate::LE>;
  importers["Equal"] = importComparison<ComparePredicate::EQ>;
  for (const char *name : {"Not", "And", "Or", "Xor"})
    importers[name] = importLogical;
}

} // namespace import
} // namespace mpt
