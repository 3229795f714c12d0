//===- StepStream.cpp - Steps enqueued without waiting, as CUDA graphs ----===//
//
// cuda::enqueueStep: a compiled step runs on one stream of the runtime's,
// the step stream, whose work the host waits for only when it reads results
// back (synchronizeSteps). Its launches are captured once per set of buffers
// into a CUDA graph and replayed from there; a capture that fails is
// reported once and the steps then launch their work directly.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include "mpt/Runtime/CUDA.h"

#include <algorithm>
#include <cstdio>
#include <utility>

using namespace mpt::runtime;
using namespace mpt::runtime::cuda::detail;

namespace {

/// Graphs kept at once: a training loop alternates two copies of its state
/// (and of its batch), so it needs two.
constexpr size_t kMaxStepGraphs = 4;

thread_local CUstream enqueueing = nullptr;

/// The step stream, made on first use; null when that fails. Non-blocking,
/// so that the synchronous copies of the legacy default stream do not wait
/// for steps, and the steps' capture is not broken by them.
CUstream stepStream(RuntimeState &runtime) {
  if (!runtime.stepStream)
    MPT_CU(cuStreamCreate, &runtime.stepStream, CU_STREAM_NON_BLOCKING);
  return runtime.stepStream;
}

CUevent event(CUevent &slot) {
  if (!slot)
    MPT_CU(cuEventCreate, &slot, CU_EVENT_DISABLE_TIMING);
  return slot;
}

void runStep(cuda::StepEntry step, void **buffers, CUstream stream) {
  enqueueing = stream;
  step(buffers);
  enqueueing = nullptr;
}

void fallBack(RuntimeState &runtime, const std::string &reason) {
  runtime.stepGraphFallback = reason;
  std::fprintf(stderr,
               "mpt: warning: the step cannot be captured in a CUDA graph: "
               "%s; its kernels are launched directly from now on\n",
               reason.c_str());
}

/// Captures one call of `step` into a graph, ready to launch; null when
/// the capture fails, after falling back to direct launches.
CUgraphExec captureStep(RuntimeState &runtime, cuda::StepEntry step,
                        void **buffers, CUstream stream) {
  // Without a pool, a temporary would be a cuMemAlloc made during the
  // capture, outside the graph and freed before the graph runs.
  if (!runtime.hasMemoryPools) {
    fallBack(runtime, "the device has no stream-ordered memory pool, which "
                      "the step's temporaries need inside a graph");
    return nullptr;
  }
  // The step's allocations during the capture are the graph's memory
  // nodes: counted apart from the runtime's memory (CUDARuntime.cpp).
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    runtime.capturing = true;
    runtime.captureAllocations.clear();
    runtime.captureLiveBytes = runtime.capturePeakBytes = 0;
    runtime.captureAllocationCount = 0;
    runtime.quietErrors = true;
  }
  CUgraph graph = nullptr;
  if (MPT_CU(cuStreamBeginCapture, stream,
             CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)) {
    runStep(step, buffers, stream);
    CUresult ended = cuStreamEndCapture(stream, &graph);
    // A call that failed inside the capture explains it better than the
    // invalidated capture does.
    if (!hasPendingError())
      succeeded(ended, "cuStreamEndCapture");
  }
  CUgraphExec exec = nullptr;
  if (graph && !hasPendingError())
    MPT_CU(cuGraphInstantiateWithFlags, &exec, graph, 0);
  if (graph)
    cuGraphDestroy(graph);
  Status failed = cuda::takeError();
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    runtime.quietErrors = false;
    runtime.capturing = false;
    // The allocations of a capture that failed never exist.
    if (failed.ok()) {
      runtime.stepGraphAllocations += runtime.captureAllocationCount;
      runtime.stepGraphPeakBytes =
          std::max(runtime.stepGraphPeakBytes, runtime.capturePeakBytes);
    }
    runtime.captureAllocations.clear();
  }
  if (failed.ok())
    return exec;
  if (exec)
    cuGraphExecDestroy(exec);
  fallBack(runtime, failed.message());
  return nullptr;
}

} // namespace

CUstream &mpt::runtime::cuda::detail::enqueueingStepStream() {
  return enqueueing;
}

void mpt::runtime::cuda::detail::releaseStepStream(RuntimeState &runtime) {
  for (auto &[buffers, exec] : runtime.stepGraphs)
    MPT_CU(cuGraphExecDestroy, exec);
  runtime.stepGraphs.clear();
  for (CUevent *slot : {&runtime.markedSteps, &runtime.uploadsDone})
    if (*slot)
      MPT_CU(cuEventDestroy, std::exchange(*slot, nullptr));
  if (runtime.stepStream)
    MPT_CU(cuStreamDestroy, std::exchange(runtime.stepStream, nullptr));
}

Status cuda::enqueueStep(StepEntry step, void **buffers, size_t count) {
  RuntimeState &runtime = state();
  CUstream stream = ready() ? stepStream(runtime) : nullptr;
  if (!stream)
    return takeError();
  std::vector<void *> key(buffers, buffers + count);
  key.push_back(reinterpret_cast<void *>(step));
  CUgraphExec exec = nullptr;
  if (auto it = runtime.stepGraphs.find(key); it != runtime.stepGraphs.end())
    exec = it->second;
  else if (runtime.stepGraphsEnabled && runtime.stepWarmedUp &&
           runtime.stepGraphFallback.empty() &&
           runtime.stepGraphs.size() < kMaxStepGraphs &&
           (exec = captureStep(runtime, step, buffers, stream))) {
    runtime.stepGraphs.emplace(std::move(key), exec);
    ++runtime.stepGraphsCaptured;
    // The graph's temporaries come from the driver's graph memory from
    // now on: what the runtime's pool kept from the steps run directly
    // goes back to the device before the graph first takes its own.
    trimMemoryPool(runtime, stream);
  }
  if (exec) {
    if (MPT_CU(cuGraphLaunch, exec, stream))
      ++runtime.stepGraphLaunches;
  } else {
    runStep(step, buffers, stream);
  }
  Status status = takeError();
  runtime.stepWarmedUp = runtime.stepWarmedUp || status.ok();
  return status;
}

void cuda::setStepGraphs(bool enabled) { state().stepGraphsEnabled = enabled; }

cuda::StepGraphUse cuda::stepGraphUse() {
  RuntimeState &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  return {runtime.stepGraphsCaptured, runtime.stepGraphLaunches,
          runtime.stepGraphFallback, runtime.stepGraphAllocations,
          runtime.stepGraphPeakBytes};
}

Status cuda::copyAfterSteps(void *destination, const void *source,
                            size_t bytes) {
  RuntimeState &runtime = state();
  if (ready() && bytes)
    if (CUstream stream = stepStream(runtime))
      MPT_CU(cuMemcpyAsync, reinterpret_cast<CUdeviceptr>(destination),
             reinterpret_cast<CUdeviceptr>(source), bytes, stream);
  return takeError();
}

Status cuda::copyToHostAfterSteps(void *pinnedHost, const void *device,
                                  size_t bytes) {
  RuntimeState &runtime = state();
  if (ready() && bytes)
    if (CUstream stream = stepStream(runtime))
      MPT_CU(cuMemcpyDtoHAsync, pinnedHost,
             reinterpret_cast<CUdeviceptr>(device), bytes, stream);
  return takeError();
}

Status cuda::synchronizeSteps() {
  RuntimeState &runtime = state();
  if (ready() && runtime.stepStream) {
    countHostSynchronization();
    MPT_CU(cuStreamSynchronize, runtime.stepStream);
  }
  return takeError();
}

Status cuda::stepsAfterUploads() {
  RuntimeState &runtime = state();
  if (!ready())
    return takeError();
  CUstream uploads = uploadStream();
  CUstream steps = uploads ? stepStream(runtime) : nullptr;
  if (CUevent done = steps ? event(runtime.uploadsDone) : nullptr)
    if (MPT_CU(cuEventRecord, done, uploads))
      MPT_CU(cuStreamWaitEvent, steps, done, 0);
  return takeError();
}

Status cuda::markSteps() {
  RuntimeState &runtime = state();
  if (!ready())
    return takeError();
  if (CUstream steps = stepStream(runtime))
    if (CUevent marked = event(runtime.markedSteps))
      MPT_CU(cuEventRecord, marked, steps);
  return takeError();
}

Status cuda::uploadsAfterMarkedSteps() {
  RuntimeState &runtime = state();
  if (ready() && runtime.markedSteps)
    if (CUstream uploads = uploadStream())
      MPT_CU(cuStreamWaitEvent, uploads, runtime.markedSteps, 0);
  return takeError();
}
