//===- RuntimeState.h - The CUDA runtime's process-wide state ---*- C++ -*-===//
//
// What the files of the CUDA runtime share: the state of the one device it
// drives, errors recorded from CUDA calls, and readiness checks. Internal to
// lib/Runtime/CUDA.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_RUNTIME_CUDA_RUNTIMESTATE_H
#define MPT_LIB_RUNTIME_CUDA_RUNTIMESTATE_H

#include <cuda.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mpt {
namespace runtime {
namespace cuda {
namespace detail {

struct Allocation {
  size_t bytes;
  bool managed;
};

/// A compiled module as the step's host code holds it: the image it was
/// given, loaded into the driver on its first use (see Modules.cpp).
struct Module {
  const void *image;
  /// PTX text to compile with this optimization level, or a cubin/fatbin.
  bool isPTX;
  int32_t optLevel;
  std::mutex mutex;
  CUmodule loaded = nullptr;
  std::unordered_map<std::string, CUfunction> functions;
};

struct RuntimeState {
  /// Serializes initialization and shutdown, which record errors (taking
  /// `mutex`).
  std::mutex initMutex;
  int device = 0;
  std::atomic<bool> initialized{false};
  /// After shutdown(), no CUDA call is made any more.
  std::atomic<bool> shutDown{false};
  CUdevice handle = 0;
  CUcontext context = nullptr;
  bool hasMemoryPools = false;
  /// The device's default memory pool, which the runtime allocates from
  /// when the device has pools; null otherwise.
  CUmemoryPool memoryPool = nullptr;
  /// Guards everything below.
  std::mutex mutex;
  /// The first error since it was last taken, and how many followed it.
  std::string error;
  size_t laterErrors = 0;
  std::vector<CUstream> idleStreams;
  /// The stream of uploadAsync, made on first use.
  CUstream uploadStream = nullptr;
  /// The runtime's allocations outside graphs, which it counts itself.
  std::unordered_map<CUdeviceptr, Allocation> allocations;
  size_t bytesInUse = 0, peakBytes = 0;
  /// The pool keeps what its allocations free: the most in use at once
  /// since it was last trimmed (or since resetPeakMemory, if later), which
  /// it holds, and whether something was freed into it since the trim.
  size_t poolPeakBytes = 0;
  bool poolHoldsFreed = false;
  /// While a step is captured: the allocations it makes on its stream,
  /// which become graph memory nodes (the driver backs them from its graph
  /// memory pool when the graph runs, see GraphMemory.cpp), and the most
  /// bytes of them live at once.
  bool capturing = false;
  std::unordered_map<CUdeviceptr, size_t> captureAllocations;
  size_t captureLiveBytes = 0, capturePeakBytes = 0;
  uint64_t captureAllocationCount = 0;
  std::unordered_set<Module *> modules;
  /// CUDA calls made so far that wait for the device (see
  /// cuda::hostSynchronizations).
  std::atomic<uint64_t> hostSynchronizations{0};
  /// While a step is captured into a graph, errors are kept without being
  /// printed: a capture that fails falls back to direct launches.
  bool quietErrors = false;
  /// The asynchronous steps of cuda::enqueueStep (StepStream.cpp): their
  /// stream, the events that order them with the uploads, and the graphs
  /// captured, by the step and buffers they were captured with.
  CUstream stepStream = nullptr;
  CUevent markedSteps = nullptr, uploadsDone = nullptr;
  std::map<std::vector<void *>, CUgraphExec> stepGraphs;
  bool stepGraphsEnabled = true;
  /// Whether a step ran directly once (loading its kernels and choosing
  /// cuBLASLt's algorithms, which a capture must not do).
  bool stepWarmedUp = false;
  /// Why steps are not captured, once a capture failed.
  std::string stepGraphFallback;
  uint64_t stepGraphsCaptured = 0, stepGraphLaunches = 0;
  /// Over the graphs captured: their allocations, and the most bytes of
  /// one graph's live at once.
  uint64_t stepGraphAllocations = 0;
  size_t stepGraphPeakBytes = 0;
};

/// The process's runtime state. Never destroyed: compiled modules unload
/// from global destructors, which may run after function-local statics are
/// gone.
RuntimeState &state();

/// "cuMemAlloc failed: out of memory (CUDA_ERROR_OUT_OF_MEMORY)".
std::string describeFailure(const char *call, CUresult result,
                            const std::string &detail = "");

/// Records an error: the first one is printed and kept until taken.
void recordError(const std::string &message);

/// Whether an error is recorded and not yet taken.
bool hasPendingError();

/// The stream of uploadAsync, made on first use; null when that fails.
CUstream uploadStream();

/// Counts a CUDA call that is about to make the host wait for the device.
void countHostSynchronization();

/// Whether `result` is success; otherwise records the failure of `call`.
bool succeeded(CUresult result, const char *call,
               const std::string &detail = "");

/// The step stream of the step that the calling thread is enqueueing, null
/// outside enqueueStep: the step's own stream is that one, and its final
/// synchronisation is left out (StepStream.cpp).
CUstream &enqueueingStepStream();

/// Destroys the step stream, its events and graphs (StepStream.cpp); called
/// while the context is still there.
void releaseStepStream(RuntimeState &runtime);

/// Unloads every loaded module (Modules.cpp); their handles stay valid and
/// load again if used.
void unloadModules(RuntimeState &runtime);

/// Destroys cuBLASLt's handle, descriptors and workspace, if it was used
/// (MatmulLibrary.cpp); called while the context is still there.
void releaseMatmulLibrary();

/// Gives the device back the memory that the runtime's pool keeps from
/// freed allocations, once the step's work enqueued on `stream` is done
/// (CUDARuntime.cpp): one host synchronization, none when the pool keeps
/// nothing.
void trimMemoryPool(RuntimeState &runtime, CUstream stream);

/// Resets the driver's high-water marks of graph memory, when it has them
/// (GraphMemory.cpp).
void resetGraphMemoryPeaks(RuntimeState &runtime);

/// Makes the runtime's context current in this thread, initializing the
/// driver and the device on first use. False when that fails, an error is
/// pending or the runtime was shut down: callers then do nothing.
bool ready();

} // namespace detail
} // namespace cuda
} // namespace runtime
} // namespace mpt

#define MPT_CU(function, ...)                                                  \
  ::mpt::runtime::cuda::detail::succeeded(function(__VA_ARGS__), #function)

#endif // MPT_LIB_RUNTIME_CUDA_RUNTIMESTATE_H
