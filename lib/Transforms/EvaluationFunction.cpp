//===- EvaluationFunction.cpp - The forward pass of a step, for evaluation ===//
//
// Validation runs a step's forward pass on held-out data, in the step's
// precision, without updating anything. This file builds that function
// beside the step: the forward region, returning the loss of every sample
// (so that a caller can leave out the samples that pad a partial batch)
// and the loss's operands (for the accuracy).
//
//===----------------------------------------------------------------------===//

#include "mpt/Transforms/Passes.h"

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_EVALUATIONFUNCTION
#include "mpt/Transforms/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

constexpr StringLiteral kFunctionSuffix = "_eval";

/// What the evaluation function of a step is built from.
struct EvaluationPlan {
  LossOpInterface loss;
  /// The number of samples of a batch: the leading dim of the batch inputs.
  int64_t samples = 0;
};

/// The plan for `step`, or, when the step cannot be evaluated sample by
/// sample, the op to blame and why.
FailureOr<EvaluationPlan>
planEvaluation(TrainStepOp step,
               function_ref<InFlightDiagnostic(Operation *)> explain) {
  EvaluationPlan plan;
  for (BlockArgument input : step.getBatch())
    if (auto type = dyn_cast<RankedTensorType>(input.getType());
        type && type.getRank() > 0) {
      plan.samples = type.getDimSize(0);
      break;
    }
  if (plan.samples == 0)
    return explain(step)
           << "has no batch input with a batch dim to evaluate samples of";
  plan.loss = step.getLossOp().getLoss().getDefiningOp<LossOpInterface>();
  if (!plan.loss)
    return explain(step.getLossOp())
           << "takes a value that no loss op (LossOpInterface) computes; "
              "the step cannot be evaluated sample by sample";
  // The loss's terms run over the prediction's rows.
  auto prediction =
      cast<RankedTensorType>(plan.loss.getLossPrediction().getType());
  int64_t rows = prediction.getRank() > 0 ? prediction.getDimSize(0) : 1;
  if (rows % plan.samples != 0)
    return explain(plan.loss)
           << "has " << rows << " rows, which do not divide among the "
           << plan.samples << " samples of the batch; it cannot be "
           << "evaluated sample by sample";
  return plan;
}

/// `B x f32`: the mean of the loss's terms of each of the `samples`
/// samples, whose rows are consecutive.
Value buildSampleLosses(OpBuilder &b, LossOpInterface loss, int64_t samples) {
  Location loc = loss.getLoc();
  Value terms = loss.buildLossTerms(b, b.getF32Type());
  auto type = cast<RankedTensorType>(terms.getType());
  auto perSample = RankedTensorType::get(
      {samples, type.getNumElements() / samples}, type.getElementType());
  Value grouped = ReshapeOp::create(b, loc, perSample, terms);
  return ReduceMeanOp::create(
      b, loc, RankedTensorType::get({samples}, type.getElementType()), grouped,
      b.getDenseI64ArrayAttr({1}), /*keep_dims=*/false);
}

/// Adds `@<step>_eval(params..., buffers..., batch...) -> (sample losses,
/// prediction, target)` before `step`, which stays as it is.
void buildEvaluationFunction(TrainStepOp step, StringRef name,
                             const EvaluationPlan &plan) {
  OpBuilder b(step);
  Location loc = step.getLoc();
  Block &body = step.getBodyBlock();
  unsigned numParams = step.getParams().size();
  unsigned numBuffers = step.getBuffers().size();
  auto func = func::FuncOp::create(
      b, loc, name, b.getFunctionType(body.getArgumentTypes(), {}));
  Block *entry = func.addEntryBlock();
  IRMapping mapping;
  for (auto [from, to] :
       llvm::zip(body.getArguments(), entry->getArguments())) {
    unsigned index = from.getArgNumber();
    StringRef role = index < numParams                ? "mpt.param"
                     : index < numParams + numBuffers ? "mpt.buffer"
                                                      : "mpt.batch";
    func.setArgAttr(index, role, b.getStringAttr(step.getArgName(index)));
    to.setLoc(NameLoc::get(b.getStringAttr(step.getArgName(index)), loc));
    mapping.map(from, to);
  }
  b.setInsertionPointToStart(entry);
  // Evaluation keeps every element, as PyTorch's eval() turns dropout off,
  // and reads the evaluation side of each mode_select (running statistics,
  // not the batch's). Buffers are read, not updated.
  for (Operation &op : body.without_terminator()) {
    if (auto dropout = dyn_cast<DropoutOp>(op))
      mapping.map(dropout.getResult(), mapping.lookup(dropout.getInput()));
    else if (auto select = dyn_cast<ModeSelectOp>(op))
      mapping.map(select.getResult(),
                  mapping.lookupOrDefault(select.getEval()));
    else
      b.clone(op, mapping);
  }

  Operation *original = plan.loss;
  auto loss = cast<LossOpInterface>(mapping.lookup(original));
  SmallVector<Value> results = {buildSampleLosses(b, loss, plan.samples),
                                loss.getLossPrediction(), loss.getLossTarget()};
  bool scoresClasses = loss.scoresClasses();
  // The loss itself is not needed, only its terms.
  loss->erase();
  func::ReturnOp::create(b, loc, results);
  func.setFunctionType(b.getFunctionType(func.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  StringRef roles[] = {"mpt.sample_loss", "mpt.prediction", "mpt.target"};
  for (auto [index, role] : llvm::enumerate(roles))
    func.setResultAttr(index, role, b.getUnitAttr());
  func->setAttr("mpt.train_step", b.getUnitAttr());
  func->setAttr("mpt.evaluation_function", b.getUnitAttr());
  if (scoresClasses)
    func->setAttr("mpt.scores_classes", b.getUnitAttr());
}

/// Builds the evaluation function of `step`; a step that cannot have one
/// is an error when `required`, and is left without one otherwise.
LogicalResult addEvaluationFunction(TrainStepOp step, bool required) {
  std::string name = (step.getSymName() + kFunctionSuffix).str();
  if (SymbolTable::lookupSymbolIn(step->getParentOp(), name))
    return step.emitOpError()
           << "cannot get the evaluation function '@" << name
           << "': the module already has a symbol of that name";
  FailureOr<EvaluationPlan> plan = planEvaluation(step, [&](Operation *op) {
    InFlightDiagnostic diagnostic = op->emitOpError();
    if (!required)
      diagnostic.abandon();
    return diagnostic;
  });
  if (failed(plan))
    return failure(required);
  buildEvaluationFunction(step, name, *plan);
  return success();
}

struct EvaluationFunctionPass
    : mpt::impl::EvaluationFunctionBase<EvaluationFunctionPass> {
  using EvaluationFunctionBase::EvaluationFunctionBase;

  void runOnOperation() override {
    SmallVector<TrainStepOp> steps(getOperation().getOps<TrainStepOp>());
    for (TrainStepOp step : steps)
      if (failed(addEvaluationFunction(step, required)))
        return signalPassFailure();
  }
};

} // namespace
