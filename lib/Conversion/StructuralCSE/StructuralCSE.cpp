//===- StructuralCSE.cpp - CSE that hashes regions too --------------------===//
//
// Upstream CSE hashes an op by its name, attributes, result types and
// operands, not by its regions, so ops that differ only in their bodies all
// land in one hash bucket and each lookup compares bodies one by one. This
// pass gives every op with regions a hash of its regions as a temporary
// attribute, which upstream's hash and equivalence include, runs upstream's
// CSE, and removes the attribute.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/StructuralCSE/StructuralCSE.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_STRUCTURALCSE
#include "mpt/Conversion/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kHashAttr = "mpt.cse_hash";

/// A hash of `root`'s regions that equivalent ops share: every nested op by
/// its name, attributes, properties and result types; an operand defined
/// inside `root` by the position of its definition (block arguments, then
/// results, numbered in walk order), one defined outside by its identity.
llvm::hash_code hashRegions(Operation *root) {
  llvm::DenseMap<Value, unsigned> local;
  llvm::hash_code hash(0);
  root->walk<WalkOrder::PreOrder>([&](Block *block) {
    hash = llvm::hash_combine(hash, block->getNumArguments());
    for (BlockArgument argument : block->getArguments()) {
      local.try_emplace(argument, local.size());
      hash = llvm::hash_combine(hash, argument.getType());
    }
  });
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op != root)
      for (Value result : op->getResults())
        local.try_emplace(result, local.size());
  });
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == root)
      return;
    hash = llvm::hash_combine(hash, OperationEquivalence::computeHash(
                                        op,
                                        [&](Value operand) {
                                          auto found = local.find(operand);
                                          return found == local.end()
                                                     ? hash_value(operand)
                                                     : llvm::hash_combine(
                                                           found->second, 1);
                                        },
                                        OperationEquivalence::ignoreHashValue,
                                        OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

struct StructuralCSEPass
    : mlir::mpt::impl::StructuralCSEBase<StructuralCSEPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    Builder builder(&getContext());
    // Post-order: a nested op is tagged before the op around it hashes it.
    root->walk([&](Operation *op) {
      if (op != root && op->getNumRegions() != 0 &&
          !op->hasTrait<OpTrait::IsIsolatedFromAbove>())
        op->setDiscardableAttr(
            kHashAttr, builder.getI64IntegerAttr(
                           static_cast<int64_t>(size_t(hashRegions(op)))));
    });
    IRRewriter rewriter(&getContext());
    bool changed = false;
    eliminateCommonSubExpressions(rewriter, getAnalysis<DominanceInfo>(), root,
                                  &changed);
    root->walk([](Operation *op) { op->removeDiscardableAttr(kHashAttr); });
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace
