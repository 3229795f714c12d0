//===- LossOps.cpp - LossOpInterface of the loss ops ----------------------===//
//
// The terms of each loss, in a chosen float type, built from the dialect's
// own ops: the squared differences of mpt.mse_loss, and the per-row
// cross-entropies of mpt.cross_entropy_loss. Their mean is the loss as the
// op defines it, before the rounding of its result to f32.
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {
/// `value` in `type`, cast when its element type differs.
Value castTo(OpBuilder &b, Location loc, Value value, FloatType type) {
  auto tensor = cast<RankedTensorType>(value.getType());
  if (tensor.getElementType() == type)
    return value;
  return CastOp::create(b, loc, tensor.clone(type), value);
}

/// A `classes x classes` identity matrix: gathering its rows by label gives
/// the one-hot rows of the labels, and a label outside [0, classes) gives a
/// zero row, as it contributes nothing to mpt.cross_entropy_loss.
Value identityMatrix(OpBuilder &b, Location loc, int64_t classes,
                     FloatType type) {
  auto tensorType = RankedTensorType::get({classes, classes}, type);
  SmallVector<APFloat> values(classes * classes,
                              APFloat::getZero(type.getFloatSemantics()));
  for (int64_t i = 0; i < classes; ++i)
    values[i * classes + i] = APFloat::getOne(type.getFloatSemantics());
  return arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(DenseElementsAttr::get(tensorType, values)));
}
} // namespace

//===----------------------------------------------------------------------===//
// MSELossOp
//===----------------------------------------------------------------------===//

Value MSELossOp::getLossPrediction() { return getPrediction(); }
Value MSELossOp::getLossTarget() { return getTarget(); }
bool MSELossOp::scoresClasses() { return false; }

/// `(prediction - target)^2`, elementwise.
Value MSELossOp::buildLossTerms(OpBuilder &b, FloatType computeType) {
  Location loc = getLoc();
  Value difference =
      SubOp::create(b, loc, castTo(b, loc, getPrediction(), computeType),
                    castTo(b, loc, getTarget(), computeType));
  return MulOp::create(b, loc, difference, difference);
}

//===----------------------------------------------------------------------===//
// CrossEntropyLossOp
//===----------------------------------------------------------------------===//

Value CrossEntropyLossOp::getLossPrediction() { return getLogits(); }
Value CrossEntropyLossOp::getLossTarget() { return getTarget(); }
bool CrossEntropyLossOp::scoresClasses() { return true; }

/// `-sum_c target[n, c] * log_softmax(logits)[n, c]` for each row n, with
/// integer labels as their one-hot rows.
Value CrossEntropyLossOp::buildLossTerms(OpBuilder &b, FloatType computeType) {
  Location loc = getLoc();
  Value logits = castTo(b, loc, getLogits(), computeType);
  auto logitsType = cast<RankedTensorType>(logits.getType());
  int64_t classes = logitsType.getShape().back();
  Value target = getTarget();
  if (isa<IntegerType>(getElementTypeOrSelf(target)))
    target = GatherOp::create(b, loc, logitsType,
                              identityMatrix(b, loc, classes, computeType),
                              target, /*axis=*/0);
  else
    target = castTo(b, loc, target, computeType);
  Value logProbabilities = LogSoftmaxOp::create(b, loc, logits, /*axis=*/-1);
  Value weighted = MulOp::create(b, loc, target, logProbabilities);
  auto rowsType =
      RankedTensorType::get(logitsType.getShape().take_front(), computeType);
  Value rowSums = ReduceSumOp::create(b, loc, rowsType, weighted,
                                      b.getDenseI64ArrayAttr({1}),
                                      /*keep_dims=*/false);
  Value minusOne = arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(DenseElementsAttr::get(
          RankedTensorType::get({}, computeType),
          b.getFloatAttr(computeType, -1.0).getValue())));
  return MulOp::create(b, loc, rowSums, minusOne);
}
