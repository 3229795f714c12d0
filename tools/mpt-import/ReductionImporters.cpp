//===- ReductionImporters.cpp - Reductions over dims and over inputs -----===//
//
// ReduceSum, ReduceMean and ReduceMax are mpt ops; the other ONNX
// reductions are built from them, so that their derivatives and precision
// classes are those of their parts: ReduceMin is `-max(-x)`, ReduceL1 the
// sum of `|x|`, ReduceSumSquare the sum of `x * x`, ReduceL2 the square
// root of that (PyTorch's `norm`, with its zero gradient at zero),
// ReduceLogSumExp `log(sum(exp(x - m))) + m` with `m` the max (PyTorch's
// `logsumexp`), ReduceProd a tree of `mul` over halves. Global pools reduce the
// spatial dims. Max, Min, Sum and Mean reduce over their inputs, with NumPy
// broadcasting; Max and Min split the cotangent of a tie evenly between the
// inputs, as PyTorch's `maximum` and `minimum` do.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace mpt {
namespace import {

namespace {

using mlir::mpt::ComparePredicate;

/// The dims one reduction node reduces, and the shape of its result.
struct Reduction {
  SmallVector<int64_t> dims;
  bool keepDims = true;
  Shape shape;
  /// Reduces nothing (noop_with_empty_axes without axes): the result is
  /// the input.
  bool identity = false;
};

llvm::Expected<Reduction> planReduction(GraphImporter &im,
                                        const onnx::NodeProto &node,
                                        RankedTensorType type) {
  llvm::Expected<std::optional<std::vector<int64_t>>> axes =
      im.intsInputOrAttr(node, 1, "axes");
  if (!axes)
    return axes.takeError();
  std::vector<int64_t> dims = axes->value_or(std::vector<int64_t>{});
  Reduction plan;
  if (dims.empty() && im.intAttr(node, "noop_with_empty_axes", 0)) {
    plan.identity = true;
    return plan;
  }
  if (dims.empty())
    for (int64_t dim = 0; dim < type.getRank(); ++dim)
      dims.push_back(dim);
  if (llvm::Error error = normalizeDistinctAxes(im, node, dims, type.getRank()))
    return std::move(error);
  llvm::sort(dims);
  plan.dims.assign(dims.begin(), dims.end());
  plan.keepDims = im.intAttr(node, "keepdims", 1) != 0;
  for (int64_t dim = 0; dim < type.getRank(); ++dim) {
    if (!llvm::is_contained(dims, dim))
      plan.shape.push_back(type.getDimSize(dim));
    else if (plan.keepDims)
      plan.shape.push_back(1);
  }
  return plan;
}

template <typename OpT>
Value reduce(GraphImporter &im, const onnx::NodeProto &node, Value value,
             const Reduction &plan) {
  return OpT::create(im.b, im.loc(node), typeOf(value).clone(plan.shape), value,
                     im.b.getDenseI64ArrayAttr(plan.dims), plan.keepDims);
}

Value negate(GraphImporter &im, const onnx::NodeProto &node, Value value) {
  return mlir::mpt::MulOp::create(
      im.b, im.loc(node), value,
      scalarConstant(im, node, typeOf(value).getElementType(), -1.0));
}

/// How each reduction is built from `x` once its dims are known.
using ReductionBuilder = Value (*)(GraphImporter &, const onnx::NodeProto &,
                                   Value, const Reduction &);

template <typename OpT>
Value buildPlain(GraphImporter &im, const onnx::NodeProto &node, Value x,
                 const Reduction &plan) {
  return reduce<OpT>(im, node, x, plan);
}

Value buildMin(GraphImporter &im, const onnx::NodeProto &node, Value x,
               const Reduction &plan) {
  return negate(
      im, node,
      reduce<mlir::mpt::ReduceMaxOp>(im, node, negate(im, node, x), plan));
}

Value buildL1(GraphImporter &im, const onnx::NodeProto &node, Value x,
              const Reduction &plan) {
  Value magnitude =
      mlir::mpt::AbsOp::create(im.b, im.loc(node), x.getType(), x);
  return reduce<mlir::mpt::ReduceSumOp>(im, node, magnitude, plan);
}

Value buildSumSquare(GraphImporter &im, const onnx::NodeProto &node, Value x,
                     const Reduction &plan) {
  Value square = mlir::mpt::MulOp::create(im.b, im.loc(node), x, x);
  return reduce<mlir::mpt::ReduceSumOp>(im, node, square, plan);
}

Value buildL2(GraphImporter &im, const onnx::NodeProto &node, Value x,
              const Reduction &plan) {
  return rootOfSquares(im, node, buildSumSquare(im, node, x, plan));
}

/// log(sum(exp(x - m))) + m, m the max over the same dims: no exp
/// overflows, and the derivative is softmax(x) (the max's own cotangents
/// cancel).
Value buildLogSumExp(GraphImporter &im, const onnx::NodeProto &node, Value x,
                     const Reduction &plan) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(x);
  Reduction kept = plan;
  kept.keepDims = true;
  kept.shape.clear();
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    kept.shape.push_back(
        llvm::is_contained(plan.dims, dim) ? 1 : type.getDimSize(dim));
  Value max = reduce<mlir::mpt::ReduceMaxOp>(im, node, x, kept);
  Value shifted = mlir::mpt::SubOp::create(
      im.b, loc, x, broadcastTo(im, node, max, type.getShape()));
  Value sum = reduce<mlir::mpt::ReduceSumOp>(
      im, node, mlir::mpt::ExpOp::create(im.b, loc, shifted), plan);
  Value log = mlir::mpt::LogOp::create(im.b, loc, sum);
  return mlir::mpt::AddOp::create(im.b, loc, log,
                                  reshape(im, node, max, plan.shape));
}

/// The product over the dims (`torch.prod(x, dim)`): along each, the first
/// half times the second, the odd element out carried, until one is left
/// (log2 of the size steps of elementwise `mul`, so that the derivative is
/// the product of the others even where an element is 0). In f32 whatever
/// the precision pass chooses, as autocast runs `prod` in f32.
Value buildProd(GraphImporter &im, const onnx::NodeProto &node, Value x,
                const Reduction &plan) {
  Location loc = im.loc(node);
  for (int64_t dim : plan.dims) {
    RankedTensorType type = typeOf(x);
    int64_t rank = type.getRank();
    auto part = [&](int64_t offset, int64_t size) {
      Shape shape(type.getShape()), offsets(rank, 0);
      shape[dim] = size;
      offsets[dim] = offset;
      return mlir::mpt::SliceOp::create(
          im.b, loc, type.clone(shape), x, im.b.getDenseI64ArrayAttr(offsets),
          im.b.getDenseI64ArrayAttr(Shape(rank, 1)));
    };
    while (type.getDimSize(dim) > 1) {
      int64_t size = type.getDimSize(dim), half = size / 2;
      Value odd = size % 2 ? Value(part(size - 1, 1)) : Value();
      auto product =
          mlir::mpt::MulOp::create(im.b, loc, part(0, half), part(half, half));
      product->setAttr("mpt.precision", im.b.getStringAttr("f32"));
      x = product;
      if (odd) {
        Shape shape(type.getShape());
        shape[dim] = half + 1;
        x = mlir::mpt::ConcatOp::create(im.b, loc, type.clone(shape),
                                        ValueRange{product, odd},
                                        im.b.getI64IntegerAttr(dim));
      }
      type = typeOf(x);
    }
  }
  return reshape(im, node, x, plan.shape);
}

template <ReductionBuilder build>
llvm::Error importReduction(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  llvm::Expected<Reduction> plan = planReduction(im, node, typeOf(*input));
  if (!plan)
    return plan.takeError();
  im.setResult(node, plan->identity ? *input : build(im, node, *input, *plan));
  return llvm::Error::success();
}

/// GlobalAveragePool and GlobalMaxPool: the spatial dims (2...) reduced,
/// kept with size 1.
template <typename OpT>
llvm::Error importGlobalPool(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> input = im.floatValue(node, 0);
  if (!input)
    return input.takeError();
  RankedTensorType type = typeOf(*input);
  if (type.getRank() < 3)
    return im.fail(node, "a rank-" + llvm::Twine(type.getRank()) +
                             " input is not supported; supported: rank >= 3 "
                             "(N, C, spatial dims...)");
  Reduction plan;
  plan.shape.assign(type.getShape().begin(), type.getShape().end());
  for (int64_t dim = 2; dim < type.getRank(); ++dim) {
    plan.shape[dim] = 1;
    plan.dims.push_back(dim);
  }
  im.setResult(node, reduce<OpT>(im, node, *input, plan));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Over inputs: Max, Min, Sum, Mean
//===----------------------------------------------------------------------===//

/// max (or, with `predicate` lt, min) of two tensors of one shape: `lhs`
/// where it wins, `rhs` where it does, and their mean on a tie, so that a
/// tie gives each half the cotangent (and a NaN, compared false both ways,
/// propagates).
Value extremum(GraphImporter &im, const onnx::NodeProto &node,
               ComparePredicate predicate, Value lhs, Value rhs) {
  Location loc = im.loc(node);
  ComparePredicate opposite = predicate == ComparePredicate::GT
                                  ? ComparePredicate::LT
                                  : ComparePredicate::GT;
  Value lhsWins = mlir::mpt::CompareOp::create(im.b, loc, predicate, lhs, rhs);
  Value rhsWins = mlir::mpt::CompareOp::create(im.b, loc, opposite, lhs, rhs);
  Value mean = mlir::mpt::MulOp::create(
      im.b, loc, mlir::mpt::AddOp::create(im.b, loc, lhs, rhs),
      scalarConstant(im, node, typeOf(lhs).getElementType(), 0.5));
  Value unlessLhs = mlir::mpt::SelectOp::create(im.b, loc, rhsWins, rhs, mean);
  return mlir::mpt::SelectOp::create(im.b, loc, lhsWins, lhs, unlessLhs);
}

/// Max, Min and Sum of integers of the step (`torch.maximum(lengths, 1)`):
/// index arithmetic, one input after the other.
llvm::Error importIntegerVariadic(GraphImporter &im,
                                  const onnx::NodeProto &node, Value integers) {
  llvm::StringRef op = node.op_type();
  if (op == "Mean")
    return im.fail(node, "Mean of integer tensors is not supported; "
                         "supported: Max, Min and Sum of them");
  auto kind = op == "Max"   ? mlir::mpt::IndexArithKind::Max
              : op == "Min" ? mlir::mpt::IndexArithKind::Min
                            : mlir::mpt::IndexArithKind::Add;
  Type element = typeOf(integers).getElementType();
  llvm::Expected<Value> result = integerInput(im, node, 0, element);
  for (int index = 1; result && index < node.input_size(); ++index) {
    llvm::Expected<Value> next = integerInput(im, node, index, element);
    if (!next)
      return next.takeError();
    result = indexArith(im, node, kind, *result, *next);
  }
  if (!result)
    return result.takeError();
  im.setResult(node, *result);
  return llvm::Error::success();
}

llvm::Error importVariadic(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::StringRef op = node.op_type();
  if (node.input_size() == 0)
    return im.fail(node, "expected at least one input, found none");
  if (Value integers = stepIntegers(im, node))
    return importIntegerVariadic(im, node, integers);
  llvm::Expected<Value> first = im.floatValue(node, 0);
  if (!first)
    return first.takeError();
  Type element = typeOf(*first).getElementType();
  Value result = *first;
  for (int index = 1; index < node.input_size(); ++index) {
    llvm::Expected<Value> next = im.valueBeside(node, index, *first);
    if (!next)
      return next.takeError();
    if (typeOf(*next).getElementType() != element)
      return im.fail(node, "input " + llvm::Twine(index) +
                               " must be a tensor of the float type of "
                               "input 0");
    llvm::Expected<Shape> shape = broadcastShape(
        im, node, typeOf(result).getShape(), typeOf(*next).getShape());
    if (!shape)
      return shape.takeError();
    Value lhs = broadcastTo(im, node, result, *shape);
    Value rhs = broadcastTo(im, node, *next, *shape);
    if (op == "Max" || op == "Min")
      result = extremum(
          im, node, op == "Max" ? ComparePredicate::GT : ComparePredicate::LT,
          lhs, rhs);
    else
      result = mlir::mpt::AddOp::create(im.b, im.loc(node), lhs, rhs);
  }
  if (op == "Mean" && node.input_size() > 1)
    result = mlir::mpt::MulOp::create(
        im.b, im.loc(node), result,
        scalarConstant(im, node, element, 1.0 / node.input_size()));
  im.setResult(node, result);
  return llvm::Error::success();
}

} // namespace

bool isSumOfSquares(Value value) {
  auto sum = value.getDefiningOp<mlir::mpt::ReduceSumOp>();
  if (!sum)
    return false;
  Value terms = sum.getInput();
  if (auto product = terms.getDefiningOp<mlir::mpt::MulOp>())
    return product.getLhs() == product.getRhs();
  auto power = terms.getDefiningOp<mlir::mpt::PowOp>();
  DenseFPElementsAttr exponent;
  return power && matchPattern(power.getRhs(), m_Constant(&exponent)) &&
         exponent.isSplat() &&
         exponent.getSplatValue<APFloat>().convertToDouble() == 2.0;
}

Value rootOfSquares(GraphImporter &im, const onnx::NodeProto &node, Value sum) {
  Location loc = im.loc(node);
  RankedTensorType type = typeOf(sum);
  auto splat = [&](double value) {
    return broadcastTo(im, node,
                       scalarConstant(im, node, type.getElementType(), value),
                       type.getShape());
  };
  Value zero = splat(0.0);
  Value nonzero =
      mlir::mpt::CompareOp::create(im.b, loc, ComparePredicate::NE, sum, zero);
  Value root = mlir::mpt::SqrtOp::create(
      im.b, loc,
      mlir::mpt::SelectOp::create(im.b, loc, nonzero, sum, splat(1.0)));
  return mlir::mpt::SelectOp::create(im.b, loc, nonzero, root, zero);
}

void addReductionImporters(llvm::StringMap<OpImporter> &importers) {
  importers["ReduceMean"] =
      importReduction<buildPlain<mlir::mpt::ReduceMeanOp>>;
  importers["ReduceSum"] = importReduction<buildPlain<mlir::mpt::ReduceSumOp>>;
  importers["ReduceMax"] = importReduction<buildPlain<mlir::mpt::ReduceMaxOp>>;
  importers["ReduceMin"] = importReduction<buildMin>;
  importers["ReduceL1"] = importReduction<buildL1>;
  importers["ReduceL2"] = importReduction<buildL2>;
  importers["ReduceSumSquare"] = importReduction<buildSumSquare>;
  importers["ReduceLogSumExp"] = importReduction<buildLogSumExp>;
  importers["ReduceProd"] = importReduction<buildProd>;
  importers["GlobalAveragePool"] = importGlobalPool<mlir::mpt::ReduceMeanOp>;
  importers["GlobalMaxPool"] = importGlobalPool<mlir::mpt::ReduceMaxOp>;
  for (const char *name : {"Max", "Min", "Sum", "Mean"})
    importers[name] = importVariadic;
}

} // namespace import
} // namespace mpt
