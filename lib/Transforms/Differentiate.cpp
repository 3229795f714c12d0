//===- Differentiate.cpp - Reverse-mode automatic differentiation ---------===//
//
// Replaces `mpt.gradient %loss wrt %w...` by the backward computation. The
// pass reads like the algorithm:
//   1. requireExpandedSteps  no mpt.train_step: expanding is another pass
//   2. analyzeActivity       the ops on a path from a wrt value to the loss
//   3. checkAdjoints         each of them has an adjoint, before any IR is
//                            built
//   4. buildBackward         seed 1.0, adjoints last op first, fan-out summed
//   5. replaceGradient       the gradients; zero, with a remark, for wrt
//                            values that do not reach the loss; the loss
//                            computation that only the gradient read is
//                            erased
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_DIFFERENTIATE
#include "mpt/Transforms/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The values differentiation propagates through: those that depend on a
/// wrt value and that the loss depends on.
struct Activity {
  /// The ops that compute active values, in program order.
  SmallVector<Operation *> ops;
  DenseSet<Value> values;
};

bool isFloatLike(Type type) {
  return isa<FloatType>(getElementTypeOrSelf(type));
}

bool isFunctionArgument(BlockArgument arg) {
  Block *block = arg.getOwner();
  return block->isEntryBlock() &&
         block->getParentOp()->hasTrait<OpTrait::IsIsolatedFromAbove>();
}

/// Calls `fn` on every value `op` reads: its operands and the values that
/// its regions use from above.
void forEachInput(Operation *op, llvm::function_ref<void(Value)> fn) {
  for (Value operand : op->getOperands())
    fn(operand);
  if (op->getNumRegions() == 0)
    return;
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  for (Value value : captured)
    fn(value);
}

/// The ops whose results `op` can read, in program order: those before it
/// in its block and in each enclosing block up to the function.
SmallVector<Operation *> opsBefore(Operation *op) {
  SmallVector<Operation *> anchors;
  for (Operation *anchor = op; anchor; anchor = anchor->getParentOp()) {
    anchors.push_back(anchor);
    Operation *parent = anchor->getParentOp();
    if (!parent || parent->hasTrait<OpTrait::IsIsolatedFromAbove>())
      break;
  }
  SmallVector<Operation *> ops;
  for (Operation *anchor : llvm::reverse(anchors))
    for (Operation &before :
         llvm::make_range(anchor->getBlock()->begin(), anchor->getIterator()))
      ops.push_back(&before);
  return ops;
}

/// How the remark about a zero gradient names wrt value `index`.
std::string describeWrt(GradientOp gradient, unsigned index) {
  Value wrt = gradient.getWrt()[index];
  if (auto arg = dyn_cast<BlockArgument>(wrt); arg && isFunctionArgument(arg))
    if (auto func =
            dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp()))
      if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                        "mpt.param"))
        return ("parameter '" + name.getValue() + "'").str();
  return ("'wrt' value #" + Twine(index)).str();
}

} // namespace

//===----------------------------------------------------------------------===//
// 1. Training steps
//===----------------------------------------------------------------------===//

/// Differentiation works on step functions; expanding a step is the concern
/// of --mpt-expand-train-step alone. Reports every step still in `module`.
static LogicalResult requireExpandedSteps(ModuleOp module) {
  bool found = false;
  module.walk([&](TrainStepOp step) {
    step.emitOpError()
        << "must be expanded into its step function before differentiation: "
           "run --mpt-expand-train-step (or --auto-mixed-precision) first";
    found = true;
  });
  return failure(found);
}

//===----------------------------------------------------------------------===//
// 2. Activity analysis
//===----------------------------------------------------------------------===//

/// Walks back from the loss to find what it depends on ("useful"), then
/// forward from the wrt values through those ops ("varied"); the active
/// values are both. Only straight-line code is differentiated: the loss may
/// depend on function arguments, wrt block arguments and results of ops
/// that precede the gradient op in its block or an enclosing one.
static FailureOr<Activity> analyzeActivity(GradientOp gradient) {
  llvm::SetVector<Value> useful;
  SmallVector<Value> worklist = {gradient.getLoss()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    if (!isFloatLike(value.getType()) || !useful.insert(value))
      continue;
    if (Operation *def = value.getDefiningOp())
      forEachInput(def, [&](Value input) { worklist.push_back(input); });
  }

  SmallVector<Operation *> candidates = opsBefore(gradient);
  DenseSet<Operation *> straightLine(candidates.begin(), candidates.end());
  DenseSet<Value> wrt(gradient.getWrt().begin(), gradient.getWrt().end());
  for (Value value : useful) {
    auto arg = dyn_cast<BlockArgument>(value);
    if (arg ? isFunctionArgument(arg) || wrt.contains(arg)
            : straightLine.contains(value.getDefiningOp()))
      continue;
    InFlightDiagnostic diag = gradient.emitOpError()
                              << "cannot differentiate through control flow: "
                                 "the loss depends on a value defined outside "
                                 "the blocks that enclose this op";
    diag.attachNote(value.getLoc()) << "value defined here";
    return failure();
  }

  Activity activity;
  DenseSet<Value> varied = wrt;
  for (Operation *op : candidates) {
    if (llvm::none_of(op->getResults(),
                      [&](Value result) { return useful.contains(result); }))
      continue;
    bool dependsOnWrt = false;
    forEachInput(op,
                 [&](Value input) { dependsOnWrt |= varied.contains(input); });
    if (!dependsOnWrt)
      continue;
    activity.ops.push_back(op);
    for (Value result : op->getResults())
      if (isFloatLike(result.getType()))
        varied.insert(result);
  }
  for (Value value : varied)
    if (useful.contains(value))
      activity.values.insert(value);
  return activity;
}

//===----------------------------------------------------------------------===//
// 3. Adjoint availability
//===----------------------------------------------------------------------===//

/// Reports every active op that has no adjoint.
static LogicalResult checkAdjoints(GradientOp gradient,
                                   const Activity &activity) {
  bool complete = true;
  for (Operation *op : activity.ops) {
    if (isa<AdjointOpInterface>(op))
      continue;
    InFlightDiagnostic diag = op->emitOpError()
                              << "has no adjoint, but lies on a path from a "
                                 "'wrt' value to the loss";
    diag.attachNote(gradient.getLoc()) << "differentiated here";
    complete = false;
  }
  return success(complete);
}

//===----------------------------------------------------------------------===//
// 4. Reverse sweep
//===----------------------------------------------------------------------===//

/// Adds `cotangent` to what `value` has received from its other uses.
static void accumulate(AdjointBuilder &b, Location loc,
                       DenseMap<Value, Value> &cotangents, Value value,
                       Value cotangent) {
  Value &sum = cotangents[value];
  if (!sum)
    sum = cotangent;
  else if (isa<RankedTensorType>(value.getType()))
    sum = AddOp::create(b, loc, sum, cotangent);
  else
    sum = arith::AddFOp::create(b, loc, sum, cotangent);
}

/// Builds the cotangent of every active value before the gradient op.
static FailureOr<DenseMap<Value, Value>> buildBackward(GradientOp gradient,
                                                       const Activity &activity,
                                                       AdjointBuilder &b) {
  DenseMap<Value, Value> cotangents;
  Value loss = gradient.getLoss();
  if (!activity.values.contains(loss))
    return cotangents;
  cotangents[loss] = b.getSplat(gradient.getLoc(), loss.getType(), 1.0);

  for (Operation *op : llvm::reverse(activity.ops)) {
    SmallVector<Value> resultCotangents;
    for (Value result : op->getResults()) {
      Value cotangent = cotangents.lookup(result);
      // A result that no active op reads contributes nothing.
      if (!cotangent && isFloatLike(result.getType()))
        cotangent = b.getSplat(op->getLoc(), result.getType(), 0.0);
      resultCotangents.push_back(cotangent);
    }
    SmallVector<bool> requested =
        llvm::map_to_vector(op->getOperands(), [&](Value operand) {
          return activity.values.contains(operand);
        });
    SmallVector<Value> operandCotangents(op->getNumOperands());
    if (failed(cast<AdjointOpInterface>(op).buildAdjoint(
            b, resultCotangents, requested, operandCotangents)))
      return failure();

    for (auto [index, operand] : llvm::enumerate(op->getOperands())) {
      if (!requested[index])
        continue;
      Value cotangent = operandCotangents[index];
      if (!cotangent)
        return op->emitOpError()
               << "adjoint built no cotangent for operand #" << index;
      if (cotangent.getType() != operand.getType())
        return op->emitOpError() << "adjoint built a cotangent of type "
                                 << cotangent.getType() << " for operand #"
                                 << index << ", expected " << operand.getType();
      accumulate(b, op->getLoc(), cotangents, operand, cotangent);
    }
  }
  return cotangents;
}

//===----------------------------------------------------------------------===//
// 5. Gradients
//===----------------------------------------------------------------------===//

/// Erases `op` if nothing reads it any more, then the producers that this
/// leaves unused: a loss is often computed only to be differentiated
/// (`mpt.scale_loss`), and the backward ops read its operands, not it.
static void eraseUnusedProducers(Operation *op) {
  llvm::SetVector<Operation *> worklist;
  worklist.insert(op);
  while (!worklist.empty()) {
    Operation *candidate = worklist.pop_back_val();
    if (!isOpTriviallyDead(candidate))
      continue;
    for (Value operand : candidate->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.insert(producer);
    candidate->erase();
  }
}

static void replaceGradient(GradientOp gradient,
                            const DenseMap<Value, Value> &cotangents,
                            AdjointBuilder &b) {
  SmallVector<Value> grads;
  for (auto [index, wrt] : llvm::enumerate(gradient.getWrt())) {
    Value grad = cotangents.lookup(wrt);
    if (!grad) {
      grad = b.getSplat(gradient.getLoc(), wrt.getType(), 0.0);
      emitRemark(wrt.getLoc())
          << describeWrt(gradient, index)
          << " does not influence the loss; its gradient is zero";
    }
    grads.push_back(grad);
  }
  Operation *lossProducer = gradient.getLoss().getDefiningOp();
  gradient.replaceAllUsesWith(grads);
  gradient.erase();
  if (lossProducer)
    eraseUnusedProducers(lossProducer);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

static LogicalResult differentiate(GradientOp gradient) {
  FailureOr<Activity> activity = analyzeActivity(gradient);
  if (failed(activity) || failed(checkAdjoints(gradient, *activity)))
    return failure();
  AdjointBuilder builder(gradient);
  FailureOr<DenseMap<Value, Value>> cotangents =
      buildBackward(gradient, *activity, builder);
  if (failed(cotangents))
    return failure();
  replaceGradient(gradient, *cotangents, builder);
  return success();
}

namespace {
struct DifferentiatePass : mpt::impl::DifferentiateBase<DifferentiatePass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    DifferentiateBase::getDependentDialects(registry);
    registerAdjointInterfaceModels(registry);
  }

  void runOnOperation() override {
    if (failed(requireExpandedSteps(getOperation())))
      return signalPassFailure();
    SmallVector<GradientOp> gradients;
    getOperation().walk(
        [&](GradientOp gradient) { gradients.push_back(gradient); });
    for (GradientOp gradient : gradients)
      if (failed(differentiate(gradient)))
        return signalPassFailure();
  }
};
} // namespace
