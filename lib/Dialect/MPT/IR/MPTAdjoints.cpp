//===- MPTAdjoints.cpp - Reverse-mode adjoints of the mpt ops -------------===//
//
// The derivative of every differentiable mpt op, attached to the ops as
// AdjointOpInterface external models. For `r = f(x, ...)`, `dr` is the
// cotangent of the result (dL/dr) and each adjoint builds the cotangents
// of the requested operands (dL/dx) in the operand's own type, reusing the
// forward operands and results. docs/autodiff.md derives every formula.
//
//===----------------------------------------------------------------------===//

#include "Adjoints.h"
#include "NetworkAdjoints.h"
#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Dialect/MPT/IR/TensorLimits.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Sequence.h"

using namespace mlir;
using namespace mlir::mpt;

#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.cpp.inc"

//===----------------------------------------------------------------------===//
// AdjointBuilder
//===----------------------------------------------------------------------===//

AdjointBuilder::AdjointBuilder(Operation *insertionPoint)
    : OpBuilder(insertionPoint), constantBuilder(insertionPoint->getContext()) {
  constantBuilder.setInsertionPointToStart(insertionPoint->getBlock());
}

Value AdjointBuilder::getSplat(Location loc, Type type, double value) {
  FloatAttr element = getFloatAttr(getElementTypeOrSelf(type), value);
  TypedAttr attr = element;
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    attr = cast<TypedAttr>(DenseElementsAttr::get(tensor, element.getValue()));
  Value &constant = constants[attr];
  if (!constant)
    constant = arith::ConstantOp::create(constantBuilder, loc, attr);
  return constant;
}

Value AdjointBuilder::getScalarTensor(Location loc, Type elementType,
                                      double value) {
  return getSplat(loc, RankedTensorType::get({}, elementType), value);
}

//===----------------------------------------------------------------------===//
// Shared pieces
//===----------------------------------------------------------------------===//

namespace mlir::mpt::adjoint {

//===----------------------------------------------------------------------===//
// Elementwise unary ops: dx = dr * f'(x), written with the forward result
// where f' is simplest in it.
//===----------------------------------------------------------------------===//

static void buildAdjointOf(ReluOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return ReluGradOp::create(adj.b, adj.loc, op.getType(), op.getResult(),
                              adj.dr);
  });
}

static void buildAdjointOf(GeluOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return GeluGradOp::create(adj.b, adj.loc, op.getType(), op.getInput(),
                              adj.dr);
  });
}

// tanh' = 1 - tanh^2.
static void buildAdjointOf(TanhOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    Value y = op.getResult();
    return mul(adj, adj.dr, oneMinus(adj, mul(adj, y, y)));
  });
}

// sigmoid' = sigmoid (1 - sigmoid).
static void buildAdjointOf(SigmoidOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    Value y = op.getResult();
    return mul(adj, adj.dr, mul(adj, y, oneMinus(adj, y)));
  });
}

// sqrt' = 1 / (2 sqrt).
static void buildAdjointOf(SqrtOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    Value half =
        adj.b.getScalarTensor(adj.loc, op.getType().getElementType(), 0.5);
    return mul(adj, div(adj, adj.dr, op.getResult()), half);
  });
}

// exp' = exp.
static void buildAdjointOf(ExpOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return mul(adj, adj.dr, op.getResult()); });
}

// sin' = cos, cos' = -sin.
static void buildAdjointOf(SinOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return mul(adj, adj.dr, CosOp::create(adj.b, adj.loc, op.getInput()));
  });
}

static void buildAdjointOf(CosOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return negate(
        adj, mul(adj, adj.dr, SinOp::create(adj.b, adj.loc, op.getInput())));
  });
}

// log' = 1 / x.
static void buildAdjointOf(LogOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return div(adj, adj.dr, op.getInput()); });
}

//===----------------------------------------------------------------------===//
// Broadcasting binary ops: the rhs cotangent is summed over the leading dims
// that the rhs was broadcast along.
//===----------------------------------------------------------------------===//

static void buildAdjointOf(AddOp op, Adjoint &adj) {
  adj.set(op.getLhsMutable(), [&] { return adj.dr; });
  adj.set(op.getRhsMutable(),
          [&] { return sumToShape(adj, adj.dr, op.getRhs().getType()); });
}

static void buildAdjointOf(SubOp op, Adjoint &adj) {
  adj.set(op.getLhsMutable(), [&] { return adj.dr; });
  adj.set(op.getRhsMutable(), [&] {
    return negate(adj, sumToShape(adj, adj.dr, op.getRhs().getType()));
  });
}

static void buildAdjointOf(MulOp op, Adjoint &adj) {
  adj.set(op.getLhsMutable(), [&] { return mul(adj, adj.dr, op.getRhs()); });
  adj.set(op.getRhsMutable(), [&] {
    return sumToShape(adj, mul(adj, adj.dr, op.getLhs()),
                      op.getRhs().getType());
  });
}

// d(l / r)/dr = -l / r^2 = -(l / r) / r: reuses the quotient.
static void buildAdjointOf(DivOp op, Adjoint &adj) {
  adj.set(op.getLhsMutable(), [&] { return div(adj, adj.dr, op.getRhs()); });
  adj.set(op.getRhsMutable(), [&] {
    Value t = div(adj, mul(adj, adj.dr, op.getResult()), op.getRhs());
    return negate(adj, sumToShape(adj, t, op.getRhs().getType()));
  });
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

// With A' = op(lhs) and B' = op(rhs): dA' = dr B'^T, dB' = A'^T dr, and a
// transposed operand receives the transpose of its cotangent. Each case is
// one matmul with the right transpose flags; a rank-2 rhs shared by all
// batches receives the sum over the batches.
static void buildAdjointOf(MatmulOp op, Adjoint &adj) {
  Value lhs = op.getLhs(), rhs = op.getRhs(), dr = adj.dr;
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
  bool sharedRhs =
      tensorTypeOf(rhs).getRank() == 2 && tensorTypeOf(lhs).getRank() > 2;

  adj.set(op.getLhsMutable(), [&] {
    if (!tl)
      return matmul(adj, dr, rhs, false, !tr); // dr B'^T
    if (!sharedRhs)
      return matmul(adj, rhs, dr, tr, true); // (dr B'^T)^T = B' dr^T
    // A shared matrix cannot be the lhs of a batched matmul.
    return transposeMatrices(adj, matmul(adj, dr, rhs, false, !tr));
  });

  adj.set(op.getRhsMutable(), [&] {
    // A'^T dr, or its transpose dr^T A' for a transposed rhs.
    auto rhsCotangent = [&](Value a, Value d) {
      return tr ? matmul(adj, d, a, true, tl) : matmul(adj, a, d, !tl, false);
    };
    if (!sharedRhs)
      return rhsCotangent(lhs, dr);
    // Batches stacked as rows: one matmul sums over them.
    if (!tl)
      return rhsCotangent(asMatrix(adj, lhs), asMatrix(adj, dr));
    return sumToShape(adj, rhsCotangent(lhs, dr), rhs.getType());
  });
}

// r = x W + b: dx = dr W^T, dW = x^T dr over all rows, db = sum of dr rows.
static void buildAdjointOf(LinearOp op, Adjoint &adj) {
  Value input = op.getInput(), weight = op.getWeight(), dr = adj.dr;
  // dr with its leading dims folded into rows, built once for both uses.
  Value drRows;
  auto rowsOfDr = [&] {
    if (!drRows)
      drRows = asMatrix(adj, dr);
    return drRows;
  };
  adj.set(op.getInputMutable(), [&] {
    // A rank-1 input is a single row.
    if (tensorTypeOf(input).getRank() == 1)
      return reshape(adj, matmul(adj, rowsOfDr(), weight, false, true),
                     input.getType());
    return matmul(adj, dr, weight, false, true);
  });
  adj.set(op.getWeightMutable(), [&] {
    return matmul(adj, asMatrix(adj, input), rowsOfDr(), true, false);
  });
  if (Value bias = op.getBias())
    adj.set(op.getBiasMutable()[0],
            [&] { return sumToShape(adj, dr, bias.getType()); });
}

//===----------------------------------------------------------------------===//
// Normalisations
//===----------------------------------------------------------------------===//

// dx = y (dr - sum_axis(dr y)).
static void buildAdjointOf(SoftmaxOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    Value y = op.getResult();
    RankedTensorType type = op.getType();
    SmallVector<int64_t> axis = {op.getNormalizedAxis()};
    DenseI64ArrayAttr dims = adj.b.getDenseI64ArrayAttr(axis);
    Value dot = ReduceSumOp::create(adj.b, adj.loc, dropDims(type, axis),
                                    mul(adj, adj.dr, y), dims,
                                    /*keep_dims=*/false);
    Value spread = BroadcastOp::create(adj.b, adj.loc, type, dot, dims);
    return mul(adj, y, SubOp::create(adj.b, adj.loc, adj.dr, spread));
  });
}

// dx: mpt.layer_norm_grad; dgamma = sum of dr xhat rows, with xhat the
// normalised input (layer_norm with unit gamma and zero beta); dbeta = sum
// of dr rows.
static void buildAdjointOf(LayerNormOp op, Adjoint &adj) {
  Value input = op.getInput(), gamma = op.getGamma(), dr = adj.dr;
  adj.set(op.getInputMutable(), [&] {
    return LayerNormGradOp::create(adj.b, adj.loc, input.getType(), input,
                                   gamma, dr, op.getEpsilonAttr());
  });
  adj.set(op.getGammaMutable(), [&] {
    Value xhat = LayerNormOp::create(
        adj.b, adj.loc, input.getType(), input,
        adj.b.getSplat(adj.loc, gamma.getType(), 1.0),
        adj.b.getSplat(adj.loc, op.getBeta().getType(), 0.0),
        op.getEpsilonAttr());
    return sumToShape(adj, mul(adj, dr, xhat), gamma.getType());
  });
  adj.set(op.getBetaMutable(),
          [&] { return sumToShape(adj, dr, op.getBeta().getType()); });
}

//===----------------------------------------------------------------------===//
// Reductions and data movement
//===----------------------------------------------------------------------===//

/// The cotangent of the input of a reduction whose result cotangent is
/// `dr`, times `scale`: `dr` spread back over the reduced dims.
template <typename ReduceOpT>
static Value spreadOverReducedDims(ReduceOpT op, Adjoint &adj, double scale) {
  SmallVector<int64_t> dims = op.getReducedDims();
  RankedTensorType inputType = op.getInput().getType();
  Value d = reshape(adj, adj.dr, dropDims(inputType, dims));
  if (scale != 1.0)
    d = mul(adj, d,
            adj.b.getScalarTensor(adj.loc, inputType.getElementType(), scale));
  return BroadcastOp::create(adj.b, adj.loc, inputType, d,
                             adj.b.getDenseI64ArrayAttr(dims));
}

static void buildAdjointOf(ReduceSumOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return spreadOverReducedDims(op, adj, 1.0); });
}

static void buildAdjointOf(ReduceMeanOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    RankedTensorType input = op.getInput().getType();
    SmallVector<int64_t> reducedSizes =
        llvm::map_to_vector(op.getReducedDims(),
                            [&](int64_t dim) { return input.getDimSize(dim); });
    int64_t count = adj.product(reducedSizes);
    return spreadOverReducedDims(op, adj, 1.0 / static_cast<double>(count));
  });
}

static void buildAdjointOf(BroadcastOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return ReduceSumOp::create(adj.b, adj.loc, op.getInput().getType(), adj.dr,
                               op.getDimsAttr(), /*keep_dims=*/false);
  });
}

// The inverse permutation moves every element back.
static void buildAdjointOf(TransposeOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    ArrayRef<int64_t> perm = op.getPermutation();
    SmallVector<int64_t> inverse(perm.size());
    for (auto [dim, source] : llvm::enumerate(perm))
      inverse[source] = dim;
    return TransposeOp::create(adj.b, adj.loc, op.getInput().getType(), adj.dr,
                               adj.b.getDenseI64ArrayAttr(inverse));
  });
}

static void buildAdjointOf(ReshapeOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return reshape(adj, adj.dr, op.getInput().getType()); });
}

// The cotangent goes back to the source precision: this is how fp32 master
// weights receive fp32 gradients from an f16 forward pass.
static void buildAdjointOf(CastOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return CastOp::create(adj.b, adj.loc, op.getInput().getType(), adj.dr);
  });
}

// The training step reads `train`; `eval` does not reach its loss.
static void buildAdjointOf(ModeSelectOp op, Adjoint &adj) {
  adj.set(op.getTrainMutable(), [&] { return adj.dr; });
  adj.set(op.getEvalMutable(),
          [&] { return adj.b.getSplat(adj.loc, op.getType(), 0.0); });
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

// L = mean((p - t)^2): dp = dL (2 / N) (p - t), dt = -dp, computed in the
// precision of the forward op (f32, or f64 for f64 operands) and rounded to
// each operand's type.
static void buildAdjointOf(MSELossOp op, Adjoint &adj) {
  Value prediction = op.getPrediction(), target = op.getTarget();
  bool isF64 =
      elementTypeOf(prediction).isF64() || elementTypeOf(target).isF64();
  Type computeType = isF64 ? adj.b.getF64Type() : adj.b.getF32Type();
  // `value` (a tensor or the scalar dL) in the compute type, or narrowed
  // back to `type`.
  auto convert = [&](Value value, Type type) -> Value {
    if (value.getType() == type)
      return value;
    return CastOp::create(adj.b, adj.loc, type, value);
  };
  auto widen = [&](Value value) {
    Type type = value.getType();
    if (auto tensor = dyn_cast<RankedTensorType>(type))
      return convert(value, tensor.clone(computeType));
    return convert(value, computeType);
  };
  // Shared by both cotangents, built once.
  Value diff, dl;
  auto cotangent = [&](Value operand, double sign) {
    if (!diff) {
      diff = SubOp::create(adj.b, adj.loc, widen(prediction), widen(target));
      dl = widen(adj.dr);
    }
    int64_t count = adj.product(tensorTypeOf(prediction).getShape());
    Value factor = arith::MulFOp::create(
        adj.b, adj.loc, dl,
        adj.b.getSplat(adj.loc, computeType, sign * 2.0 / count));
    Value factorTensor = tensor::FromElementsOp::create(
        adj.b, adj.loc, RankedTensorType::get({}, computeType), factor);
    return convert(mul(adj, diff, factorTensor), operand.getType());
  };
  adj.set(op.getPredictionMutable(),
          [&] { return cotangent(prediction, 1.0); });
  adj.set(op.getTargetMutable(), [&] { return cotangent(target, -1.0); });
}

// scaled = loss * scale.
static void buildAdjointOf(ScaleLossOp op, Adjoint &adj) {
  adj.set(op.getLossMutable(), [&] {
    return arith::MulFOp::create(adj.b, adj.loc, adj.dr, op.getScale());
  });
  adj.set(op.getScaleMutable(), [&] {
    return arith::MulFOp::create(adj.b, adj.loc, adj.dr, op.getLoss());
  });
}

} // namespace mlir::mpt::adjoint

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpt::registerAdjointInterfaceModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, MPTDialect *) {
    adjoint::attachAdjointModels<
        ReluOp, GeluOp, TanhOp, SigmoidOp, SqrtOp, ExpOp, LogOp, SinOp, CosOp,
        AddOp, SubOp, MulOp, DivOp, MatmulOp, LinearOp, SoftmaxOp, LayerNormOp,
        ReduceSumOp, ReduceMeanOp, BroadcastOp, TransposeOp, ReshapeOp, CastOp,
        ModeSelectOp, MSELossOp, ScaleLossOp>(context);
  });
  detail::registerNetworkAdjointModels(registry);
}
