//===- HostFeatures.cpp - What the compiled step may use here -------------===//

#include "HostFeatures.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

bool mlir::mpt::requestAMX() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (!features.lookup("amx-tile") || !features.lookup("amx-bf16"))
    return false;
#if defined(__linux__) && defined(__x86_64__)
  // The tile data state is off until requested: without the grant, the
  // first tile instruction faults.
  constexpr int kArchReqXcompPerm = 0x1023;
  constexpr int kXFeatureXTileData = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXFeatureXTileData) == 0;
#else
  return false;
#endif
}

std::string mlir::mpt::hostKernelOptions(bool allowBF16Dot) {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::string options;
  if (!features.lookup("avx512f"))
    options += "register-rows=4 register-cols=16";
  else if (allowBF16Dot && features.lookup("avx512bf16"))
    options += "bf16-dot-product=true";
  if (!features.lookup("avx512bf16"))
    options += std::string(options.empty() ? "" : " ") + "expand-bf16=true";
  return options;
}
