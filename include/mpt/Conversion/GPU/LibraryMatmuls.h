//===- LibraryMatmuls.h - The cuBLASLt products of a step -------*- C++ -*-===//
//
// What a program needs to know ahead of running a step lowered with
// `--mpt-lower-to-nvvm{gemm=cublaslt}`: the shapes of its cuBLASLt products,
// so that the runtime can choose their algorithms at start-up
// (cuda::prepareMatmulPlans) and, when cuBLASLt cannot compute one, the
// program can run a variant of the step without library products.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_CONVERSION_GPU_LIBRARYMATMULS_H
#define MPT_CONVERSION_GPU_LIBRARYMATMULS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir {
namespace mpt {

/// The distinct shapes of the calls to the runtime's mptCublasLtMatmul and
/// mptCublasLtMatmulEpilogue in `module` (func.call or llvm.call, with or
/// without the stream argument), in the order of their first call:
/// MptMatmulShapeFields values each, in the order
/// cuda::prepareMatmulPlans reads them. Fails, reporting at the call, when
/// an argument a shape is made of is not a constant.
FailureOr<SmallVector<int64_t>> collectLibraryMatmulShapes(ModuleOp module);

} // namespace mpt
} // namespace mlir

#endif // MPT_CONVERSION_GPU_LIBRARYMATMULS_H
