//===- ResizeImporters.cpp - Upsampling and resizing ---------------------===//
//
// ONNX's Resize as PyTorch exports nn.Upsample and F.interpolate:
// - nearest by whole factors: every element repeated k times along each
//   scaled dim, an mpt.broadcast that inserts a dim of k after it and a
//   reshape that merges them (its adjoint sums each block back);
// - linear (bilinear, trilinear) to any size: along each resized dim, a
//   product with the constant interpolation matrix, whose rows hold the
//   two weights 1 - t and t of the neighbours each output reads
//   (PyTorch's coordinates, computed in double and rounded once); its
//   adjoint is the transposed product;
// - cubic (bicubic) the same way, each row holding the four weights of
//   Keys' cubic kernel, the neighbours beyond the edges reading the edge.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include <array>
#include <cmath>

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// The most an output dim may be resized to.
constexpr int64_t kMaxResizedDim = int64_t(1) << 24;

/// Each dim's output size and scale (output over input, as given).
struct ResizeTarget {
  std::vector<int64_t> sizes;
  std::vector<double> scales;
};

/// The target of `node` from its scales (input 2) or sizes (input 3).
llvm::Expected<ResizeTarget> resizeTarget(GraphImporter &im,
                                          const onnx::NodeProto &node,
                                          ArrayRef<int64_t> shape) {
  ResizeTarget target;
  const HostConstant *scales = im.constant(node, 2);
  const HostConstant *sizes = im.constant(node, 3);
  bool byScales = scales && scales->numElements() > 0;
  if (!byScales && !sizes)
    return im.fail(node, im.hasInput(node, 2) || im.hasInput(node, 3)
                             ? "its scales or sizes must be known at import "
                               "time"
                             : "it has neither scales nor sizes");
  const HostConstant &given = byScales ? *scales : *sizes;
  const char *what = byScales ? "scales" : "sizes";
  // Opset 18: the scales or sizes may name a subset of the dims.
  int64_t rank = shape.size();
  std::vector<int64_t> axes;
  if (std::optional<std::vector<int64_t>> named = im.intsAttr(node, "axes")) {
    axes = *named;
    if (llvm::Error error = normalizeDistinctAxes(im, node, axes, rank))
      return std::move(error);
  } else {
    for (int64_t dim = 0; dim < rank; ++dim)
      axes.push_back(dim);
  }
  if (given.numElements() != static_cast<int64_t>(axes.size()))
    return im.fail(node, "it has " + std::to_string(given.numElements()) + " " +
                             what + " for " + std::to_string(axes.size()) +
                             " resized dims of an input of rank " +
                             std::to_string(rank));
  std::string policy =
      im.stringAttr(node, "keep_aspect_ratio_policy", "stretch");
  if (!byScales && policy != "stretch")
    return im.fail(node, "keep_aspect_ratio_policy = '" + policy +
                             "' is not supported; supported: stretch");
  for (auto [dim, in] : llvm::enumerate(shape)) {
    auto position = llvm::find(axes, static_cast<int64_t>(dim));
    if (position == axes.end()) {
      target.sizes.push_back(in);
      target.scales.push_back(1.0);
      continue;
    }
    int64_t index = position - axes.begin();
    double scale = byScales ? given.floatAt(index) : 0.0;
    double size = byScales ? std::floor(in * scale)
                           : static_cast<double>(given.intAt(index));
    if (!(size >= 1.0) || size > kMaxResizedDim || (byScales && !(scale > 0)))
      return im.fail(node, "dim " + std::to_string(dim) + " of " +
                               std::to_string(in) + " would become " +
                               std::to_string(size) + "; expected 1 to " +
                               std::to_string(kMaxResizedDim));
    target.sizes.push_back(static_cast<int64_t>(size));
    target.scales.push_back(byScales ? scale : size / in);
  }
  return target;
}

/// The input coordinate that output index `i` of a dim resized from `in`
/// to `out` (scale `scale`) reads under `mode`; PyTorch's linear
/// interpolation clamps it to the input, its cubic one does not.
double sourceCoordinate(llvm::StringRef mode, int64_t i, int64_t in,
                        int64_t out, double scale, bool clamp = true) {
  double source = 0.0;
  if (mode == "align_corners")
    source = out > 1 ? static_cast<double>(i) * (in - 1) / (out - 1) : 0.0;
  else if (mode == "asymmetric")
    source = i / scale;
  else if (mode == "pytorch_half_pixel" && out == 1)
    source = 0.0;
  else if (mode == "half_pixel_symmetric")
    // Opset 19: half-pixel coordinates, centred when the output size was
    // rounded down from `in * scale`.
    source = in / 2.0 * (1.0 - out / (in * scale)) + (i + 0.5) / scale - 0.5;
  else
    source = (i + 0.5) / scale - 0.5;
  if (!clamp)
    return source;
  return std::min(std::max(source, 0.0), static_cast<double>(in - 1));
}

/// The weights of the four neighbours `floor(x) - 1 .. floor(x) + 2` of
/// `x` in cubic convolution (Keys' kernel with coefficient `a`: PyTorch's
/// bicubic has -0.75), `t` the fraction of `x`.
std::array<double, 4> cubicWeights(double t, double a) {
  auto near = [&](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };
  auto far = [&](double d) {
    return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  };
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

/// Repeats every element of `input` by the whole factor of each dim.
llvm::Expected<Value> repeatNearest(GraphImporter &im,
                                    const onnx::NodeProto &node, Value input,
                                    const ResizeTarget &target) {
  std::string mode =
      im.stringAttr(node, "coordinate_transformation_mode", "half_pixel");
  std::string nearest =
      im.stringAttr(node, "nearest_mode", "round_prefer_floor");
  // Output index i of a dim scaled by k reads floor(i / k) with asymmetric
  // coordinates floored, and with half-pixel ones, (i + 0.5) / k - 0.5,
  // which lie within 0.5 of it, whatever the rounding.
  if (mode != "half_pixel" && mode != "pytorch_half_pixel" &&
      mode != "half_pixel_symmetric" &&
      !(mode == "asymmetric" && nearest == "floor"))
    return im.fail(node, "nearest resizing with coordinate_transformation_"
                         "mode '" +
                             mode + "' and nearest_mode '" + nearest +
                             "' is not supported; supported: half_pixel, "
                             "pytorch_half_pixel, half_pixel_symmetric, or "
                             "asymmetric with floor");
  ArrayRef<int64_t> shape = typeOf(input).getShape();
  Shape repeated;
  SmallVector<int64_t> inserted;
  for (auto [dim, in] : llvm::enumerate(shape)) {
    int64_t out = target.sizes[dim];
    if (out % in != 0 || target.scales[dim] != static_cast<double>(out / in))
      return im.fail(node, "dim " + std::to_string(dim) + " goes from " +
                               std::to_string(in) + " to " +
                               std::to_string(out) +
                               "; nearest resizing supports whole factors");
    repeated.push_back(in);
    if (out > in) {
      inserted.push_back(repeated.size());
      repeated.push_back(out / in);
    }
  }
  if (inserted.empty())
    return input;
  if (!elementCount(repeated))
    return im.fail(node,
                   "its output " + shapeText(target.sizes) + " is too large");
  Value spread = mlir::mpt::BroadcastOp::create(
      im.b, im.loc(node), typeOf(input).clone(repeated), input,
      im.b.getDenseI64ArrayAttr(inserted));
  return reshape(im, node, spread, target.sizes);
}

/// Interpolates `input` linearly or cubically along every resized dim.
llvm::Expected<Value> interpolate(GraphImporter &im,
                                  const onnx::NodeProto &node, Value input,
                                  const ResizeTarget &target, bool cubic) {
  std::string mode =
      im.stringAttr(node, "coordinate_transformation_mode", "half_pixel");
  double a = im.floatAttr(node, "cubic_coeff_a", -0.75);
  bool excludeOutside = im.intAttr(node, "exclude_outside", 0) != 0;
  if (cubic && !std::isfinite(a))
    return im.fail(node, "cubic_coeff_a is " + std::to_string(a) +
                             "; expected a finite number");
  if (mode != "half_pixel" && mode != "pytorch_half_pixel" &&
      mode != "half_pixel_symmetric" && mode != "align_corners" &&
      mode != "asymmetric")
    return im.fail(node, std::string(cubic ? "cubic" : "linear") +
                             " resizing with coordinate_transformation_"
                             "mode '" +
                             mode +
                             "' is not supported; supported: "
                             "half_pixel, pytorch_half_pixel, "
                             "half_pixel_symmetric, align_corners, "
                             "asymmetric");
  if (!elementCount(target.sizes))
    return im.fail(node,
                   "its output " + shapeText(target.sizes) + " is too large");
  Location loc = im.loc(node);
  Type element = typeOf(input).getElementType();
  Value result = input;
  int64_t rank = typeOf(input).getRank();
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t in = typeOf(result).getDimSize(dim), out = target.sizes[dim];
    if (in == out && target.scales[dim] == 1.0)
      continue;
    // The interpolation matrix, transposed: in x out.
    HostConstant weights;
    weights.shape = {in, out};
    weights.floats.assign(in * out, 0.0);
    for (int64_t i = 0; i < out; ++i) {
      double source =
          sourceCoordinate(mode, i, in, out, target.scales[dim], !cubic);
      auto low = static_cast<int64_t>(std::floor(source));
      double t = source - low;
      if (!cubic) {
        int64_t high = std::min(low + 1, in - 1);
        weights.floats[low * out + i] += 1.0 - t;
        weights.floats[high * out + i] += t;
        continue;
      }
      // Neighbours outside the input read the edge, or (exclude_outside)
      // weigh nothing, the others' weights scaled to sum to 1.
      std::array<double, 4> taps = cubicWeights(t, a);
      double kept = 0.0;
      for (int64_t k = 0; k < 4; ++k) {
        int64_t index = low - 1 + k;
        if (excludeOutside && (index < 0 || index >= in))
          taps[k] = 0.0;
        kept += taps[k];
      }
      if (excludeOutside && !(std::fabs(kept) > 1e-12))
        return im.fail(node, "the cubic weights of output " +
                                 std::to_string(i) + " of dim " +
                                 std::to_string(dim) +
                                 " inside the input sum to 0 "
                                 "(exclude_outside with cubic_coeff_a " +
                                 std::to_string(a) + ")");
      for (int64_t k = 0; k < 4; ++k) {
        int64_t index = std::clamp<int64_t>(low - 1 + k, 0, in - 1);
        weights.floats[index * out + i] +=
            excludeOutside ? taps[k] / kept : taps[k];
      }
    }
    Value matrix = im.materialize(weights, element, loc);
    // The resized dim last, multiplied, and back.
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    std::swap(perm[dim], perm[rank - 1]);
    auto permuted = [&](Value value) -> Value {
      if (dim == rank - 1)
        return value;
      Shape shape;
      for (int64_t d : perm)
        shape.push_back(typeOf(value).getDimSize(d));
      return mlir::mpt::TransposeOp::create(im.b, loc,
                                            typeOf(value).clone(shape), value,
                                            im.b.getDenseI64ArrayAttr(perm));
    };
    Value moved = permuted(result);
    Shape productShape(typeOf(moved).getShape());
    productShape.back() = out;
    Value product = mlir::mpt::MatmulOp::create(
        im.b, loc, typeOf(moved).clone(productShape), moved, matrix,
        /*transpose_lhs=*/false, /*transpose_rhs=*/false);
    result = permuted(product);
  }
  return result;
}

llvm::Error importResize(GraphImporter &im, const onnx::NodeProto &node) {
  std::string mode = im.stringAttr(node, "mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return im.fail(node, "mode '" + mode +
                             "' is not supported; supported: nearest, "
                             "linear, cubic");
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  llvm::Expected<ResizeTarget> target =
      resizeTarget(im, node, typeOf(*input).getShape());
  if (!target)
    return target.takeError();
  // Opset 18's antialiasing widens the filter of a linear or cubic
  // downsampling.
  if (mode != "nearest" && im.intAttr(node, "antialias", 0) &&
      llvm::any_of(target->scales, [](double scale) { return scale < 1.0; }))
    return im.fail(node, "antialias = 1 with a " + mode +
                             " downsampling is not supported; supported: "
                             "antialias = 0, or upsampling");
  llvm::Expected<Value> result = mode == "nearest"
                                     ? repeatNearest(im, node, *input, *target)
                                     : interpolate(im, node, *input, *target,
                                                   /*cubic=*/mode == "cubic");
  if (!result)
    return result.takeError();
  im.setResult(node, *result);
  return llvm::Error::success();
}

} // namespace

void addResizeImporters(llvm::StringMap<OpImporter> &importers) {
  importers["Resize"] = importResize;
}

} // namespace import
} // namespace mpt
