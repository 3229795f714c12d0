//===- Communicator.h - The ranks of a data-parallel job --------*- C++ -*-===//
//
// A data-parallel job is several processes (ranks) that run the same step on
// their shards of each global batch and exchange messages: the gradient
// all-reduces the compiled step calls (CommunicationABI.h), and the
// runtime's own agreement after every step. A Communicator is how one rank
// talks to the others:
//
// - a single process, without a launcher: a job of one rank, where every
//   exchange returns its input and no MPI library is loaded;
// - a process started by an MPI launcher (mpirun, mpiexec, srun): the MPI
//   backend, a shared library (libMPTCommMPI.so) loaded only then, so that
//   mpt-run and the trainers need no MPI installed to run alone;
// - a process that torchrun's environment makes the one rank of a job
//   (RANK=0, WORLD_SIZE=1), as `torchrun --nproc-per-node=1` starts one: a
//   job of one rank without MPI, which on a GPU still reduces through NCCL.
//   Several ranks exchange over MPI only (and NCCL, whose unique id MPI
//   carries): torchrun's environment for more than one rank is refused.
//
// Every exchange has a deadline (--comm-timeout). Before each one, a rank
// tells every other rank that it has arrived; a rank that waits past the
// deadline names the ranks whose arrival it has not seen, so a hung or dead
// rank ends the job with an error that says which one it was.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_COMMUNICATOR_H
#define MPT_RUNTIME_COMMUNICATOR_H

#include "mpt/Runtime/CommunicationABI.h"
#include "mpt/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

struct CommunicatorOptions {
  /// How long one exchange waits for the other ranks before the job ends
  /// with an error.
  double timeoutSeconds = 300;
};

class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int worldSize() const = 0;
  /// This rank's index among the ranks of its machine, and their number:
  /// which GPU a rank takes.
  virtual int localRank() const = 0;
  virtual int localSize() const = 0;
  /// The engine, for the user ("Open MPI v4.1.4"); empty for one process.
  virtual std::string engine() const = 0;
  /// How long an exchange waits for the other ranks (--comm-timeout).
  virtual double timeoutSeconds() const = 0;

  /// Replaces the `count` elements at `data` by their combination over the
  /// ranks; every rank gets the same bits. `what` names the exchange in
  /// errors ("an all-reduce of 1024 f32 values in step 5").
  virtual Status allReduce(void *data, int64_t count, MptCommDType dtype,
                           MptCommOp op, const std::string &what) = 0;
  /// Every rank's `bytes` bytes at `data`, in rank order, into `gathered`
  /// (worldSize() * bytes).
  virtual Status allGather(const void *data, size_t bytes, void *gathered,
                           const std::string &what) = 0;
  /// The `bytes` bytes at `data` of rank `root` to every rank.
  virtual Status broadcast(void *data, size_t bytes, int root,
                           const std::string &what) = 0;
  /// The process is ending with an error: it leaves the job without waiting
  /// for the other ranks (whom the launcher then stops).
  virtual void abandon() {}
  /// The seconds this rank has spent in exchanges so far, each from its
  /// start to its completion: waiting for the other ranks and moving the
  /// data.
  virtual double secondsInExchanges() const { return 0; }
};

/// A job of one process: every exchange returns its input. `engine` names
/// the launcher of a job of one rank; it is empty for a process that no
/// launcher started.
class SingleProcessCommunicator final : public Communicator {
public:
  explicit SingleProcessCommunicator(std::string engine = "")
      : launchedBy(std::move(engine)) {}
  int rank() const override { return 0; }
  int worldSize() const override { return 1; }
  int localRank() const override { return 0; }
  int localSize() const override { return 1; }
  std::string engine() const override { return launchedBy; }
  double timeoutSeconds() const override { return 0; }
  Status allReduce(void *, int64_t, MptCommDType, MptCommOp,
                   const std::string &) override {
    return Status::success();
  }
  Status allGather(const void *data, size_t bytes, void *gathered,
                   const std::string &) override;
  Status broadcast(void *, size_t, int, const std::string &) override {
    return Status::success();
  }

private:
  std::string launchedBy;
};

/// What started this process as a rank of a job.
struct JobLauncher {
  enum class Kind { MPI, Torchrun };
  Kind kind;
  /// The environment variable that says so (`OMPI_COMM_WORLD_SIZE`,
  /// `WORLD_SIZE`).
  const char *variable;
  /// "an MPI launcher", "torchrun's environment".
  const char *name() const;
  /// "an MPI launcher started mpt-run (OMPI_COMM_WORLD_SIZE is set)".
  std::string startedWhat(const std::string &what) const;
};

/// The launcher of this process: an MPI launcher when one of its variables
/// is set (it wins over torchrun's, which some MPI setups also export),
/// else torchrun's environment when both RANK and WORLD_SIZE are set; none
/// for a plain process.
std::optional<JobLauncher> jobLauncher();

/// The job's communicator: the MPI backend when an MPI launcher started
/// this process, a job of one rank when torchrun's environment asks for
/// one (and an error when it asks for more), else a single process. The
/// backend is looked for at $MPT_COMM_BACKEND, then as libMPTCommMPI.so
/// beside the executable and in ../lib from it.
Expected<std::unique_ptr<Communicator>>
openCommunicator(const CommunicatorOptions &options);

/// The functions the backend library exports, by these names.
using CreateCommunicatorFunction = Communicator *(*)(double timeoutSeconds,
                                                     char *error,
                                                     size_t errorSize);
constexpr const char *kCreateMPICommunicatorSymbol = "mptCreateMPICommunicator";
constexpr const char *kMPIBackendLibrary = "libMPTCommMPI.so";

//===----------------------------------------------------------------------===//
// The collectives of compiled steps (CommunicationABI.h)
//===----------------------------------------------------------------------===//

/// The communicator that compiled steps reduce over; a single process
/// until set. Not owned.
void setStepCommunicator(Communicator *communicator);
Communicator &stepCommunicator();

/// What the exchanges of the step about to run are called in errors
/// ("step 5").
void setStepContext(std::string context);
const std::string &stepContext();

/// Keeps the first failure of a collective the step called: the step's
/// later collectives return at once, and the loop ends training with it.
void recordStepCommunicationError(Status status);
bool stepCommunicationFailed();
/// The kept failure, cleared; success when there was none.
Status takeStepCommunicationError();

/// The symbols a JIT binds in compiled steps: mptCommAllReduce and
/// mptCommWorldSize.
struct CommunicationBinding {
  const char *symbol;
  void *function;
};
std::vector<CommunicationBinding> communicationBindings();

/// Checks the arguments of a collective a compiled step called through
/// `function` (the world size it was compiled for, known codes, counts) and
/// returns what the collective is called in errors ("an all-reduce of 1024
/// f32 values in 3 buffers in step 5").
Expected<std::string> describeStepCollective(const char *function,
                                             const int64_t *counts,
                                             int64_t numBuffers, int32_t dtype,
                                             int32_t op,
                                             int64_t compiledWorldSize);

/// The name of an element type of the ABI ("f32").
const char *commDTypeName(MptCommDType dtype);
/// Bytes per element.
size_t commDTypeSize(MptCommDType dtype);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_COMMUNICATOR_H
