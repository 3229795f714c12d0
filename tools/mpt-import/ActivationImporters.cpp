//===- ActivationImporters.cpp - ONNX activations to mpt ops --------------===//
//
// The activations with parameters (LeakyRelu, Elu, Selu, Celu, HardSigmoid,
// Clip, Shrink) and the other piecewise ones (Softplus, Abs, HardSwish,
// Sign), each one op of MPTActivationOps.td; PRelu and Softsign, built from
// other mpt ops. PyTorch exports Hardtanh, ReLU6 and clamp as Clip,
// Hardsigmoid as HardSigmoid with alpha 1/6, Hardswish before opset 14 as
// x * HardSigmoid(x), CELU as Celu, and Hardshrink and Softshrink as Shrink.
// The ops of later opsets that name what earlier ones spell out are built
// as those spell them: Gelu (opset 20) as the exact `x * (1 + erf(x /
// sqrt(2))) / 2` or `mpt.gelu` (its tanh approximation), Mish (opset 18) as
// `x * tanh(softplus(x))`, Swish (opset 24) as `x * sigmoid(alpha * x)`.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include <cmath>

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// Imports `node`'s input as the activation `OpT` with the float
/// attributes `parameters`.
template <typename OpT>
llvm::Error importActivation(
    GraphImporter &im, const onnx::NodeProto &node,
    llvm::ArrayRef<std::pair<llvm::StringRef, double>> parameters = {}) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  SmallVector<NamedAttribute> attributes;
  for (auto [name, value] : parameters) {
    if (!std::isfinite(value))
      return im.fail(node, name + " is " + std::to_string(value) +
                               "; expected a finite number");
    attributes.push_back(im.b.getNamedAttr(name, im.b.getF64FloatAttr(value)));
  }
  im.setResult(node,
               OpT::create(im.b, im.loc(node), TypeRange{input->getType()},
                           ValueRange{*input}, attributes));
  return llvm::Error::success();
}

llvm::Error importLeakyRelu(GraphImporter &im, const onnx::NodeProto &node) {
  return importActivation<mlir::mpt::LeakyReluOp>(
      im, node, {{"alpha", im.floatAttr(node, "alpha", 0.01)}});
}

llvm::Error importElu(GraphImporter &im, const onnx::NodeProto &node) {
  return importActivation<mlir::mpt::EluOp>(
      im, node, {{"alpha", im.floatAttr(node, "alpha", 1.0)}});
}

/// SELU is a scaled ELU; the defaults are ONNX's (PyTorch's constants in
/// f32).
llvm::Error importSelu(GraphImporter &im, const onnx::NodeProto &node) {
  return importActivation<mlir::mpt::EluOp>(
      im, node,
      {{"alpha", im.floatAttr(node, "alpha", 1.67326319217681884765625)},
       {"scale", im.floatAttr(node, "gamma", 1.05070102214813232421875)}});
}

/// CELU is PyTorch's elu kernel with the input scaled by 1 / alpha.
llvm::Error importCelu(GraphImporter &im, const onnx::NodeProto &node) {
  double alpha = im.floatAttr(node, "alpha", 1.0);
  if (alpha == 0)
    return im.fail(node, "alpha is 0; expected a nonzero number (the input "
                         "is divided by it)");
  return importActivation<mlir::mpt::EluOp>(
      im, node, {{"alpha", alpha}, {"input_scale", 1.0 / alpha}});
}

/// Shrink: PyTorch's Hardshrink (bias 0) and Softshrink (bias = lambd).
llvm::Error importShrink(GraphImporter &im, const onnx::NodeProto &node) {
  double lambd = im.floatAttr(node, "lambd", 0.5);
  if (lambd < 0)
    return im.fail(node, "lambd is " + std::to_string(lambd) +
                             "; expected a number >= 0");
  return importActivation<mlir::mpt::ShrinkOp>(
      im, node, {{"lambd", lambd}, {"bias", im.floatAttr(node, "bias", 0.0)}});
}

llvm::Error importHardSigmoid(GraphImporter &im, const onnx::NodeProto &node) {
  return importActivation<mlir::mpt::HardSigmoidOp>(
      im, node,
      {{"alpha", im.floatAttr(node, "alpha", 0.2)},
       {"beta", im.floatAttr(node, "beta", 0.5)}});
}

/// A bound of Clip: input `index`, which must be a scalar known at import
/// time; nullopt when it is absent or infinite, which bounds nothing.
llvm::Expected<std::optional<double>> clipBound(GraphImporter &im,
                                                const onnx::NodeProto &node,
                                                unsigned index,
                                                llvm::StringRef name) {
  if (!im.hasInput(node, index))
    return std::nullopt;
  const HostConstant *constant = im.constant(node, index);
  if (!constant)
    return im.fail(node, "its " + name +
                             " must be known at import time (a constant or "
                             "an initializer)");
  if (constant->numElements() != 1)
    return im.fail(node, "its " + name + " has " +
                             std::to_string(constant->numElements()) +
                             " elements; expected a scalar");
  double bound = constant->floatAt(0);
  if (std::isnan(bound))
    return im.fail(node, "its " + name + " is NaN; expected a number");
  if (std::isinf(bound))
    return std::nullopt;
  return bound;
}

/// Clip of integers of the step (`(lengths - 1).clamp(min=0)`): index
/// arithmetic `max` with the lower bound, then `min` with the upper one.
llvm::Error importIntegerClip(GraphImporter &im, const onnx::NodeProto &node,
                              Value integers) {
  Type element = typeOf(integers).getElementType();
  Value result = integers;
  for (auto [index, kind] : {std::pair{1u, mlir::mpt::IndexArithKind::Max},
                             std::pair{2u, mlir::mpt::IndexArithKind::Min}}) {
    if (!im.hasInput(node, index))
      continue;
    llvm::Expected<Value> bound = integerInput(im, node, index, element);
    if (!bound)
      return bound.takeError();
    llvm::Expected<Value> clipped = indexArith(im, node, kind, result, *bound);
    if (!clipped)
      return clipped.takeError();
    result = *clipped;
  }
  im.setResult(node, result);
  return llvm::Error::success();
}

/// Clip with a bound the step computes (`torch.clamp(x, min=x.mean())`):
/// `min(max(x, lo), hi)` as selects, `lo` where `x < lo`, then `hi` where
/// that is `> hi`. The derivatives are PyTorch's clamp's: to `x` where
/// `lo <= x <= hi`, to a bound where it is taken.
llvm::Error importComputedClip(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  RankedTensorType type = typeOf(*x);
  Location loc = im.loc(node);
  Value result = *x;
  for (auto [index, predicate] :
       {std::pair(1u, mlir::mpt::ComparePredicate::LT),
        std::pair(2u, mlir::mpt::ComparePredicate::GT)}) {
    if (!im.hasInput(node, index))
      continue;
    llvm::Expected<Value> bound = im.valueBeside(node, index, *x);
    if (!bound)
      return bound.takeError();
    if (typeOf(*bound).getElementType() != type.getElementType() ||
        typeOf(*bound).getNumElements() != 1)
      return im.fail(node, "its bounds must be scalars of the input's type; "
                           "found " +
                               typeText(bound->getType()));
    Value spread =
        broadcastTo(im, node, reshape(im, node, *bound, {}), type.getShape());
    Value beyond =
        mlir::mpt::CompareOp::create(im.b, loc, predicate, result, spread);
    result = mlir::mpt::SelectOp::create(im.b, loc, beyond, spread, result);
  }
  im.setResult(node, result);
  return llvm::Error::success();
}

llvm::Error importClip(GraphImporter &im, const onnx::NodeProto &node) {
  if (Value integers = im.lookup(node.input(0));
      integers && isa<IntegerType>(typeOf(integers).getElementType()))
    return importIntegerClip(im, node, integers);
  for (unsigned index : {1u, 2u})
    if (im.hasInput(node, index) && !im.constant(node, index))
      return importComputedClip(im, node);
  llvm::Expected<std::optional<double>> min = clipBound(im, node, 1, "min");
  if (!min)
    return min.takeError();
  llvm::Expected<std::optional<double>> max = clipBound(im, node, 2, "max");
  if (!max)
    return max.takeError();
  if (*min && *max && **max < **min)
    return im.fail(node, "its min " + std::to_string(**min) +
                             " is above its max " + std::to_string(**max));
  llvm::SmallVector<std::pair<llvm::StringRef, double>> bounds;
  if (*min)
    bounds.push_back({"min", **min});
  if (*max)
    bounds.push_back({"max", **max});
  return importActivation<mlir::mpt::ClampOp>(im, node, bounds);
}

/// PReLU, whose slope is a parameter broadcast over the input (one per
/// channel, or one in all): relu(x) + slope (x - relu(x)), where x - relu(x)
/// is min(x, 0) exactly, so each side is what PyTorch computes; its
/// derivatives are PyTorch's too (slope at 0).
llvm::Error importPRelu(GraphImporter &im, const onnx::NodeProto &node) {
  auto operands = floatOperands(im, node);
  if (!operands)
    return operands.takeError();
  auto [x, slope] = *operands;
  Location loc = im.loc(node);
  Value positive = mlir::mpt::ReluOp::create(im.b, loc, x);
  Value negative = mlir::mpt::SubOp::create(im.b, loc, x, positive);
  auto broadcast = broadcastOperands(im, node, negative, slope);
  if (!broadcast)
    return broadcast.takeError();
  if (typeOf(broadcast->first) != typeOf(x))
    return im.fail(node, "its slope of shape " +
                             shapeText(typeOf(slope).getShape()) +
                             " does not broadcast to the input's " +
                             shapeText(typeOf(x).getShape()));
  Value scaled =
      mlir::mpt::MulOp::create(im.b, loc, broadcast->first, broadcast->second);
  im.setResult(node, mlir::mpt::AddOp::create(im.b, loc, positive, scaled));
  return llvm::Error::success();
}

/// Softsign, x / (1 + |x|), as PyTorch computes it.
llvm::Error importSoftsign(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  Location loc = im.loc(node);
  Value one = scalarConstant(im, node, typeOf(*x).getElementType(), 1.0);
  Value magnitude = mlir::mpt::AbsOp::create(im.b, loc, *x);
  Value denominator = mlir::mpt::AddOp::create(im.b, loc, magnitude, one);
  im.setResult(node, mlir::mpt::DivOp::create(im.b, loc, *x, denominator));
  return llvm::Error::success();
}

/// Gelu (opset 20): exact, `x * (1 + erf(x / sqrt(2))) / 2`, as earlier
/// opsets spell `nn.GELU()`; or its tanh approximation, `mpt.gelu`.
llvm::Error importGelu(GraphImporter &im, const onnx::NodeProto &node) {
  std::string approximate = im.stringAttr(node, "approximate", "none");
  if (approximate == "tanh")
    return importActivation<mlir::mpt::GeluOp>(im, node);
  if (approximate != "none")
    return im.fail(node, "approximate = '" + approximate +
                             "' is not supported; supported: none, tanh");
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  Location loc = im.loc(node);
  Type element = typeOf(*x).getElementType();
  Value scaled = mlir::mpt::MulOp::create(
      im.b, loc, *x, scalarConstant(im, node, element, M_SQRT1_2));
  Value erf = mlir::mpt::ErfOp::create(im.b, loc, scaled);
  Value shifted = mlir::mpt::AddOp::create(
      im.b, loc, erf, scalarConstant(im, node, element, 1.0));
  Value product = mlir::mpt::MulOp::create(im.b, loc, *x, shifted);
  im.setResult(
      node, mlir::mpt::MulOp::create(im.b, loc, product,
                                     scalarConstant(im, node, element, 0.5)));
  return llvm::Error::success();
}

/// Mish (opset 18): `x * tanh(softplus(x))`, as PyTorch spells `nn.Mish`
/// before it.
llvm::Error importMish(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  Location loc = im.loc(node);
  Value softplus = mlir::mpt::SoftplusOp::create(im.b, loc, *x);
  Value tanh = mlir::mpt::TanhOp::create(im.b, loc, softplus);
  im.setResult(node, mlir::mpt::MulOp::create(im.b, loc, *x, tanh));
  return llvm::Error::success();
}

/// Swish (opset 24): `x * sigmoid(alpha * x)`, PyTorch's SiLU for alpha 1.
llvm::Error importSwish(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  double alpha = im.floatAttr(node, "alpha", 1.0);
  if (!std::isfinite(alpha))
    return im.fail(node, "alpha is " + std::to_string(alpha) +
                             "; expected a finite number");
  Location loc = im.loc(node);
  Value scaled = *x;
  if (alpha != 1.0)
    scaled = mlir::mpt::MulOp::create(
        im.b, loc, *x,
        scalarConstant(im, node, typeOf(*x).getElementType(), alpha));
  Value gate = mlir::mpt::SigmoidOp::create(im.b, loc, scaled);
  im.setResult(node, mlir::mpt::MulOp::create(im.b, loc, *x, gate));
  return llvm::Error::success();
}

} // namespace

void addActivationImporters(llvm::StringMap<OpImporter> &importers) {
  importers["LeakyRelu"] = importLeakyRelu;
  importers["Elu"] = importElu;
  importers["Selu"] = importSelu;
  importers["Celu"] = importCelu;
  importers["Shrink"] = importShrink;
  importers["HardSigmoid"] = importHardSigmoid;
  importers["Clip"] = importClip;
  importers["PRelu"] = importPRelu;
  importers["Softsign"] = importSoftsign;
  importers["Gelu"] = importGelu;
  importers["Mish"] = importMish;
  importers["Swish"] = importSwish;
  importers["Softplus"] = [](GraphImporter &im, const onnx::NodeProto &node) {
    return importActivation<mlir::mpt::SoftplusOp>(im, node);
  };
  importers["Abs"] = [](GraphImporter &im, const onnx::NodeProto &node) {
    return importActivation<mlir::mpt::AbsOp>(im, node);
  };
  importers["HardSwish"] = [](GraphImporter &im, const onnx::NodeProto &node) {
    return importActivation<mlir::mpt::HardSwishOp>(im, node);
  };
  importers["Sign"] = [](GraphImporter &im, const onnx::NodeProto &node) {
    return importActivation<mlir::mpt::SignOp>(im, node);
  };
}

} // namespace import
} // namespace mpt
