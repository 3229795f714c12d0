//===- LayerImporters.cpp - Contractions, norms, conv, pooling ------------===//
//
// The layers of exported networks: MatMul and Gemm, layer normalisation, and
// 1-D and 2-D convolution, transposed convolution and pooling (a 1-D window is
// a 2-D one of height 1). Attribute values outside what the mpt ops express are
// errors that name the supported values.
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
// Normalisation
//===----------------------------------------------------------------------===//

/// LayerNormalization over the dims from `axis` on: over the last dim, an
/// mpt.layer_norm; over several (PyTorch's `LayerNorm((H, W))`), the same
/// between reshapes that merge the normalised dims into one and split them
/// again, the scale and bias reshaped alike.
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
                         "normalisation of its trailing dims");
  llvm::Expected<int64_t> axis =
      normalizeAxis(im, node, im.intAttr(node, "axis", -1), type.getRank());
  if (!axis)
    return axis.takeError();
  ArrayRef<int64_t> shape = type.getShape();
  Shape normalised(shape.drop_front(*axis)), merged(shape.take_front(*axis));
  int64_t width = 1;
  for (int64_t dim : normalised)
    width *= dim;
  merged.push_back(width);
  Type element = type.getElementType();
  Location loc = im.loc(node);
  SmallVector<Value, 2> affine;
  for (auto [index, name] : {std::pair{1u, "scale"}, {2u, "bias"}}) {
    if (!im.hasInput(node, index)) {
      if (index == 1)
        return im.fail(node, "expected a scale (input 1), found none");
      HostConstant zeros;
      zeros.shape = {width};
      zeros.floats.assign(width, 0.0);
      affine.push_back(im.materialize(zeros, element, loc));
      continue;
    }
    llvm::Expected<Value> value = im.value(node, index, element);
    if (!value)
      return value.takeError();
    // Broadcastable to the normalised dims (unidirectionally).
    ArrayRef<int64_t> given = typeOf(*value).getShape();
    bool fits = given.size() <= normalised.size();
    for (size_t i = 1; fits && i <= given.size(); ++i)
      fits = given[given.size() - i] == 1 ||
             given[given.size() - i] == normalised[normalised.size() - i];
    if (!fits)
      return im.fail(
          node, llvm::Twine("the ") + name + " has shape " + shapeText(given) +
                    "; expected " + shapeText(normalised) +
                    ", the normalised dims of the input " + shapeText(shape));
    affine.push_back(
        reshape(im, node, broadcastTo(im, node, *value, normalised), {width}));
  }
  Value x = reshape(im, node, *input, merged);
  Value result = mlir::mpt::LayerNormOp::create(
      im.b, loc, typeOf(x), x, affine[0], affine[1],
      im.b.getF64FloatAttr(im.floatAttr(node, "epsilon", 1e-5)));
  im.setResult(node, reshape(im, node, result, shape));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// The window attributes of a 1-D or 2-D Conv or pooling node, always as 2-D
/// attributes: a 1-D window is a 2-D one of height 1.
struct WindowAttrs {
  Shape kernel, strides, pads, dilations;
  /// The pads as the node gives them, for messages.
  Shape givenPads;
  bool ceilMode = false;
};

/// The spatial rank of a window node's input: 1 (NCL) or 2 (NCHW).
llvm::Expected<int64_t> windowRank(GraphImporter &im,
                                   const onnx::NodeProto &node,
                                   RankedTensorType type,
                                   llvm::StringRef what) {
  if (type.getRank() != 3 && type.getRank() != 4)
    return im.fail(node, "a rank-" + llvm::Twine(type.getRank()) +
                             " input is not supported; supported: 1-D " + what +
                             " of NCL inputs and 2-D " + what +
                             " of NCHW inputs");
  return type.getRank() - 2;
}

/// `input` is the node's input shape, `kernel` the weight's spatial shape
/// (empty for pooling). `auto_pad = SAME_UPPER` and `SAME_LOWER` pad each
/// spatial dim so that it gives ceil(size / stride) windows, the odd unit
/// of padding at the end (UPPER) or the start (LOWER); `VALID` pads nothing.
llvm::Expected<WindowAttrs> windowAttrs(GraphImporter &im,
                                        const onnx::NodeProto &node,
                                        ArrayRef<int64_t> input,
                                        ArrayRef<int64_t> kernel) {
  std::string autoPad = im.stringAttr(node, "auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return im.fail(node, "auto_pad = " + autoPad +
                             " is not supported; supported: NOTSET, VALID, "
                             "SAME_UPPER, SAME_LOWER");
  int64_t ceilMode = im.intAttr(node, "ceil_mode", 0);
  if (ceilMode != 0 && ceilMode != 1)
    return im.fail(node, "ceil_mode = " + llvm::Twine(ceilMode) +
                             " is not supported; supported: 0, 1");
  if (im.intAttr(node, "storage_order", 0) != 0)
    return im.fail(node, "storage_order = 1 is not supported; supported: 0");
  size_t n = input.size() - 2;
  auto get = [&](llvm::StringRef name, size_t size, int64_t value) {
    std::vector<int64_t> values =
        im.intsAttr(node, name).value_or(std::vector<int64_t>(size, value));
    return Shape(values.begin(), values.end());
  };
  WindowAttrs attrs;
  attrs.ceilMode = ceilMode == 1;
  attrs.kernel = im.intsAttr(node, "kernel_shape")
                     ? get("kernel_shape", n, 1)
                     : Shape(kernel.begin(), kernel.end());
  attrs.strides = get("strides", n, 1);
  attrs.pads = get("pads", 2 * n, 0);
  attrs.dilations = get("dilations", n, 1);
  if (attrs.kernel.size() != n || attrs.strides.size() != n ||
      attrs.pads.size() != 2 * n || attrs.dilations.size() != n)
    return im.fail(node, "expected a " + llvm::Twine(n) +
                             "-D window for a rank-" + llvm::Twine(n + 2) +
                             " input: kernel_shape, strides and dilations "
                             "of " +
                             llvm::Twine(n) + " values, pads of " +
                             llvm::Twine(2 * n));
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
  if (!kernel.empty() && ArrayRef<int64_t>(attrs.kernel) != kernel)
    return im.fail(node, "kernel_shape " + shapeText(attrs.kernel) +
                             " does not match the weight's spatial dims " +
                             shapeText(kernel));
  if (autoPad != "NOTSET") {
    if (im.intsAttr(node, "pads"))
      return im.fail(node, "pads are given with auto_pad = " + autoPad +
                               "; expected one or the other");
    attrs.pads.assign(2 * n, 0);
  }
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t dim = 0; dim < n; ++dim) {
      int64_t size = input[2 + dim], stride = attrs.strides[dim];
      int64_t extent = attrs.dilations[dim] * (attrs.kernel[dim] - 1) + 1;
      int64_t total = std::max<int64_t>(
          (llvm::divideCeil(size, stride) - 1) * stride + extent - size, 0);
      int64_t atEnd = autoPad == "SAME_UPPER" ? total - total / 2 : total / 2;
      attrs.pads[dim] = total - atEnd;
      attrs.pads[n + dim] = atEnd;
    }
  }
  attrs.givenPads = attrs.pads;
  if (n == 1) {
    attrs.kernel.insert(attrs.kernel.begin(), 1);
    attrs.strides.insert(attrs.strides.begin(), 1);
    attrs.dilations.insert(attrs.dilations.begin(), 1);
    attrs.pads = {0, attrs.pads[0], 0, attrs.pads[1]};
  }
  return attrs;
}

/// A rank-3 (N, C, L) value as rank 4 (N, C, 1, L), for 1-D windows.
Value liftTo2D(GraphImporter &im, const onnx::NodeProto &node, Value value) {
  ArrayRef<int64_t> shape = typeOf(value).getShape();
  if (shape.size() != 3)
    return value;
  return reshape(im, node, value, {shape[0], shape[1], 1, shape[2]});
}

/// Sets the node's result from a 2-D window op's, dropping the unit height
/// again for a 1-D window.
void setWindowResult(GraphImporter &im, const onnx::NodeProto &node,
                     int64_t spatialRank, Value result) {
  ArrayRef<int64_t> shape = typeOf(result).getShape();
  if (spatialRank == 1)
    result = reshape(im, node, result, {shape[0], shape[1], shape[3]});
  im.setResult(node, result);
}

/// The input and weight of a Conv or ConvTranspose, lifted to 2-D, its bias
/// (if any), its window attributes and the shapes as the node gives them
/// (for messages).
struct ConvOperands {
  Value input, weight, bias;
  int64_t spatialRank;
  WindowAttrs attrs;
  ArrayRef<int64_t> givenInput, givenWeight;
};

llvm::Expected<ConvOperands> convOperands(GraphImporter &im,
                                          const onnx::NodeProto &node,
                                          llvm::StringRef what) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  llvm::Expected<int64_t> rank = windowRank(im, node, typeOf(*input), what);
  if (!rank)
    return rank.takeError();
  int64_t spatialRank = *rank;
  llvm::Expected<Value> weight =
      im.value(node, 1, typeOf(*input).getElementType());
  if (!weight)
    return weight.takeError();
  ConvOperands operands;
  operands.spatialRank = spatialRank;
  operands.givenInput = typeOf(*input).getShape();
  operands.givenWeight = typeOf(*weight).getShape();
  if (static_cast<int64_t>(operands.givenWeight.size()) != spatialRank + 2)
    return im.fail(node, "the weight " + shapeText(operands.givenWeight) +
                             " must have rank " + llvm::Twine(spatialRank + 2) +
                             ", as the input");
  llvm::Expected<WindowAttrs> attrs = windowAttrs(
      im, node, operands.givenInput, operands.givenWeight.drop_front(2));
  if (!attrs)
    return attrs.takeError();
  operands.attrs = std::move(*attrs);
  operands.input = liftTo2D(im, node, *input);
  operands.weight = liftTo2D(im, node, *weight);
  if (im.hasInput(node, 2)) {
    llvm::Expected<Value> bias =
        im.value(node, 2, typeOf(*input).getElementType());
    if (!bias)
      return bias.takeError();
    operands.bias = *bias;
  }
  return operands;
}

llvm::Error importConv(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<ConvOperands> operands = convOperands(im, node, "convolution");
  if (!operands)
    return operands.takeError();
  auto &[lifted, weight2D, bias, spatialRank, attrs, given, givenWeight] =
      *operands;
  RankedTensorType type = typeOf(lifted);
  ArrayRef<int64_t> w = typeOf(weight2D).getShape();
  int64_t groups = im.intAttr(node, "group", 1);
  if (groups < 1 || w[0] % groups != 0 || type.getDimSize(1) != w[1] * groups)
    return im.fail(node, "group = " + llvm::Twine(groups) + " does not fit " +
                             "the input " + shapeText(given) +
                             " and the weight " + shapeText(givenWeight) +
                             "; expected a group that divides the output "
                             "channels, with input channels = weight dim 1 * "
                             "group");
  mlir::mpt::Window2D window = mlir::mpt::Window2D::get(
      attrs.kernel, attrs.strides, attrs.pads, attrs.dilations);
  Shape shape = {type.getDimSize(0), w[0],
                 window.outputSize(0, type.getDimSize(2)),
                 window.outputSize(1, type.getDimSize(3))};
  setWindowResult(im, node, spatialRank,
                  mlir::mpt::Conv2DOp::create(
                      im.b, im.loc(node), type.clone(shape), lifted, weight2D,
                      bias, im.b.getDenseI64ArrayAttr(attrs.strides),
                      im.b.getDenseI64ArrayAttr(attrs.pads),
                      im.b.getDenseI64ArrayAttr(attrs.dilations),
                      im.b.getI64IntegerAttr(groups)));
  return llvm::Error::success();
}

/// ConvTranspose (PyTorch's ConvTranspose2d): weight C x M/group x KH x KW,
/// result size (in - 1) * stride - pads + extent + output_padding.
llvm::Error importConvTranspose(GraphImporter &im,
                                const onnx::NodeProto &node) {
  if (im.intsAttr(node, "output_shape"))
    return im.fail(node, "output_shape is not supported; supported: "
                         "pads and output_padding (PyTorch's export)");
  std::string autoPad = im.stringAttr(node, "auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")
    return im.fail(node, "auto_pad = " + autoPad +
                             " is not supported for ConvTranspose; supported: "
                             "NOTSET, VALID");
  llvm::Expected<ConvOperands> operands =
      convOperands(im, node, "transposed convolution");
  if (!operands)
    return operands.takeError();
  auto &[lifted, weight2D, bias, spatialRank, attrs, given, givenWeight] =
      *operands;
  RankedTensorType type = typeOf(lifted);
  ArrayRef<int64_t> w = typeOf(weight2D).getShape();
  int64_t groups = im.intAttr(node, "group", 1);
  if (groups < 1 || type.getDimSize(1) != w[0] ||
      type.getDimSize(1) % groups != 0)
    return im.fail(node, "group = " + llvm::Twine(groups) + " does not fit " +
                             "the input " + shapeText(given) +
                             " and the weight " + shapeText(givenWeight) +
                             "; expected input channels = weight dim 0, "
                             "divided by group");
  std::vector<int64_t> outputPadding =
      im.intsAttr(node, "output_padding")
          .value_or(std::vector<int64_t>(spatialRank, 0));
  if (static_cast<int64_t>(outputPadding.size()) != spatialRank)
    return im.fail(node, "output_padding " + shapeText(outputPadding) +
                             " must have " + llvm::Twine(spatialRank) +
                             " values");
  ArrayRef<int64_t> strides =
      ArrayRef<int64_t>(attrs.strides).take_back(spatialRank);
  for (auto [padding, stride] : llvm::zip(outputPadding, strides))
    if (padding < 0 || padding >= stride)
      return im.fail(node, "output_padding " + shapeText(outputPadding) +
                               " is not supported; supported: from 0 to "
                               "the stride " +
                               shapeText(strides) + " minus 1");
  if (spatialRank == 1)
    outputPadding.insert(outputPadding.begin(), 0);
  if (bias) {
    ArrayRef<int64_t> b = typeOf(bias).getShape();
    if (b.size() != 1 || b[0] != w[1] * groups)
      return im.fail(node, "the bias " + shapeText(b) + " must be [" +
                               llvm::Twine(w[1] * groups) +
                               "], the output channels");
  }
  mlir::mpt::Window2D window = mlir::mpt::Window2D::get(
      attrs.kernel, attrs.strides, attrs.pads, attrs.dilations);
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
      return im.fail(node, "the input " + shapeText(given) + " with pads " +
                               shapeText(attrs.givenPads) +
                               " gives no output of a supported size");
    shape.push_back(size);
  }
  if (!elementCount(shape))
    return im.fail(node, "its output " + shapeText(shape) + " is too large");
  RankedTensorType resultType = type.clone(shape);
  setWindowResult(im, node, spatialRank,
                  mlir::mpt::ConvTranspose2DOp::create(
                      im.b, im.loc(node), resultType, lifted, weight2D, bias,
                      im.b.getDenseI64ArrayAttr(attrs.strides),
                      im.b.getDenseI64ArrayAttr(attrs.pads),
                      im.b.getDenseI64ArrayAttr(attrs.dilations),
                      im.b.getI64IntegerAttr(groups)));
  return llvm::Error::success();
}

/// MaxPool and AveragePool, 1-D or 2-D. `ceil_mode` counts a last, partial
/// window as PyTorch does (it must start inside the input or its leading
/// padding): extra trailing padding that no element of the result counts.
llvm::Error importPool(GraphImporter &im, const onnx::NodeProto &node) {
  if (node.output_size() > 1 && !node.output(1).empty())
    return im.fail(node, "the Indices output is not supported");
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  llvm::Expected<int64_t> spatialRank =
      windowRank(im, node, typeOf(*input), "pooling");
  if (!spatialRank)
    return spatialRank.takeError();
  Value lifted = liftTo2D(im, node, *input);
  RankedTensorType type = typeOf(lifted);
  llvm::Expected<WindowAttrs> attrs =
      windowAttrs(im, node, typeOf(*input).getShape(), {});
  if (!attrs)
    return attrs.takeError();
  bool isMax = node.op_type() == "MaxPool";
  bool countIncludePad = im.intAttr(node, "count_include_pad", 0) != 0;
  if (!isMax && attrs->dilations != Shape{1, 1})
    return im.fail(node, "dilations are not supported for average pooling");
  mlir::mpt::Window2D window = mlir::mpt::Window2D::get(
      attrs->kernel, attrs->strides, attrs->pads, attrs->dilations);
  // A window made only of padding has no element to pool.
  Shape extent = {window.extent(0), window.extent(1)};
  for (int dim = 0; dim < 2; ++dim)
    if (window.padBegin[dim] >= extent[dim] ||
        window.padEnd[dim] >= extent[dim])
      return im.fail(node, "pads " + shapeText(attrs->givenPads) +
                               " must be smaller than the window extent " +
                               shapeText(ArrayRef<int64_t>(extent).take_back(
                                   *spatialRank)));
  Shape pads = attrs->pads;
  for (int dim = 0; dim < 2; ++dim) {
    int64_t size = type.getDimSize(2 + dim);
    if (!attrs->ceilMode)
      continue;
    int64_t room = window.paddedSize(dim, size) - window.extent(dim);
    int64_t count = llvm::divideCeil(room, window.strides[dim]) + 1;
    if ((count - 1) * window.strides[dim] >= size + window.padBegin[dim])
      --count;
    int64_t extra = (count - 1) * window.strides[dim] - room;
    if (extra <= 0)
      continue;
    if (countIncludePad)
      return im.fail(node, "ceil_mode = 1 with count_include_pad = 1 adds a "
                           "partial window whose divisor the pool cannot "
                           "express; supported: count_include_pad = 0 "
                           "(PyTorch exports its padding as a Pad)");
    pads[2 + dim] += extra;
  }
  window = mlir::mpt::Window2D::get(attrs->kernel, attrs->strides, pads,
                                    attrs->dilations);
  Shape shape = {type.getDimSize(0), type.getDimSize(1),
                 window.outputSize(0, type.getDimSize(2)),
                 window.outputSize(1, type.getDimSize(3))};
  Location loc = im.loc(node);
  Value result;
  if (isMax)
    result = mlir::mpt::MaxPool2DOp::create(
        im.b, loc, type.clone(shape), lifted,
        im.b.getDenseI64ArrayAttr(attrs->kernel),
        im.b.getDenseI64ArrayAttr(attrs->strides),
        im.b.getDenseI64ArrayAttr(pads),
        im.b.getDenseI64ArrayAttr(attrs->dilations));
  else
    result = mlir::mpt::AvgPool2DOp::create(
        im.b, loc, type.clone(shape), lifted,
        im.b.getDenseI64ArrayAttr(attrs->kernel),
        im.b.getDenseI64ArrayAttr(attrs->strides),
        im.b.getDenseI64ArrayAttr(pads), countIncludePad);
  setWindowResult(im, node, *spatialRank, result);
  return llvm::Error::success();
}

} // namespace

void addLayerImporters(llvm::StringMap<OpImporter> &importers) {
  importers["MatMul"] = importMatMul;
  importers["Gemm"] = importGemm;
  importers["LayerNormalization"] = importLayerNormalization;
  importers["Conv"] = importConv;
  importers["ConvTranspose"] = importConvTranspose;
  importers["MaxPool"] = importPool;
  importers["AveragePool"] = importPool;
}

} // namespace import
} // namespace mpt
