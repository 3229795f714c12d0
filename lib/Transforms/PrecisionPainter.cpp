//===- PrecisionPainter.cpp - Precision of each op of a step --------------===//
//
// The precision analysis of --mpt-auto-mixed-precision (classification, deny
// taint, low-precision propagation), the cast insertion that applies it,
// and the per-op report.
//
//===----------------------------------------------------------------------===//

#include "PrecisionPainter.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::mpt;

/// The per-op attribute that forces one op to f32 or to low precision.
static constexpr StringLiteral kPrecisionAttr = "mpt.precision";

/// The type `type` with its float element type replaced by `element`.
static Type withElementType(Type type, Type element) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.clone(element);
  return element;
}

static bool hasElementType(Type type, Type element) {
  return getElementTypeOrSelf(type) == element;
}

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

    if (Attribute forced = op.getAttr(kPrecisionAttr)) {
      auto forcedName = dyn_cast<StringAttr>(forced);
      if (!forcedName ||
          (forcedName.getValue() != "f32" && forcedName.getValue() != "low"))
        return op.emitOpError()
               << "'" << kPrecisionAttr
               << "' must be \"f32\" or \"low\", found " << forced;
      if (op.hasTrait<OpTrait::mpt::FixedPrecision>())
        return op.emitOpError()
               << "has a fixed precision (its result type does not follow its "
                  "operands); '"
               << kPrecisionAttr << "' cannot override it";
      s.cls = forcedName.getValue() == "low" ? PrecisionClass::Allow
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
    // The results that classification looked at: f32 tensors. Scalars
    // (a loss) keep their type.
    for (OpResult result : op->getResults()) {
      if (!isFloatTensor(result.getType()) ||
          !hasElementType(result.getType(), f32))
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

// The remarks are emitted at the ops' locations without the ops attached:
// printing an op into a diagnostic verifies its whole function, once per
// remark, which made the report quadratic in the size of the step.
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
    emitRemark(op->getLoc()) << precision << ": " << why;
  }
  emitRemark(step.getLoc())
      << "converted " << countConversions() << "/" << states.size()
      << " ops to " << low << " with " << numCasts << " casts";
}
