//===- ElementwiseImporters.cpp - Elementwise ONNX ops to mpt ops ------- ===//
//
// Arithmetic with NumPy broadcasting, made explicit with `mpt.reshape` and
// `mpt.broadcast` where the mpt op's trailing-dims rule does not cover it;
// unary math, softmax, float casts, and the ops that import as nothing.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace mpt {
namespace import {

namespace {

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

} // namespace

void addElementwiseImporters(llvm::StringMap<OpImporter> &importers) {
  importers["Add"] = importBinary<mlir::mpt::AddOp>;
  importers["Sub"] = importBinary<mlir::mpt::SubOp>;
  importers["Mul"] = importBinary<mlir::mpt::MulOp>;
  importers["Div"] = importBinary<mlir::mpt::DivOp>;
  importers["Pow"] = importBinary<mlir::mpt::PowOp>;
  importers["Relu"] = importUnary<mlir::mpt::ReluOp>;
  importers["Tanh"] = importUnary<mlir::mpt::TanhOp>;
  importers["Sigmoid"] = importUnary<mlir::mpt::SigmoidOp>;
  importers["Sqrt"] = importUnary<mlir::mpt::SqrtOp>;
  importers["Exp"] = importUnary<mlir::mpt::ExpOp>;
  importers["Log"] = importUnary<mlir::mpt::LogOp>;
  importers["Erf"] = importUnary<mlir::mpt::ErfOp>;
  importers["Neg"] = importNeg;
  importers["Reciprocal"] = importReciprocal;
  importers["Identity"] = importIdentity;
  importers["Dropout"] = importDropout;
  importers["Softmax"] = importSoftmax<mlir::mpt::SoftmaxOp>;
  importers["LogSoftmax"] = importSoftmax<mlir::mpt::LogSoftmaxOp>;
  importers["Cast"] = importCast;
}

} // namespace import
} // namespace mpt
