/*===- CommunicationABI.h - Collectives a compiled step calls -----*- C -*-===*\
|*                                                                            *|
|* The contract between the lowering of `mpt.all_reduce` and the runtime:     *|
|* the functions a compiled step calls and the codes of their arguments,      *|
|* written once for the compiler (which emits the calls) and the runtime      *|
|* (which defines them). Plain C, so that it also describes the symbols an    *|
|* emitted trainer links.                                                     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MPT_RUNTIME_COMMUNICATIONABI_H
#define MPT_RUNTIME_COMMUNICATIONABI_H

#include <stdint.h>

/* Element type of the buffer an all-reduce combines. */
enum MptCommDType {
  MPT_COMM_F32 = 0,
  MPT_COMM_F64 = 1,
  MPT_COMM_F16 = 2,
  MPT_COMM_BF16 = 3
};

/* How the ranks' elements are combined. A mean is a sum followed by a
   division the compiled step does itself. */
enum MptCommOp { MPT_COMM_SUM = 0, MPT_COMM_MAX = 1, MPT_COMM_MIN = 2 };

#define MPT_COMM_ALL_REDUCE_SYMBOL "mptCommAllReduce"
#define MPT_COMM_ALL_REDUCE_DEVICE_SYMBOL "mptCommAllReduceDevice"
#define MPT_COMM_WORLD_SIZE_SYMBOL "mptCommWorldSize"

#ifdef __cplusplus
extern "C" {
#endif

/* Replaces the elements of `numBuffers` buffers (host memory; buffer i
   holds counts[i] elements of `dtype`) by their combination over every rank
   of the job, as one message; every rank gets the same bits.
   `compiledWorldSize` is the world size the step was compiled for, or 0 when
   it asks mptCommWorldSize(). A failure (a timeout, a rank that is gone, a
   world size other than the compiled one) is kept by the runtime and stops
   training after the step; the step's results are then not used. */
void mptCommAllReduce(void *const *buffers, const int64_t *counts,
                      int64_t numBuffers, int32_t dtype, int32_t op,
                      int64_t compiledWorldSize);

/* The same on buffers in device memory (a GPU step), reduced on the device:
   the step's kernels that wrote them have finished, and the results are
   there when the call returns. */
void mptCommAllReduceDevice(void *const *buffers, const int64_t *counts,
                            int64_t numBuffers, int32_t dtype, int32_t op,
                            int64_t compiledWorldSize);

/* The number of ranks of the job (1 without a launcher). */
int64_t mptCommWorldSize(void);

#ifdef __cplusplus
}
#endif

#endif /* MPT_RUNTIME_COMMUNICATIONABI_H */
