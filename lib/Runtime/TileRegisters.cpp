//===- TileRegisters.cpp - The AMX tile state of this process -------------===//

#include "mpt/Runtime/TileRegisters.h"

#include <cerrno>
#include <cstring>
#include <string>

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace mpt::runtime;

Status mpt::runtime::requestTileRegisters() {
#if defined(__linux__) && defined(__x86_64__)
  // arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA).
  constexpr int kArchReqXcompPerm = 0x1023;
  constexpr int kXFeatureXTileData = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXFeatureXTileData) == 0)
    return Status::success();
  return Status::error(
      std::string("the AMX tile registers are not available to this process "
                  "(arch_prctl: ") +
      std::strerror(errno) +
      "): this CPU has no AMX, or its kernel does not grant it");
#else
  return Status::error("the AMX tile registers exist on x86-64 Linux only");
#endif
}
