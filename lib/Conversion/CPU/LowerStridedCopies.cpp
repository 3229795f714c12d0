//===- LowerStridedCopies.cpp - Copies that need no runtime library -------===//
//
// A compiled step links against libc and libm only (and libomp with
// threads): copies between non-contiguous buffers, which the LLVM lowering
// would hand to the `memrefCopy` runtime function, become linalg copies and
// then loops.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_LOWERSTRIDEDCOPIES
#include "mpt/Conversion/CPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// True when the LLVM lowering copies `type` with `llvm.memcpy`: an
/// identity layout, or a static shape laid out contiguously.
bool isCopiedByMemcpy(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && (memref.getLayout().isIdentity() ||
                    (memref.hasStaticShape() && memref.getNumElements() > 0 &&
                     memref::isStaticShapeAndContiguousRowMajor(memref)));
}

struct LowerStridedCopiesPass
    : mpt::impl::LowerStridedCopiesBase<LowerStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (!isCopiedByMemcpy(copy.getSource().getType()) ||
          !isCopiedByMemcpy(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
  }
};

} // namespace
