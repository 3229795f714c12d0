//===- DataParallel.cpp - Averaging gradients over the ranks of a job -----===//
//
// A data-parallel job runs one step function on every rank, each on its own
// shard of the global batch. This file makes a step function such a step:
// it averages the gradients over the ranks, in buckets, before anything
// (unscaling, accumulation, the overflow guard, the optimizer) reads them.
//
// The average is a sum of gradients of the loss divided by the world size:
// the mean of the ranks' gradients, but each rank's backward pass then
// computes every per-sample term at the magnitude a single process on the
// global batch computes it (its loss is a mean over 1/N of the samples), so
// an f16 backward pass overflows at the same loss scale, and a compressed
// message carries values divided before they are rounded.
//
// Buffers (running statistics) are updated by each rank from its shard;
// their next values are averaged over the ranks too, so that every rank
// holds the same buffers, as it holds the same parameters.
//
//===----------------------------------------------------------------------===//

#include "mpt/Transforms/Passes.h"

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_DATAPARALLEL
#include "mpt/Transforms/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// How the collectives of a step are built, from the pass options.
struct CollectiveConfig {
  /// Null: the gradients travel in their own type.
  Type commType;
  IntegerAttr worldSize;
  int64_t bucketBytes = 0;
};

int64_t tensorBytes(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return type.getNumElements() *
         llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

/// Groups the gradients into messages, last parameter first: small ones
/// fill a bucket up to `bucketBytes`, large ones go alone and leave the
/// bucket being filled open, so the small gradients between large layers
/// (biases, norms) share one message rather than one each. Without
/// compression a bucket holds one element type.
SmallVector<SmallVector<Value>>
bucketGradients(ValueRange grads, const CollectiveConfig &config) {
  SmallVector<SmallVector<Value>> buckets;
  SmallVector<Value> current;
  int64_t currentBytes = 0;
  auto flush = [&] {
    if (!current.empty())
      buckets.push_back(std::move(current));
    current.clear();
    currentBytes = 0;
  };
  for (Value grad : llvm::reverse(grads)) {
    int64_t bytes = tensorBytes(grad);
    if (bytes >= config.bucketBytes) {
      buckets.push_back({grad});
      continue;
    }
    bool otherType = !current.empty() && !config.commType &&
                     getElementTypeOrSelf(current.front().getType()) !=
                         getElementTypeOrSelf(grad.getType());
    if (otherType || currentBytes + bytes > config.bucketBytes)
      flush();
    current.push_back(grad);
    currentBytes += bytes;
  }
  flush();
  return buckets;
}

/// Makes `gradient` differentiate its loss divided by the world size, so
/// that the sum of the ranks' gradients is their mean.
void divideLossByWorldSize(GradientOp gradient,
                           const CollectiveConfig &config) {
  OpBuilder b(gradient);
  Location loc = gradient.getLoc();
  Type f32 = b.getF32Type();
  Value ranks =
      config.worldSize
          ? arith::ConstantOp::create(b, loc,
                                      b.getF32FloatAttr(static_cast<float>(
                                          config.worldSize.getInt())))
                .getResult()
          : arith::SIToFPOp::create(b, loc, f32, WorldSizeOp::create(b, loc))
                .getResult();
  Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
  Value inverse = arith::DivFOp::create(b, loc, one, ranks);
  gradient.getLossMutable().assign(
      ScaleLossOp::create(b, loc, gradient.getLoss(), inverse));
}

/// Sums every gradient of `gradient` over the ranks right after it; every
/// other use reads the sum.
void sumGradients(GradientOp gradient, const CollectiveConfig &config) {
  OpBuilder b(gradient->getContext());
  b.setInsertionPointAfter(gradient);
  TypeAttr commType =
      config.commType ? TypeAttr::get(config.commType) : TypeAttr();
  for (const SmallVector<Value> &bucket :
       bucketGradients(gradient.getGrads(), config)) {
    auto reduce = AllReduceOp::create(b, gradient.getLoc(), ReductionKind::Sum,
                                      bucket, commType, config.worldSize);
    for (auto [grad, sum] : llvm::zip(bucket, reduce.getResults()))
      Value(grad).replaceAllUsesExcept(sum, reduce);
  }
}

/// Replaces the next value of every buffer the step returns by its mean
/// over the ranks, one message per element type, in f32 or f64 (buffers
/// are never compressed).
void averageBuffers(func::FuncOp step, const CollectiveConfig &config) {
  auto ret = cast<func::ReturnOp>(step.getBody().front().getTerminator());
  llvm::MapVector<Type, SmallVector<unsigned>> operandsByType;
  for (unsigned index = 0, e = ret.getNumOperands(); index < e; ++index)
    if (step.getResultAttr(index, "mpt.buffer"))
      operandsByType[getElementTypeOrSelf(ret.getOperand(index).getType())]
          .push_back(index);
  OpBuilder b(ret);
  for (auto &[element, indices] : operandsByType) {
    SmallVector<Value> values = llvm::map_to_vector(
        indices, [&](unsigned index) { return ret.getOperand(index); });
    auto reduce = AllReduceOp::create(b, ret.getLoc(), ReductionKind::Mean,
                                      values, TypeAttr(), config.worldSize);
    for (auto [index, mean] : llvm::zip(indices, reduce.getResults()))
      ret->setOperand(index, mean);
  }
}

LogicalResult makeDataParallel(func::FuncOp step,
                               const CollectiveConfig &config) {
  // Already data parallel: the averages are in place.
  if (!step.getOps<AllReduceOp>().empty())
    return success();
  SmallVector<GradientOp> gradients(step.getOps<GradientOp>());
  if (gradients.size() != 1)
    return step.emitOpError()
           << "holds " << gradients.size()
           << " mpt.gradient ops, expected one: --mpt-data-parallel runs "
              "after --mpt-expand-train-step and before --mpt-differentiate";
  divideLossByWorldSize(gradients.front(), config);
  sumGradients(gradients.front(), config);
  averageBuffers(step, config);
  return success();
}

struct DataParallelPass : mpt::impl::DataParallelBase<DataParallelPass> {
  using Base::Base;

  FailureOr<CollectiveConfig> parseOptions() {
    ModuleOp module = getOperation();
    CollectiveConfig config;
    Builder b(&getContext());
    if (commType == "f16")
      config.commType = b.getF16Type();
    else if (commType == "bf16")
      config.commType = b.getBF16Type();
    else if (commType != "f32")
      return emitError(module.getLoc())
             << "comm-type must be f32, f16 or bf16, found '" << commType
             << "'";
    if (worldSize < 0)
      return emitError(module.getLoc())
             << "world-size must be 0 (the runtime's) or positive, found "
             << std::to_string(worldSize);
    if (worldSize > 0)
      config.worldSize = b.getI64IntegerAttr(worldSize);
    if (bucketBytes < 0)
      return emitError(module.getLoc())
             << "bucket-bytes must be 0 or positive, found "
             << std::to_string(bucketBytes);
    config.bucketBytes = bucketBytes;
    return config;
  }

  void runOnOperation() override {
    FailureOr<CollectiveConfig> config = parseOptions();
    if (failed(config))
      return signalPassFailure();
    ModuleOp module = getOperation();
    for (TrainStepOp step : module.getOps<TrainStepOp>()) {
      step.emitOpError() << "must be expanded into a step function first: "
                            "run --mpt-expand-train-step";
      return signalPassFailure();
    }
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      // An evaluation function computes no gradient: each rank evaluates
      // with the same parameters, so it needs no collective.
      if (!func->hasAttr("mpt.train_step") ||
          func->hasAttr("mpt.gradient_function") ||
          func->hasAttr("mpt.evaluation_function"))
        continue;
      if (failed(makeDataParallel(func, *config)))
        return signalPassFailure();
    }
  }
};

} // namespace
