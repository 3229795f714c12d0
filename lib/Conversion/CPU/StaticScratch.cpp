//===- StaticScratch.cpp - Temporaries of a step in static memory ---------===//
//
// A training step runs thousands of times with the same shapes. Allocating
// its temporaries on every call costs more than it seems: large blocks come
// straight from the kernel, and every page of them faults on first touch,
// on every call. Giving the temporaries static memory instead pays that
// once per process.
//
// That memory is one byte arena per function, planned like a register
// allocation: the temporaries are placed at offsets so that two of them
// share bytes only when their live ranges in the function's straight-line
// body are disjoint. A step holds many temporaries that live for one or two
// ops (packed GEMM panels, f32 accumulators rounded to f16 right away), so
// the arena is far smaller than their sum.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_STATICSCRATCH
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// Offsets in the arena are multiples of a cache line, which also covers
/// the alignment of every vector type the kernels load.
constexpr int64_t kArenaAlignment = 64;

/// True for an allocation made once per call of `func`, of a static size:
/// directly in its body (an allocation inside a loop may be live in several
/// iterations, or threads, at once).
bool isPerCallAllocation(memref::AllocOp alloc, func::FuncOp func) {
  MemRefType type = alloc.getType();
  return alloc->getBlock() == &func.getBody().front() &&
         type.hasStaticShape() && type.getLayout().isIdentity() &&
         !type.getMemorySpace();
}

/// A temporary of a function and the ops of the function's body during
/// which its memory is in use, as positions in the body, both inclusive.
struct Temporary {
  memref::AllocOp alloc;
  int64_t bytes;
  unsigned first, last;
  int64_t offset = 0;

  bool overlaps(const Temporary &other) const {
    return first <= other.last && other.first <= last;
  }
};

/// Values through which `value`'s memory may be read or written later:
/// `value` itself, the views and tensors made of it (subviews, reshapes,
/// casts, results of region ops that yield it) and, once its address is
/// taken as an integer, everything computed from that address.
SetVector<Value> aliasesOf(Value value) {
  SetVector<Value> aliases;
  aliases.insert(value);
  auto mayAlias = [](Value result) {
    return isa<BaseMemRefType, TensorType>(result.getType());
  };
  for (unsigned next = 0; next < aliases.size(); ++next) {
    Value alias = aliases[next];
    bool isAddress = !isa<BaseMemRefType, TensorType>(alias.getType());
    for (Operation *user : alias.getUsers()) {
      bool takesAddress = isa<memref::ExtractAlignedPointerAsIndexOp>(user);
      for (Value result : user->getResults())
        if (isAddress || takesAddress || mayAlias(result))
          aliases.insert(result);
      // A yield inside a region op hands the buffer to the op's results.
      if (user->hasTrait<OpTrait::IsTerminator>())
        if (Operation *parent = user->getParentOp())
          for (Value result : parent->getResults())
            if (mayAlias(result))
              aliases.insert(result);
    }
  }
  return aliases;
}

/// The live range of `alloc` in `body`: from the first op that touches the
/// buffer or one of its aliases to the last one, where an op nested in a
/// loop counts as the whole loop (its iterations may run on several threads
/// at once). A buffer that leaves the function stays live to its end.
std::pair<unsigned, unsigned>
liveRange(memref::AllocOp alloc, Block &body,
          const DenseMap<Operation *, unsigned> &positions) {
  unsigned first = positions.lookup(alloc), last = first;
  bool used = false;
  for (Value alias : aliasesOf(alloc.getResult())) {
    for (Operation *user : alias.getUsers()) {
      Operation *top = body.findAncestorOpInBlock(*user);
      unsigned position = !top || top == body.getTerminator()
                              ? body.getOperations().size()
                              : positions.lookup(top);
      first = used ? std::min(first, position) : position;
      last = used ? std::max(last, position) : position;
      used = true;
    }
  }
  return {first, last};
}

int64_t alignTo(int64_t bytes) { return llvm::alignTo(bytes, kArenaAlignment); }

/// Places every temporary at the lowest offset where it overlaps no placed
/// temporary that is live at the same time, the largest first (large
/// buffers are the hard part to pack); returns the arena size.
int64_t assignOffsets(MutableArrayRef<Temporary> temporaries) {
  SmallVector<Temporary *> order;
  for (Temporary &temporary : temporaries)
    order.push_back(&temporary);
  llvm::stable_sort(order, [](const Temporary *a, const Temporary *b) {
    return a->bytes > b->bytes;
  });
  int64_t arenaBytes = 0;
  for (auto [index, temporary] : llvm::enumerate(order)) {
    SmallVector<Temporary *> conflicts;
    for (Temporary *placed : ArrayRef(order).take_front(index))
      if (placed->overlaps(*temporary))
        conflicts.push_back(placed);
    llvm::sort(conflicts, [](const Temporary *a, const Temporary *b) {
      return a->offset < b->offset;
    });
    int64_t offset = 0;
    for (Temporary *conflict : conflicts) {
      if (offset + temporary->bytes <= conflict->offset)
        break;
      offset = std::max(offset, alignTo(conflict->offset + conflict->bytes));
    }
    temporary->offset = offset;
    arenaBytes = std::max(arenaBytes, offset + temporary->bytes);
  }
  return arenaBytes;
}

/// The per-call temporaries of `func` with their live ranges and sizes.
SmallVector<Temporary> collectTemporaries(func::FuncOp func,
                                          const DataLayout &layout) {
  Block &body = func.getBody().front();
  DenseMap<Operation *, unsigned> positions;
  for (auto [position, op] : llvm::enumerate(body))
    positions[&op] = position;
  SmallVector<Temporary> temporaries;
  for (auto alloc : body.getOps<memref::AllocOp>()) {
    if (!isPerCallAllocation(alloc, func))
      continue;
    MemRefType type = alloc.getType();
    int64_t bytes = type.getNumElements() *
                    int64_t(layout.getTypeSize(type.getElementType()));
    auto [first, last] = liveRange(alloc, body, positions);
    temporaries.push_back({alloc, bytes, first, last});
  }
  return temporaries;
}

/// Replaces each temporary by a view of `func`'s arena at its offset.
void placeInArena(func::FuncOp func, ArrayRef<Temporary> temporaries,
                  int64_t arenaBytes, ModuleOp module, SymbolTable &symbols) {
  OpBuilder moduleBuilder = OpBuilder::atBlockBegin(module.getBody());
  auto arenaType =
      MemRefType::get({arenaBytes}, moduleBuilder.getIntegerType(8));
  auto arena = memref::GlobalOp::create(
      moduleBuilder, func.getLoc(), (func.getSymName() + "_scratch").str(),
      moduleBuilder.getStringAttr("private"), arenaType,
      moduleBuilder.getUnitAttr(), /*constant=*/false,
      moduleBuilder.getI64IntegerAttr(kArenaAlignment));
  symbols.insert(arena);

  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  Value base = memref::GetGlobalOp::create(b, func.getLoc(), arenaType,
                                           arena.getSymName());
  for (const Temporary &temporary : temporaries) {
    memref::AllocOp alloc = temporary.alloc;
    b.setInsertionPoint(alloc);
    Value offset =
        arith::ConstantIndexOp::create(b, alloc.getLoc(), temporary.offset);
    alloc.replaceAllUsesWith(memref::ViewOp::create(b, alloc.getLoc(),
                                                    alloc.getType(), base,
                                                    offset, ValueRange{})
                                 .getResult());
    alloc.erase();
  }
}

struct StaticScratchPass : mpt::impl::StaticScratchBase<StaticScratchPass> {
  /// The arena views need their offsets as index constants.
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    DataLayout layout(module);
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      SmallVector<Temporary> temporaries = collectTemporaries(func, layout);
      if (temporaries.empty())
        continue;
      int64_t arenaBytes = assignOffsets(temporaries);
      placeInArena(func, temporaries, arenaBytes, module, symbols);
    }
  }
};

} // namespace
