//===- PrecisionPainter.h - Precision of each op of a step ------*- C++ -*-===//
//
// Internal to the transforms library: the precision analysis and rewrite of
// --mpt-auto-mixed-precision, one training step at a time. The pass calls
// the steps in order:
//   1. classifyOps            allow / infer / clear / deny for every forward op
//   2. propagateDenyTaint     deny flows downstream through infer and clear ops
//   3. propagateLowPrecision  low precision spreads from allow ops
//   4. insertPrecisionCasts   casts at the boundaries, shared per value
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_TRANSFORMS_PRECISIONPAINTER_H
#define MPT_LIB_TRANSFORMS_PRECISIONPAINTER_H

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

namespace mlir {
namespace mpt {

/// What the options say about precision, resolved once per pass run.
struct PrecisionPolicy {
  FloatType lowType;
  llvm::StringMap<PrecisionClass> classOverrides;
};

/// Decides the precision of every forward op of one step and rewrites the
/// step accordingly.
class PrecisionPainter {
public:
  PrecisionPainter(TrainStepOp step, const PrecisionPolicy &policy)
      : step(step), policy(policy) {}

  LogicalResult classifyOps();
  void propagateDenyTaint();
  void propagateLowPrecision();
  /// The number of f32 ops the painting moves to low precision.
  unsigned countConversions() const;
  /// Rewrites the converted ops; returns the number of casts created.
  unsigned insertPrecisionCasts();
  /// A remark per op with its precision and why, and a summary.
  void report(unsigned numCasts);

private:
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

  /// Everything the painter decides about one forward op.
  struct OpState {
    PrecisionClass cls = PrecisionClass::Deny;
    bool low = false;     // runs in the compute type after the pass
    bool denied = false;  // in the deny set (class deny or tainted)
    bool convert = false; // currently f32 and must be rewritten
    Reason reason = Reason::NoLowNeighbour;
    Operation *cause = nullptr;
  };

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
  const PrecisionPolicy &policy;
  llvm::MapVector<Operation *, OpState> states; // in block order
  DenseMap<std::pair<Value, Type>, Value> casts;
  unsigned numNewCasts = 0;
  // Casts of step arguments go to the top of the body, in first-use order.
  Operation *lastArgumentCast = nullptr;
};

} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_TRANSFORMS_PRECISIONPAINTER_H
