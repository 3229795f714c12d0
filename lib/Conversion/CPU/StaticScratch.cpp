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
// A step split into kernel functions keeps one plan: a kernel called only
// from the body of one function has its temporaries in that function's
// arena, live during each call, at the times its own body uses them.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

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

/// A point in the run of a function: the position of an op in the body,
/// and within a call, the position of an op of the callee's body. An op
/// that is not a call takes the whole of its outer position.
using Time = uint64_t;
constexpr unsigned kCalleeBits = 32;
Time outerStart(unsigned position) { return Time(position) << kCalleeBits; }
Time outerEnd(unsigned position) {
  return outerStart(position) | ((Time(1) << kCalleeBits) - 1);
}

/// A temporary and when its memory is in use: one range of the function it
/// is allocated in or, for a temporary of a callee, one range per call.
/// Both ends are inclusive.
struct Temporary {
  memref::AllocOp alloc;
  int64_t bytes;
  SmallVector<std::pair<Time, Time>, 1> ranges;
  int64_t offset = 0;

  bool overlaps(const Temporary &other) const {
    for (auto [first, last] : ranges)
      for (auto [otherFirst, otherLast] : other.ranges)
        if (first <= otherLast && otherFirst <= last)
          return true;
    return false;
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

/// For each argument of a function in the caller's arena, the positions in
/// its body of the first and the last op that touches it; for an unused
/// argument, a range that ends before it starts.
using ArgumentUses =
    llvm::StringMap<SmallVector<std::pair<unsigned, unsigned>>>;

/// True when `user`, at the top level of a body, may read or write the
/// memory of `alias`, one of its operands. A view, reshape or cast only
/// makes another alias, whose own users count; a call of a function in the
/// arena touches it only when that function uses the argument.
bool touches(Operation *user, Value alias, const ArgumentUses &argumentUses) {
  if (user->getNumRegions() == 0 && !user->hasTrait<OpTrait::IsTerminator>() &&
      isMemoryEffectFree(user))
    return false;
  auto call = dyn_cast<func::CallOp>(user);
  auto uses = call ? argumentUses.find(call.getCallee()) : argumentUses.end();
  if (uses == argumentUses.end())
    return true;
  for (auto [index, operand] : llvm::enumerate(call.getOperands()))
    if (operand == alias &&
        uses->second[index].first <= uses->second[index].second)
      return true;
  return false;
}

/// The live range of `alloc` in `body`: from the first op that touches the
/// buffer or one of its aliases to the last one, where an op nested in a
/// loop counts as the whole loop (its iterations may run on several threads
/// at once). A buffer that leaves the function stays live to its end.
std::pair<unsigned, unsigned>
liveRange(memref::AllocOp alloc, Block &body,
          const DenseMap<Operation *, unsigned> &positions,
          const ArgumentUses &argumentUses) {
  unsigned first = positions.lookup(alloc), last = first;
  bool used = false;
  for (Value alias : aliasesOf(alloc.getResult())) {
    for (Operation *user : alias.getUsers()) {
      Operation *top = body.findAncestorOpInBlock(*user);
      if (top == user && !touches(user, alias, argumentUses))
        continue;
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
    if (a->bytes != b->bytes)
      return a->bytes > b->bytes;
    return a->ranges.front().first < b->ranges.front().first;
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

DenseMap<Operation *, unsigned> positionsIn(Block &body) {
  DenseMap<Operation *, unsigned> positions;
  for (auto [position, op] : llvm::enumerate(body))
    positions[&op] = position;
  return positions;
}

/// The per-call temporaries of `func`, their sizes and their live ranges
/// in `func`'s body. When `func` is called, a temporary it returns keeps
/// its allocation: the next call would overwrite it while the caller still
/// uses it.
SmallVector<std::pair<Temporary, std::pair<unsigned, unsigned>>>
collectTemporaries(func::FuncOp func, bool isCalled, const DataLayout &layout,
                   const ArgumentUses &argumentUses) {
  Block &body = func.getBody().front();
  DenseMap<Operation *, unsigned> positions = positionsIn(body);
  unsigned end = body.getOperations().size();
  SmallVector<std::pair<Temporary, std::pair<unsigned, unsigned>>> temporaries;
  for (auto alloc : body.getOps<memref::AllocOp>()) {
    if (!isPerCallAllocation(alloc, func))
      continue;
    MemRefType type = alloc.getType();
    int64_t bytes = type.getNumElements() *
                    int64_t(layout.getTypeSize(type.getElementType()));
    std::pair<unsigned, unsigned> range =
        liveRange(alloc, body, positions, argumentUses);
    if (isCalled && range.second == end)
      continue;
    temporaries.push_back({Temporary{alloc, bytes, {}}, range});
  }
  return temporaries;
}

/// For each argument of `callee`, the positions in its body of the first
/// and the last op that touches the argument or an alias of it; for an
/// unused argument, a range that ends before it starts.
SmallVector<std::pair<unsigned, unsigned>> argumentUsesIn(func::FuncOp callee) {
  Block &body = callee.getBody().front();
  DenseMap<Operation *, unsigned> positions = positionsIn(body);
  SmallVector<std::pair<unsigned, unsigned>> uses;
  for (BlockArgument argument : body.getArguments()) {
    unsigned first = UINT_MAX, last = 0;
    for (Value alias : aliasesOf(argument))
      for (Operation *user : alias.getUsers()) {
        Operation *top = body.findAncestorOpInBlock(*user);
        if (top == user && !touches(user, alias, ArgumentUses()))
          continue;
        unsigned position = !top || top == body.getTerminator()
                                ? body.getOperations().size()
                                : positions.lookup(top);
        first = std::min(first, position);
        last = std::max(last, position);
      }
    uses.push_back({first, last});
  }
  return uses;
}

/// The functions whose temporaries can live in the arena of their caller,
/// each with that caller: functions that call nothing and are only called
/// by `func.call` ops at the top level of one other function. Their
/// temporaries are in use only during those calls, which never overlap.
/// `called` receives every function that is used by anything.
DenseMap<Operation *, func::FuncOp>
findCalleesInCallerArena(ModuleOp module, DenseSet<Operation *> &called) {
  DenseMap<Operation *, func::FuncOp> callerOf;
  DenseSet<Operation *> excluded;
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(&module.getBodyRegion());
  if (!uses)
    return DenseMap<Operation *, func::FuncOp>();
  for (const SymbolTable::SymbolUse &use : *uses) {
    auto callee = dyn_cast_or_null<func::FuncOp>(SymbolTable::lookupSymbolIn(
        module, use.getSymbolRef().getRootReference()));
    if (!callee)
      continue;
    called.insert(callee);
    auto call = dyn_cast<func::CallOp>(use.getUser());
    auto caller =
        call ? dyn_cast<func::FuncOp>(call->getParentOp()) : func::FuncOp();
    if (!caller || caller == callee || call->getBlock() != &caller.front() ||
        (callerOf.contains(callee) && callerOf.lookup(callee) != caller)) {
      excluded.insert(callee);
      continue;
    }
    callerOf[callee] = caller;
  }
  DenseMap<Operation *, func::FuncOp> result;
  for (auto [callee, caller] : callerOf) {
    bool callsNothing =
        !callee->walk([](CallOpInterface) { return WalkResult::interrupt(); })
             .wasInterrupted();
    if (!excluded.contains(callee) && callsNothing &&
        !cast<func::FuncOp>(callee).isExternal())
      result[callee] = caller;
  }
  return result;
}

struct StaticScratchPass : mpt::impl::StaticScratchBase<StaticScratchPass> {
  /// The arena views need their offsets as index constants.
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    DataLayout layout(module);
    DenseSet<Operation *> called;
    DenseMap<Operation *, func::FuncOp> callerOf =
        findCalleesInCallerArena(module, called);
    llvm::MapVector<Operation *, SmallVector<func::FuncOp>> calleesOf;
    SmallVector<func::FuncOp> roots;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (func::FuncOp caller = callerOf.lookup(func))
        calleesOf[caller].push_back(func);
      else
        roots.push_back(func);
    }
    for (func::FuncOp func : roots)
      planArena(func, calleesOf.lookup(func), called.contains(func), layout,
                symbols);
  }

  /// Plans one arena for the temporaries of `func` and of `callees`, which
  /// it calls from its body, and places them in it.
  void planArena(func::FuncOp func, ArrayRef<func::FuncOp> callees,
                 bool isCalled, const DataLayout &layout,
                 SymbolTable &symbols) {
    Block &body = func.getBody().front();
    DenseMap<Operation *, unsigned> positions = positionsIn(body);
    SmallVector<Operation *> opAt =
        llvm::to_vector(llvm::make_pointer_range(body));
    ArgumentUses argumentUses;
    for (func::FuncOp callee : callees)
      argumentUses[callee.getSymName()] = argumentUsesIn(callee);
    SmallVector<Temporary> temporaries;
    for (auto &entry :
         collectTemporaries(func, isCalled, layout, argumentUses)) {
      Temporary &temporary = entry.first;
      std::pair<unsigned, unsigned> range = entry.second;
      // A temporary that a call starts or ends with is in use during that
      // call only while the callee uses it.
      SetVector<Value> aliases;
      auto duringCall = [&](unsigned position,
                            bool first) -> std::optional<unsigned> {
        auto call = position < opAt.size()
                        ? dyn_cast<func::CallOp>(opAt[position])
                        : func::CallOp();
        auto uses =
            call ? argumentUses.find(call.getCallee()) : argumentUses.end();
        if (uses == argumentUses.end())
          return std::nullopt;
        if (aliases.empty())
          aliases = aliasesOf(temporary.alloc.getResult());
        std::optional<unsigned> inner;
        for (auto [index, operand] : llvm::enumerate(call.getOperands()))
          if (aliases.contains(operand))
            inner =
                first ? std::min(inner.value_or(UINT_MAX),
                                 uses->second[index].first)
                      : std::max(inner.value_or(0), uses->second[index].second);
        return inner;
      };
      Time start = outerStart(range.first), end = outerEnd(range.second);
      if (std::optional<unsigned> inner = duringCall(range.first, true))
        start = outerStart(range.first) | *inner;
      if (std::optional<unsigned> inner = duringCall(range.second, false))
        end = outerStart(range.second) | *inner;
      temporary.ranges.push_back({start, end});
      temporaries.push_back(std::move(temporary));
    }
    for (func::FuncOp callee : callees) {
      SmallVector<unsigned> calls;
      for (auto call : body.getOps<func::CallOp>())
        if (call.getCallee() == callee.getSymName())
          calls.push_back(positions.lookup(call));
      for (auto &[temporary, range] : collectTemporaries(
               callee, /*isCalled=*/true, layout, ArgumentUses())) {
        for (unsigned call : calls)
          temporary.ranges.push_back({outerStart(call) | range.first,
                                      outerStart(call) | range.second});
        temporaries.push_back(std::move(temporary));
      }
    }
    if (temporaries.empty())
      return;
    int64_t arenaBytes = assignOffsets(temporaries);
    OpBuilder moduleBuilder = OpBuilder::atBlockBegin(getOperation().getBody());
    auto arena = memref::GlobalOp::create(
        moduleBuilder, func.getLoc(), (func.getSymName() + "_scratch").str(),
        moduleBuilder.getStringAttr("private"),
        MemRefType::get({arenaBytes}, moduleBuilder.getIntegerType(8)),
        moduleBuilder.getUnitAttr(), /*constant=*/false,
        moduleBuilder.getI64IntegerAttr(kArenaAlignment));
    symbols.insert(arena);

    DenseMap<Operation *, Value> arenaIn;
    for (const Temporary &temporary : temporaries) {
      memref::AllocOp alloc = temporary.alloc;
      auto owner = alloc->getParentOfType<func::FuncOp>();
      Value &base = arenaIn[owner];
      OpBuilder b = OpBuilder::atBlockBegin(&owner.getBody().front());
      if (!base)
        base = memref::GetGlobalOp::create(b, owner.getLoc(), arena.getType(),
                                           arena.getSymName());
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
};

} // namespace
