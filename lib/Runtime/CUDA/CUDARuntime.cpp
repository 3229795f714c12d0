//===- CUDARuntime.cpp - mgpu* on the CUDA driver API ---------------------===//
//
// See mpt/Runtime/CUDA.h. One process-wide state holds the device, its
// primary context, the first pending error, a pool of idle streams and the
// size of every live allocation.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/CUDA.h"

#include <cuda.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <vector>

using namespace mpt::runtime;

namespace {

/// Kernels may use this much shared memory without opting in.
constexpr int32_t kDefaultSharedMemoryLimit = 48 * 1024;
constexpr size_t kJitLogBytes = 8192;

struct Allocation {
  size_t bytes;
  bool managed;
};

struct RuntimeState {
  /// Serializes initialization, which records errors (taking `mutex`).
  std::mutex initMutex;
  int device = 0;
  std::atomic<bool> initialized{false};
  CUcontext context = nullptr;
  bool hasMemoryPools = false;
  /// Guards everything below.
  std::mutex mutex;
  /// The first error since it was last taken, and how many followed it.
  std::string error;
  size_t laterErrors = 0;
  std::vector<CUstream> idleStreams;
  std::unordered_map<CUdeviceptr, Allocation> allocations;
  size_t bytesInUse = 0, peakBytes = 0;
};

RuntimeState &state() {
  // Never destroyed: compiled modules unload from global destructors, which
  // may run after function-local statics are gone.
  static RuntimeState *runtime = new RuntimeState;
  return *runtime;
}

/// "cuMemAlloc failed: out of memory (CUDA_ERROR_OUT_OF_MEMORY)".
std::string describeFailure(const char *call, CUresult result,
                            const std::string &detail = "") {
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (cuGetErrorString(result, &text) != CUDA_SUCCESS)
    text = nullptr;
  std::string message = std::string(call) + " failed: ";
  message += text ? text : "unknown error";
  message += " (";
  message += name ? name : "CUresult " + std::to_string(result);
  message += ")";
  if (!detail.empty())
    message += ": " + detail;
  return message;
}

/// Records an error: the first one is printed and kept until taken.
void recordError(const std::string &message) {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  if (!runtime.error.empty()) {
    ++runtime.laterErrors;
    return;
  }
  runtime.error = message;
  std::fprintf(stderr, "mpt: CUDA error: %s\n", message.c_str());
}

bool hasPendingError() {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  return !runtime.error.empty();
}

/// Whether `result` is success; otherwise records the failure of `call`.
bool succeeded(CUresult result, const char *call,
               const std::string &detail = "") {
  if (result == CUDA_SUCCESS)
    return true;
  recordError(describeFailure(call, result, detail));
  return false;
}

#define MPT_CU(function, ...) succeeded(function(__VA_ARGS__), #function)

/// Initializes the driver and the primary context of the runtime's device,
/// once. Called with `initMutex` held.
bool initializeDevice(RuntimeState &runtime) {
  if (runtime.initialized)
    return true;
  CUdevice handle;
  int pools = 0;
  if (!MPT_CU(cuInit, 0) || !MPT_CU(cuDeviceGet, &handle, runtime.device) ||
      !MPT_CU(cuDevicePrimaryCtxRetain, &runtime.context, handle) ||
      !MPT_CU(cuCtxSetCurrent, runtime.context) ||
      !MPT_CU(cuDeviceGetAttribute, &pools,
              CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, handle))
    return false;
  if (pools) {
    // Keep freed memory in the pool instead of returning it to the driver
    // at every synchronisation: later steps reuse it.
    CUmemoryPool pool;
    uint64_t keepAll = std::numeric_limits<uint64_t>::max();
    if (!MPT_CU(cuDeviceGetDefaultMemPool, &pool, handle) ||
        !MPT_CU(cuMemPoolSetAttribute, pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD,
                &keepAll))
      return false;
  }
  runtime.hasMemoryPools = pools != 0;
  runtime.initialized = true;
  return true;
}

/// Makes the runtime's context current in this thread, initializing it on
/// first use. False when that fails or an error is pending: callers then do
/// nothing.
bool ready() {
  RuntimeState &runtime = state();
  if (hasPendingError())
    return false;
  if (!runtime.initialized) {
    std::lock_guard<std::mutex> lock(runtime.initMutex);
    if (!initializeDevice(runtime))
      return false;
  }
  CUcontext current = nullptr;
  if (!MPT_CU(cuCtxGetCurrent, &current))
    return false;
  return current == runtime.context || MPT_CU(cuCtxSetCurrent, runtime.context);
}

void trackAllocation(CUdeviceptr pointer, size_t bytes, bool managed) {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.allocations[pointer] = {bytes, managed};
  runtime.bytesInUse += bytes;
  runtime.peakBytes = std::max(runtime.peakBytes, runtime.bytesInUse);
}

/// Forgets `pointer`; returns whether it was managed memory.
bool untrackAllocation(CUdeviceptr pointer) {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  auto it = runtime.allocations.find(pointer);
  if (it == runtime.allocations.end())
    return false;
  bool managed = it->second.managed;
  runtime.bytesInUse -= it->second.bytes;
  runtime.allocations.erase(it);
  return managed;
}

CUdeviceptr devicePointer(const void *pointer) {
  return reinterpret_cast<CUdeviceptr>(pointer);
}

/// The bytes and first element of the memref described by `descriptor`.
std::pair<void *, size_t> memrefExtent(int64_t rank, void *descriptor,
                                       int64_t elementBytes) {
  struct Header {
    char *allocated;
    char *aligned;
    int64_t offset;
  };
  auto *header = static_cast<Header *>(descriptor);
  auto *sizes = reinterpret_cast<int64_t *>(header + 1);
  size_t count = 1;
  for (int64_t i = 0; i < rank; ++i)
    count *= static_cast<size_t>(sizes[i]);
  return {header->aligned + header->offset * elementBytes,
          count * static_cast<size_t>(elementBytes)};
}

} // namespace

//===----------------------------------------------------------------------===//
// C++ API
//===----------------------------------------------------------------------===//

Status cuda::initialize(int device) {
  RuntimeState &runtime = state();
  {
    std::lock_guard<std::mutex> lock(runtime.initMutex);
    if (runtime.initialized && runtime.device != device)
      return Status::error("CUDA device " + std::to_string(runtime.device) +
                           " is already in use; cannot switch to device " +
                           std::to_string(device));
    runtime.device = device;
  }
  if (!ready())
    return takeError();
  return Status::success();
}

Expected<std::string> cuda::describeDevice() {
  if (!ready())
    return takeError();
  CUdevice device;
  char name[256] = {0};
  int major = 0, minor = 0, multiprocessors = 0;
  size_t bytes = 0;
  if (!MPT_CU(cuCtxGetDevice, &device) ||
      !MPT_CU(cuDeviceGetName, name, sizeof(name) - 1, device) ||
      !MPT_CU(cuDeviceGetAttribute, &major,
              CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device) ||
      !MPT_CU(cuDeviceGetAttribute, &minor,
              CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device) ||
      !MPT_CU(cuDeviceGetAttribute, &multiprocessors,
              CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device) ||
      !MPT_CU(cuDeviceTotalMem, &bytes, device))
    return takeError();
  char text[384];
  std::snprintf(text, sizeof(text), "%s, sm_%d%d, %d SMs, %.1f GiB", name,
                major, minor, multiprocessors,
                static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return std::string(text);
}

Expected<void *> cuda::allocate(size_t bytes) {
  void *pointer = mgpuMemAlloc(bytes, nullptr, /*hostShared=*/false);
  Status error = takeError();
  if (!error.ok())
    return error;
  return pointer;
}

Status cuda::copyToDevice(void *device, const void *host, size_t bytes) {
  if (ready() && bytes)
    MPT_CU(cuMemcpyHtoD, devicePointer(device), host, bytes);
  return takeError();
}

Status cuda::copyToHost(void *host, const void *device, size_t bytes) {
  if (ready() && bytes)
    MPT_CU(cuMemcpyDtoH, host, devicePointer(device), bytes);
  return takeError();
}

Status cuda::takeError() {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  if (runtime.error.empty())
    return Status::success();
  std::string message = "CUDA error: " + runtime.error;
  if (runtime.laterErrors)
    message += " (and " + std::to_string(runtime.laterErrors) +
               " later CUDA calls failed or were skipped)";
  runtime.error.clear();
  runtime.laterErrors = 0;
  return Status::error(message);
}

cuda::MemoryUse cuda::memoryUse() {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  return {runtime.bytesInUse, runtime.peakBytes};
}

void cuda::resetPeakMemory() {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.peakBytes = runtime.bytesInUse;
}

//===----------------------------------------------------------------------===//
// mgpu* functions
//===----------------------------------------------------------------------===//

extern "C" void *mgpuModuleLoad(void *data, uint64_t /*size*/) {
  CUmodule module = nullptr;
  if (ready())
    MPT_CU(cuModuleLoadData, &module, data);
  return module;
}

extern "C" void *mgpuModuleLoadJIT(void *ptx, int32_t optLevel) {
  CUmodule module = nullptr;
  if (!ready())
    return nullptr;
  char log[kJitLogBytes] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(kJitLogBytes)};
  succeeded(cuModuleLoadDataEx(&module, ptx, 3, options, values),
            "cuModuleLoadDataEx (compiling PTX)", log);
  return module;
}

extern "C" void mgpuModuleUnload(void *module) {
  if (!module || !ready())
    return;
  // At exit the driver may have shut down first, taking the module with it.
  CUresult result = cuModuleUnload(static_cast<CUmodule>(module));
  if (result != CUDA_ERROR_DEINITIALIZED)
    succeeded(result, "cuModuleUnload");
}

extern "C" void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = nullptr;
  if (module && ready())
    succeeded(
        cuModuleGetFunction(&function, static_cast<CUmodule>(module), name),
        "cuModuleGetFunction", std::string("kernel ") + name);
  return function;
}

/// Lets `function` use more than the default 48 KiB of shared memory.
static bool allowSharedMemory(CUfunction function, int32_t bytes) {
  return bytes <= kDefaultSharedMemoryLimit ||
         MPT_CU(cuFuncSetAttribute, function,
                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
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

// Steps create and destroy a stream per call; idle streams are kept for the
// next step instead of going back to the driver.
extern "C" void *mgpuStreamCreate() {
  if (!ready())
    return nullptr;
  RuntimeState &runtime = state();
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    if (!runtime.idleStreams.empty()) {
      CUstream stream = runtime.idleStreams.back();
      runtime.idleStreams.pop_back();
      return stream;
    }
  }
  CUstream stream = nullptr;
  MPT_CU(cuStreamCreate, &stream, CU_STREAM_DEFAULT);
  return stream;
}

extern "C" void mgpuStreamDestroy(void *stream) {
  if (!stream)
    return;
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.idleStreams.push_back(static_cast<CUstream>(stream));
}

extern "C" void mgpuStreamSynchronize(void *stream) {
  if (ready())
    MPT_CU(cuStreamSynchronize, static_cast<CUstream>(stream));
}

extern "C" void mgpuStreamWaitEvent(void *stream, void *event) {
  if (event && ready())
    MPT_CU(cuStreamWaitEvent, static_cast<CUstream>(stream),
           static_cast<CUevent>(event), 0);
}

extern "C" void *mgpuEventCreate() {
  CUevent event = nullptr;
  if (ready())
    MPT_CU(cuEventCreate, &event, CU_EVENT_DISABLE_TIMING);
  return event;
}

extern "C" void mgpuEventDestroy(void *event) {
  if (event && ready())
    MPT_CU(cuEventDestroy, static_cast<CUevent>(event));
}

extern "C" void mgpuEventSynchronize(void *event) {
  if (event && ready())
    MPT_CU(cuEventSynchronize, static_cast<CUevent>(event));
}

extern "C" void mgpuEventRecord(void *event, void *stream) {
  if (event && ready())
    MPT_CU(cuEventRecord, static_cast<CUevent>(event),
           static_cast<CUstream>(stream));
}

extern "C" void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  if (bytes == 0 || !ready())
    return nullptr;
  CUdeviceptr pointer = 0;
  bool ok;
  if (hostShared)
    ok = MPT_CU(cuMemAllocManaged, &pointer, bytes, CU_MEM_ATTACH_GLOBAL);
  else if (state().hasMemoryPools)
    ok =
        MPT_CU(cuMemAllocAsync, &pointer, bytes, static_cast<CUstream>(stream));
  else
    ok = MPT_CU(cuMemAlloc, &pointer, bytes);
  if (!ok)
    return nullptr;
  trackAllocation(pointer, bytes, hostShared);
  return reinterpret_cast<void *>(pointer);
}

extern "C" void mgpuMemFree(void *pointer, void *stream) {
  if (!pointer || !ready())
    return;
  CUdeviceptr device = devicePointer(pointer);
  bool managed = untrackAllocation(device);
  if (!managed && state().hasMemoryPools)
    MPT_CU(cuMemFreeAsync, device, static_cast<CUstream>(stream));
  else
    MPT_CU(cuMemFree, device);
}

extern "C" void mgpuMemcpy(void *destination, void *source, uint64_t bytes,
                           void *stream) {
  if (bytes && ready())
    MPT_CU(cuMemcpyAsync, devicePointer(destination), devicePointer(source),
           bytes, static_cast<CUstream>(stream));
}

extern "C" void mgpuMemset32(void *destination, uint32_t value, uint64_t count,
                             void *stream) {
  if (count && ready())
    MPT_CU(cuMemsetD32Async, devicePointer(destination), value, count,
           static_cast<CUstream>(stream));
}

extern "C" void mgpuMemset16(void *destination, uint16_t value, uint64_t count,
                             void *stream) {
  if (count && ready())
    MPT_CU(cuMemsetD16Async, devicePointer(destination), value, count,
           static_cast<CUstream>(stream));
}

extern "C" void mgpuMemHostRegister(void *pointer, uint64_t bytes) {
  if (bytes && ready())
    MPT_CU(cuMemHostRegister, pointer, bytes, 0);
}

extern "C" void mgpuMemHostUnregister(void *pointer) {
  if (pointer && ready())
    MPT_CU(cuMemHostUnregister, pointer);
}

extern "C" void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                          int64_t elementBytes) {
  auto [pointer, bytes] = memrefExtent(rank, descriptor, elementBytes);
  mgpuMemHostRegister(pointer, bytes);
}

extern "C" void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                            int64_t elementBytes) {
  mgpuMemHostUnregister(memrefExtent(rank, descriptor, elementBytes).first);
}

extern "C" void mgpuSetDefaultDevice(int32_t device) {
  Status status = cuda::initialize(device);
  if (!status.ok())
    recordError(status.message());
}
