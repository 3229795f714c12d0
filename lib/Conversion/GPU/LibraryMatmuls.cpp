//===- LibraryMatmuls.cpp - The cuBLASLt products of a step ---------------===//
//
// Reads the shapes of a lowered step's cuBLASLt products from the constant
// arguments of its calls to the runtime (see LibraryGemm.cpp for the
// calls, and mpt/Conversion/GPU/LibraryMatmuls.h).
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/GPU/LibraryMatmuls.h"

#include "mpt/Runtime/CUDA.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include <array>
#include <set>

using namespace mlir;

namespace {

/// The arguments of mptCublasLtMatmul (lhs ... accumulate), and the two
/// mptCublasLtMatmulEpilogue adds (the epilogue and its second result).
constexpr unsigned kPlainArguments = 12, kEpilogueArguments = 14;
/// Positions in the arguments without the stream.
constexpr unsigned kSizeArguments = 7, kBiasArgument = 10,
                   kEpilogueArgument = 12;

/// The callee's name of a call to the runtime's products, else empty.
StringRef libraryCallee(CallOpInterface call) {
  auto symbol = dyn_cast_if_present<SymbolRefAttr>(call.getCallableForCallee());
  if (!symbol)
    return "";
  StringRef name = symbol.getLeafReference().getValue();
  return name == "mptCublasLtMatmul" || name == "mptCublasLtMatmulEpilogue"
             ? name
             : "";
}

} // namespace

FailureOr<SmallVector<int64_t>>
mlir::mpt::collectLibraryMatmulShapes(ModuleOp module) {
  SmallVector<int64_t> shapes;
  std::set<std::array<int64_t, MptMatmulShapeFields>> seen;
  WalkResult walked = module.walk([&](CallOpInterface call) {
    StringRef callee = libraryCallee(call);
    if (callee.empty())
      return WalkResult::advance();
    bool withEpilogue = callee == "mptCublasLtMatmulEpilogue";
    unsigned expected = withEpilogue ? kEpilogueArguments : kPlainArguments;
    OperandRange operands = call.getArgOperands();
    // Stream-ordered calls take the stream first.
    if (operands.size() != expected && operands.size() != expected + 1) {
      call->emitError() << "expected " << expected << " arguments (or "
                        << expected + 1 << " with the stream) in a call to "
                        << callee << ", found " << operands.size();
      return WalkResult::interrupt();
    }
    ValueRange arguments =
        ValueRange(operands).drop_front(operands.size() - expected);
    std::array<int64_t, MptMatmulShapeFields> shape{};
    auto constant = [&](unsigned index, int64_t &field) {
      APInt value;
      if (!matchPattern(arguments[index], m_ConstantInt(&value))) {
        call->emitError() << "argument " << index << " of a call to " << callee
                          << " is not a constant: the product's shape must "
                             "be known when the step is compiled";
        return false;
      }
      field = value.getSExtValue();
      return true;
    };
    for (unsigned i = 0; i < kSizeArguments; ++i)
      if (!constant(i, shape[i]))
        return WalkResult::interrupt();
    shape[7] = arguments[kBiasArgument].getDefiningOp<LLVM::ZeroOp>() ? 0 : 1;
    shape[8] = MptMatmulEpilogueNone;
    if (withEpilogue && !constant(kEpilogueArgument, shape[8]))
      return WalkResult::interrupt();
    if (seen.insert(shape).second)
      shapes.append(shape.begin(), shape.end());
    return WalkResult::advance();
  });
  if (walked.wasInterrupted())
    return failure();
  return shapes;
}
