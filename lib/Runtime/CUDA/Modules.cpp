//===- Modules.cpp - Compiled kernels: lazy modules and launches ----------===//
//
// A compiled step embeds its kernels as PTX or a cubin/fatbin that a global
// constructor hands to mgpuModuleLoad(JIT) before `main` runs. Loading them
// there would initialize the driver and compile the PTX for every run of the
// program, even `trainer --help`, and unloading them from the matching
// global destructor would call a driver that may already be gone. So the
// runtime only records the image there and loads it when the step first
// asks for one of its kernels, after the program has looked at its flags;
// shutdown() unloads it, and the destructor's unload then only forgets it.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include "mpt/Runtime/CUDA.h"

#include <cstring>

using namespace mpt::runtime::cuda::detail;

namespace {

/// Kernels may use this much shared memory without opting in.
constexpr int32_t kDefaultSharedMemoryLimit = 48 * 1024;
constexpr size_t kJitLogBytes = 8192;

Module *registerModule(const void *image, bool isPTX, int32_t optLevel) {
  auto *module = new Module;
  module->image = image;
  module->isPTX = isPTX;
  module->optLevel = optLevel;
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.modules.insert(module);
  return module;
}

/// Loads `module` into the driver (compiling PTX), once. Called with the
/// module's mutex held and the runtime ready.
bool load(Module &module) {
  if (module.loaded)
    return true;
  if (!module.isPTX)
    return MPT_CU(cuModuleLoadData, &module.loaded, module.image);
  char log[kJitLogBytes] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {
      reinterpret_cast<void *>(static_cast<intptr_t>(module.optLevel)), log,
      reinterpret_cast<void *>(kJitLogBytes)};
  return succeeded(
      cuModuleLoadDataEx(&module.loaded, module.image, 3, options, values),
      "cuModuleLoadDataEx (compiling PTX)", log);
}

/// Lets `function` use more than the default 48 KiB of shared memory.
bool allowSharedMemory(CUfunction function, int32_t bytes) {
  return bytes <= kDefaultSharedMemoryLimit ||
         MPT_CU(cuFuncSetAttribute, function,
                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
}

} // namespace

void mpt::runtime::cuda::detail::unloadModules(RuntimeState &runtime) {
  // A module's mutex is never taken with the runtime's held: loading one
  // records its errors, which takes the runtime's.
  std::vector<Module *> modules;
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    modules.assign(runtime.modules.begin(), runtime.modules.end());
  }
  for (Module *module : modules) {
    std::lock_guard<std::mutex> lock(module->mutex);
    if (module->loaded)
      MPT_CU(cuModuleUnload, module->loaded);
    module->loaded = nullptr;
    module->functions.clear();
  }
}

extern "C" void *mgpuModuleLoad(void *data, uint64_t /*size*/) {
  return registerModule(data, /*isPTX=*/false, 0);
}

extern "C" void *mgpuModuleLoadJIT(void *ptx, int32_t optLevel) {
  return registerModule(ptx, /*isPTX=*/true, optLevel);
}

extern "C" void mgpuModuleUnload(void *handle) {
  auto *module = static_cast<Module *>(handle);
  if (!module)
    return;
  RuntimeState &runtime = state();
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    runtime.modules.erase(module);
  }
  // Still loaded only when the program did not shut the runtime down; at
  // exit the driver may have shut down first, taking the module with it.
  if (module->loaded && !runtime.shutDown) {
    CUresult result = cuModuleUnload(module->loaded);
    if (result != CUDA_ERROR_DEINITIALIZED)
      succeeded(result, "cuModuleUnload");
  }
  delete module;
}

extern "C" void *mgpuModuleGetFunction(void *handle, const char *name) {
  auto *module = static_cast<Module *>(handle);
  if (!module || !ready())
    return nullptr;
  std::lock_guard<std::mutex> lock(module->mutex);
  if (!load(*module))
    return nullptr;
  auto [it, inserted] = module->functions.try_emplace(name, nullptr);
  if (inserted &&
      !succeeded(cuModuleGetFunction(&it->second, module->loaded, name),
                 "cuModuleGetFunction", std::string("kernel ") + name)) {
    module->functions.erase(it);
    return nullptr;
  }
  return it->second;
}

extern "C" void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                                 intptr_t gridZ, intptr_t blockX,
                                 intptr_t blockY, intptr_t blockZ,
                                 int32_t sharedMemoryBytes, void *stream,
                                 void **params, void **extra,
                                 uint64_t /*paramsCount*/) {
  auto kernel = static_cast<CUfunction>(function);
  if (!function || !ready() || !allowSharedMemory(kernel, sharedMemoryBytes))
    return;
  MPT_CU(cuLaunchKernel, kernel, gridX, gridY, gridZ, blockX, blockY, blockZ,
         sharedMemoryBytes, static_cast<CUstream>(stream), params, extra);
}

extern "C" void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                                        intptr_t clusterY, intptr_t clusterZ,
                                        intptr_t gridX, intptr_t gridY,
                                        intptr_t gridZ, intptr_t blockX,
                                        intptr_t blockY, intptr_t blockZ,
                                        int32_t sharedMemoryBytes, void *stream,
                                        void **params, void **extra) {
  auto kernel = static_cast<CUfunction>(function);
  if (!function || !ready() || !allowSharedMemory(kernel, sharedMemoryBytes))
    return;
  CUlaunchAttribute cluster;
  std::memset(&cluster, 0, sizeof(cluster));
  cluster.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  cluster.value.clusterDim.x = static_cast<unsigned>(clusterX);
  cluster.value.clusterDim.y = static_cast<unsigned>(clusterY);
  cluster.value.clusterDim.z = static_cast<unsigned>(clusterZ);
  CUlaunchConfig config;
  std::memset(&config, 0, sizeof(config));
  config.gridDimX = static_cast<unsigned>(gridX);
  config.gridDimY = static_cast<unsigned>(gridY);
  config.gridDimZ = static_cast<unsigned>(gridZ);
  config.blockDimX = static_cast<unsigned>(blockX);
  config.blockDimY = static_cast<unsigned>(blockY);
  config.blockDimZ = static_cast<unsigned>(blockZ);
  config.sharedMemBytes = static_cast<unsigned>(sharedMemoryBytes);
  config.hStream = static_cast<CUstream>(stream);
  config.attrs = &cluster;
  config.numAttrs = 1;
  MPT_CU(cuLaunchKernelEx, &config, kernel, params, extra);
}
