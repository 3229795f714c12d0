//===- ScheduleKernels.cpp - Kernel calls ordered to free memory early ----===//
//
// Outlining keeps the calls of a step in the order its ops had, which is
// the order differentiation emitted them: a weight gradient that reads the
// last use of a saved activation may come long after the operands it needs
// exist, keeping that activation alive across the largest kernels of the
// backward pass. A kernel is a function of its tensor operands, so its call
// can move up to just after the last of them is made; it moves there when
// the tensors it reads for the last time are larger than those it makes,
// so that memory in use between the two places only goes down.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_SCHEDULEKERNELS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The bytes of a tensor of static shape; 0 for anything else.
int64_t bytesOf(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return 0;
  return tensor.getNumElements() *
         int64_t(llvm::divideCeil(tensor.getElementTypeBitWidth(), 8));
}

/// True when `call` calls a kernel of this module: a function of its tensor
/// operands, which can run anywhere they exist.
bool callsKernel(func::CallOp call, SymbolTable &symbols) {
  auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
  return callee && callee->hasAttr(kKernelAttrName) &&
         llvm::all_of(call.getOperandTypes(),
                      [](Type type) { return !isa<BaseMemRefType>(type); });
}

/// True when no user of `value` in `call`'s block comes after `call`.
bool isLastUse(Value value, func::CallOp call) {
  return llvm::all_of(value.getUsers(), [&](Operation *user) {
    Operation *top = call->getBlock()->findAncestorOpInBlock(*user);
    return top && (top == call || top->isBeforeInBlock(call));
  });
}

/// Moves `call` up to just after the last op of its block that defines one
/// of its operands, when the tensors it reads for the last time (made by
/// ops of the block) outweigh those it makes. Empty destinations that only
/// `call` uses move with it.
void hoistIfItFreesMemory(func::CallOp call) {
  Block *block = call->getBlock();
  int64_t freed = 0, made = 0;
  for (Value result : call.getResults())
    made += bytesOf(result.getType());
  Operation *after = nullptr;
  SmallVector<Operation *> destinations;
  for (Value operand : call.getOperands()) {
    Operation *def = operand.getDefiningOp();
    if (!def || def->getBlock() != block)
      continue;
    if (isa<tensor::EmptyOp>(def) && def->hasOneUse()) {
      destinations.push_back(def);
      continue;
    }
    if (isLastUse(operand, call))
      freed += bytesOf(operand.getType());
    if (!after || after->isBeforeInBlock(def))
      after = def;
  }
  if (freed <= made)
    return;
  Operation *before = after ? after->getNextNode() : &block->front();
  if (before == call.getOperation())
    return;
  call->moveBefore(before);
  for (Operation *destination : destinations)
    destination->moveBefore(call);
}

struct ScheduleKernelsPass
    : mpt::impl::ScheduleKernelsBase<ScheduleKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || func->hasAttr(kKernelAttrName))
        continue;
      SmallVector<func::CallOp> calls;
      for (auto call : func.getBody().front().getOps<func::CallOp>())
        if (callsKernel(call, symbols))
          calls.push_back(call);
      for (func::CallOp call : calls)
        hoistIfItFreesMemory(call);
    }
  }
};

} // namespace
