//===- NetworkAdjoints.cpp - Adjoints of the network ops ------------------===//
//
// The derivatives of convolution, pooling, data movement, the math ops and
// the piecewise activations of exported networks, attached as
// AdjointOpInterface external models like those in MPTAdjoints.cpp. `dr` is the
// cotangent of the op's result; each adjoint builds the cotangents of the
// requested operands in their own types. docs/autodiff.md lists the formulas.
//
//===----------------------------------------------------------------------===//

#include "NetworkAdjoints.h"
#include "Adjoints.h"
#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;

namespace mlir::mpt::adjoint {

//===----------------------------------------------------------------------===//
// Math
//===----------------------------------------------------------------------===//

// erf'(x) = 2 / sqrt(pi) exp(-x^2).
static void buildAdjointOf(ErfOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    Value x = op.getInput();
    Value gauss = ExpOp::create(adj.b, adj.loc,
                                mul(adj, mul(adj, x, x), scalar(adj, x, -1.0)));
    return mul(adj, mul(adj, adj.dr, gauss),
               scalar(adj, x, 2.0 / std::sqrt(M_PI)));
  });
}

// atan' = 1 / (1 + x^2), asin' = 1 / sqrt(1 - x^2) = -acos', tan' = 1 + tan^2.

/// 1 + v^2, elementwise.
static Value onePlusSquare(Adjoint &adj, Value v) {
  return AddOp::create(adj.b, adj.loc, mul(adj, v, v), scalar(adj, v, 1.0));
}

static void buildAdjointOf(AtanOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return div(adj, adj.dr, onePlusSquare(adj, op.getInput())); });
}

/// sqrt(1 - x^2), the denominator of asin' and acos'.
static Value cosineOfArcsine(Adjoint &adj, Value x) {
  return SqrtOp::create(adj.b, adj.loc, oneMinus(adj, mul(adj, x, x)));
}

static void buildAdjointOf(AsinOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return div(adj, adj.dr, cosineOfArcsine(adj, op.getInput()));
  });
}

static void buildAdjointOf(AcosOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return negate(adj, div(adj, adj.dr, cosineOfArcsine(adj, op.getInput())));
  });
}

static void buildAdjointOf(TanOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return mul(adj, adj.dr, onePlusSquare(adj, op.getResult())); });
}

// Rounding is piecewise constant: its input's cotangent is zero.
template <typename OpT> static void buildRoundingAdjoint(OpT op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return adj.b.getSplat(adj.loc, op.getType(), 0.0); });
}
static void buildAdjointOf(FloorOp op, Adjoint &adj) {
  buildRoundingAdjoint(op, adj);
}
static void buildAdjointOf(CeilOp op, Adjoint &adj) {
  buildRoundingAdjoint(op, adj);
}
static void buildAdjointOf(RoundOp op, Adjoint &adj) {
  buildRoundingAdjoint(op, adj);
}

// d(l^r)/dl = r l^(r - 1); d(l^r)/dr = l^r log(l), summed over the dims the
// exponent was broadcast along.
static void buildAdjointOf(PowOp op, Adjoint &adj) {
  Value lhs = op.getLhs(), rhs = op.getRhs();
  adj.set(op.getLhsMutable(), [&] {
    Value ones = adj.b.getSplat(adj.loc, rhs.getType(), 1.0);
    Value lower = PowOp::create(adj.b, adj.loc, lhs,
                                SubOp::create(adj.b, adj.loc, rhs, ones));
    return mul(adj, mul(adj, adj.dr, lower), rhs);
  });
  adj.set(op.getRhsMutable(), [&] {
    Value logBase = LogOp::create(adj.b, adj.loc, lhs);
    return sumToShape(adj, mul(adj, mul(adj, adj.dr, op.getResult()), logBase),
                      rhs.getType());
  });
}

static void buildAdjointOf(ReduceMaxOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return ReduceMaxGradOp::create(adj.b, adj.loc, op.getInput().getType(),
                                   op.getInput(), op.getResult(), adj.dr,
                                   op.getDimsAttr(), op.getKeepDimsAttr());
  });
}

// y = x - logsumexp(x): dx = dr - exp(y) sum_axis(dr).
static void buildAdjointOf(LogSoftmaxOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    RankedTensorType type = op.getType();
    int64_t axis = op.getNormalizedAxis();
    DenseI64ArrayAttr dims = adj.b.getDenseI64ArrayAttr({axis});
    SmallVector<int64_t> rowShape(type.getShape());
    rowShape.erase(rowShape.begin() + axis);
    Value total = ReduceSumOp::create(adj.b, adj.loc, type.clone(rowShape),
                                      adj.dr, dims, /*keep_dims=*/false);
    Value spread = BroadcastOp::create(adj.b, adj.loc, type, total, dims);
    Value softmax = ExpOp::create(adj.b, adj.loc, op.getResult());
    return sub(adj, adj.dr, mul(adj, softmax, spread));
  });
}

// d/dlogits: mpt.cross_entropy_loss_grad. A probability target receives
// -dL / N log_softmax(logits).
static void buildAdjointOf(CrossEntropyLossOp op, Adjoint &adj) {
  Value logits = op.getLogits(), target = op.getTarget();
  adj.set(op.getLogitsMutable(), [&] {
    return CrossEntropyLossGradOp::create(adj.b, adj.loc, logits.getType(),
                                          logits, target, adj.dr);
  });
  adj.set(op.getTargetMutable(), [&] {
    auto type = cast<RankedTensorType>(target.getType());
    Type element = type.getElementType();
    int64_t rows = type.getDimSize(0);
    Value factor =
        arith::MulFOp::create(adj.b, adj.loc, adj.dr,
                              adj.b.getSplat(adj.loc, adj.dr.getType(),
                                             -1.0 / static_cast<double>(rows)));
    if (element != factor.getType())
      factor = CastOp::create(adj.b, adj.loc, element, factor);
    Value factorTensor = tensor::FromElementsOp::create(
        adj.b, adj.loc, RankedTensorType::get({}, element), factor);
    Value logProbabilities = LogSoftmaxOp::create(adj.b, adj.loc, logits);
    return mul(adj, logProbabilities, factorTensor);
  });
}

//===----------------------------------------------------------------------===//
// Piecewise activations: each derivative is an op of its own, with the
// activation's attributes.
//===----------------------------------------------------------------------===//

template <typename GradOpTy, typename OpTy>
static void buildActivationAdjoint(OpTy op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    SmallVector<NamedAttribute> parameters;
    for (NamedAttribute attr : op->getAttrs())
      if (llvm::is_contained(GradOpTy::getAttributeNames(),
                             attr.getName().getValue()))
        parameters.push_back(attr);
    return GradOpTy::create(adj.b, adj.loc, TypeRange{op.getType()},
                            ValueRange{op.getInput(), adj.dr}, parameters)
        .getResult();
  });
}

static void buildAdjointOf(LeakyReluOp op, Adjoint &adj) {
  buildActivationAdjoint<LeakyReluGradOp>(op, adj);
}
static void buildAdjointOf(EluOp op, Adjoint &adj) {
  buildActivationAdjoint<EluGradOp>(op, adj);
}
static void buildAdjointOf(SoftplusOp op, Adjoint &adj) {
  buildActivationAdjoint<SoftplusGradOp>(op, adj);
}
static void buildAdjointOf(AbsOp op, Adjoint &adj) {
  buildActivationAdjoint<AbsGradOp>(op, adj);
}
static void buildAdjointOf(ClampOp op, Adjoint &adj) {
  buildActivationAdjoint<ClampGradOp>(op, adj);
}
static void buildAdjointOf(HardSigmoidOp op, Adjoint &adj) {
  buildActivationAdjoint<HardSigmoidGradOp>(op, adj);
}
static void buildAdjointOf(HardSwishOp op, Adjoint &adj) {
  buildActivationAdjoint<HardSwishGradOp>(op, adj);
}
static void buildAdjointOf(ShrinkOp op, Adjoint &adj) {
  buildActivationAdjoint<ShrinkGradOp>(op, adj);
}

// Sign is piecewise constant: its input's cotangent is zero.
static void buildAdjointOf(SignOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(),
          [&] { return adj.b.getSplat(adj.loc, op.getType(), 0.0); });
}

//===----------------------------------------------------------------------===//
// Masks: a comparison is piecewise constant; a select routes the cotangent
// to the value it chose.
//===----------------------------------------------------------------------===//

static void buildAdjointOf(CompareOp op, Adjoint &adj) {
  for (OpOperand &operand : op->getOpOperands())
    adj.set(operand, [&] {
      return adj.b.getSplat(adj.loc, operand.get().getType(), 0.0);
    });
}

static void buildAdjointOf(SelectOp op, Adjoint &adj) {
  Value zero = adj.b.getSplat(adj.loc, op.getType(), 0.0);
  adj.set(op.getConditionMutable(), [&] { return zero; });
  adj.set(op.getTrueValueMutable(), [&] {
    return SelectOp::create(adj.b, adj.loc, op.getCondition(), adj.dr, zero)
        .getResult();
  });
  adj.set(op.getFalseValueMutable(), [&] {
    return SelectOp::create(adj.b, adj.loc, op.getCondition(), zero, adj.dr)
        .getResult();
  });
}

// Dropout is linear in its input with a mask fixed by its other operands:
// the cotangent goes through the same mask and scale.
static void buildAdjointOf(DropoutOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return DropoutOp::create(adj.b, adj.loc, op.getType(), adj.dr, op.getStep(),
                             op.getPAttr(), op.getSeedAttr());
  });
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// The optional per-channel bias of an NCHW result receives the result's
/// cotangent summed over the batch and the pixels.
static void setChannelBiasAdjoint(MutableOperandRange bias, Adjoint &adj) {
  if (bias.empty())
    return;
  adj.set(bias[0], [&] {
    return ReduceSumOp::create(adj.b, adj.loc, bias[0].get().getType(), adj.dr,
                               adj.b.getDenseI64ArrayAttr({0, 2, 3}),
                               /*keep_dims=*/false);
  });
}

static void buildAdjointOf(Conv2DOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return Conv2DInputGradOp::create(adj.b, adj.loc, op.getInput().getType(),
                                     adj.dr, op.getWeight(),
                                     op.getStridesAttr(), op.getPaddingAttr(),
                                     op.getDilationsAttr(), op.getGroupsAttr());
  });
  adj.set(op.getWeightMutable(), [&] {
    return Conv2DWeightGradOp::create(
        adj.b, adj.loc, op.getWeight().getType(), op.getInput(), adj.dr,
        op.getStridesAttr(), op.getPaddingAttr(), op.getDilationsAttr(),
        op.getGroupsAttr());
  });
  setChannelBiasAdjoint(op.getBiasMutable(), adj);
}

// A transposed convolution is the input gradient of a convolution: its
// input's cotangent is that convolution of the result's cotangent, and its
// weight's is that convolution's weight gradient with the roles of input
// and output swapped.
static void buildAdjointOf(ConvTranspose2DOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return Conv2DOp::create(adj.b, adj.loc, op.getInput().getType(), adj.dr,
                            op.getWeight(), /*bias=*/Value(),
                            op.getStridesAttr(), op.getPaddingAttr(),
                            op.getDilationsAttr(), op.getGroupsAttr());
  });
  adj.set(op.getWeightMutable(), [&] {
    return Conv2DWeightGradOp::create(
        adj.b, adj.loc, op.getWeight().getType(), adj.dr, op.getInput(),
        op.getStridesAttr(), op.getPaddingAttr(), op.getDilationsAttr(),
        op.getGroupsAttr());
  });
  setChannelBiasAdjoint(op.getBiasMutable(), adj);
}

static void buildAdjointOf(MaxPool2DOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return MaxPool2DGradOp::create(adj.b, adj.loc, op.getInput().getType(),
                                   op.getInput(), op.getResult(), adj.dr,
                                   op.getKernelAttr(), op.getStridesAttr(),
                                   op.getPaddingAttr(), op.getDilationsAttr());
  });
}

static void buildAdjointOf(AvgPool2DOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return AvgPool2DGradOp::create(
        adj.b, adj.loc, op.getInput().getType(), adj.dr, op.getKernelAttr(),
        op.getStridesAttr(), op.getPaddingAttr(), op.getCountIncludePadAttr());
  });
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

// Each input receives its own part of the cotangent.
static void buildAdjointOf(ConcatOp op, Adjoint &adj) {
  int64_t axis = op.getNormalizedAxis();
  int64_t rank = op.getType().getRank();
  int64_t offset = 0;
  for (OpOperand &input : op.getInputsMutable()) {
    auto type = cast<RankedTensorType>(input.get().getType());
    adj.set(input, [&] {
      SmallVector<int64_t> offsets(rank, 0);
      offsets[axis] = offset;
      return SliceOp::create(
          adj.b, adj.loc, type, adj.dr, adj.b.getDenseI64ArrayAttr(offsets),
          adj.b.getDenseI64ArrayAttr(SmallVector<int64_t>(rank, 1)));
    });
    offset += type.getDimSize(axis);
  }
}

static void buildAdjointOf(SliceOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return SliceGradOp::create(adj.b, adj.loc, op.getInput().getType(), adj.dr,
                               op.getOffsetsAttr(), op.getStridesAttr());
  });
}

static void buildAdjointOf(GatherOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return GatherGradOp::create(
        adj.b, adj.loc, op.getInput().getType(), op.getIndices(), adj.dr,
        adj.b.getI64IntegerAttr(op.getNormalizedAxis()));
  });
}

static void buildAdjointOf(GatherElementsOp op, Adjoint &adj) {
  adj.set(op.getInputMutable(), [&] {
    return GatherElementsGradOp::create(
        adj.b, adj.loc, op.getInput().getType(), op.getIndices(), adj.dr,
        adj.b.getI64IntegerAttr(op.getNormalizedAxis()));
  });
}

} // namespace mlir::mpt::adjoint

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpt::detail::registerNetworkAdjointModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, MPTDialect *) {
    adjoint::attachAdjointModels<
        ErfOp, AtanOp, AsinOp, AcosOp, TanOp, FloorOp, CeilOp, RoundOp, PowOp,
        ReduceMaxOp, LogSoftmaxOp, CrossEntropyLossOp, LeakyReluOp, EluOp,
        SoftplusOp, AbsOp, ClampOp, HardSigmoidOp, HardSwishOp, ShrinkOp,
        SignOp, CompareOp, SelectOp, DropoutOp, Conv2DOp, ConvTranspose2DOp,
        MaxPool2DOp, AvgPool2DOp, ConcatOp, SliceOp, GatherOp,
        GatherElementsOp>(context);
  });
}
