//===- RandomImporters.cpp - Random numbers drawn in the forward pass -----===//
//
// The random ops of networks that sample in their forward pass (a
// variational autoencoder's `torch.randn_like`, noise injection, a
// stochastic depth's Bernoulli draw): RandomNormal(Like) and
// RandomUniform(Like) become mpt.random_normal and mpt.random_uniform of
// the node's shape, Bernoulli a comparison of uniform numbers with its
// probabilities, a 0/1 mask of no gradient (PyTorch's bernoulli has none).
// Like dropout, each node has a seed of its own, a hash of its output's
// name; the numbers are MPT's own, not PyTorch's.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "llvm/Support/xxhash.h"

#include <cmath>

using namespace mlir;

namespace mpt {
namespace import {

namespace {

int64_t seedOf(const onnx::NodeProto &node) {
  return static_cast<int64_t>(llvm::xxh3_64bits(node.output(0)) >> 33);
}

/// The float type of the `dtype` attribute, or `fallback` without one.
llvm::Expected<Type> dtypeOf(GraphImporter &im, const onnx::NodeProto &node,
                             Type fallback) {
  if (!im.attribute(node, "dtype"))
    return fallback;
  switch (im.intAttr(node, "dtype", onnx::TensorProto::FLOAT)) {
  case onnx::TensorProto::FLOAT:
    return im.b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return im.b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return im.b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return im.b.getBF16Type();
  default:
    return im.fail(node, "dtype " +
                             elementTypeName(static_cast<int32_t>(im.intAttr(
                                 node, "dtype", onnx::TensorProto::FLOAT))) +
                             " is not supported; supported: FLOAT, DOUBLE, "
                             "FLOAT16, BFLOAT16");
  }
}

/// The type of a random result: the `shape` attribute's (RandomNormal,
/// RandomUniform), or input 0's shape (the *Like ops).
llvm::Expected<RankedTensorType>
randomType(GraphImporter &im, const onnx::NodeProto &node, bool like) {
  Shape shape;
  Type fallback = im.b.getF32Type();
  if (like) {
    if (const HostConstant *known = im.constant(node, 0)) {
      shape.assign(known->shape.begin(), known->shape.end());
      if (known->isFloat() && known->elementType != onnx::TensorProto::FLOAT)
        fallback = known->elementType == onnx::TensorProto::DOUBLE
                       ? Type(im.b.getF64Type())
                       : fallback;
    } else if (Value value =
                   im.hasInput(node, 0) ? im.lookup(node.input(0)) : Value()) {
      shape.assign(typeOf(value).getShape().begin(),
                   typeOf(value).getShape().end());
      if (isa<FloatType>(typeOf(value).getElementType()))
        fallback = typeOf(value).getElementType();
    } else {
      return im.fail(node, "expected an input whose shape the result takes, "
                           "found none");
    }
  } else {
    std::optional<std::vector<int64_t>> given = im.intsAttr(node, "shape");
    if (!given)
      return im.fail(node, "expected a 'shape' attribute, found none");
    shape.assign(given->begin(), given->end());
  }
  std::optional<int64_t> count = elementCount(shape);
  if (!count || *count == 0)
    return im.fail(node, "the shape " + shapeText(shape) +
                             " is not supported; supported: non-empty "
                             "static shapes");
  llvm::Expected<Type> element = dtypeOf(im, node, fallback);
  if (!element)
    return element.takeError();
  return RankedTensorType::get(shape, *element);
}

template <bool like>
llvm::Error importRandomNormal(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<RankedTensorType> type = randomType(im, node, like);
  if (!type)
    return type.takeError();
  double mean = im.floatAttr(node, "mean", 0.0);
  double scale = im.floatAttr(node, "scale", 1.0);
  if (!std::isfinite(mean) || !(scale >= 0.0) || std::isinf(scale))
    return im.fail(node, "expected a finite mean and a finite scale >= 0, "
                         "found mean " +
                             std::to_string(mean) + " and scale " +
                             std::to_string(scale));
  im.setResult(node,
               mlir::mpt::RandomNormalOp::create(
                   im.b, im.loc(node), *type, /*step=*/Value(),
                   im.b.getF64FloatAttr(mean), im.b.getF64FloatAttr(scale),
                   im.b.getI64IntegerAttr(seedOf(node))));
  return llvm::Error::success();
}

/// Uniform numbers on [low, high) of `type`.
Value uniform(GraphImporter &im, const onnx::NodeProto &node,
              RankedTensorType type, double low, double high) {
  return mlir::mpt::RandomUniformOp::create(
      im.b, im.loc(node), type, /*step=*/Value(), im.b.getF64FloatAttr(low),
      im.b.getF64FloatAttr(high), im.b.getI64IntegerAttr(seedOf(node)));
}

template <bool like>
llvm::Error importRandomUniform(GraphImporter &im,
                                const onnx::NodeProto &node) {
  llvm::Expected<RankedTensorType> type = randomType(im, node, like);
  if (!type)
    return type.takeError();
  double low = im.floatAttr(node, "low", 0.0);
  double high = im.floatAttr(node, "high", 1.0);
  // The spread must be finite in f32 too, where the samples are drawn.
  if (!std::isfinite(low) || !std::isfinite(high) || !(low <= high) ||
      !std::isfinite(static_cast<float>(high - low)))
    return im.fail(node, "expected finite bounds with low <= high and a "
                         "spread finite in f32, found low " +
                             std::to_string(low) + " and high " +
                             std::to_string(high));
  im.setResult(node, uniform(im, node, *type, low, high));
  return llvm::Error::success();
}

/// Bernoulli: 1 where a uniform number in [0, 1) is below the probability.
llvm::Error importBernoulli(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> p = im.floatValue(node, 0);
  if (!p)
    return p.takeError();
  RankedTensorType type = typeOf(*p);
  Value draw = uniform(im, node, type, 0.0, 1.0);
  Value mask = mlir::mpt::CompareOp::create(
      im.b, im.loc(node), mlir::mpt::ComparePredicate::LT, draw, *p);
  llvm::Expected<Type> element = dtypeOf(im, node, type.getElementType());
  if (!element)
    return element.takeError();
  if (*element != type.getElementType())
    mask = mlir::mpt::CastOp::create(im.b, im.loc(node), type.clone(*element),
                                     mask);
  im.setResult(node, mask);
  return llvm::Error::success();
}

} // namespace

void addRandomImporters(llvm::StringMap<OpImporter> &importers) {
  importers["RandomNormal"] = importRandomNormal<false>;
  importers["RandomNormalLike"] = importRandomNormal<true>;
  importers["RandomUniform"] = importRandomUniform<false>;
  importers["RandomUniformLike"] = importRandomUniform<true>;
  importers["Bernoulli"] = importBernoulli;
}

} // namespace import
} // namespace mpt
