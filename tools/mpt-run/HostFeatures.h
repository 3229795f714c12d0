//===- HostFeatures.h - What the compiled step may use here -----*- C++ -*-===//
//
// Features of the host CPU that the step is compiled for only when this
// process may also use them, and the GEMM kernels they select.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_HOSTFEATURES_H
#define MPT_TOOLS_MPT_RUN_HOSTFEATURES_H

#include <string>

namespace mlir {
namespace mpt {

/// True when the CPU has AMX with bf16 and the operating system grants this
/// process the tile registers (on Linux, requested once with
/// arch_prctl(ARCH_REQ_XCOMP_PERM); the grant covers every thread). False,
/// and nothing changed, where either is missing.
bool requestAMX();

/// The options of `--mpt-lower-to-llvm` that select the GEMM kernels for
/// the features of this CPU (AMX aside, see requestAMX): the bf16
/// dot-product kernel where it has AVX512-BF16 and `allowBF16Dot`, and
/// register blocks of 4 x 16 (eight 256-bit accumulators) where it has no
/// AVX-512, whose 8 x 32 blocks would need 32 accumulator registers there;
/// bf16 conversions in integer arithmetic where it has no AVX512-BF16.
/// Space-separated `name=value` pairs, empty for the defaults.
std::string hostKernelOptions(bool allowBF16Dot);

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_HOSTFEATURES_H
