//===- LayerImporters.cpp - Contractions, reductions, norms, conv, pooling ===//
//
// The layers of exported networks: MatMul and Gemm, reductions, layer
// normalisation, 2-D convolution, transposed convolution and pooling. Attribute
// values outside what the mpt ops express are errors that name the supported
// values.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Dialect/MPT/IR/Window.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace mpt {
namespace import {

namespace {

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
  if (llvm::Error error = normalizeDistinctAxes(im, node, dims, type.getRank()))
    return error;
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
  if (type.getRank() == 0)
    return im.fail(node, "a rank-0 input is not supported; supported: the "
                         "normalisation of the last dim");
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
  int64_t width = type.getShape().back();
  for (auto [name, value] : {std::pair{"scale", *scale}, {"bias", bias}})
    if (typeOf(value).getShape() != ArrayRef<int64_t>(width))
      return im.fail(node, llvm::Twine("the ") + name + " has shape " +
                               shapeText(typeOf(value).getShape()) +
                               "; expected [" + llvm::Twine(width) +
                               "], the last dim of the input " +
                               shapeText(type.getShape()));
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
  // Bounded so that the window arithmetic cannot overflow.
  constexpr int64_t kLimit = int64_t(1) << 31;
  for (auto [name, values, least] :
       {std::tuple{"kernel_shape", &attrs.kernel, 1},
        {"strides", &attrs.strides, 1},
        {"dilations", &attrs.dilations, 1},
        {"pads", &attrs.pads, 0}})
    for (int64_t value : *values)
      if (value < least || value > kLimit)
        return im.fail(node, llvm::Twine(name) + " " + shapeText(*values) +
                                 " is not supported; supported: values from " +
                                 llvm::Twine(least) + " to " +
                                 llvm::Twine(kLimit));
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
  if (groups < 1 || w[0] % groups != 0 || type.getDimSize(1) != w[1] * groups)
    return im.fail(node, "group = " + llvm::Twine(groups) + " does not fit " +
                             "the input " + shapeText(type.getShape()) +
                             " and the weight " + shapeText(w) +
                             "; expected a group that divides the output "
                             "channels, with input channels = weight dim 1 * "
                             "group");
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

/// ConvTranspose (PyTorch's ConvTranspose2d): weight C x M/group x KH x KW,
/// result size (in - 1) * stride - pads + extent + output_padding.
llvm::Error importConvTranspose(GraphImporter &im,
                                const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() != 4)
    return im.fail(node, "a rank-" + llvm::Twine(type.getRank()) +
                             " input is not supported; supported: 2-D "
                             "transposed convolution of NCHW inputs");
  if (im.intsAttr(node, "output_shape"))
    return im.fail(node, "output_shape is not supported; supported: "
                         "pads and output_padding (PyTorch's export)");
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
  if (groups < 1 || type.getDimSize(1) != w[0] ||
      type.getDimSize(1) % groups != 0)
    return im.fail(node, "group = " + llvm::Twine(groups) + " does not fit " +
                             "the input " + shapeText(type.getShape()) +
                             " and the weight " + shapeText(w) +
                             "; expected input channels = weight dim 0, "
                             "divided by group");
  std::vector<int64_t> outputPadding =
      im.intsAttr(node, "output_padding").value_or(std::vector<int64_t>{0, 0});
  if (outputPadding.size() != 2)
    return im.fail(node, "output_padding " + shapeText(outputPadding) +
                             " must have 2 values");
  for (int dim = 0; dim < 2; ++dim)
    if (outputPadding[dim] < 0 || outputPadding[dim] >= attrs->strides[dim])
      return im.fail(node, "output_padding " + shapeText(outputPadding) +
                               " is not supported; supported: from 0 to "
                               "the stride " +
                               shapeText(attrs->strides) + " minus 1");
  Value bias;
  if (im.hasInput(node, 2)) {
    llvm::Expected<Value> value = im.value(node, 2, element);
    if (!value)
      return value.takeError();
    bias = *value;
    ArrayRef<int64_t> b = typeOf(bias).getShape();
    if (b.size() != 1 || b[0] != w[1] * groups)
      return im.fail(node, "the bias " + shapeText(b) + " must be [" +
                               llvm::Twine(w[1] * groups) +
                               "], the output channels");
  }
  mlir::mpt::Window2D window = mlir::mpt::Window2D::get(
      attrs->kernel, attrs->strides, attrs->pads, attrs->dilations);
  Shape shape = {type.getDimSize(0), w[1] * groups};
  for (int dim = 0; dim < 2; ++dim) {
    // The window attributes are bounded, so only the product can overflow.
    int64_t size;
    if (llvm::MulOverflow(type.getDimSize(2 + dim) - 1, window.strides[dim],
                          size) ||
        llvm::AddOverflow(size,
                          window.extent(dim) + outputPadding[dim] -
                              window.padBegin[dim] - window.padEnd[dim],
                          size) ||
        size < 1)
      return im.fail(node, "the input " + shapeText(type.getShape()) +
                               " with pads " + shapeText(attrs->pads) +
                               " gives no output of a supported size");
    shape.push_back(size);
  }
  if (!elementCount(shape))
    return im.fail(node, "its output " + shapeText(shape) + " is too large");
  RankedTensorType resultType = type.clone(shape);
  im.setResult(node, mlir::mpt::ConvTranspose2DOp::create(
                         im.b, im.loc(node), resultType, *input, *weight, bias,
                         im.b.getDenseI64ArrayAttr(attrs->strides),
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
  // A window made only of padding has no element to pool.
  for (int dim = 0; dim < 2; ++dim)
    if (window.padBegin[dim] >= window.extent(dim) ||
        window.padEnd[dim] >= window.extent(dim))
      return im.fail(node, "pads " + shapeText(attrs->pads) +
                               " must be smaller than the window extent [" +
                               llvm::Twine(window.extent(0)) + ", " +
                               llvm::Twine(window.extent(1)) + "]");
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

void addLayerImporters(llvm::StringMap<OpImporter> &importers) {
  importers["MatMul"] = importMatMul;
  importers["Gemm"] = importGemm;
  importers["ReduceMean"] = importReduce<mlir::mpt::ReduceMeanOp>;
  importers["ReduceSum"] = importReduce<mlir::mpt::ReduceSumOp>;
  importers["ReduceMax"] = importReduce<mlir::mpt::ReduceMaxOp>;
  importers["GlobalAveragePool"] = importGlobalAveragePool;
  importers["LayerNormalization"] = importLayerNormalization;
  importers["Conv"] = importConv;
  importers["ConvTranspose"] = importConvTranspose;
  importers["MaxPool"] = importPool;
  importers["AveragePool"] = importPool;
}

} // namespace import
} // namespace mpt
