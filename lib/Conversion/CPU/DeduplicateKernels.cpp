//===- DeduplicateKernels.cpp - One function per distinct kernel ----------===//
//
// The layers of a deep model are mostly the same computation on tensors of
// the same shapes, so their kernels are identical: a stack of 48 linear +
// tanh layers needs one forward kernel, not 48. Merging them before the
// kernels are vectorized and code-generated makes the cost of compiling a
// model grow with the number of distinct kernels, not with its depth.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "llvm/ADT/StringMap.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_DEDUPLICATEKERNELS
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The kernel as text without its name and locations: two kernels with the
/// same text compute the same thing.
std::string structuralKey(func::FuncOp kernel) {
  StringAttr name = kernel.getSymNameAttr();
  kernel.setSymName("kernel");
  std::string key;
  llvm::raw_string_ostream os(key);
  kernel->print(
      os,
      OpPrintingFlags().printGenericOpForm().useLocalScope().assumeVerified());
  kernel.setSymNameAttr(name);
  return key;
}

/// The one function that calls each kernel; a null attribute for a kernel
/// called from several.
DenseMap<StringAttr, StringAttr> callersOfKernels(ModuleOp module) {
  DenseMap<StringAttr, StringAttr> callers;
  for (auto caller : module.getOps<func::FuncOp>())
    caller.walk([&](func::CallOp call) {
      StringAttr callee = call.getCalleeAttr().getAttr();
      auto [it, inserted] =
          callers.try_emplace(callee, caller.getSymNameAttr());
      if (!inserted && it->second != caller.getSymNameAttr())
        it->second = StringAttr();
    });
  return callers;
}

struct DeduplicateKernelsPass
    : mpt::impl::DeduplicateKernelsBase<DeduplicateKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DenseMap<StringAttr, StringAttr> callers = callersOfKernels(module);
    // Kernels are merged within the function that calls them only: the
    // memory plan places a kernel's temporaries in its caller's arena,
    // which a kernel shared by two functions (a step and its evaluation
    // function) cannot use.
    llvm::StringMap<func::FuncOp> kept;
    DenseMap<Attribute, Attribute> replacements;
    SmallVector<func::FuncOp> duplicates;
    for (auto kernel : module.getOps<func::FuncOp>()) {
      if (!kernel->hasAttr(kKernelAttrName) || kernel.isExternal())
        continue;
      StringAttr caller = callers.lookup(kernel.getSymNameAttr());
      if (!caller)
        continue;
      auto [it, inserted] = kept.try_emplace(
          (caller.getValue() + "\n" + structuralKey(kernel)).str(), kernel);
      if (inserted)
        continue;
      replacements[FlatSymbolRefAttr::get(kernel.getSymNameAttr())] =
          FlatSymbolRefAttr::get(it->second.getSymNameAttr());
      duplicates.push_back(kernel);
    }
    if (duplicates.empty())
      return;
    for (func::FuncOp duplicate : duplicates)
      duplicate.erase();
    // One walk over the module redirects every use; a symbol-table lookup
    // per duplicate would walk it once per duplicate.
    AttrTypeReplacer replacer;
    replacer.addReplacement(
        [&](FlatSymbolRefAttr ref) -> std::optional<Attribute> {
          if (Attribute replacement = replacements.lookup(ref))
            return replacement;
          return std::nullopt;
        });
    replacer.recursivelyReplaceElementsIn(module);
  }
};

} // namespace
