//===- HostFeatures.cpp - What the compiled step may use here -------------===//

#include "HostFeatures.h"

#include "mpt/Runtime/TileRegisters.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

bool mlir::mpt::requestAMX() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (!features.lookup("amx-tile") || !features.lookup("amx-bf16"))
    return false;
  return ::mpt::runtime::requestTileRegisters().ok();
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
