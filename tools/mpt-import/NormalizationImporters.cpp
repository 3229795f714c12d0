//===- NormalizationImporters.cpp - Batch and instance normalization ------===//
//
// PyTorch's BatchNorm1d/2d/3d as exported for training: each channel (dim
// 1) is normalised with the mean and biased variance of the batch over
// every other dim, then scaled and shifted by the trained weight and bias.
// The running statistics are buffers, not parameters: in training mode
// they are not read (MPT does not update them), in inference mode they are
// the constants the normalisation uses. InstanceNormalization (PyTorch's
// InstanceNorm1d/2d and, around a reshape to groups, GroupNorm) normalises
// each sample's channel over its spatial dims. Built from existing ops, so
// the differentiation and the mixed-precision classes are theirs.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include <cmath>

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// Broadcasts `value` ([N, C] with `withBatch`, else [C]) to `shape`
/// ([N, C, ...]).
Value expandTo(GraphImporter &im, const onnx::NodeProto &node, Value value,
               ArrayRef<int64_t> shape, bool withBatch) {
  SmallVector<int64_t> added;
  for (int64_t dim = 0; dim < static_cast<int64_t>(shape.size()); ++dim)
    if (dim > 1 || (dim == 0 && !withBatch))
      added.push_back(dim);
  return mlir::mpt::BroadcastOp::create(im.b, im.loc(node),
                                        typeOf(value).clone(shape), value,
                                        im.b.getDenseI64ArrayAttr(added));
}

/// Broadcasts the per-channel `value` ([C]) to `shape` ([N, C, ...]).
Value perChannel(GraphImporter &im, const onnx::NodeProto &node, Value value,
                 ArrayRef<int64_t> shape) {
  return expandTo(im, node, value, shape, /*withBatch=*/false);
}

/// Input `index`, a per-channel value `name` for the input of `type`: [C].
llvm::Expected<Value> channelInput(GraphImporter &im,
                                   const onnx::NodeProto &node, unsigned index,
                                   llvm::StringRef name,
                                   RankedTensorType type) {
  llvm::Expected<Value> value = im.value(node, index, type.getElementType());
  if (!value)
    return value.takeError();
  int64_t channels = type.getDimSize(1);
  if (typeOf(*value).getShape() != ArrayRef<int64_t>{channels})
    return im.fail(node, "the " + name + " " +
                             shapeText(typeOf(*value).getShape()) +
                             " must be [" + llvm::Twine(channels) +
                             "], the channels (dim 1) of the input " +
                             shapeText(type.getShape()));
  return *value;
}

/// The `epsilon` attribute: finite and >= 0.
llvm::Expected<double> epsilonAttr(GraphImporter &im,
                                   const onnx::NodeProto &node) {
  double epsilon = im.floatAttr(node, "epsilon", 1e-5);
  if (!(epsilon >= 0.0) || std::isinf(epsilon))
    return im.fail(node, "epsilon " + std::to_string(epsilon) +
                             " must be finite and >= 0");
  return epsilon;
}

llvm::Error importBatchNormalization(GraphImporter &im,
                                     const onnx::NodeProto &node) {
  // Opset 13 trains when it has the statistics outputs, later opsets when
  // training_mode says so.
  bool training = im.opsetVersion >= 14
                      ? im.intAttr(node, "training_mode", 0) != 0
                      : node.output_size() > 1;
  for (int index = 1; index < node.output_size(); ++index)
    if (!node.output(index).empty() && im.consumed.contains(node.output(index)))
      return im.fail(node, "the running statistics outputs are read; "
                           "supported: only the normalised output");
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.size() < 2)
    return im.fail(node, "the input " + shapeText(shape) +
                             " must have rank >= 2 (batch, channels, ...)");
  int64_t channels = shape[1];
  Type element = type.getElementType();
  auto perChannelInput = [&](unsigned index, llvm::StringRef name) {
    return channelInput(im, node, index, name, type);
  };
  llvm::Expected<Value> scale = perChannelInput(1, "scale");
  if (!scale)
    return scale.takeError();
  llvm::Expected<Value> bias = perChannelInput(2, "bias");
  if (!bias)
    return bias.takeError();
  llvm::Expected<double> epsilon = epsilonAttr(im, node);
  if (!epsilon)
    return epsilon.takeError();

  Location loc = im.loc(node);
  RankedTensorType channelType = type.clone({channels});
  SmallVector<int64_t> reduced = {0};
  for (int64_t dim = 2; dim < static_cast<int64_t>(shape.size()); ++dim)
    reduced.push_back(dim);
  auto meanOverBatch = [&](Value value) -> Value {
    return mlir::mpt::ReduceMeanOp::create(im.b, loc, channelType, value,
                                           im.b.getDenseI64ArrayAttr(reduced),
                                           false);
  };
  Value mean, variance;
  if (training) {
    mean = meanOverBatch(*input);
  } else {
    llvm::Expected<Value> running = perChannelInput(3, "running mean");
    if (!running)
      return running.takeError();
    mean = *running;
  }
  Value centered = mlir::mpt::SubOp::create(im.b, loc, type, *input,
                                            perChannel(im, node, mean, shape));
  if (training) {
    variance = meanOverBatch(
        mlir::mpt::MulOp::create(im.b, loc, type, centered, centered));
  } else {
    llvm::Expected<Value> running = perChannelInput(4, "running variance");
    if (!running)
      return running.takeError();
    variance = *running;
  }
  // scale / sqrt(variance + epsilon), per channel.
  Value deviation = mlir::mpt::SqrtOp::create(
      im.b, loc,
      mlir::mpt::AddOp::create(im.b, loc, channelType, variance,
                               scalarConstant(im, node, element, *epsilon)));
  Value factor =
      mlir::mpt::DivOp::create(im.b, loc, channelType, *scale, deviation);
  Value scaled = mlir::mpt::MulOp::create(im.b, loc, type, centered,
                                          perChannel(im, node, factor, shape));
  im.setResult(node,
               mlir::mpt::AddOp::create(im.b, loc, type, scaled,
                                        perChannel(im, node, *bias, shape)));
  return llvm::Error::success();
}

/// Each (sample, channel) of an input of rank >= 3 normalised with the mean
/// and biased variance of its spatial dims, then scaled and shifted per
/// channel.
llvm::Error importInstanceNormalization(GraphImporter &im,
                                        const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.size() < 3)
    return im.fail(node, "the input " + shapeText(shape) +
                             " must have rank >= 3 (batch, channels, "
                             "spatial dims...)");
  Type element = type.getElementType();
  SmallVector<Value, 2> affine;
  for (auto [index, name] : {std::pair{1, "scale"}, {2, "bias"}}) {
    llvm::Expected<Value> value = channelInput(im, node, index, name, type);
    if (!value)
      return value.takeError();
    affine.push_back(*value);
  }
  llvm::Expected<double> epsilon = epsilonAttr(im, node);
  if (!epsilon)
    return epsilon.takeError();

  Location loc = im.loc(node);
  RankedTensorType statType = type.clone({shape[0], shape[1]});
  SmallVector<int64_t> spatial;
  for (int64_t dim = 2; dim < static_cast<int64_t>(shape.size()); ++dim)
    spatial.push_back(dim);
  auto spatialMean = [&](Value value) -> Value {
    return mlir::mpt::ReduceMeanOp::create(
        im.b, loc, statType, value, im.b.getDenseI64ArrayAttr(spatial), false);
  };
  // A [N, C] statistic broadcast back over the spatial dims.
  auto perSample = [&](Value value) {
    return expandTo(im, node, value, shape, /*withBatch=*/true);
  };
  Value centered = mlir::mpt::SubOp::create(im.b, loc, type, *input,
                                            perSample(spatialMean(*input)));
  Value variance = spatialMean(
      mlir::mpt::MulOp::create(im.b, loc, type, centered, centered));
  Value deviation = mlir::mpt::SqrtOp::create(
      im.b, loc,
      mlir::mpt::AddOp::create(im.b, loc, statType, variance,
                               scalarConstant(im, node, element, *epsilon)));
  Value normalised =
      mlir::mpt::DivOp::create(im.b, loc, type, centered, perSample(deviation));
  Value scaled = mlir::mpt::MulOp::create(
      im.b, loc, type, normalised, perChannel(im, node, affine[0], shape));
  im.setResult(
      node, mlir::mpt::AddOp::create(im.b, loc, type, scaled,
                                     perChannel(im, node, affine[1], shape)));
  return llvm::Error::success();
}

} // namespace

void addNormalizationImporters(llvm::StringMap<OpImporter> &importers) {
  importers["BatchNormalization"] = importBatchNormalization;
  importers["InstanceNormalization"] = importInstanceNormalization;
}

} // namespace import
} // namespace mpt
