//===- GradientFunction.cpp - mpt.train_step to its gradient function -----===//
//
// Checking gradients against finite differences needs the loss and its
// gradient as a plain function of the parameters and the batch, without the
// optimizer update that a step function applies. This file builds that
// function from a training step, optionally in f64, and returns the loss
// unrounded when the step computes it in f64.
//
//===----------------------------------------------------------------------===//

#include "mpt/Transforms/Passes.h"

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GRADIENTFUNCTION
#include "mpt/Transforms/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

constexpr StringLiteral kFunctionSuffix = "_grad";

/// The f64 version of an f32 tensor type; other types are kept. Scalars
/// stay, so that the loss stays the f32 scalar the dialect defines.
Type promotedType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.getElementType().isF32())
    return type;
  return tensor.clone(Float64Type::get(type.getContext()));
}

/// Rewrites an f32 tensor constant as the f64 constant of the same values.
LogicalResult promoteConstant(arith::ConstantOp constant) {
  auto values = dyn_cast<DenseFPElementsAttr>(constant.getValue());
  if (!values)
    return constant.emitOpError()
           << "cannot be promoted to f64: expected dense float elements, "
              "found "
           << constant.getValue();
  Type f64 = Float64Type::get(constant.getContext());
  DenseElementsAttr promoted = values.mapValues(f64, [](const APFloat &value) {
    APFloat wide = value;
    bool losesInfo = false;
    wide.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                 &losesInfo);
    return wide.bitcastToAPInt();
  });
  constant.setValueAttr(cast<TypedAttr>(promoted));
  return success();
}

/// Makes every f32 tensor of the step's body f64: block arguments, op
/// results and the constants behind them. The ops keep their semantics,
/// which every mpt op defines for f64 as for f32; an op that does not
/// accept f64 is reported by the verifier after the pass.
LogicalResult promoteToF64(TrainStepOp step) {
  WalkResult result = step.getBody().walk([](Block *block) {
    for (BlockArgument arg : block->getArguments())
      arg.setType(promotedType(arg.getType()));
    for (Operation &op : *block) {
      bool changed = false;
      for (OpResult value : op.getResults()) {
        Type type = promotedType(value.getType());
        changed |= type != value.getType();
        value.setType(type);
      }
      if (auto constant = dyn_cast<arith::ConstantOp>(op);
          changed && constant && failed(promoteConstant(constant)))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// The mean of the loss's terms in f64 (LossOpInterface), as a rank-0
/// tensor, when the loss computes in f64 (and rounds its result to f32);
/// null otherwise.
Value buildUnroundedLoss(OpBuilder &b, Value loss) {
  auto lossOp = loss.getDefiningOp<LossOpInterface>();
  if (!lossOp)
    return {};
  Type f64 = b.getF64Type();
  if (getElementTypeOrSelf(lossOp.getLossPrediction()) != f64 &&
      getElementTypeOrSelf(lossOp.getLossTarget()) != f64)
    return {};
  Value terms = lossOp.buildLossTerms(b, b.getF64Type());
  return ReduceMeanOp::create(b, lossOp.getLoc(),
                              RankedTensorType::get({}, f64), terms,
                              /*dims=*/nullptr);
}

/// Creates `@name` with the step's arguments and their roles, and moves the
/// forward region into it. Returns the function and the loss.
std::pair<func::FuncOp, Value> moveIntoFunction(TrainStepOp step,
                                                StringRef name) {
  OpBuilder b(step);
  Location loc = step.getLoc();
  Block &body = step.getBodyBlock();
  unsigned numParams = step.getParams().size();
  unsigned numBuffers = step.getBuffers().size();
  auto func = func::FuncOp::create(
      b, loc, name, b.getFunctionType(body.getArgumentTypes(), {}));
  for (BlockArgument arg : body.getArguments()) {
    unsigned index = arg.getArgNumber();
    StringRef role = index < numParams                ? "mpt.param"
                     : index < numParams + numBuffers ? "mpt.buffer"
                                                      : "mpt.batch";
    func.setArgAttr(arg.getArgNumber(), role,
                    b.getStringAttr(step.getArgName(arg.getArgNumber())));
  }
  func->setAttr("mpt.train_step", b.getUnitAttr());
  func->setAttr("mpt.gradient_function", b.getUnitAttr());
  Block *entry = func.addEntryBlock();
  for (auto [from, to] :
       llvm::zip(body.getArguments(), entry->getArguments())) {
    // Named after the step's arguments, for --mlir-use-nameloc-as-prefix.
    to.setLoc(NameLoc::get(
        b.getStringAttr(step.getArgName(from.getArgNumber())), loc));
    from.replaceAllUsesWith(to);
  }
  LossOp lossOp = step.getLossOp();
  Value loss = lossOp.getLoss();
  lossOp.erase();
  entry->getOperations().splice(entry->end(), body.getOperations());
  return {func, loss};
}

/// Ends `func` with `mpt.gradient` of `loss` with respect to the parameters
/// and returns the loss, its unrounded value if it has one, and the
/// gradients, with their roles.
void returnLossAndGradients(func::FuncOp func, Value loss, TrainStepOp step) {
  auto b = OpBuilder::atBlockEnd(&func.getBody().front());
  Location loc = step.getLoc();
  SmallVector<Value> results = {loss};
  SmallVector<NamedAttribute> roles = {
      b.getNamedAttr("mpt.loss", b.getUnitAttr())};
  ValueRange params = func.getArguments().take_front(step.getParams().size());
  ValueRange grads = GradientOp::create(b, loc, loss, params).getGrads();
  if (Value unrounded = buildUnroundedLoss(b, loss)) {
    results.push_back(unrounded);
    roles.push_back(b.getNamedAttr("mpt.unrounded_loss", b.getUnitAttr()));
  }
  for (auto [index, grad] : llvm::enumerate(grads)) {
    results.push_back(grad);
    roles.push_back(
        b.getNamedAttr("mpt.grad", b.getStringAttr(step.getArgName(index))));
  }
  func::ReturnOp::create(b, loc, results);
  func.setFunctionType(b.getFunctionType(func.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  for (auto [index, role] : llvm::enumerate(roles))
    func.setResultAttr(index, role.getName(), role.getValue());
}

/// Replaces `step` by `@<step>_grad(params..., buffers..., batch...) -> (loss,
/// [unrounded loss], grads...)`.
LogicalResult buildGradientFunction(TrainStepOp step, bool promoteF64) {
  std::string name = (step.getSymName() + kFunctionSuffix).str();
  if (SymbolTable::lookupSymbolIn(step->getParentOp(), name))
    return step.emitOpError()
           << "cannot get the gradient function '@" << name
           << "': the module already has a symbol of that name";
  if (promoteF64 && failed(promoteToF64(step)))
    return failure();
  auto [func, loss] = moveIntoFunction(step, name);
  returnLossAndGradients(func, loss, step);
  step.erase();
  return success();
}

struct GradientFunctionPass
    : mpt::impl::GradientFunctionBase<GradientFunctionPass> {
  using GradientFunctionBase::GradientFunctionBase;

  void runOnOperation() override {
    SmallVector<TrainStepOp> steps(getOperation().getOps<TrainStepOp>());
    for (TrainStepOp step : steps)
      if (failed(buildGradientFunction(step, promoteF64)))
        return signalPassFailure();
  }
};

} // namespace
