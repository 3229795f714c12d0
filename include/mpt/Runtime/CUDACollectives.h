//===- CUDACollectives.h - Data-parallel jobs on GPUs -----------*- C++ -*-===//
//
// A data-parallel job on GPUs runs one rank per GPU. The compiled step's
// collectives (mptCommAllReduceDevice, CommunicationABI.h) reduce device
// buffers with NCCL, on the device: NCCL's unique id travels over the job's
// host communicator (MPI) once, at the first collective, and every NCCL
// all-reduce is preceded by a host exchange of its size, which checks that
// the ranks reduce the same buffers and names a rank that does not come
// within --comm-timeout. NCCL (libnccl.so.2) is loaded only by a job of
// several ranks.
//
// Part of MPT's CUDA runtime: plain C++17 on the driver API.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_CUDACOLLECTIVES_H
#define MPT_RUNTIME_CUDACOLLECTIVES_H

#include "mpt/Runtime/Status.h"

namespace mpt {
namespace runtime {
namespace cuda {

/// The GPU of the rank with index `localRank` among the `localSize` ranks
/// of its machine: one GPU per rank, so the machine needs at least
/// `localSize` GPUs.
Expected<int> deviceForLocalRank(int localRank, int localSize);

} // namespace cuda
} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_CUDACOLLECTIVES_H
