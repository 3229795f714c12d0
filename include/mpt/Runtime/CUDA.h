//===- CUDA.h - The CUDA runtime of compiled GPU steps ----------*- C++ -*-===//
//
// A step compiled by `--mpt-lower-to-nvvm` launches its kernels through the
// `mgpu*` functions below, which MLIR's `gpu-to-llvm` lowering calls; MPT
// implements them on the CUDA driver API (libcuda), with no other link
// dependency (cuBLASLt, for steps compiled with `gemm=cublaslt`, is opened
// with dlopen when first needed). The C++ API around them is what a training
// loop needs to drive such a step: device buffers for its state, copies, and
// the errors and memory use of the steps it ran.
//
// Errors. The `mgpu*` functions are called from compiled code, which cannot
// handle errors, so a failing CUDA call is recorded instead: its message
// (naming the call, with CUDA's own description and error name) is printed
// to stderr once, the error sticks, and every later `mgpu*` call does
// nothing until `takeError()` returns it. A step that failed half-way thus
// ends without further damage, and its caller reports the first cause.
//
// Memory. Buffers are allocated from the device's stream-ordered memory
// pool when it has one (cuMemAllocAsync), which keeps freed memory for
// reuse: the temporaries of one step reuse each other's memory and those of
// the previous step, without a device synchronisation per allocation. The
// temporaries of a step captured into a CUDA graph are the graph's memory
// nodes instead, which the driver backs from a pool of its own: the
// runtime counts those allocations (stepGraphUse) but not that memory, which
// the driver reports (graphMemoryUse).
//
// Lifetime. Nothing touches the driver before the program first needs the
// device: compiled modules, which global constructors register before
// `main`, load when a step first launches one of their kernels. A program
// ends the runtime with shutdown(), before it returns from `main`; the
// modules' global destructors then make no more CUDA calls.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_CUDA_H
#define MPT_RUNTIME_CUDA_H

#include "mpt/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace mpt {
namespace runtime {
namespace cuda {

/// Initializes the driver and makes the primary context of `device` current
/// in the calling thread. Does nothing more when called again for the same
/// device; fails when another device is already in use.
Status initialize(int device = 0);

/// "NVIDIA H200, sm_90, 132 SMs, 139.8 GiB".
Expected<std::string> describeDevice();

/// Device memory, on the runtime's allocator (see above), kept until the
/// process ends. Copies are synchronous: they complete, after all earlier
/// work, before returning.
Expected<void *> allocate(size_t bytes);
Status copyToDevice(void *device, const void *host, size_t bytes);
Status copyToHost(void *host, const void *device, size_t bytes);

/// Page-locked host memory, which the device copies from at full speed and
/// asynchronously; kept until freeHost.
Expected<void *> allocateHost(size_t bytes);
void freeHost(void *pointer);

/// Copies `bytes` from page-locked host memory (allocateHost) to the
/// device on a stream of its own, asynchronously: the copy overlaps the
/// steps running meanwhile (on their own streams) and is complete after
/// the next waitForUploads(). The host memory must stay unchanged until
/// then.
Status uploadAsync(void *device, const void *pinnedHost, size_t bytes);
/// Waits until every copy uploadAsync started is complete.
Status waitForUploads();

/// Asynchronous steps. enqueueStep runs a compiled step on the runtime's
/// step stream and returns without waiting for it: the step's own stream
/// is the step stream, and the synchronisation its host code ends with is
/// left out. So the step must not call host code between its launches that
/// reads device memory (a single-process step does not; the collectives of
/// a data-parallel one do). The first step runs directly, which loads its
/// kernels and chooses cuBLASLt's algorithms; with graphs on (the default),
/// the next step with a given step function and buffers is captured into a
/// CUDA graph, which that step and every later one with the same buffers
/// launch (cuGraphLaunch): a graph reads the buffers it was captured with,
/// so inputs must be uploaded into the same buffers. Up to 4 sets of
/// buffers get a graph; others run directly. When a capture fails, the
/// reason is printed once, on stderr, and every later step runs directly.
using StepEntry = void (*)(void **buffers);
Status enqueueStep(StepEntry step, void **buffers, size_t count);
/// Turns the capture of steps into graphs on or off (for the steps after).
void setStepGraphs(bool enabled);
struct StepGraphUse {
  uint64_t captured = 0;
  uint64_t launched = 0;
  /// Why steps run directly, when a capture failed; empty otherwise.
  std::string fallbackReason;
  /// The allocations the captured steps made, which became graph memory
  /// nodes, and the most bytes of one graph's live at once.
  uint64_t allocations = 0;
  size_t peakBytes = 0;
};
StepGraphUse stepGraphUse();

/// Enqueue after the steps enqueued so far, without waiting: a copy
/// between device buffers, and one into page-locked host memory
/// (allocateHost), complete after the next synchronizeSteps().
Status copyAfterSteps(void *destination, const void *source, size_t bytes);
Status copyToHostAfterSteps(void *pinnedHost, const void *device, size_t bytes);
/// Waits for every step enqueued so far (a host synchronization).
Status synchronizeSteps();
/// The steps enqueued from now on wait, on the device, for the uploads
/// started so far.
Status stepsAfterUploads();
/// Remembers the steps enqueued so far; uploadsAfterMarkedSteps() makes the
/// uploads started from then on wait, on the device, for them (so that an
/// upload does not overwrite a buffer they still read).
Status markSteps();
Status uploadsAfterMarkedSteps();

/// The first error raised by a CUDA call since the last call, which clears
/// it; success when there was none.
Status takeError();

/// Waits for the device's work, unloads the compiled modules and releases
/// the device, freeing everything allocated on it. Afterwards the runtime
/// makes no CUDA call (the modules' global destructors only forget them).
/// Returns the first error, of this or an earlier call.
Status shutdown();

/// Device memory allocated through this runtime outside graphs, in bytes.
struct MemoryUse {
  size_t current = 0;
  /// The most in use at once since the last resetPeakMemory().
  size_t peak = 0;
  /// The most in use at once since the runtime's memory pool last gave
  /// the memory of freed allocations back to the device, which it does
  /// once a step is captured into a graph (or since resetPeakMemory(), if
  /// later): what the pool holds next to the graphs' memory.
  size_t peakSinceTrim = 0;
};
MemoryUse memoryUse();
/// Also resets the driver's high-water marks of graph memory, where it
/// can.
void resetPeakMemory();

/// The device memory of the captured steps' graph memory nodes, as the
/// driver reports it (cuDeviceGetGraphMemAttribute), in bytes: the most
/// associated with graphs at once, and the most the driver reserved for
/// them, since resetPeakMemory(). Empty when the driver does not report it
/// (a driver before CUDA 11.4 has no such call).
struct GraphMemoryUse {
  uint64_t peak = 0;
  uint64_t reservedPeak = 0;
};
std::optional<GraphMemoryUse> graphMemoryUse();

/// The CUDA calls this runtime made so far that make the host wait for the
/// device: stream, event and context synchronizations, and synchronous
/// copies (copyToDevice, copyToHost). The difference over a step is the
/// step's host synchronizations.
uint64_t hostSynchronizations();

/// Loads cuBLASLt, which steps compiled with `gemm=cublaslt` call for their
/// matrix products, with dlopen: `library` when given, else
/// $MPT_CUBLASLT_LIBRARY when set, else libcublasLt.so.13, .so.12 or .so,
/// whichever loads first. Done by the first such matrix product otherwise;
/// a program calls it at start-up to fail early, naming the library.
Status loadMatmulLibrary(const std::string &library = "");

/// Opens cuBLASLt (as loadMatmulLibrary) and makes the plan of each of the
/// `count` products in `shapes` (its descriptors, layouts and algorithm, for
/// a workspace allocated here), which the step's products of these shapes
/// then use. `shapes` holds MptMatmulShapeFields values per product, in
/// the order of mptCublasLtMatmulEpilogue's arguments: operand and output
/// element types, transposeLhs, transposeRhs, m, n, k, whether a bias is
/// given (0 or 1), and the epilogue. An error names the product cuBLASLt
/// cannot compute (no algorithm, say) and why; a program can then run a
/// step without library products instead.
Status prepareMatmulPlans(const int64_t *shapes, size_t count);

} // namespace cuda
} // namespace runtime
} // namespace mpt

// The functions `gpu-to-llvm` (MLIR 22) calls. Streams, events, modules and
// functions are opaque handles (CUstream, CUevent, CUmodule, CUfunction).
extern "C" {
void *mgpuModuleLoad(void *data, uint64_t size);
void *mgpuModuleLoadJIT(void *ptx, int32_t optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedMemoryBytes, void *stream,
                      void **params, void **extra, uint64_t paramsCount);
void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t sharedMemoryBytes, void *stream,
                             void **params, void **extra);
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate();
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared);
void mgpuMemFree(void *pointer, void *stream);
void mgpuMemcpy(void *destination, void *source, uint64_t bytes, void *stream);
void mgpuMemset32(void *destination, uint32_t value, uint64_t count,
                  void *stream);
void mgpuMemset16(void *destination, uint16_t value, uint64_t count,
                  void *stream);
void mgpuMemHostRegister(void *pointer, uint64_t bytes);
void mgpuMemHostUnregister(void *pointer);
/// `descriptor` is a memref descriptor of rank `rank`: allocated and
/// aligned pointers, offset, then `rank` sizes and `rank` strides.
void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementBytes);
void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementBytes);
void mgpuSetDefaultDevice(int32_t device);

/// The element types of mptCublasLtMatmul.
enum MptMatmulElement : int32_t {
  MptMatmulF32 = 0,
  MptMatmulF16 = 1,
  MptMatmulBF16 = 2,
};

/// The values per product of cuda::prepareMatmulPlans's table.
enum { MptMatmulShapeFields = 9 };

/// What cuBLASLt computes after the product, in f32, before the result is
/// converted to out's element type (mptCublasLtMatmulEpilogue).
enum MptMatmulEpilogue : int32_t {
  /// Nothing (the bias, when given).
  MptMatmulEpilogueNone = 0,
  /// max(x, 0), which makes NaN 0.
  MptMatmulEpilogueRelu = 1,
  /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  MptMatmulEpilogueGelu = 2,
  /// As MptMatmulEpilogueGelu, and the GELU's input (the product, plus the
  /// bias) is stored too, in `epilogueOutput`: m x n, row-major, of out's
  /// element type; n must be a multiple of 8.
  MptMatmulEpilogueGeluAux = 3,
  /// Also stores the sums over k of rhs, which must not be transposed, in
  /// `epilogueOutput` (n elements of out's type): the bias gradient when
  /// rhs is the output gradient of a layer. No bias.
  MptMatmulEpilogueBiasGradRhs = 4,
  /// Also stores the sums over k of lhs, which must be transposed, in
  /// `epilogueOutput` (m elements of out's type). No bias.
  MptMatmulEpilogueBiasGradLhs = 5,
};

/// Enqueues out = op(lhs) * op(rhs) (+ bias[n] broadcast along m) (+ out
/// when `accumulate`) on `stream`, with cuBLASLt, accumulating in f32 (f32
/// operands without TF32). Matrices are dense and row-major: out is m x n,
/// lhs m x k (k x m when `transposeLhs`), rhs k x n (n x k when
/// `transposeRhs`); bias, of out's element type, may be null. The
/// algorithm is chosen once per shape, on its first product; the workspace
/// comes from this runtime's allocator.
void mptCublasLtMatmul(void *stream, int32_t operandElement, int32_t outElement,
                       int32_t transposeLhs, int32_t transposeRhs, int64_t m,
                       int64_t n, int64_t k, const void *lhs, const void *rhs,
                       void *out, const void *bias, int32_t accumulate);

/// mptCublasLtMatmul followed by `epilogue` (an MptMatmulEpilogue), which
/// an epilogue that stores a second result stores in `epilogueOutput`
/// (null for the others). mptCublasLtMatmul is this function with
/// MptMatmulEpilogueNone. An unknown code, or arguments the epilogue
/// cannot take, are an error of the runtime (see takeError()).
void mptCublasLtMatmulEpilogue(void *stream, int32_t operandElement,
                               int32_t outElement, int32_t transposeLhs,
                               int32_t transposeRhs, int64_t m, int64_t n,
                               int64_t k, const void *lhs, const void *rhs,
                               void *out, const void *bias, int32_t accumulate,
                               int32_t epilogue, void *epilogueOutput);
}

#endif // MPT_RUNTIME_CUDA_H
