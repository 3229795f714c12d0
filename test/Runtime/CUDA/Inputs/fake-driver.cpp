// A fake libcuda.so.1 for running GPU trainers without a GPU: device memory
// is host memory, copies and memsets happen at once (those captured in a
// graph when it is launched), kernels do nothing.
// It prints (on stdout, in order with the trainer's own lines) every call
// that makes the host wait, and the graph calls; direct kernel launches are
// printed as a count before the next printed call.
//   FAKE_CUDA_POOLS=1          the device has stream-ordered memory pools
//   FAKE_CUDA_CAPTURE_FAILS=1  cuStreamEndCapture reports an invalidated
//                              capture
// Graph memory: a graph's allocation nodes (cuMemAllocAsync during its
// capture) need the most bytes of them live at once; a graph holds that
// from its first launch until it is destroyed, in 2 MiB granules reserved,
// as cuDeviceGetGraphMemAttribute reports.
//   FAKE_CUDA_GRAPHS_SHARE_MEMORY=1  the graphs share their memory (as a
//                                    driver may for graphs launched on one
//                                    stream): they hold the largest one's
//   FAKE_CUDA_GRAPH_MEMORY_FAILS=1   cuDeviceGetGraphMemAttribute fails
// The default memory pool (cuMemAllocAsync outside a capture) keeps what is
// freed into it; cuMemPoolTrimTo gives back what is neither in use nor
// freed since the host last synchronized (a free the host has not seen
// done counts as in use), and prints how many bytes.
// Built with -DFAKE_CUDA_WITHOUT_GRAPH_MEMORY, it has neither
// cuDeviceGetGraphMemAttribute nor cuDeviceSetGraphMemAttribute, as a
// driver before CUDA 11.4.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace {
using Result = int;
constexpr Result kSuccess = 0;
constexpr Result kInvalidValue = 1;
constexpr Result kCaptureInvalidated = 901;
constexpr int kAttributeMemoryPools = 115;

int handles[64];
int nextHandle = 0;
void *newHandle() { return &handles[nextHandle++ % 64]; }

/// What a launch of a graph does: its copies, and its kernels (counted);
/// the memory its allocation nodes need.
struct Graph {
  std::vector<std::function<void()>> copies;
  unsigned kernels = 0;
  uint64_t memoryBytes = 0;
};

void *capturing = nullptr;
Graph captured;
/// The allocation nodes of the capture that are not freed yet.
std::map<void *, size_t> capturedLive;
uint64_t capturedLiveBytes = 0;

/// The graphs that hold their memory, and the driver's graph memory
/// attributes, by CUgraphMem_attribute: used and reserved, current and
/// high-water marks.
std::set<const Graph *> holdingMemory;
/// The default pool's allocations in use, the bytes of those freed since
/// the host last synchronized, and the bytes the pool holds: the most in
/// use at once since it was last trimmed.
std::map<void *, size_t> pooled;
uint64_t pooledBytes = 0, freedUnseenBytes = 0, poolReservedBytes = 0;
enum { kUsedCurrent, kUsedHigh, kReservedCurrent, kReservedHigh };
uint64_t graphMemory[4] = {0, 0, 0, 0};
unsigned kernelsDirect = 0;

/// Runs `copy` now, or when the graph being captured on `stream` runs.
Result enqueue(void *stream, std::function<void()> copy) {
  if (stream && stream == capturing)
    captured.copies.push_back(std::move(copy));
  else
    copy();
  return 0;
}

bool enabled(const char *name) {
  const char *value = std::getenv(name);
  return value && std::strcmp(value, "1") == 0;
}

/// The host waits for the device: the frees enqueued so far are done.
void synchronized() { freedUnseenBytes = 0; }

void log(const char *call, const char *detail = "") {
  if (kernelsDirect)
    std::printf("cuda: %u kernels launched\n", kernelsDirect);
  kernelsDirect = 0;
  std::printf("cuda: %s%s\n", call, detail);
}

void *deviceAlloc(size_t bytes) { return std::calloc(1, bytes ? bytes : 1); }

void updateGraphMemory() {
  uint64_t used = 0;
  for (const Graph *graph : holdingMemory)
    used = enabled("FAKE_CUDA_GRAPHS_SHARE_MEMORY")
               ? std::max(used, graph->memoryBytes)
               : used + graph->memoryBytes;
  constexpr uint64_t kGranule = 2 << 20;
  graphMemory[kUsedCurrent] = used;
  graphMemory[kReservedCurrent] = (used + kGranule - 1) / kGranule * kGranule;
  for (int current : {kUsedCurrent, kReservedCurrent})
    graphMemory[current + 1] =
        std::max(graphMemory[current + 1], graphMemory[current]);
}
} // namespace

extern "C" {
Result cuInit(unsigned) { return kSuccess; }
Result cuDeviceGetCount(int *count) { return *count = 1, kSuccess; }
Result cuDeviceGet(int *device, int) { return *device = 0, kSuccess; }
Result cuDevicePrimaryCtxRetain(void **context, int) {
  return *context = handles, kSuccess;
}
Result cuDevicePrimaryCtxRelease_v2(int) { return kSuccess; }
Result cuCtxSetCurrent(void *) { return kSuccess; }
Result cuCtxGetCurrent(void **context) { return *context = handles, kSuccess; }
Result cuCtxGetDevice(int *device) { return *device = 0, kSuccess; }
Result cuCtxSynchronize() {
  synchronized();
  return log("cuCtxSynchronize"), kSuccess;
}
Result cuDeviceGetAttribute(int *value, int attribute, int) {
  *value = attribute == kAttributeMemoryPools ? enabled("FAKE_CUDA_POOLS") : 1;
  return kSuccess;
}
Result cuDeviceGetName(char *name, int length, int) {
  std::snprintf(name, length, "Fake GPU");
  return kSuccess;
}
Result cuDeviceTotalMem_v2(size_t *bytes, int) {
  return *bytes = size_t(1) << 30, kSuccess;
}
Result cuDeviceGetDefaultMemPool(void **pool, int) {
  return *pool = newHandle(), kSuccess;
}
Result cuMemPoolSetAttribute(void *, int, void *) { return kSuccess; }
Result cuMemPoolTrimTo(void *, size_t keep) {
  // The pool reuses freed memory at once, so what it holds covers what
  // the frees the host has not seen done took.
  uint64_t kept = std::max<uint64_t>(pooledBytes + freedUnseenBytes, keep);
  uint64_t released = poolReservedBytes > kept ? poolReservedBytes - kept : 0;
  poolReservedBytes -= released;
  char detail[64];
  std::snprintf(detail, sizeof(detail), " (%llu bytes released)",
                static_cast<unsigned long long>(released));
  return log("cuMemPoolTrimTo", detail), kSuccess;
}
Result cuGetErrorName(Result result, const char **name) {
  if (result != kCaptureInvalidated)
    return 1;
  return *name = "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", kSuccess;
}
Result cuGetErrorString(Result result, const char **text) {
  if (result != kCaptureInvalidated)
    return 1;
  return *text = "operation failed due to a previous error during capture",
         kSuccess;
}

Result cuMemAlloc_v2(void **pointer, size_t bytes) {
  return *pointer = deviceAlloc(bytes), kSuccess;
}
Result cuMemAllocAsync(void **pointer, size_t bytes, void *stream) {
  *pointer = deviceAlloc(bytes);
  if (stream && stream == capturing) {
    capturedLive[*pointer] = bytes;
    capturedLiveBytes += bytes;
    captured.memoryBytes = std::max(captured.memoryBytes, capturedLiveBytes);
    return kSuccess;
  }
  pooled[*pointer] = bytes;
  pooledBytes += bytes;
  poolReservedBytes = std::max(poolReservedBytes, pooledBytes);
  return kSuccess;
}
Result cuMemAllocManaged(void **pointer, size_t bytes, unsigned) {
  return *pointer = deviceAlloc(bytes), kSuccess;
}
// Memory is never given back: a captured graph keeps its temporaries.
Result cuMemFree_v2(void *) { return kSuccess; }
Result cuMemFreeAsync(void *pointer, void *stream) {
  auto node = capturedLive.find(pointer);
  if (stream && stream == capturing && node != capturedLive.end()) {
    capturedLiveBytes -= node->second;
    capturedLive.erase(node);
  } else if (auto allocation = pooled.find(pointer);
             allocation != pooled.end()) {
    pooledBytes -= allocation->second;
    freedUnseenBytes += allocation->second;
    pooled.erase(allocation);
  }
  return kSuccess;
}
Result cuMemHostAlloc(void **pointer, size_t bytes, unsigned) {
  return *pointer = deviceAlloc(bytes), kSuccess;
}
Result cuMemFreeHost(void *pointer) { return std::free(pointer), kSuccess; }
Result cuMemHostRegister_v2(void *, size_t, unsigned) { return kSuccess; }
Result cuMemHostUnregister(void *) { return kSuccess; }

Result cuMemcpyHtoD_v2(void *device, const void *host, size_t bytes) {
  log("cuMemcpyHtoD");
  return std::memcpy(device, host, bytes), kSuccess;
}
Result cuMemcpyDtoH_v2(void *host, const void *device, size_t bytes) {
  log("cuMemcpyDtoH");
  return std::memcpy(host, device, bytes), kSuccess;
}
Result cuMemcpyAsync(void *to, const void *from, size_t bytes, void *stream) {
  return enqueue(stream, [=] { std::memcpy(to, from, bytes); });
}
Result cuMemcpyHtoDAsync_v2(void *to, const void *from, size_t bytes,
                            void *stream) {
  return cuMemcpyAsync(to, from, bytes, stream);
}
Result cuMemcpyDtoHAsync_v2(void *to, const void *from, size_t bytes,
                            void *stream) {
  return cuMemcpyAsync(to, from, bytes, stream);
}
Result cuMemsetD32Async(void *to, unsigned value, size_t count, void *stream) {
  return enqueue(stream, [=] {
    for (size_t i = 0; i < count; ++i)
      std::memcpy(static_cast<char *>(to) + 4 * i, &value, 4);
  });
}
Result cuMemsetD16Async(void *to, unsigned short value, size_t count,
                        void *stream) {
  return enqueue(stream, [=] {
    for (size_t i = 0; i < count; ++i)
      std::memcpy(static_cast<char *>(to) + 2 * i, &value, 2);
  });
}

Result cuStreamCreate(void **stream, unsigned) {
  return *stream = newHandle(), kSuccess;
}
Result cuStreamDestroy_v2(void *) { return kSuccess; }
Result cuStreamSynchronize(void *) {
  synchronized();
  return log("cuStreamSynchronize"), kSuccess;
}
Result cuStreamQuery(void *) { return kSuccess; }
Result cuStreamWaitEvent(void *, void *, unsigned) { return kSuccess; }
Result cuEventCreate(void **event, unsigned) {
  return *event = newHandle(), kSuccess;
}
Result cuEventDestroy_v2(void *) { return kSuccess; }
Result cuEventRecord(void *, void *) { return kSuccess; }
Result cuEventSynchronize(void *) {
  synchronized();
  return log("cuEventSynchronize"), kSuccess;
}

Result cuModuleLoadData(void **module, const void *) {
  return *module = newHandle(), kSuccess;
}
Result cuModuleLoadDataEx(void **module, const void *, unsigned, void *,
                          void **) {
  return *module = newHandle(), kSuccess;
}
Result cuModuleUnload(void *) { return kSuccess; }
Result cuModuleGetFunction(void **function, void *, const char *) {
  return *function = newHandle(), kSuccess;
}
Result cuFuncSetAttribute(void *, int, int) { return kSuccess; }
Result cuLaunchKernel(void *, unsigned, unsigned, unsigned, unsigned, unsigned,
                      unsigned, unsigned, void *stream, void **, void **) {
  ++(stream && stream == capturing ? captured.kernels : kernelsDirect);
  return kSuccess;
}
Result cuLaunchKernelEx(const void *, void *, void **, void **) {
  ++kernelsDirect;
  return kSuccess;
}

Result cuStreamBeginCapture_v2(void *stream, int) {
  log("cuStreamBeginCapture");
  capturing = stream;
  captured = Graph();
  capturedLive.clear();
  capturedLiveBytes = 0;
  return kSuccess;
}
Result cuStreamEndCapture(void *, void **graph) {
  capturing = nullptr;
  char detail[64];
  std::snprintf(detail, sizeof(detail), " (%u kernels)", captured.kernels);
  log("cuStreamEndCapture", detail);
  if (enabled("FAKE_CUDA_CAPTURE_FAILS"))
    return *graph = nullptr, kCaptureInvalidated;
  return *graph = new Graph(captured), kSuccess;
}
Result cuGraphInstantiateWithFlags(void **exec, void *graph,
                                   unsigned long long) {
  log("cuGraphInstantiate");
  return *exec = new Graph(*static_cast<Graph *>(graph)), kSuccess;
}
Result cuGraphDestroy(void *graph) {
  return delete static_cast<Graph *>(graph), kSuccess;
}
Result cuGraphExecDestroy(void *exec) {
  holdingMemory.erase(static_cast<Graph *>(exec));
  updateGraphMemory();
  return delete static_cast<Graph *>(exec), kSuccess;
}
Result cuGraphLaunch(void *exec, void *) {
  Graph &graph = *static_cast<Graph *>(exec);
  holdingMemory.insert(&graph);
  updateGraphMemory();
  char detail[64];
  std::snprintf(detail, sizeof(detail), " (%u kernels)", graph.kernels);
  log("cuGraphLaunch", detail);
  for (const std::function<void()> &copy : graph.copies)
    copy();
  return kSuccess;
}

#ifndef FAKE_CUDA_WITHOUT_GRAPH_MEMORY
Result cuDeviceGetGraphMemAttribute(int, int attribute, void *value) {
  if (attribute < kUsedCurrent || attribute > kReservedHigh ||
      enabled("FAKE_CUDA_GRAPH_MEMORY_FAILS"))
    return kInvalidValue;
  std::memcpy(value, &graphMemory[attribute], sizeof(uint64_t));
  return kSuccess;
}
// Only the high-water marks can be set, and only to zero.
Result cuDeviceSetGraphMemAttribute(int, int attribute, void *value) {
  uint64_t set;
  std::memcpy(&set, value, sizeof(set));
  if ((attribute != kUsedHigh && attribute != kReservedHigh) || set != 0)
    return kInvalidValue;
  graphMemory[attribute] = 0;
  return kSuccess;
}
#endif
}
