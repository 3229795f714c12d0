//===- CUDARuntime.cpp - mgpu* on the CUDA driver API ---------------------===//
//
// See mpt/Runtime/CUDA.h. One process-wide state (RuntimeState.h) holds the
// device, its primary context, the first pending error, a pool of idle
// streams and the size of every live allocation; this file has the driver's
// initialization and shutdown, the C++ API and the mgpu* functions for
// streams, events and memory (Modules.cpp has those for kernels).
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include "mpt/Runtime/CUDA.h"

#include <cstdio>
#include <cstring>
#include <limits>

using namespace mpt::runtime;
using namespace mpt::runtime::cuda::detail;

RuntimeState &mpt::runtime::cuda::detail::state() {
  static RuntimeState *runtime = new RuntimeState;
  return *runtime;
}

std::string
mpt::runtime::cuda::detail::describeFailure(const char *call, CUresult result,
                                            const std::string &detail) {
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (cuGetErrorString(result, &text) != CUDA_SUCCESS)
    text = nullptr;
  // The toolkit's link stub of libcuda answers every call, this one too,
  // with CUDA_ERROR_STUB_LIBRARY.
  if (result == CUDA_ERROR_STUB_LIBRARY && !name) {
    name = "CUDA_ERROR_STUB_LIBRARY";
    text = "the libcuda loaded is the CUDA toolkit's link stub, not a driver";
  }
  std::string message = std::string(call) + " failed: ";
  message += text ? text : "unknown error";
  message += " (";
  message += name ? name : "CUresult " + std::to_string(result);
  message += ")";
  if (!detail.empty())
    message += ": " + detail;
  return message;
}

void mpt::runtime::cuda::detail::recordError(const std::string &message) {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  if (!runtime.error.empty()) {
    ++runtime.laterErrors;
    return;
  }
  runtime.error = message;
  if (!runtime.quietErrors)
    std::fprintf(stderr, "mpt: CUDA error: %s\n", message.c_str());
}

bool mpt::runtime::cuda::detail::hasPendingError() {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  return !runtime.error.empty();
}

void mpt::runtime::cuda::detail::countHostSynchronization() {
  ++state().hostSynchronizations;
}

bool mpt::runtime::cuda::detail::succeeded(CUresult result, const char *call,
                                           const std::string &detail) {
  if (result == CUDA_SUCCESS)
    return true;
  recordError(describeFailure(call, result, detail));
  return false;
}

namespace {

/// Initializes the driver and the primary context of the runtime's device,
/// once. Called with `initMutex` held.
bool initializeDevice(RuntimeState &runtime) {
  if (runtime.initialized)
    return true;
  CUdevice &handle = runtime.handle;
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
    uint64_t keepAll = std::numeric_limits<uint64_t>::max();
    if (!MPT_CU(cuDeviceGetDefaultMemPool, &runtime.memoryPool, handle) ||
        !MPT_CU(cuMemPoolSetAttribute, runtime.memoryPool,
                CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keepAll))
      return false;
  }
  runtime.hasMemoryPools = pools != 0;
  runtime.initialized = true;
  return true;
}

} // namespace

bool mpt::runtime::cuda::detail::ready() {
  RuntimeState &runtime = state();
  if (hasPendingError())
    return false;
  if (runtime.shutDown) {
    recordError("the CUDA runtime was used after it was shut down");
    return false;
  }
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

namespace {

/// Whether an allocation on `stream` is made inside a step's capture, as a
/// graph memory node rather than memory.
bool allocatesInCapture(void *stream) {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  return runtime.capturing && stream && stream == enqueueingStepStream();
}

void trackAllocation(CUdeviceptr pointer, size_t bytes, bool managed,
                     bool inCapture) {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  if (inCapture) {
    runtime.captureAllocations[pointer] = bytes;
    runtime.captureLiveBytes += bytes;
    runtime.capturePeakBytes =
        std::max(runtime.capturePeakBytes, runtime.captureLiveBytes);
    ++runtime.captureAllocationCount;
    return;
  }
  runtime.allocations[pointer] = {bytes, managed};
  runtime.bytesInUse += bytes;
  runtime.peakBytes = std::max(runtime.peakBytes, runtime.bytesInUse);
  runtime.poolPeakBytes = std::max(runtime.poolPeakBytes, runtime.bytesInUse);
}

/// Forgets `pointer`; returns whether it was managed memory.
bool untrackAllocation(CUdeviceptr pointer) {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  if (auto it = runtime.captureAllocations.find(pointer);
      it != runtime.captureAllocations.end()) {
    runtime.captureLiveBytes -= it->second;
    runtime.captureAllocations.erase(it);
    return false;
  }
  auto it = runtime.allocations.find(pointer);
  if (it == runtime.allocations.end())
    return false;
  bool managed = it->second.managed;
  runtime.bytesInUse -= it->second.bytes;
  runtime.allocations.erase(it);
  runtime.poolHoldsFreed = runtime.poolHoldsFreed || !managed;
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
  if (ready() && bytes) {
    countHostSynchronization();
    MPT_CU(cuMemcpyHtoD, devicePointer(device), host, bytes);
  }
  return takeError();
}

Status cuda::copyToHost(void *host, const void *device, size_t bytes) {
  if (ready() && bytes) {
    countHostSynchronization();
    MPT_CU(cuMemcpyDtoH, host, devicePointer(device), bytes);
  }
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
  return {runtime.bytesInUse, runtime.peakBytes, runtime.poolPeakBytes};
}

void mpt::runtime::cuda::detail::trimMemoryPool(RuntimeState &runtime,
                                                CUstream stream) {
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    if (!runtime.memoryPool || !runtime.poolHoldsFreed)
      return;
  }
  // The pool gives back only memory whose frees the host has seen done.
  countHostSynchronization();
  if (!MPT_CU(cuStreamSynchronize, stream) ||
      !MPT_CU(cuMemPoolTrimTo, runtime.memoryPool, 0))
    return;
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.poolHoldsFreed = false;
  runtime.poolPeakBytes = runtime.bytesInUse;
}

uint64_t cuda::hostSynchronizations() { return state().hostSynchronizations; }

void cuda::resetPeakMemory() {
  RuntimeState &runtime = state();
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    runtime.peakBytes = runtime.poolPeakBytes = runtime.bytesInUse;
  }
  if (runtime.initialized && !runtime.shutDown)
    resetGraphMemoryPeaks(runtime);
}

Expected<void *> cuda::allocateHost(size_t bytes) {
  void *pointer = nullptr;
  if (ready())
    MPT_CU(cuMemHostAlloc, &pointer, bytes, 0);
  Status error = takeError();
  if (!error.ok())
    return error;
  return pointer;
}

void cuda::freeHost(void *pointer) {
  if (pointer && !state().shutDown)
    MPT_CU(cuMemFreeHost, pointer);
}

CUstream mpt::runtime::cuda::detail::uploadStream() {
  RuntimeState &runtime = state();
  CUstream stream;
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    stream = runtime.uploadStream;
  }
  if (stream)
    return stream;
  // Non-blocking: the copies do not wait for the legacy default stream of
  // the synchronous copies, nor it for them.
  if (!MPT_CU(cuStreamCreate, &stream, CU_STREAM_NON_BLOCKING))
    return nullptr;
  std::lock_guard<std::mutex> lock(runtime.mutex);
  if (runtime.uploadStream) {
    cuStreamDestroy(stream);
    return runtime.uploadStream;
  }
  return runtime.uploadStream = stream;
}

Status cuda::uploadAsync(void *device, const void *pinnedHost, size_t bytes) {
  if (!ready() || !bytes)
    return takeError();
  if (CUstream stream = uploadStream())
    MPT_CU(cuMemcpyHtoDAsync, devicePointer(device), pinnedHost, bytes, stream);
  return takeError();
}

Status cuda::waitForUploads() {
  RuntimeState &runtime = state();
  CUstream stream;
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    stream = runtime.uploadStream;
  }
  if (stream && ready()) {
    countHostSynchronization();
    MPT_CU(cuStreamSynchronize, stream);
  }
  return takeError();
}

Status cuda::shutdown() {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> initLock(runtime.initMutex);
  if (runtime.shutDown)
    return Status::success();
  if (runtime.initialized && !hasPendingError() &&
      MPT_CU(cuCtxSetCurrent, runtime.context)) {
    // Work still in flight reports its errors here, before the context
    // goes away.
    countHostSynchronization();
    MPT_CU(cuCtxSynchronize);
    releaseStepStream(runtime);
    releaseMatmulLibrary();
    unloadModules(runtime);
    std::vector<CUstream> streams;
    {
      std::lock_guard<std::mutex> lock(runtime.mutex);
      streams.swap(runtime.idleStreams);
      if (runtime.uploadStream)
        streams.push_back(runtime.uploadStream);
      runtime.uploadStream = nullptr;
    }
    for (CUstream stream : streams)
      MPT_CU(cuStreamDestroy, stream);
    // The last reference to the primary context: it goes, with every
    // allocation still in it.
    MPT_CU(cuDevicePrimaryCtxRelease, runtime.handle);
  }
  runtime.shutDown = true;
  runtime.initialized = false;
  return takeError();
}

//===----------------------------------------------------------------------===//
// mgpu* functions
//===----------------------------------------------------------------------===//

// Steps create and destroy a stream per call; idle streams are kept for the
// next step instead of going back to the driver. A step that enqueueStep
// runs gets the step stream instead, and neither waits for it nor gives it
// back.
extern "C" void *mgpuStreamCreate() {
  if (!ready())
    return nullptr;
  if (CUstream stepStream = enqueueingStepStream())
    return stepStream;
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
  if (!stream || stream == enqueueingStepStream())
    return;
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.idleStreams.push_back(static_cast<CUstream>(stream));
}

extern "C" void mgpuStreamSynchronize(void *stream) {
  if (stream && stream == enqueueingStepStream())
    return;
  if (ready()) {
    countHostSynchronization();
    MPT_CU(cuStreamSynchronize, static_cast<CUstream>(stream));
  }
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
  if (event && ready()) {
    countHostSynchronization();
    MPT_CU(cuEventSynchronize, static_cast<CUevent>(event));
  }
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
  bool inCapture = !hostShared && allocatesInCapture(stream);
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
  trackAllocation(pointer, bytes, hostShared, inCapture);
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
