//===- Communicator.cpp - The ranks of a data-parallel job ----------------===//

#include "mpt/Runtime/Communicator.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>
#include <unistd.h>

using namespace mpt::runtime;

Status SingleProcessCommunicator::allGather(const void *data, size_t bytes,
                                            void *gathered,
                                            const std::string &) {
  std::memcpy(gathered, data, bytes);
  return Status::success();
}

const char *JobLauncher::name() const {
  return kind == Kind::MPI ? "an MPI launcher" : "torchrun's environment";
}

std::string JobLauncher::startedWhat(const std::string &what) const {
  return std::string(name()) + " started " + what + " (" + variable +
         " is set)";
}

std::optional<JobLauncher> mpt::runtime::jobLauncher() {
  // Open MPI's mpirun, PMIx launchers (srun --mpi=pmix), and the PMI of
  // MPICH's Hydra, Intel MPI and Slurm.
  for (const char *name :
       {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name))
      return JobLauncher{JobLauncher::Kind::MPI, name};
  // torchrun and torch.distributed.run set both, with more.
  if (std::getenv("RANK") && std::getenv("WORLD_SIZE"))
    return JobLauncher{JobLauncher::Kind::Torchrun, "WORLD_SIZE"};
  return std::nullopt;
}

namespace {
/// The integer in environment variable `name` (which is set), when it is
/// one from `minimum`.
Expected<long> environmentInteger(const char *name, long minimum) {
  const char *text = std::getenv(name);
  char *end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno == ERANGE || value < minimum)
    return Status::error(std::string(name) + " is '" + text +
                         "': expected an integer from " +
                         std::to_string(minimum));
  return value;
}

/// The job of one rank torchrun's environment asks for, or why it cannot
/// be started.
Expected<std::unique_ptr<Communicator>> openTorchrunJob() {
  Expected<long> worldSize = environmentInteger("WORLD_SIZE", 1);
  if (!worldSize.ok())
    return worldSize.takeError();
  Expected<long> rank = environmentInteger("RANK", 0);
  if (!rank.ok())
    return rank.takeError();
  if (*rank >= *worldSize)
    return Status::error("RANK is " + std::to_string(*rank) +
                         ", but WORLD_SIZE is " + std::to_string(*worldSize) +
                         ": the ranks are 0 to " +
                         std::to_string(*worldSize - 1));
  if (*worldSize > 1)
    return Status::error(
        "torchrun's environment asks for " + std::to_string(*worldSize) +
        " ranks (WORLD_SIZE is set), but MPT's ranks exchange over MPI (and "
        "over NCCL on GPUs, whose unique id MPI carries): start them with "
        "`mpirun -n " +
        std::to_string(*worldSize) +
        "`; without MPI a job has one rank (RANK=0 WORLD_SIZE=1)");
  return std::unique_ptr<Communicator>(
      new SingleProcessCommunicator("one rank, torchrun environment"));
}

/// The directory of the running executable, with a trailing slash; empty
/// when /proc does not say.
std::string executableDirectory() {
  char path[4096];
  ssize_t size = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (size <= 0)
    return "";
  path[size] = '\0';
  const char *slash = std::strrchr(path, '/');
  return slash ? std::string(path, static_cast<size_t>(slash + 1 - path)) : "";
}

std::vector<std::string> backendCandidates() {
  if (const char *path = std::getenv("MPT_COMM_BACKEND"))
    return {path};
  std::string dir = executableDirectory();
  if (dir.empty())
    return {kMPIBackendLibrary};
  return {dir + kMPIBackendLibrary, dir + "../lib/" + kMPIBackendLibrary};
}
} // namespace

Expected<std::unique_ptr<Communicator>>
mpt::runtime::openCommunicator(const CommunicatorOptions &options) {
  std::optional<JobLauncher> launcher = jobLauncher();
  if (!launcher)
    return std::unique_ptr<Communicator>(new SingleProcessCommunicator());
  if (launcher->kind == JobLauncher::Kind::Torchrun)
    return openTorchrunJob();
  std::string tried;
  void *library = nullptr;
  for (const std::string &candidate : backendCandidates()) {
    library = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library)
      break;
    const char *reason = dlerror();
    tried += "\n  " + candidate + ": " + (reason ? reason : "not loadable");
  }
  std::string started = launcher->startedWhat("this process");
  if (!library)
    return Status::error(started +
                         ", but MPT's MPI backend cannot be loaded (it needs "
                         "Open MPI, Debian's libopenmpi3; set "
                         "MPT_COMM_BACKEND to its path):" +
                         tried);
  auto create = reinterpret_cast<CreateCommunicatorFunction>(
      dlsym(library, kCreateMPICommunicatorSymbol));
  if (!create)
    return Status::error(started + ", but the MPI backend has no " +
                         kCreateMPICommunicatorSymbol);
  char error[1024] = "";
  Communicator *communicator =
      create(options.timeoutSeconds, error, sizeof(error));
  if (!communicator)
    return Status::error(std::string("MPI: ") + error);
  return std::unique_ptr<Communicator>(communicator);
}

//===----------------------------------------------------------------------===//
// The collectives of compiled steps
//===----------------------------------------------------------------------===//

namespace {
SingleProcessCommunicator singleProcess;
Communicator *activeCommunicator = &singleProcess;
std::string context;
bool failed = false;
Status firstError = Status::success();
} // namespace

void mpt::runtime::setStepCommunicator(Communicator *communicator) {
  activeCommunicator = communicator ? communicator : &singleProcess;
}
Communicator &mpt::runtime::stepCommunicator() { return *activeCommunicator; }

void mpt::runtime::setStepContext(std::string text) {
  context = std::move(text);
}
const std::string &mpt::runtime::stepContext() { return context; }

void mpt::runtime::recordStepCommunicationError(Status status) {
  if (failed || status.ok())
    return;
  failed = true;
  firstError = std::move(status);
}
bool mpt::runtime::stepCommunicationFailed() { return failed; }

Status mpt::runtime::takeStepCommunicationError() {
  if (!failed)
    return Status::success();
  failed = false;
  Status status = std::move(firstError);
  firstError = Status::success();
  return status;
}

const char *mpt::runtime::commDTypeName(MptCommDType dtype) {
  switch (dtype) {
  case MPT_COMM_F32:
    return "f32";
  case MPT_COMM_F64:
    return "f64";
  case MPT_COMM_F16:
    return "f16";
  case MPT_COMM_BF16:
    return "bf16";
  }
  return "unknown";
}

size_t mpt::runtime::commDTypeSize(MptCommDType dtype) {
  switch (dtype) {
  case MPT_COMM_F32:
    return 4;
  case MPT_COMM_F64:
    return 8;
  case MPT_COMM_F16:
  case MPT_COMM_BF16:
    return 2;
  }
  return 0;
}

Expected<std::string> mpt::runtime::describeStepCollective(
    const char *function, const int64_t *counts, int64_t numBuffers,
    int32_t dtype, int32_t op, int64_t compiledWorldSize) {
  std::string where = context.empty() ? "" : " in " + context;
  int64_t ranks = activeCommunicator->worldSize();
  if (compiledWorldSize != 0 && compiledWorldSize != ranks)
    return Status::error("the step was compiled for " +
                         std::to_string(compiledWorldSize) +
                         " ranks (--mpt-data-parallel=world-size=" +
                         std::to_string(compiledWorldSize) +
                         "), but the job has " + std::to_string(ranks));
  int64_t total = 0;
  bool countsValid = numBuffers >= 1;
  for (int64_t i = 0; i < numBuffers && countsValid; ++i) {
    countsValid = counts[i] >= 0 && counts[i] <= INT64_MAX - total;
    total += countsValid ? counts[i] : 0;
  }
  if (dtype < MPT_COMM_F32 || dtype > MPT_COMM_BF16 || op < MPT_COMM_SUM ||
      op > MPT_COMM_MIN || !countsValid)
    return Status::error(std::string("the step called ") + function +
                         " with an unknown element type (" +
                         std::to_string(dtype) + ") or reduction (" +
                         std::to_string(op) + "), or invalid counts of " +
                         std::to_string(numBuffers) + " buffers" + where);
  return "an all-reduce of " + std::to_string(total) + " " +
         commDTypeName(static_cast<MptCommDType>(dtype)) + " values" +
         (numBuffers > 1 ? " in " + std::to_string(numBuffers) + " buffers"
                         : "") +
         where;
}

extern "C" void mptCommAllReduce(void *const *buffers, const int64_t *counts,
                                 int64_t numBuffers, int32_t dtype, int32_t op,
                                 int64_t compiledWorldSize) {
  if (failed)
    return;
  Expected<std::string> what =
      describeStepCollective(MPT_COMM_ALL_REDUCE_SYMBOL, counts, numBuffers,
                             dtype, op, compiledWorldSize);
  if (!what.ok())
    return recordStepCommunicationError(what.takeError());
  // A single process has nothing to combine.
  if (activeCommunicator->engine().empty())
    return;
  auto type = static_cast<MptCommDType>(dtype);
  auto reduction = static_cast<MptCommOp>(op);
  if (numBuffers == 1)
    return recordStepCommunicationError(activeCommunicator->allReduce(
        buffers[0], counts[0], type, reduction, *what));
  // Several buffers travel as one message, through a staging buffer kept
  // for the next step.
  static std::vector<char> staging;
  size_t elementSize = commDTypeSize(type), total = 0;
  for (int64_t i = 0; i < numBuffers; ++i)
    total += static_cast<size_t>(counts[i]) * elementSize;
  staging.resize(total);
  size_t offset = 0;
  for (int64_t i = 0; i < numBuffers; ++i) {
    size_t bytes = static_cast<size_t>(counts[i]) * elementSize;
    std::memcpy(staging.data() + offset, buffers[i], bytes);
    offset += bytes;
  }
  Status status = activeCommunicator->allReduce(
      staging.data(), static_cast<int64_t>(total / elementSize), type,
      reduction, *what);
  offset = 0;
  for (int64_t i = 0; i < numBuffers && status.ok(); ++i) {
    size_t bytes = static_cast<size_t>(counts[i]) * elementSize;
    std::memcpy(buffers[i], staging.data() + offset, bytes);
    offset += bytes;
  }
  recordStepCommunicationError(std::move(status));
}

extern "C" int64_t mptCommWorldSize(void) {
  return activeCommunicator->worldSize();
}

std::vector<CommunicationBinding> mpt::runtime::communicationBindings() {
  return {
      {MPT_COMM_ALL_REDUCE_SYMBOL, reinterpret_cast<void *>(&mptCommAllReduce)},
      {MPT_COMM_WORLD_SIZE_SYMBOL, reinterpret_cast<void *>(&mptCommWorldSize)},
  };
}
