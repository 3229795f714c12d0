//===- LayerImporters.cpp - Contractions, norms, conv, pooling ------------===//
//
// The layers of exported networks: MatMul and Gemm, layer normalisation, and
// 1-D, 2-D and 3-D convolution, transposed convolution and pooling. A 1-D
// window is a 2-D one of height 1. A 3-D (transposed) convolution is a 2-D
// one over the output depth positions folded into the batch, whose input
// channels are the depth taps of the window stacked (im2col along depth); a
// 3-D pooling is a 2-D pooling over (H, W) and then one over (D, H*W), as
// the maximum and the mean over a box are those over its rows of those over
// its planes. Attribute values outside what the mpt ops express are errors
// that name the supported values.
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

/// The window attributes of a Conv or pooling node: a 1-D window as a 2-D one
/// of height 1; 2-D and 3-D windows as given.
struct WindowAttrs {
  Shape kernel, strides, pads, dilations;
  /// The pads as the node gives them, for messages.
  Shape givenPads;
  bool ceilMode = false;
};

/// The spatial rank of a window node's input: 1 (NCL), 2 (NCHW) or, where
/// `volumes` allows, 3 (NCDHW).
llvm::Expected<int64_t> windowRank(GraphImporter &im,
                                   const onnx::NodeProto &node,
                                   RankedTensorType type, llvm::StringRef what,
                                   bool volumes = true) {
  int64_t rank = type.getRank();
  if (rank != 3 && rank != 4 && !(volumes && rank == 5))
    return im.fail(node, "a rank-" + llvm::Twine(rank) +
                             " input is not supported; supported: 1-D " + what +
                             " of NCL inputs, 2-D " + what + " of NCHW inputs" +
                             (volumes ? llvm::Twine(" and 3-D ") + what +
                                            " of NCDHW inputs"
                                      : llvm::Twine("")));
  return rank - 2;
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

/// A rank-3 (N, C, L) value as rank 4 (N, C, 1, L), for 1-D windows; other
/// ranks as they are.
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
                                          llvm::StringRef what, bool volumes) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  llvm::Expected<int64_t> rank =
      windowRank(im, node, typeOf(*input), what, volumes);
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

/// The input of the 2-D convolution that computes a 3-D one over the
/// depth-padded (N, C, D, H, W) `input`: tap t of the window reads planes
/// t * dilation + z * stride for output planes z < `outDepth`; the taps are
/// stacked inside each of the `groups` channel groups and the output planes
/// folded into the batch, (N * outDepth, groups * taps * C/groups, H, W).
Value stackDepthTaps(GraphImporter &im, const onnx::NodeProto &node,
                     Value input, int64_t groups, int64_t taps,
                     int64_t dilation, int64_t stride, int64_t outDepth) {
  RankedTensorType type = typeOf(input);
  ArrayRef<int64_t> x = type.getShape();
  int64_t n = x[0], perGroup = x[1] / groups, height = x[3], width = x[4];
  Location loc = im.loc(node);
  SmallVector<Value> slices;
  for (int64_t tap = 0; tap < taps; ++tap) {
    Value slice = mlir::mpt::SliceOp::create(
        im.b, loc, type.clone({n, x[1], outDepth, height, width}), input,
        im.b.getDenseI64ArrayAttr({0, 0, tap * dilation, 0, 0}),
        im.b.getDenseI64ArrayAttr({1, 1, stride, 1, 1}));
    slices.push_back(reshape(
        im, node, slice, {n, groups, 1, perGroup, outDepth, height, width}));
  }
  Value stacked = slices.front();
  if (taps > 1)
    stacked = mlir::mpt::ConcatOp::create(
        im.b, loc,
        type.clone({n, groups, taps, perGroup, outDepth, height, width}),
        slices, im.b.getI64IntegerAttr(2));
  stacked = permute(im, node, stacked, {0, 4, 1, 2, 3, 5, 6});
  return reshape(im, node, stacked,
                 {n * outDepth, groups * taps * perGroup, height, width});
}

/// A 3-D Conv (PyTorch's Conv3d) as one 2-D convolution. Each depth tap of
/// the window is a strided slice of the depth-padded input (N, C, D', H, W);
/// the taps are stacked inside each group's channels (group, tap, channel),
/// and the output depth positions folded into the batch: (N * D', G * KD *
/// C/G, H, W). The weight (O, C/G, KD, KH, KW) moves its taps in front of its
/// channels alike, (O, KD * C/G, KH, KW), so the 2-D convolution over (H, W)
/// sums over channels and depth taps at once.
llvm::Error importConv3D(GraphImporter &im, const onnx::NodeProto &node,
                         const ConvOperands &operands, int64_t groups) {
  const WindowAttrs &attrs = operands.attrs;
  RankedTensorType type = typeOf(operands.input);
  ArrayRef<int64_t> x = type.getShape(), w = typeOf(operands.weight).getShape();
  int64_t n = x[0], channels = x[1], depth = x[2], height = x[3], width = x[4];
  int64_t taps = w[2], perGroup = channels / groups;
  int64_t stride = attrs.strides[0], dilation = attrs.dilations[0];
  int64_t padded = depth + attrs.pads[0] + attrs.pads[3];
  int64_t extent = dilation * (taps - 1) + 1;
  Shape kernel = {attrs.kernel[1], attrs.kernel[2]};
  Shape strides = {attrs.strides[1], attrs.strides[2]};
  Shape dilations = {attrs.dilations[1], attrs.dilations[2]};
  Shape pads = {attrs.pads[1], attrs.pads[2], attrs.pads[4], attrs.pads[5]};
  mlir::mpt::Window2D window =
      mlir::mpt::Window2D::get(kernel, strides, pads, dilations);
  int64_t outHeight = window.outputSize(0, height);
  int64_t outWidth = window.outputSize(1, width);
  if (padded < extent || !outHeight || !outWidth)
    return im.fail(node, "the input " + shapeText(x) + " with pads " +
                             shapeText(attrs.givenPads) +
                             " is smaller than the dilated kernel " +
                             shapeText(attrs.kernel));
  int64_t outDepth = (padded - extent) / stride + 1;
  Shape stackedShape = {n, groups, taps, perGroup, outDepth, height, width};
  if (!elementCount(stackedShape))
    return im.fail(node, "its input stacked by depth tap " +
                             shapeText(stackedShape) + " is too large");

  Location loc = im.loc(node);
  Value input =
      padAlong(im, node, operands.input, 2, attrs.pads[0], attrs.pads[3]);
  Value stacked =
      stackDepthTaps(im, node, input, groups, taps, dilation, stride, outDepth);
  Value weight = permute(im, node, operands.weight, {0, 2, 1, 3, 4});
  weight = reshape(im, node, weight, {w[0], taps * w[1], w[3], w[4]});
  Value result = mlir::mpt::Conv2DOp::create(
      im.b, loc, type.clone({n * outDepth, w[0], outHeight, outWidth}), stacked,
      weight, operands.bias, im.b.getDenseI64ArrayAttr(strides),
      im.b.getDenseI64ArrayAttr(pads), im.b.getDenseI64ArrayAttr(dilations),
      im.b.getI64IntegerAttr(groups));
  result = reshape(im, node, result, {n, outDepth, w[0], outHeight, outWidth});
  im.setResult(node, permute(im, node, result, {0, 2, 1, 3, 4}));
  return llvm::Error::success();
}

llvm::Error importConv(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<ConvOperands> operands =
      convOperands(im, node, "convolution", /*volumes=*/true);
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
  if (spatialRank == 3)
    return importConv3D(im, node, *operands, groups);
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

/// A 3-D ConvTranspose (PyTorch's ConvTranspose3d) of output `shape` as one
/// 2-D transposed convolution. Along depth it is a direct convolution: the
/// input with stride - 1 zeros between its planes, padded so that output
/// plane z reads planes z + t * dilation for the taps t of the depth-flipped
/// kernel. Those taps are stacked inside each group's channels and the output
/// planes folded into the batch as for Conv3d (importConv3D); the weight (C,
/// O/G, KD, KH, KW) becomes (G * KD * C/G, O/G, KH, KW) with its depth taps
/// reversed.
llvm::Error importConvTranspose3D(GraphImporter &im,
                                  const onnx::NodeProto &node,
                                  const ConvOperands &operands, int64_t groups,
                                  ArrayRef<int64_t> shape) {
  const WindowAttrs &attrs = operands.attrs;
  RankedTensorType type = typeOf(operands.input);
  ArrayRef<int64_t> x = type.getShape(), w = typeOf(operands.weight).getShape();
  int64_t n = x[0], channels = x[1], depth = x[2], height = x[3], width = x[4];
  int64_t taps = w[2], perGroup = channels / groups, outDepth = shape[2];
  int64_t stride = attrs.strides[0], dilation = attrs.dilations[0];
  int64_t extent = dilation * (taps - 1) + 1;
  Shape stackedShape = {n, groups, taps, perGroup, outDepth, height, width};
  Shape spread = {n, channels, depth, stride, height, width};
  if (!elementCount(stackedShape) || !elementCount(spread))
    return im.fail(node, "its input stacked by depth tap " +
                             shapeText(stackedShape) + " is too large");
  Location loc = im.loc(node);
  auto slice = [&](Value value, int64_t offset, int64_t size) {
    RankedTensorType from = typeOf(value);
    Shape sizes(from.getShape());
    sizes[2] = size;
    Shape offsets(from.getRank(), 0);
    offsets[2] = offset;
    return mlir::mpt::SliceOp::create(
        im.b, loc, from.clone(sizes), value, im.b.getDenseI64ArrayAttr(offsets),
        im.b.getDenseI64ArrayAttr(Shape(from.getRank(), 1)));
  };

  // The planes spread `stride` apart, zeros between them.
  Value input = operands.input;
  int64_t spreadDepth = (depth - 1) * stride + 1;
  if (stride > 1 && depth > 1) {
    input = reshape(im, node, input, {n, channels, depth, 1, height, width});
    input = padAlong(im, node, input, 3, 0, stride - 1);
    input =
        reshape(im, node, input, {n, channels, depth * stride, height, width});
    input = slice(input, 0, spreadDepth);
  }
  // Output plane z reads spread planes z + t * dilation - before.
  int64_t before = extent - 1 - attrs.pads[0];
  int64_t after = outDepth + extent - 1 - before - spreadDepth;
  if (before < 0 || after < 0) {
    int64_t cropped = std::max<int64_t>(-before, 0);
    input = slice(input, cropped,
                  spreadDepth - cropped - std::max<int64_t>(-after, 0));
  }
  input = padAlong(im, node, input, 2, std::max<int64_t>(before, 0),
                   std::max<int64_t>(after, 0));

  Value stacked = stackDepthTaps(im, node, input, groups, taps, dilation,
                                 /*stride=*/1, outDepth);

  Value weight = reshape(im, node, operands.weight,
                         {groups, perGroup, w[1], taps, w[3], w[4]});
  if (taps > 1) {
    SmallVector<int64_t> reversed;
    for (int64_t tap = taps - 1; tap >= 0; --tap)
      reversed.push_back(tap);
    auto indexType = RankedTensorType::get({taps}, im.b.getI64Type());
    Value indices = arith::ConstantOp::create(
        im.b, loc, DenseIntElementsAttr::get(indexType, reversed));
    weight = mlir::mpt::GatherOp::create(im.b, loc, typeOf(weight), weight,
                                         indices, im.b.getI64IntegerAttr(3));
  }
  weight = permute(im, node, weight, {0, 3, 1, 2, 4, 5});
  weight =
      reshape(im, node, weight, {groups * taps * perGroup, w[1], w[3], w[4]});
  Value result = mlir::mpt::ConvTranspose2DOp::create(
      im.b, loc, type.clone({n * outDepth, shape[1], shape[3], shape[4]}),
      stacked, weight, operands.bias,
      im.b.getDenseI64ArrayAttr({attrs.strides[1], attrs.strides[2]}),
      im.b.getDenseI64ArrayAttr(
          {attrs.pads[1], attrs.pads[2], attrs.pads[4], attrs.pads[5]}),
      im.b.getDenseI64ArrayAttr({attrs.dilations[1], attrs.dilations[2]}),
      im.b.getI64IntegerAttr(groups));
  result =
      reshape(im, node, result, {n, outDepth, shape[1], shape[3], shape[4]});
  im.setResult(node, permute(im, node, result, {0, 2, 1, 3, 4}));
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
      convOperands(im, node, "transposed convolution", /*volumes=*/true);
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
  Shape shape = {type.getDimSize(0), w[1] * groups};
  size_t dims = attrs.kernel.size();
  for (size_t dim = 0; dim < dims; ++dim) {
    // The window attributes are bounded, so only the product can overflow.
    int64_t extent = attrs.dilations[dim] * (attrs.kernel[dim] - 1) + 1;
    int64_t size;
    if (llvm::MulOverflow(type.getDimSize(2 + dim) - 1, attrs.strides[dim],
                          size) ||
        llvm::AddOverflow(size,
                          extent + outputPadding[dim] - attrs.pads[dim] -
                              attrs.pads[dims + dim],
                          size) ||
        size < 1)
      return im.fail(node, "the input " + shapeText(given) + " with pads " +
                               shapeText(attrs.givenPads) +
                               " gives no output of a supported size");
    shape.push_back(size);
  }
  if (!elementCount(shape))
    return im.fail(node, "its output " + shapeText(shape) + " is too large");
  if (spatialRank == 3)
    return importConvTranspose3D(im, node, *operands, groups, shape);
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

/// A 2-D max or average pooling of the NCHW `input`. `ceil_mode` counts a
/// last, partial window as PyTorch does (it must start inside the input or
/// its leading padding): extra trailing padding that no element of the result
/// counts.
llvm::Expected<Value> pool2D(GraphImporter &im, const onnx::NodeProto &node,
                             Value input, ArrayRef<int64_t> kernel,
                             ArrayRef<int64_t> strides,
                             ArrayRef<int64_t> givenPads,
                             ArrayRef<int64_t> dilations, bool ceilMode,
                             bool isMax, bool countIncludePad) {
  RankedTensorType type = typeOf(input);
  mlir::mpt::Window2D window =
      mlir::mpt::Window2D::get(kernel, strides, givenPads, dilations);
  Shape pads(givenPads);
  for (int dim = 0; dim < 2 && ceilMode; ++dim) {
    int64_t size = type.getDimSize(2 + dim);
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
  window = mlir::mpt::Window2D::get(kernel, strides, pads, dilations);
  Shape shape = {type.getDimSize(0), type.getDimSize(1),
                 window.outputSize(0, type.getDimSize(2)),
                 window.outputSize(1, type.getDimSize(3))};
  Location loc = im.loc(node);
  if (isMax)
    return mlir::mpt::MaxPool2DOp::create(im.b, loc, type.clone(shape), input,
                                          im.b.getDenseI64ArrayAttr(kernel),
                                          im.b.getDenseI64ArrayAttr(strides),
                                          im.b.getDenseI64ArrayAttr(pads),
                                          im.b.getDenseI64ArrayAttr(dilations))
        .getResult();
  return mlir::mpt::AvgPool2DOp::create(im.b, loc, type.clone(shape), input,
                                        im.b.getDenseI64ArrayAttr(kernel),
                                        im.b.getDenseI64ArrayAttr(strides),
                                        im.b.getDenseI64ArrayAttr(pads),
                                        countIncludePad)
      .getResult();
}

/// MaxPool and AveragePool, 1-D, 2-D or 3-D. A 3-D pooling (N, C, D, H, W)
/// pools (H, W) of (N, C * D, H, W), then (D, 1) of (N, C, D, H' * W'): the
/// maximum over a box is the maximum over its depth of the maxima of its
/// planes, and a mean over a box the mean of the means of its planes, as
/// the number of elements a window counts is the product of those it counts
/// along each dim, with or without its padding.
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
  llvm::Expected<WindowAttrs> attrs =
      windowAttrs(im, node, typeOf(*input).getShape(), {});
  if (!attrs)
    return attrs.takeError();
  bool isMax = node.op_type() == "MaxPool";
  bool countIncludePad = im.intAttr(node, "count_include_pad", 0) != 0;
  if (!isMax && llvm::any_of(attrs->dilations,
                             [](int64_t dilation) { return dilation != 1; }))
    return im.fail(node, "dilations are not supported for average pooling");
  // A window made only of padding has no element to pool.
  size_t dims = attrs->kernel.size();
  Shape extent;
  for (size_t dim = 0; dim < dims; ++dim)
    extent.push_back(attrs->dilations[dim] * (attrs->kernel[dim] - 1) + 1);
  for (size_t dim = 0; dim < dims; ++dim)
    if (attrs->pads[dim] >= extent[dim] ||
        attrs->pads[dims + dim] >= extent[dim])
      return im.fail(node, "pads " + shapeText(attrs->givenPads) +
                               " must be smaller than the window extent " +
                               shapeText(ArrayRef<int64_t>(extent).take_back(
                                   *spatialRank)));
  // A stage of a 3-D pooling whose window is one element is skipped.
  auto pool = [&](Value value, ArrayRef<int64_t> kernel,
                  ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                  ArrayRef<int64_t> dilations) -> llvm::Expected<Value> {
    auto one = [](int64_t size) { return size == 1; };
    auto zero = [](int64_t size) { return size == 0; };
    if (*spatialRank == 3 && llvm::all_of(kernel, one) &&
        llvm::all_of(strides, one) && llvm::all_of(pads, zero))
      return value;
    return pool2D(im, node, value, kernel, strides, pads, dilations,
                  attrs->ceilMode, isMax, countIncludePad);
  };
  if (*spatialRank != 3) {
    llvm::Expected<Value> result =
        pool(liftTo2D(im, node, *input), attrs->kernel, attrs->strides,
             attrs->pads, attrs->dilations);
    if (!result)
      return result.takeError();
    setWindowResult(im, node, *spatialRank, *result);
    return llvm::Error::success();
  }
  ArrayRef<int64_t> x = typeOf(*input).getShape();
  const WindowAttrs &a = *attrs;
  llvm::Expected<Value> planes =
      pool(reshape(im, node, *input, {x[0], x[1] * x[2], x[3], x[4]}),
           {a.kernel[1], a.kernel[2]}, {a.strides[1], a.strides[2]},
           {a.pads[1], a.pads[2], a.pads[4], a.pads[5]},
           {a.dilations[1], a.dilations[2]});
  if (!planes)
    return planes.takeError();
  ArrayRef<int64_t> p = typeOf(*planes).getShape();
  llvm::Expected<Value> boxes =
      pool(reshape(im, node, *planes, {x[0], x[1], x[2], p[2] * p[3]}),
           {a.kernel[0], 1}, {a.strides[0], 1}, {a.pads[0], 0, a.pads[3], 0},
           {a.dilations[0], 1});
  if (!boxes)
    return boxes.takeError();
  int64_t outDepth = typeOf(*boxes).getDimSize(2);
  im.setResult(node,
               reshape(im, node, *boxes, {x[0], x[1], outDepth, p[2], p[3]}));
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
