//===- NormalizationImporters.cpp - Batch and instance normalization ------===//
//
// PyTorch's BatchNorm1d/2d/3d as exported for training: each channel (dim
// 1) is normalised with the mean and biased variance of the batch over
// every other dim, then scaled and shifted by the trained weight and bias.
// The running statistics are buffers of the step, not parameters: training
// updates them with the node's momentum (the running variance with the
// unbiased variance of the batch, as PyTorch does) and evaluation
// normalises with them (`mpt.mode_select`). In inference mode they are the
// constants the normalisation uses. InstanceNormalization (PyTorch's
// InstanceNorm1d/2d and, around a reshape to groups, GroupNorm) normalises
// each sample's channel over its spatial dims; GroupNormalization (opset
// 18) each group of channels over them; RMSNormalization (opset 23) divides
// by the root mean square of the trailing dims. Built from existing ops, so
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

/// `x` ([N, C, ...], rank >= 3) normalised per (sample, channel) with the
/// mean and biased variance over its trailing dims: `(x - mean) /
/// sqrt(variance + epsilon)`.
Value normalizeTrailing(GraphImporter &im, const onnx::NodeProto &node, Value x,
                        double epsilon) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(x);
  ArrayRef<int64_t> shape = type.getShape();
  RankedTensorType statType = type.clone({shape[0], shape[1]});
  SmallVector<int64_t> trailing;
  for (int64_t dim = 2; dim < type.getRank(); ++dim)
    trailing.push_back(dim);
  auto mean = [&](Value value) -> Value {
    return mlir::mpt::ReduceMeanOp::create(
        im.b, loc, statType, value, im.b.getDenseI64ArrayAttr(trailing), false);
  };
  // A [N, C] statistic broadcast back over the trailing dims.
  auto perSample = [&](Value value) {
    return expandTo(im, node, value, shape, /*withBatch=*/true);
  };
  Value centered =
      mlir::mpt::SubOp::create(im.b, loc, type, x, perSample(mean(x)));
  Value variance =
      mean(mlir::mpt::MulOp::create(im.b, loc, type, centered, centered));
  Value deviation = mlir::mpt::SqrtOp::create(
      im.b, loc,
      mlir::mpt::AddOp::create(
          im.b, loc, statType, variance,
          scalarConstant(im, node, type.getElementType(), epsilon)));
  return mlir::mpt::DivOp::create(im.b, loc, type, centered,
                                  perSample(deviation));
}

/// `x * scale + bias` with the per-channel scale and bias ([C]) broadcast
/// to `x` ([N, C, ...]).
Value scaleAndShift(GraphImporter &im, const onnx::NodeProto &node, Value x,
                    Value scale, Value bias) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(x);
  Value scaled = mlir::mpt::MulOp::create(
      im.b, loc, type, x, perChannel(im, node, scale, type.getShape()));
  return mlir::mpt::AddOp::create(im.b, loc, type, scaled,
                                  perChannel(im, node, bias, type.getShape()));
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

/// The running statistic of input `index` (3: mean, 4: variance) of a
/// training-mode batch normalisation, or null when the node has none.
llvm::Expected<Value> runningStatistic(GraphImporter &im,
                                       const onnx::NodeProto &node,
                                       unsigned index, llvm::StringRef name,
                                       RankedTensorType type) {
  if (node.input_size() <= static_cast<int>(index) || node.input(index).empty())
    return Value();
  // A buffer must be read as it is, so that the update replaces it.
  Value stored = im.lookup(node.input(index));
  RankedTensorType channelType = type.clone({type.getDimSize(1)});
  if (stored && im.bufferValues.count(stored) &&
      stored.getType() != channelType)
    return im.fail(node, "the " + name + " '" + node.input(index) + "' is " +
                             typeText(stored.getType()) + ", expected " +
                             typeText(channelType) +
                             " (the input's channels and float type), as "
                             "training updates it in place");
  return channelInput(im, node, index, name, type);
}

/// `statistic` updated with `batch` as ONNX's (and PyTorch's) running
/// average does: `statistic * momentum + batch * (1 - momentum) *
/// correction`.
Value runningAverage(GraphImporter &im, const onnx::NodeProto &node,
                     Value statistic, Value batch, double momentum,
                     double correction) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(statistic);
  Type element = type.getElementType();
  Value kept = mlir::mpt::MulOp::create(
      im.b, loc, type, statistic, scalarConstant(im, node, element, momentum));
  Value added = mlir::mpt::MulOp::create(
      im.b, loc, type, batch,
      scalarConstant(im, node, element, (1.0 - momentum) * correction));
  return mlir::mpt::AddOp::create(im.b, loc, type, kept, added);
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
  // In training mode: the running statistics, read in evaluation and
  // updated when they are buffers of the step.
  Value runningMean, runningVariance;
  if (training) {
    llvm::Expected<Value> mean =
        runningStatistic(im, node, 3, "running mean", type);
    if (!mean)
      return mean.takeError();
    llvm::Expected<Value> variance =
        runningStatistic(im, node, 4, "running variance", type);
    if (!variance)
      return variance.takeError();
    runningMean = *mean;
    runningVariance = *variance;
  }
  double momentum = im.floatAttr(node, "momentum", 0.9);
  bool updates = im.bufferValues.count(runningMean) ||
                 im.bufferValues.count(runningVariance);
  // The number of values behind each channel's statistics.
  int64_t count = type.getNumElements() / channels;
  if (updates && !(momentum >= 0.0 && momentum <= 1.0))
    return im.fail(node, "momentum " + std::to_string(momentum) +
                             " must be in [0, 1]");
  if (updates && count < 2)
    return im.fail(node, "the input " + shapeText(shape) + " has " +
                             llvm::Twine(count) +
                             " value per channel; training a batch "
                             "normalisation needs more than one (as in "
                             "PyTorch)");
  auto selectInEvaluation = [&](Value batch, Value running) -> Value {
    if (!running)
      return batch;
    return mlir::mpt::ModeSelectOp::create(im.b, loc, batch.getType(), batch,
                                           running);
  };
  auto update = [&](Value running, Value batch, double correction) {
    auto buffer = im.bufferValues.find(running);
    if (buffer != im.bufferValues.end())
      buffer->second =
          runningAverage(im, node, buffer->second, batch, momentum, correction);
  };

  // PyTorch's num_batches_tracked: one more batch per training forward
  // pass of the module.
  if (updates && node.input_size() > 3) {
    auto counter = im.batchCounters.find(node.input(3));
    if (counter != im.batchCounters.end()) {
      Value &count = im.bufferValues[counter->second];
      count = mlir::mpt::AddOp::create(
          im.b, loc, count,
          scalarConstant(im, node, typeOf(count).getElementType(), 1.0));
    }
  }

  Value mean, variance;
  if (training) {
    Value batchMean = meanOverBatch(*input);
    update(runningMean, batchMean, 1.0);
    mean = selectInEvaluation(batchMean, runningMean);
  } else {
    llvm::Expected<Value> running = perChannelInput(3, "running mean");
    if (!running)
      return running.takeError();
    mean = *running;
  }
  Value centered = mlir::mpt::SubOp::create(im.b, loc, type, *input,
                                            perChannel(im, node, mean, shape));
  if (training) {
    Value batchVariance = meanOverBatch(
        mlir::mpt::MulOp::create(im.b, loc, type, centered, centered));
    // The running variance averages the unbiased variance.
    update(runningVariance, batchVariance,
           static_cast<double>(count) / static_cast<double>(count - 1));
    variance = selectInEvaluation(batchVariance, runningVariance);
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
  im.setResult(node,
               scaleAndShift(im, node,
                             normalizeTrailing(im, node, *input, *epsilon),
                             affine[0], affine[1]));
  return llvm::Error::success();
}

/// GroupNormalization (opset 18, PyTorch's GroupNorm): each sample's
/// channels in `num_groups` groups, each group normalised with the mean and
/// biased variance over its channels and spatial dims, then scaled and
/// shifted per channel (opset 21) or per group (opset 18's scale and bias
/// of [G]).
llvm::Error importGroupNormalization(GraphImporter &im,
                                     const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.size() < 2)
    return im.fail(node, "the input " + shapeText(shape) +
                             " must have rank >= 2 (batch, channels, "
                             "spatial dims...)");
  int64_t channels = shape[1];
  int64_t groups = im.intAttr(node, "num_groups", 0);
  if (groups <= 0 || channels % groups != 0)
    return im.fail(node, "num_groups = " + llvm::Twine(groups) +
                             " must be positive and divide the " +
                             llvm::Twine(channels) + " channels");
  llvm::Expected<double> epsilon = epsilonAttr(im, node);
  if (!epsilon)
    return epsilon.takeError();
  Type element = type.getElementType();
  Location loc = im.loc(node);
  // Scale and bias per channel, or per group (repeated over its channels).
  SmallVector<Value, 2> affine;
  for (auto [index, name] : {std::pair{1, "scale"}, {2, "bias"}}) {
    llvm::Expected<Value> value = im.value(node, index, element);
    if (!value)
      return value.takeError();
    ArrayRef<int64_t> given = typeOf(*value).getShape();
    if (given == ArrayRef<int64_t>{groups} && groups != channels &&
        im.opsetVersion < 21) {
      Value repeated = mlir::mpt::BroadcastOp::create(
          im.b, loc, type.clone({groups, channels / groups}), *value,
          im.b.getDenseI64ArrayAttr({1}));
      affine.push_back(reshape(im, node, repeated, {channels}));
    } else if (given == ArrayRef<int64_t>{channels}) {
      affine.push_back(*value);
    } else {
      std::string expected = "[" + std::to_string(channels) + "], the channels";
      if (im.opsetVersion < 21)
        expected += ", or [" + std::to_string(groups) + "], the groups,";
      return im.fail(node, "the " + llvm::Twine(name) + " " + shapeText(given) +
                               " must be " + expected + " of the input " +
                               shapeText(shape));
    }
  }
  int64_t perGroup = channels / groups;
  for (int64_t dim : shape.drop_front(2))
    perGroup *= dim;
  Value grouped = reshape(im, node, *input, {shape[0], groups, perGroup});
  Value normalised =
      reshape(im, node, normalizeTrailing(im, node, grouped, *epsilon), shape);
  im.setResult(node, scaleAndShift(im, node, normalised, affine[0], affine[1]));
  return llvm::Error::success();
}

/// RMSNormalization (opset 23, PyTorch's RMSNorm): `x / sqrt(mean(x^2) +
/// epsilon) * scale`, the mean over the dims from `axis` on, the scale
/// broadcast to the input.
llvm::Error importRMSNormalization(GraphImporter &im,
                                   const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  int64_t rank = type.getRank();
  llvm::Expected<int64_t> axis =
      normalizeAxis(im, node, im.intAttr(node, "axis", -1), rank);
  if (!axis)
    return axis.takeError();
  llvm::Expected<double> epsilon = epsilonAttr(im, node);
  if (!epsilon)
    return epsilon.takeError();
  llvm::Expected<Value> scale = im.value(node, 1, type.getElementType());
  if (!scale)
    return scale.takeError();
  Location loc = im.loc(node);
  Shape kept(type.getShape());
  SmallVector<int64_t> dims;
  for (int64_t dim = *axis; dim < rank; ++dim) {
    dims.push_back(dim);
    kept[dim] = 1;
  }
  RankedTensorType statType = type.clone(kept);
  Value square = mlir::mpt::MulOp::create(im.b, loc, *input, *input);
  Value mean = mlir::mpt::ReduceMeanOp::create(
      im.b, loc, statType, square, im.b.getDenseI64ArrayAttr(dims), true);
  Value root = mlir::mpt::SqrtOp::create(
      im.b, loc,
      mlir::mpt::AddOp::create(
          im.b, loc, mean,
          scalarConstant(im, node, type.getElementType(), *epsilon)));
  Value normalised = mlir::mpt::DivOp::create(
      im.b, loc, *input, broadcastTo(im, node, root, type.getShape()));
  llvm::Expected<Shape> result =
      broadcastShape(im, node, type.getShape(), typeOf(*scale).getShape());
  if (!result)
    return result.takeError();
  if (*result != Shape(type.getShape()))
    return im.fail(node, "the scale " + shapeText(typeOf(*scale).getShape()) +
                             " must broadcast to the input " +
                             shapeText(type.getShape()));
  llvm::Expected<std::pair<Value, Value>> operands =
      broadcastOperands(im, node, normalised, *scale);
  if (!operands)
    return operands.takeError();
  im.setResult(node, mlir::mpt::MulOp::create(im.b, loc, operands->first,
                                              operands->second));
  return llvm::Error::success();
}

} // namespace

void addNormalizationImporters(llvm::StringMap<OpImporter> &importers) {
  importers["BatchNormalization"] = importBatchNormalization;
  importers["InstanceNormalization"] = importInstanceNormalization;
  importers["GroupNormalization"] = importGroupNormalization;
  importers["RMSNormalization"] = importRMSNormalization;
}

} // namespace import
} // namespace mpt
