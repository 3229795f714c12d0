//===- OutlineKernels.cpp - One function per fusion group -----------------===//
//
// A training step lowers to one function that holds every op of the
// forward and the backward pass. Several passes after this one cost more
// than linear time in the size of a function (empty-tensor elimination and
// one-shot bufferization compare aliasing values pairwise; LLVM's scheduling
// and register allocation work on whole functions), so a deep model took
// minutes to compile. Here each fusion group becomes a kernel function, as
// IREE forms dispatch regions: the step is left with the calls, every
// kernel is small, and identical kernels can then be merged
// (DeduplicateKernels.cpp).
//
//===----------------------------------------------------------------------===//

#include "Contractions.h"

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_OUTLINEKERNELS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

bool isTensorLinalgOp(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.hasPureTensorSemantics() &&
         op->getNumResults() != 0;
}

/// A generic without reduction loops and with one result.
linalg::GenericOp asElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || !isTensorLinalgOp(generic) || generic->getNumResults() != 1 ||
      generic.getNumReductionLoops() != 0)
    return {};
  return generic;
}

/// A fill whose every use is the accumulator of another linalg op in the
/// same block: it is cloned into the kernel of each of them, where it is
/// cheaper than a tensor passed in and the GEMM kernels can start their
/// accumulators from its value in registers.
bool isClonedFill(Operation *op) {
  auto fill = dyn_cast<linalg::FillOp>(op);
  if (!fill || !isTensorLinalgOp(fill) || fill->use_empty())
    return false;
  return llvm::all_of(fill->getUses(), [&](OpOperand &use) {
    auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
    return user && user->getBlock() == fill->getBlock() &&
           !isa<linalg::FillOp>(user.getOperation()) &&
           isTensorLinalgOp(user) && user.isDpsInit(&use);
  });
}

/// A float conversion (findConversionSource) whose every use is an
/// operand a contraction multiplies: it is cloned into the kernel of each,
/// whose panel copies then read its source and convert in registers, so
/// that the converted copy (the 16-bit cast of a weight, read by the
/// forward and the backward GEMM) is never stored.
bool isClonedConversion(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !isTensorLinalgOp(generic) || generic->use_empty() ||
      !findConversionSource(generic->getResult(0)))
    return false;
  return llvm::all_of(generic->getUses(), [&](OpOperand &use) {
    auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
    return user && user->getBlock() == generic->getBlock() &&
           isTensorLinalgOp(user) && linalg::isaContractionOpInterface(user) &&
           user.isDpsInput(&use);
  });
}

/// The ops of the kernels of one block: each group lists its ops in block
/// order; the last one's results are the kernel's.
struct Groups {
  SmallVector<SmallVector<Operation *>> groups;
  /// Fills and conversions cloned into the kernels of their users.
  SetVector<Operation *> cloned;
};

/// Forms the groups of `body`: each contraction with the elementwise
/// generic that starts its accumulator (a bias broadcast, when nothing else
/// uses it) and its only user when that is an elementwise generic (the
/// rounding of its result); every other linalg op on tensors alone.
Groups formGroups(Block &body) {
  DenseMap<Operation *, Operation *> rootOf;
  for (Operation &op : body) {
    auto contraction = dyn_cast<linalg::LinalgOp>(&op);
    if (!contraction || !isTensorLinalgOp(contraction) ||
        !linalg::isaContractionOpInterface(contraction) || rootOf.contains(&op))
      continue;
    rootOf[&op] = &op;
    for (Value init : contraction.getDpsInits()) {
      linalg::GenericOp start = asElementwiseGeneric(init.getDefiningOp());
      if (start && start->getBlock() == &body && start->hasOneUse() &&
          !rootOf.contains(start))
        rootOf[start] = &op;
    }
    Value result = op.getResult(0);
    if (!result.hasOneUse())
      continue;
    OpOperand &use = *result.use_begin();
    linalg::GenericOp consumer = asElementwiseGeneric(use.getOwner());
    if (consumer && consumer->getBlock() == &body &&
        consumer.isDpsInput(&use) && !rootOf.contains(consumer))
      rootOf[consumer] = &op;
  }

  Groups result;
  llvm::MapVector<Operation *, SmallVector<Operation *>> members;
  for (Operation &op : body) {
    if (!isTensorLinalgOp(&op))
      continue;
    // An op that a contraction's group holds (its rounding) stays there.
    Operation *root = rootOf.lookup(&op);
    if (!root && (isClonedFill(&op) || isClonedConversion(&op))) {
      result.cloned.insert(&op);
      continue;
    }
    members[root ? root : &op].push_back(&op);
  }
  for (auto &entry : members)
    result.groups.push_back(std::move(entry.second));
  return result;
}

/// Builds the kernel of one group and replaces the group by a call.
class KernelBuilder {
public:
  KernelBuilder(func::FuncOp parent, SymbolTable &symbols)
      : parent(parent), symbols(symbols) {}

  void outline(ArrayRef<Operation *> group,
               const SetVector<Operation *> &cloned) {
    SmallVector<Operation *> ops = withClonedProducers(group, cloned);
    DenseSet<Operation *> inGroup(ops.begin(), ops.end());
    DenseSet<OpOperand *> destinations = destinationUses(ops, inGroup);

    // The kernel's arguments, in the order of their first use: one per
    // destination of the group's result (a tensor shared by several
    // destinations is passed several times, so that each can be written in
    // place), and one per other value from outside, except constants and
    // the empty tensors of inner results, which are cloned.
    SmallVector<Value> operands;
    DenseMap<OpOperand *, unsigned> destinationArgument;
    DenseMap<Value, unsigned> valueArgument;
    SetVector<Value> clonedValues;
    auto addValue = [&](Value value) {
      if (inGroup.contains(value.getDefiningOp()) ||
          valueArgument.contains(value) || clonedValues.contains(value))
        return;
      if (isClonedIntoKernel(value)) {
        clonedValues.insert(value);
        return;
      }
      valueArgument[value] = operands.size();
      operands.push_back(value);
    };
    for (Operation *op : ops) {
      for (OpOperand &use : op->getOpOperands()) {
        if (!destinations.contains(&use)) {
          addValue(use.get());
          continue;
        }
        destinationArgument[&use] = operands.size();
        operands.push_back(use.get());
      }
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(op->getRegions(), captured);
      llvm::for_each(captured, addValue);
    }

    Operation *last = ops.back();
    OpBuilder b(parent);
    auto type = b.getFunctionType(ValueRange(operands).getTypes(),
                                  last->getResultTypes());
    auto kernel = func::FuncOp::create(
        b, last->getLoc(),
        (parent.getSymName() + "_kernel_" + Twine(nextIndex++)).str(), type);
    kernel.setPrivate();
    kernel->setAttr(kKernelAttrName, b.getUnitAttr());
    // Kept out of line by LLVM too: inlined, the kernels would make the one
    // large function again.
    kernel->setAttr(
        "llvm.linkage",
        LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
    kernel->setAttr("passthrough",
                    b.getArrayAttr({b.getStringAttr("noinline")}));
    symbols.insert(kernel, Block::iterator(parent));

    Block *entry = kernel.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping mapping;
    for (auto [value, index] : valueArgument)
      mapping.map(value, entry->getArgument(index));
    for (Value value : clonedValues)
      mapping.map(value, b.clone(*value.getDefiningOp())->getResult(0));
    for (Operation *op : ops) {
      Operation *clone = b.clone(*op, mapping);
      for (OpOperand &use : op->getOpOperands())
        if (auto it = destinationArgument.find(&use);
            it != destinationArgument.end())
          clone->setOperand(use.getOperandNumber(),
                            entry->getArgument(it->second));
    }
    func::ReturnOp::create(
        b, last->getLoc(),
        llvm::to_vector(llvm::map_range(last->getResults(), [&](Value result) {
          return mapping.lookup(result);
        })));

    // As early as the arguments allow: the first op of the group, or after
    // the last argument it waits for. A later call would keep the inputs
    // of the group's first op alive longer.
    Operation *first = group.front();
    b.setInsertionPoint(first);
    for (Value operand : operands) {
      Operation *producer = operand.getDefiningOp();
      if (producer && producer->getBlock() == first->getBlock() &&
          first->isBeforeInBlock(producer) &&
          b.getInsertionPoint()->isBeforeInBlock(producer->getNextNode()))
        b.setInsertionPointAfter(producer);
    }
    auto call = func::CallOp::create(b, last->getLoc(), kernel, operands);
    last->replaceAllUsesWith(call.getResults());
    for (Operation *op : llvm::reverse(group))
      op->erase();
  }

private:
  /// `group` with the cloned ops it reads (the fills that start its
  /// accumulators, the conversions of its contractions' operands) in front.
  static SmallVector<Operation *>
  withClonedProducers(ArrayRef<Operation *> group,
                      const SetVector<Operation *> &cloned) {
    SmallVector<Operation *> ops;
    for (Operation *op : group)
      for (Value operand : op->getOperands())
        if (Operation *producer = operand.getDefiningOp();
            producer && cloned.contains(producer) &&
            !llvm::is_contained(ops, producer))
          ops.push_back(producer);
    llvm::append_range(ops, group);
    return ops;
  }

  /// The accumulators through which the last op's result is written: its
  /// inits and, when a group op computes one, that op's inits in turn. The
  /// outside values they reach are the buffers the caller provides.
  static DenseSet<OpOperand *>
  destinationUses(ArrayRef<Operation *> ops,
                  const DenseSet<Operation *> &inGroup) {
    DenseSet<OpOperand *> destinations;
    SmallVector<Operation *> worklist{ops.back()};
    while (!worklist.empty()) {
      auto op = cast<linalg::LinalgOp>(worklist.pop_back_val());
      for (OpOperand &init : op.getDpsInitsMutable()) {
        Operation *producer = init.get().getDefiningOp();
        if (inGroup.contains(producer))
          worklist.push_back(producer);
        else
          destinations.insert(&init);
      }
    }
    return destinations;
  }

  /// Constants, and the empty tensors inner results start from.
  static bool isClonedIntoKernel(Value value) {
    Operation *producer = value.getDefiningOp();
    return producer && producer->getNumOperands() == 0 &&
           producer->getNumResults() == 1 &&
           (producer->hasTrait<OpTrait::ConstantLike>() ||
            isa<tensor::EmptyOp>(producer));
  }

  func::FuncOp parent;
  SymbolTable &symbols;
  unsigned nextIndex = 0;
};

/// Moves every side-effect-free op of `body` that computes scalars right
/// after the ops it depends on. The GEMM kernels round and scale their
/// results in registers only when the op that does it is outlined with
/// them, and the call then waits for every value that op reads: a scalar
/// such as the inverse of the loss scale, computed early, lets it run
/// where the GEMM was.
void hoistScalarComputations(Block &body) {
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (op.getNumRegions() != 0 || op.getNumResults() == 0 ||
        op.hasTrait<OpTrait::IsTerminator>() || !isMemoryEffectFree(&op) ||
        llvm::any_of(op.getResultTypes(),
                     [](Type type) { return !type.isIntOrIndexOrFloat(); }))
      continue;
    Operation *after = nullptr;
    for (Value operand : op.getOperands())
      if (Operation *producer = operand.getDefiningOp();
          producer && producer->getBlock() == &body &&
          (!after || after->isBeforeInBlock(producer)))
        after = producer;
    if (after)
      op.moveAfter(after);
    else
      op.moveBefore(&body, body.begin());
  }
}

struct OutlineKernelsPass : mpt::impl::OutlineKernelsBase<OutlineKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> functions;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() && !func->hasAttr(kKernelAttrName))
        functions.push_back(func);
    for (func::FuncOp func : functions) {
      KernelBuilder builder(func, symbols);
      for (Block &body : func.getBody()) {
        hoistScalarComputations(body);
        Groups groups = formGroups(body);
        for (ArrayRef<Operation *> group : groups.groups)
          builder.outline(group, groups.cloned);
        for (Operation *op : groups.cloned)
          if (op->use_empty())
            op->erase();
      }
    }
  }
};

} // namespace
