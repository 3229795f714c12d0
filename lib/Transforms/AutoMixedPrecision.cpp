//===- AutoMixedPrecision.cpp - Make a training step mixed precision ------===//
//
// The pass reads like the algorithm:
//   1. classifyOps         allow / infer / clear / deny for every forward op
//   2. propagateDenyTaint  deny flows downstream through infer and clear ops
//   3. propagateLowPrecision  low precision spreads from allow ops
//   4. insertPrecisionCasts   casts at the boundaries, shared per value
//   5. expandTrainStep     scaled loss, unscale, guard, scale update
//
//===----------------------------------------------------------------------===//

#include "mpt/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_AUTOMIXEDPRECISION
#include "mpt/Transforms/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

/// The per-op attribute that forces one op to f32 or to low precision.
static constexpr StringLiteral kPrecisionAttr = "mpt.precision";

namespace {

/// Why an op ended up in the precision it has, for the report.
enum class Reason {
  AllowList,      // allow class
  DenyList,       // deny class
  UserOverride,   // mpt.precision attribute
  AlreadyLow,     // the user wrote it in the compute type
  NotF32,         // f64 or mixed types: never touched
  DenyTaint,      // downstream of `cause` through infer/clear ops
  FollowsLow,     // infer/clear op fed by low-precision `cause`
  FeedsLow,       // clear op whose consumer `cause` is low precision
  NoLowNeighbour, // infer/clear op not connected to a low-precision op
};

/// Everything the pass decides about one forward op.
struct OpState {
  PrecisionClass cls = PrecisionClass::Deny;
  bool low = false;     // runs in the compute type after the pass
  bool denied = false;  // in the deny set (class deny or tainted)
  bool convert = false; // currently f32 and must be rewritten
  Reason reason = Reason::NoLowNeighbour;
  Operation *cause = nullptr;
};

/// The options, resolved once per pass run.
struct Policy {
  FloatType lowType;
  llvm::StringMap<PrecisionClass> classOverrides;
  LossScaleAttr lossScale; // null: no loss scaling
  // No loss-scale option was given: a step's own loss_scale wins.
  bool preferStepLossScale = false;
};

class PrecisionPainter {
public:
  PrecisionPainter(TrainStepOp step, const Policy &policy)
      : step(step), policy(policy) {}

  LogicalResult classifyOps();
  void propagateDenyTaint();
  void propagateLowPrecision();
  unsigned countConversions() const;
  unsigned insertPrecisionCasts();
  void report(unsigned numCasts);

private:
  bool isNode(Operation *op) const { return states.count(op); }
  OpState &state(Operation *op) { return states.find(op)->second; }
  const OpState &state(Operation *op) const { return states.find(op)->second; }
  bool isFlowThrough(const OpState &s) const {
    return !s.denied && !s.low &&
           (s.cls == PrecisionClass::Infer || s.cls == PrecisionClass::Clear);
  }
  /// Forward ops that consume `op`'s results, in use order.
  SmallVector<Operation *> consumers(Operation *op) const;
  /// Forward ops whose results `op` consumes.
  SmallVector<Operation *> producers(Operation *op) const;
  Value castTo(Value value, Type type);
  void placeCast(CastOp cast, Value value);
  void removeRedundantCasts();

  TrainStepOp step;
  const Policy &policy;
  llvm::MapVector<Operation *, OpState> states; // in block order
  DenseMap<std::pair<Value, Type>, Value> casts;
  unsigned numNewCasts = 0;
  // Casts of step arguments go to the top of the body, in first-use order.
  Operation *lastArgumentCast = nullptr;
};

/// The type `type` with its float element type replaced by `element`.
Type withElementType(Type type, Type element) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.clone(element);
  return element;
}

bool hasElementType(Type type, Type element) {
  return getElementTypeOrSelf(type) == element;
}

} // namespace

//===----------------------------------------------------------------------===//
// 1. Classification
//===----------------------------------------------------------------------===//

LogicalResult PrecisionPainter::classifyOps() {
  Type f32 = Float32Type::get(step.getContext());
  for (Operation &op : step.getBodyBlock().without_terminator()) {
    auto iface = dyn_cast<PrecisionClassOpInterface>(&op);
    if (!iface)
      continue; // casts and foreign ops are fixed boundaries
    OpState s;
    s.cls = iface.getPrecisionClass();
    auto overridden = policy.classOverrides.find(op.getName().getStringRef());
    if (overridden != policy.classOverrides.end())
      s.cls = overridden->second;
    s.reason = s.cls == PrecisionClass::Allow  ? Reason::AllowList
               : s.cls == PrecisionClass::Deny ? Reason::DenyList
                                               : Reason::NoLowNeighbour;

    // Which floating-point types does the op touch?
    SmallVector<Type> floatTypes;
    for (OpOperand *operand : iface.getPrecisionOperands())
      floatTypes.push_back(getElementTypeOrSelf(operand->get().getType()));
    for (Type type : op.getResultTypes())
      if (isFloatTensor(type))
        floatTypes.push_back(getElementTypeOrSelf(type));
    bool allF32 = llvm::all_of(floatTypes, [&](Type t) { return t == f32; });
    bool allLow =
        llvm::all_of(floatTypes, [&](Type t) { return t == policy.lowType; });

    if (auto forced = op.getAttrOfType<StringAttr>(kPrecisionAttr)) {
      if (forced.getValue() != "f32" && forced.getValue() != "low")
        return op.emitOpError()
               << "'" << kPrecisionAttr
               << "' must be \"f32\" or \"low\", found " << forced;
      s.cls = forced.getValue() == "low" ? PrecisionClass::Allow
                                         : PrecisionClass::Deny;
      s.reason = Reason::UserOverride;
    }
    if (allLow && !floatTypes.empty()) {
      // Written in the compute type: stays so, and counts as low precision.
      s.low = true;
      s.reason = Reason::AlreadyLow;
    } else if (!allF32) {
      s.denied = true;
      s.reason = Reason::NotF32;
    } else if (s.cls == PrecisionClass::Allow) {
      s.low = s.convert = true;
    } else if (s.cls == PrecisionClass::Deny) {
      s.denied = true;
    }
    states.insert({&op, s});
  }
  return success();
}

SmallVector<Operation *> PrecisionPainter::consumers(Operation *op) const {
  llvm::SmallSetVector<Operation *, 4> result;
  for (Value value : op->getResults())
    for (Operation *user : value.getUsers())
      if (isNode(user))
        result.insert(user);
  return result.takeVector();
}

SmallVector<Operation *> PrecisionPainter::producers(Operation *op) const {
  llvm::SmallSetVector<Operation *, 4> result;
  for (Value operand : op->getOperands())
    if (Operation *def = operand.getDefiningOp(); def && isNode(def))
      result.insert(def);
  return result.takeVector();
}

//===----------------------------------------------------------------------===//
// 2. Deny taint
//===----------------------------------------------------------------------===//

/// TensorFlow's rule: an infer or clear op is denied when it lies on a path
/// of infer/clear ops that starts at a deny op and ends at an infer or deny
/// op. A clear op right before an allow op is therefore not denied.
void PrecisionPainter::propagateDenyTaint() {
  // Forward: which infer/clear ops are downstream of a deny op, and of which.
  DenseMap<Operation *, Operation *> taintSource;
  for (auto &[op, s] : states) {
    if (s.low || s.denied || s.cls == PrecisionClass::Allow)
      continue;
    for (Operation *producer : producers(op)) {
      const OpState &p = state(producer);
      if (p.denied && p.reason != Reason::DenyTaint) {
        taintSource[op] = producer;
        break;
      }
      if (Operation *source = taintSource.lookup(producer)) {
        taintSource[op] = source;
        break;
      }
    }
  }
  // Backward: a tainted op is denied if it is infer, or reaches an infer or
  // deny op through tainted ops.
  DenseMap<Operation *, bool> reachesDeny;
  for (auto &[op, s] : llvm::reverse(states)) {
    if (!taintSource.count(op))
      continue;
    bool reaches = s.cls == PrecisionClass::Infer;
    for (Operation *consumer : consumers(op))
      reaches |= (state(consumer).denied &&
                  state(consumer).reason != Reason::DenyTaint) ||
                 reachesDeny.lookup(consumer);
    reachesDeny[op] = reaches;
  }
  for (auto &[op, s] : states) {
    if (!reachesDeny.lookup(op))
      continue;
    s.denied = true;
    s.reason = Reason::DenyTaint;
    s.cause = taintSource.lookup(op);
  }
}

//===----------------------------------------------------------------------===//
// 3. Low-precision propagation
//===----------------------------------------------------------------------===//

/// From every low-precision op, low precision flows to the infer and clear
/// ops it feeds and to the clear ops that feed it; each op joins once, so
/// the walk is linear in the number of ops.
void PrecisionPainter::propagateLowPrecision() {
  SmallVector<Operation *> worklist;
  for (auto &[op, s] : states)
    if (s.low)
      worklist.push_back(op);
  auto join = [&](Operation *op, Reason reason, Operation *cause) {
    OpState &s = state(op);
    s.low = s.convert = true;
    s.reason = reason;
    s.cause = cause;
    worklist.push_back(op);
  };
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Operation *consumer : consumers(op))
      if (isFlowThrough(state(consumer)))
        join(consumer, Reason::FollowsLow, op);
    for (Operation *producer : producers(op))
      if (isFlowThrough(state(producer)) &&
          state(producer).cls == PrecisionClass::Clear)
        join(producer, Reason::FeedsLow, op);
  }
}

unsigned PrecisionPainter::countConversions() const {
  return llvm::count_if(states,
                        [](const auto &entry) { return entry.second.convert; });
}

//===----------------------------------------------------------------------===//
// 4. Casts
//===----------------------------------------------------------------------===//

/// Returns `value` converted to `type`, creating at most one cast per
/// (value, type): right after the value's definition, so every user shares
/// it. Existing casts are reused, and a value that is an exact widening of
/// a value of `type` is read through.
Value PrecisionPainter::castTo(Value value, Type type) {
  if (value.getType() == type)
    return value;
  auto key = std::make_pair(value, type);
  if (Value cached = casts.lookup(key))
    return cached;
  Value result;
  if (auto producer = value.getDefiningOp<CastOp>();
      producer && producer.getInput().getType() == type &&
      getElementTypeOrSelf(type).getIntOrFloatBitWidth() <
          getElementTypeOrSelf(value.getType()).getIntOrFloatBitWidth()) {
    result = producer.getInput();
  }
  for (Operation *user : value.getUsers()) {
    auto existing = dyn_cast<CastOp>(user);
    if (!existing || existing.getType() != type ||
        existing->getBlock() != &step.getBodyBlock())
      continue;
    placeCast(existing, value);
    result = existing;
    break;
  }
  if (!result) {
    OpBuilder b(step.getContext());
    b.setInsertionPointToStart(&step.getBodyBlock());
    auto cast = CastOp::create(b, value.getLoc(), type, value);
    placeCast(cast, value);
    result = cast;
    ++numNewCasts;
  }
  casts[key] = result;
  return result;
}

/// Puts `cast` right after the definition of `value`; casts of step
/// arguments go to the top of the body in first-use order.
void PrecisionPainter::placeCast(CastOp cast, Value value) {
  if (Operation *def = value.getDefiningOp()) {
    cast->moveAfter(def);
    return;
  }
  if (lastArgumentCast)
    cast->moveAfter(lastArgumentCast);
  else
    cast->moveBefore(&step.getBodyBlock().front());
  lastArgumentCast = cast;
}

unsigned PrecisionPainter::insertPrecisionCasts() {
  Type f32 = Float32Type::get(step.getContext());
  for (auto &[op, s] : states) {
    if (!s.convert)
      continue;
    auto iface = cast<PrecisionClassOpInterface>(op);
    for (OpOperand *operand : iface.getPrecisionOperands())
      operand->set(
          castTo(operand->get(),
                 withElementType(operand->get().getType(), policy.lowType)));
    for (OpResult result : op->getResults()) {
      if (!hasElementType(result.getType(), f32))
        continue;
      Type f32Type = result.getType();
      result.setType(withElementType(f32Type, policy.lowType));
      // Users outside the low-precision region still read f32.
      for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
        Operation *user = use.getOwner();
        if (isNode(user) && state(user).convert)
          continue;
        if (isa<CastOp>(user) && user->getResult(0).getType() != f32Type)
          continue;
        use.set(castTo(result, f32Type));
      }
    }
  }
  removeRedundantCasts();
  return numNewCasts;
}

/// User casts that became identities (their input is now in the target
/// type) are read through, and casts left without users are dropped.
void PrecisionPainter::removeRedundantCasts() {
  for (CastOp cast :
       llvm::make_early_inc_range(step.getBodyBlock().getOps<CastOp>())) {
    if (cast.getInput().getType() == cast.getType())
      cast.getResult().replaceAllUsesWith(cast.getInput());
    if (cast->use_empty())
      cast.erase();
  }
}

//===----------------------------------------------------------------------===//
// Report
//===----------------------------------------------------------------------===//

static std::string describe(Operation *op) {
  std::string text = op->getName().getStringRef().str();
  if (auto loc = dyn_cast<FileLineColLoc>(op->getLoc()))
    text += " at line " + std::to_string(loc.getLine());
  return text;
}

void PrecisionPainter::report(unsigned numCasts) {
  std::string low = llvm::isa<Float16Type>(policy.lowType) ? "f16" : "bf16";
  for (const auto &[op, s] : states) {
    std::string precision = s.low ? low : "f32";
    std::string why;
    switch (s.reason) {
    case Reason::AllowList:
      why = "allow list";
      break;
    case Reason::DenyList:
      why = "deny list";
      break;
    case Reason::UserOverride:
      why = std::string("user override (") + kPrecisionAttr.str() + ")";
      break;
    case Reason::AlreadyLow:
      why = "already " + low;
      break;
    case Reason::NotF32:
      why = "not an f32 op; left as written";
      break;
    case Reason::DenyTaint:
      why = "deny taint from " + describe(s.cause);
      break;
    case Reason::FollowsLow:
      why = std::string(stringifyPrecisionClass(s.cls)) + ": follows " +
            describe(s.cause);
      break;
    case Reason::FeedsLow:
      why = "clear: feeds " + describe(s.cause);
      break;
    case Reason::NoLowNeighbour:
      why = std::string(stringifyPrecisionClass(s.cls)) +
            ": no low-precision neighbour";
      break;
    }
    op->emitRemark() << precision << ": " << why;
  }
  step.emitRemark() << "converted " << countConversions() << "/"
                    << states.size() << " ops to " << low << " with "
                    << numCasts << " casts";
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
struct AutoMixedPrecisionPass
    : mpt::impl::AutoMixedPrecisionBase<AutoMixedPrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    FailureOr<Policy> policy = buildPolicy();
    if (failed(policy))
      return signalPassFailure();
    SmallVector<TrainStepOp> steps(getOperation().getOps<TrainStepOp>());
    for (TrainStepOp step : steps)
      if (failed(convertStep(step, *policy)))
        return signalPassFailure();
  }

  LogicalResult convertStep(TrainStepOp step, const Policy &policy) {
    PrecisionPainter painter(step, policy);
    if (failed(painter.classifyOps()))
      return failure();
    painter.propagateDenyTaint();
    painter.propagateLowPrecision();
    if (painter.countConversions() == 0) {
      if (report)
        step.emitRemark() << "step left unchanged: no f32 op can run in "
                          << computeType
                          << " (no allow-class op, or all already low "
                             "precision)";
      return success();
    }
    unsigned numCasts = painter.insertPrecisionCasts();
    if (report)
      painter.report(numCasts);
    LossScaleAttr lossScale = policy.lossScale;
    if (policy.preferStepLossScale && step.getLossScaleAttr())
      lossScale = step.getLossScaleAttr();
    return expandTrainStep(step, lossScale);
  }

  FailureOr<Policy> buildPolicy() {
    Policy policy;
    MLIRContext *ctx = &getContext();
    Location loc = UnknownLoc::get(ctx);
    if (computeType == "f16")
      policy.lowType = Float16Type::get(ctx);
    else if (computeType == "bf16")
      policy.lowType = BFloat16Type::get(ctx);
    else
      return emitError(loc) << "compute-type must be f16 or bf16, found '"
                            << computeType << "'";
    if (failed(addClassOverrides(policy)) || failed(buildLossScale(policy)))
      return failure();
    return policy;
  }

  LogicalResult addClassOverrides(Policy &policy) {
    MLIRContext *ctx = &getContext();
    auto apply = [&](ArrayRef<std::string> names, StringRef option,
                     PrecisionClass cls) -> LogicalResult {
      for (const std::string &raw : names) {
        std::string name = StringRef(raw).contains('.') ? raw : "mpt." + raw;
        std::optional<RegisteredOperationName> opName =
            RegisteredOperationName::lookup(name, ctx);
        if (!opName || !opName->hasInterface<PrecisionClassOpInterface>())
          return emitError(UnknownLoc::get(ctx))
                 << option << ": '" << raw
                 << "' is not an op with a precision class";
        policy.classOverrides[name] = cls;
      }
      return success();
    };
    // Removal first, so that "remove from deny, add to allow" ends in allow.
    if (failed(apply(allowRemove, "allow-remove", PrecisionClass::Deny)) ||
        failed(apply(inferRemove, "infer-remove", PrecisionClass::Deny)) ||
        failed(apply(clearRemove, "clear-remove", PrecisionClass::Deny)) ||
        failed(apply(denyRemove, "deny-remove", PrecisionClass::Infer)) ||
        failed(apply(allowAdd, "allow-add", PrecisionClass::Allow)) ||
        failed(apply(inferAdd, "infer-add", PrecisionClass::Infer)) ||
        failed(apply(clearAdd, "clear-add", PrecisionClass::Clear)) ||
        failed(apply(denyAdd, "deny-add", PrecisionClass::Deny)))
      return failure();
    return success();
  }

  LogicalResult buildLossScale(Policy &policy) {
    MLIRContext *ctx = &getContext();
    Location loc = UnknownLoc::get(ctx);
    policy.preferStepLossScale =
        !lossScale.hasValue() && !initScale.hasValue() &&
        !growthFactor.hasValue() && !backoffFactor.hasValue() &&
        !growthInterval.hasValue() && !hysteresis.hasValue() &&
        !minScale.hasValue() && !maxScale.hasValue();
    StringRef spec = lossScale;
    if (spec.empty())
      spec = computeType == "bf16" ? "none" : "dynamic";
    LossScaleMode mode;
    double init = initScale;
    if (spec == "none") {
      mode = LossScaleMode::None;
    } else if (spec == "dynamic") {
      mode = LossScaleMode::Dynamic;
    } else if (spec.consume_front("static:")) {
      mode = LossScaleMode::Static;
      if (spec.getAsDouble(init) || !(init > 0))
        return emitError(loc) << "loss-scale=static:<value> needs a positive "
                                 "number, found '"
                              << spec << "'";
    } else {
      return emitError(loc) << "loss-scale must be dynamic, static:<value> or "
                               "none, found '"
                            << spec << "'";
    }
    if (mode == LossScaleMode::None)
      return success();
    auto diag = [&]() -> InFlightDiagnostic {
      return emitError(loc) << "invalid loss-scale option: ";
    };
    policy.lossScale = LossScaleAttr::getChecked(
        diag, ctx, mode, APFloat(init), APFloat(double(growthFactor)),
        APFloat(double(backoffFactor)), int64_t(growthInterval),
        int64_t(hysteresis), APFloat(double(minScale)),
        APFloat(double(maxScale)));
    return success(static_cast<bool>(policy.lossScale));
  }
};
} // namespace
