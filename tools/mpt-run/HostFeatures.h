//===- HostFeatures.h - What the compiled step may use here -----*- C++ -*-===//
//
// Features of the host CPU that the step is compiled for only when this
// process may also use them.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_HOSTFEATURES_H
#define MPT_TOOLS_MPT_RUN_HOSTFEATURES_H

namespace mlir {
namespace mpt {

/// True when the CPU has AMX with bf16 and the operating system grants this
/// process the tile registers (on Linux, requested once with
/// arch_prctl(ARCH_REQ_XCOMP_PERM); the grant covers every thread). False,
/// and nothing changed, where either is missing.
bool requestAMX();

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_HOSTFEATURES_H
