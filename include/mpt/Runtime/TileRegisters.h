//===- TileRegisters.h - The AMX tile state of this process -----*- C++ -*-===//
//
// A step compiled for AMX (bf16 GEMMs on tiles) runs only in a process that
// the operating system has granted the tile registers: on Linux the state
// is off until requested, and the first tile instruction without the grant
// faults (SIGILL). mpt-run requests it before it compiles for AMX; a
// trainer compiled for AMX requests it before its first step.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_TILEREGISTERS_H
#define MPT_RUNTIME_TILEREGISTERS_H

#include "mpt/Runtime/Status.h"

namespace mpt {
namespace runtime {

/// Requests the AMX tile data state for this process (every thread); an
/// error that says why where the CPU or the kernel does not grant it.
Status requestTileRegisters();

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_TILEREGISTERS_H
