//===- NCCLCollectives.cpp - The device collectives of GPU steps ----------===//
//
// See mpt/Runtime/CUDACollectives.h. mptCommAllReduceDevice reduces a device
// buffer with NCCL on a stream of its own and returns when the reduction is
// done; the GPU step has waited for the kernels that wrote the buffer before
// it calls (gpu-async-region puts a synchronisation before every call). The
// wait is polled against --comm-timeout, and a reduction that does not
// finish aborts the NCCL communicator and stops training with an error.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/CUDACollectives.h"
#include "mpt/Runtime/Communicator.h"

#include <cuda.h>
#include <nccl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <dlfcn.h>

using namespace mpt::runtime;

namespace {

/// The NCCL functions this file calls, from libnccl.so.2.
struct NCCLLibrary {
  decltype(&ncclGetUniqueId) getUniqueId = nullptr;
  decltype(&ncclCommInitRank) commInitRank = nullptr;
  decltype(&ncclAllReduce) allReduce = nullptr;
  decltype(&ncclGroupStart) groupStart = nullptr;
  decltype(&ncclGroupEnd) groupEnd = nullptr;
  decltype(&ncclCommGetAsyncError) commGetAsyncError = nullptr;
  decltype(&ncclCommAbort) commAbort = nullptr;
  decltype(&ncclGetErrorString) getErrorString = nullptr;
};

/// The job's NCCL communicator, made at the first collective.
struct DeviceJob {
  NCCLLibrary nccl;
  ncclComm_t comm = nullptr;
  CUstream stream = nullptr;
  bool ready = false;
};

DeviceJob &deviceJob() {
  static DeviceJob *job = new DeviceJob;
  return *job;
}

std::string ncclError(const NCCLLibrary &nccl, const char *call,
                      ncclResult_t result) {
  return std::string(call) + " failed: " + nccl.getErrorString(result) +
         " (NCCL error " + std::to_string(static_cast<int>(result)) + ")";
}

std::string driverError(const char *call, CUresult result) {
  const char *text = nullptr;
  cuGetErrorString(result, &text);
  return std::string(call) + " failed: " + (text ? text : "CUDA error") + " (" +
         std::to_string(static_cast<int>(result)) + ")";
}

Status loadNCCL(NCCLLibrary &nccl) {
  const char *path = std::getenv("MPT_NCCL_LIBRARY");
  void *library = dlopen(path ? path : "libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *reason = dlerror();
    return Status::error(
        std::string("a data-parallel job on GPUs needs NCCL, which cannot "
                    "be loaded: ") +
        (reason ? reason : "libnccl.so.2 not found") +
        " (set MPT_NCCL_LIBRARY to its path)");
  }
  auto bind = [&](auto &function, const char *name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(
        dlsym(library, name));
    return function != nullptr;
  };
  if (!bind(nccl.getUniqueId, "ncclGetUniqueId") ||
      !bind(nccl.commInitRank, "ncclCommInitRank") ||
      !bind(nccl.allReduce, "ncclAllReduce") ||
      !bind(nccl.groupStart, "ncclGroupStart") ||
      !bind(nccl.groupEnd, "ncclGroupEnd") ||
      !bind(nccl.commGetAsyncError, "ncclCommGetAsyncError") ||
      !bind(nccl.commAbort, "ncclCommAbort") ||
      !bind(nccl.getErrorString, "ncclGetErrorString"))
    return Status::error("the NCCL library lacks the functions of NCCL 2");
  return Status::success();
}

/// Loads NCCL, and makes the job's NCCL communicator from a unique id that
/// rank 0 draws and broadcasts over the host communicator.
Status startDeviceJob(Communicator &host, DeviceJob &job) {
  if (Status status = loadNCCL(job.nccl); !status.ok())
    return status;
  ncclUniqueId id{};
  if (host.rank() == 0)
    if (ncclResult_t result = job.nccl.getUniqueId(&id); result != ncclSuccess)
      return Status::error(ncclError(job.nccl, "ncclGetUniqueId", result));
  if (Status status = host.broadcast(&id, sizeof(id), 0, "the NCCL unique id");
      !status.ok())
    return status;
  if (ncclResult_t result =
          job.nccl.commInitRank(&job.comm, host.worldSize(), id, host.rank());
      result != ncclSuccess)
    return Status::error(ncclError(job.nccl, "ncclCommInitRank", result));
  if (CUresult result = cuStreamCreate(&job.stream, CU_STREAM_NON_BLOCKING);
      result != CUDA_SUCCESS)
    return Status::error(driverError("cuStreamCreate", result));
  job.ready = true;
  return Status::success();
}

ncclDataType_t ncclTypeOf(MptCommDType dtype) {
  switch (dtype) {
  case MPT_COMM_F32:
    return ncclFloat32;
  case MPT_COMM_F64:
    return ncclFloat64;
  case MPT_COMM_F16:
    return ncclFloat16;
  case MPT_COMM_BF16:
    return ncclBfloat16;
  }
  return ncclFloat32;
}

ncclRedOp_t ncclOpOf(MptCommOp op) {
  switch (op) {
  case MPT_COMM_SUM:
    return ncclSum;
  case MPT_COMM_MAX:
    return ncclMax;
  case MPT_COMM_MIN:
    return ncclMin;
  }
  return ncclSum;
}

/// Waits for the job's stream until the deadline, watching NCCL's own
/// errors.
Status waitForReduction(DeviceJob &job, double timeoutSeconds,
                        const std::string &what) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(timeoutSeconds));
  for (int polls = 0;; ++polls) {
    CUresult result = cuStreamQuery(job.stream);
    if (result == CUDA_SUCCESS)
      return Status::success();
    if (result != CUDA_ERROR_NOT_READY)
      return Status::error(what + ": " + driverError("cuStreamQuery", result));
    ncclResult_t asyncError = ncclSuccess;
    job.nccl.commGetAsyncError(job.comm, &asyncError);
    if (asyncError != ncclSuccess && asyncError != ncclInProgress)
      return Status::error(what + ": " +
                           ncclError(job.nccl, "ncclAllReduce", asyncError));
    if (Clock::now() > deadline) {
      // The kernels of the reduction never end on their own.
      job.nccl.commAbort(job.comm);
      job.ready = false;
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%g", timeoutSeconds);
      return Status::error(what +
                           " started on every rank but did not finish "
                           "on the device within " +
                           seconds +
                           " s (--comm-timeout): a rank stopped or lost its "
                           "connection during it");
    }
    if (polls > 2000)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

/// Reduces the buffers as one NCCL group, which NCCL runs as one operation.
Status reduceOnDevice(void *const *buffers, const int64_t *counts,
                      int64_t numBuffers, MptCommDType dtype, MptCommOp op,
                      const std::string &what) {
  Communicator &host = stepCommunicator();
  DeviceJob &job = deviceJob();
  if (!job.ready)
    if (Status status = startDeviceJob(host, job); !status.ok())
      return status;
  // Every rank reaches this reduction with as many values; a rank that
  // does not come is named here, before NCCL waits for it.
  int64_t total = 0;
  for (int64_t i = 0; i < numBuffers; ++i)
    total += counts[i];
  std::vector<int64_t> totals(static_cast<size_t>(host.worldSize()));
  if (Status status =
          host.allGather(&total, sizeof(total), totals.data(), what);
      !status.ok())
    return status;
  for (size_t rank = 0; rank < totals.size(); ++rank)
    if (totals[rank] != total)
      return Status::error(what + ": rank " + std::to_string(rank) +
                           " reduces " + std::to_string(totals[rank]) +
                           " values: every rank must run the same step");
  job.nccl.groupStart();
  for (int64_t i = 0; i < numBuffers; ++i)
    if (ncclResult_t result = job.nccl.allReduce(
            buffers[i], buffers[i], static_cast<size_t>(counts[i]),
            ncclTypeOf(dtype), ncclOpOf(op), job.comm,
            reinterpret_cast<cudaStream_t>(job.stream));
        result != ncclSuccess) {
      job.nccl.groupEnd();
      return Status::error(what + ": " +
                           ncclError(job.nccl, "ncclAllReduce", result));
    }
  if (ncclResult_t result = job.nccl.groupEnd(); result != ncclSuccess)
    return Status::error(what + ": " +
                         ncclError(job.nccl, "ncclGroupEnd", result));
  return waitForReduction(job, host.timeoutSeconds(), what);
}

} // namespace

Expected<int> mpt::runtime::cuda::deviceForLocalRank(int localRank,
                                                     int localSize) {
  // One rank on the machine takes the first GPU; cuda::initialize then
  // reports whatever is wrong with the driver or the device.
  if (localSize <= 1)
    return localRank;
  if (CUresult result = cuInit(0); result != CUDA_SUCCESS)
    return Status::error(driverError("cuInit", result));
  int devices = 0;
  if (CUresult result = cuDeviceGetCount(&devices); result != CUDA_SUCCESS)
    return Status::error(driverError("cuDeviceGetCount", result));
  if (localSize > devices)
    return Status::error(
        std::to_string(localSize) + " ranks run on this machine, but it has " +
        std::to_string(devices) + " GPU" + (devices == 1 ? "" : "s") +
        ": a data-parallel job takes one GPU per rank");
  return localRank;
}

extern "C" void mptCommAllReduceDevice(void *const *buffers,
                                       const int64_t *counts,
                                       int64_t numBuffers, int32_t dtype,
                                       int32_t op, int64_t compiledWorldSize) {
  if (stepCommunicationFailed())
    return;
  Expected<std::string> what =
      describeStepCollective(MPT_COMM_ALL_REDUCE_DEVICE_SYMBOL, counts,
                             numBuffers, dtype, op, compiledWorldSize);
  if (!what.ok())
    return recordStepCommunicationError(what.takeError());
  // A single process has nothing to combine and needs no NCCL; a job of
  // one rank under a launcher does use it (which tests it on one GPU).
  if (stepCommunicator().engine().empty())
    return;
  recordStepCommunicationError(reduceOnDevice(
      buffers, counts, numBuffers, static_cast<MptCommDType>(dtype),
      static_cast<MptCommOp>(op), "NCCL: " + *what));
}
