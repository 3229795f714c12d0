//===- MPICommunicator.cpp - The MPI backend of data-parallel jobs --------===//
//
// libMPTCommMPI.so: a Communicator on MPI, which the runtime loads only when
// an MPI launcher started the process (Communicator.h). Every exchange is a
// non-blocking MPI collective, polled against the deadline of
// --comm-timeout, next to an arrival notice: point-to-point messages that
// tell every other rank "I have reached exchange #n". A rank that waits
// past the deadline names the ranks whose notice it has not received.
//
// f16 and bf16 buffers are reduced with MPI operations of this library
// (MPI has no 16-bit float types): each partial sum is computed in f32 and
// rounded to the buffer's type, as a sum in that type would be.
//
//===----------------------------------------------------------------------===//

#include "mpt/Runtime/Communicator.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <thread>

using namespace mpt::runtime;

namespace {

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}
uint32_t toBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

float widenHalf(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1F, mantissa = half & 0x3FF;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in f32.
    float magnitude = static_cast<float>(mantissa) * 0x1.0p-24f;
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31)
    return fromBits(sign | 0x7F800000 | mantissa << 13);
  return fromBits(sign | (exponent + 112) << 23 | mantissa << 13);
}

/// Rounds to the nearest f16, ties to even; beyond its range to infinity.
uint16_t roundToHalf(float value) {
  uint32_t bits = toBits(value);
  auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000)
    return sign | 0x7E00;
  // 65520 and above round to infinity.
  if (magnitude >= 0x477FF000)
    return sign | 0x7C00;
  if (magnitude < 0x38800000) {
    // Below 2^-14: a subnormal, mantissa = value * 2^24 rounded to even
    // (the default rounding mode).
    float scaled = fromBits(magnitude) * 0x1.0p24f;
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t rounded = magnitude + 0xFFF + ((magnitude >> 13) & 1);
  return sign | static_cast<uint16_t>((rounded - 0x38000000) >> 13);
}
float widenBFloat16(uint16_t bits) {
  return fromBits(static_cast<uint32_t>(bits) << 16);
}
uint16_t roundToBFloat16(float value) {
  uint32_t bits = toBits(value);
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  // Round to nearest even on the 16 bits that are dropped.
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

template <float (*Widen)(uint16_t), uint16_t (*Round)(float), typename Combine>
void combine16(const void *in, void *inout, int count, Combine combineFn) {
  const auto *a = static_cast<const uint16_t *>(in);
  auto *b = static_cast<uint16_t *>(inout);
  for (int i = 0; i < count; ++i)
    b[i] = Round(combineFn(Widen(a[i]), Widen(b[i])));
}

float sumOf(float a, float b) { return a + b; }
// NaN wins, as in the comparisons of compiled code.
float maxOf(float a, float b) { return std::isnan(a) || a > b ? a : b; }
float minOf(float a, float b) { return std::isnan(a) || a < b ? a : b; }

#define MPT_DEFINE_OP16(name, widen, round, fn)                                \
  void name(void *in, void *inout, int *count, MPI_Datatype *) {               \
    combine16<widen, round>(in, inout, *count, fn);                            \
  }
MPT_DEFINE_OP16(sumHalf, widenHalf, roundToHalf, sumOf)
MPT_DEFINE_OP16(maxHalf, widenHalf, roundToHalf, maxOf)
MPT_DEFINE_OP16(minHalf, widenHalf, roundToHalf, minOf)
MPT_DEFINE_OP16(sumBFloat16, widenBFloat16, roundToBFloat16, sumOf)
MPT_DEFINE_OP16(maxBFloat16, widenBFloat16, roundToBFloat16, maxOf)
MPT_DEFINE_OP16(minBFloat16, widenBFloat16, roundToBFloat16, minOf)
#undef MPT_DEFINE_OP16

std::string mpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<size_t>(length));
}

std::string rankList(const std::vector<int> &ranks) {
  std::string text;
  for (size_t i = 0; i < ranks.size(); ++i) {
    if (i > 0)
      text += i + 1 == ranks.size() ? " and " : ", ";
    text += std::to_string(ranks[i]);
  }
  return text;
}

//===----------------------------------------------------------------------===//
// The communicator
//===----------------------------------------------------------------------===//

class MPICommunicator final : public Communicator {
public:
  explicit MPICommunicator(double timeout) : timeout(timeout) {}
  ~MPICommunicator() override;
  /// MPI_Init (unless done), the communicators and the 16-bit operations.
  Status start();

  int rank() const override { return myRank; }
  int worldSize() const override { return size; }
  int localRank() const override { return myLocalRank; }
  int localSize() const override { return localRanks; }
  std::string engine() const override { return library; }
  double timeoutSeconds() const override { return timeout; }
  Status allReduce(void *data, int64_t count, MptCommDType dtype, MptCommOp op,
                   const std::string &what) override;
  Status allGather(const void *data, size_t bytes, void *gathered,
                   const std::string &what) override;
  Status broadcast(void *data, size_t bytes, int root,
                   const std::string &what) override;
  void abandon() override { abandoned = true; }
  double secondsInExchanges() const override { return exchangeSeconds; }

private:
  /// Posts the arrival notices of the next exchange and the exchange
  /// itself (`post` starts the collective), then waits for all of them
  /// until the deadline.
  template <typename Post> Status exchange(const std::string &what, Post post);
  Status timedOut(const std::string &what);
  Status check(int code, const char *call, const std::string &what);
  MPI_Op opFor(MptCommDType dtype, MptCommOp op) const;

  double timeout;
  int myRank = 0, size = 1, myLocalRank = 0, localRanks = 1;
  std::string library;
  bool ownsMPI = false, abandoned = false;
  /// Collectives, and the arrival notices beside them.
  MPI_Comm data = MPI_COMM_NULL, arrivals = MPI_COMM_NULL;
  /// [dtype][op] for f16 and bf16.
  MPI_Op ops16[2][3] = {};

  /// The number of exchanges so far, and what the peers said in their
  /// notices of the current one.
  int64_t sequence = 0;
  std::vector<int64_t> peerSequence;
  std::vector<MPI_Request> noticeRequests;
  double exchangeSeconds = 0;
};

MPICommunicator::~MPICommunicator() {
  // A rank that leaves with an error must not wait for ranks that may hang:
  // MPI_Finalize synchronises with all of them.
  if (abandoned || !ownsMPI)
    return;
  for (auto &ops : ops16)
    for (MPI_Op &op : ops)
      if (op != MPI_OP_NULL)
        MPI_Op_free(&op);
  MPI_Comm_free(&data);
  MPI_Comm_free(&arrivals);
  MPI_Finalize();
}

Status MPICommunicator::start() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // Open MPI's non-blocking all-reduce reduces to one rank and broadcasts
    // back by default; the ring moves half the bytes per rank for two
    // ranks and stays bandwidth-optimal beyond. The user's choice (the
    // same variable, or an mpirun --mca option) wins.
    setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1",
           /*overwrite=*/0);
    int provided = 0;
    // The step's collectives run on the thread that calls the step.
    int code =
        MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (code != MPI_SUCCESS)
      return Status::error("MPI_Init_thread failed: " + mpiError(code));
    ownsMPI = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &myRank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_dup(MPI_COMM_WORLD, &data);
  MPI_Comm_dup(MPI_COMM_WORLD, &arrivals);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, myRank,
                      MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &myLocalRank);
  MPI_Comm_size(local, &localRanks);
  MPI_Comm_free(&local);

  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  library.assign(version, static_cast<size_t>(length));
  library = library.substr(0, library.find_first_of(",\n"));

  MPI_User_function *functions[2][3] = {
      {sumHalf, maxHalf, minHalf}, {sumBFloat16, maxBFloat16, minBFloat16}};
  for (int type = 0; type < 2; ++type)
    for (int op = 0; op < 3; ++op)
      MPI_Op_create(functions[type][op], /*commute=*/1, &ops16[type][op]);
  peerSequence.assign(static_cast<size_t>(size), 0);
  return Status::success();
}

MPI_Op MPICommunicator::opFor(MptCommDType dtype, MptCommOp op) const {
  if (dtype == MPT_COMM_F16 || dtype == MPT_COMM_BF16)
    return ops16[dtype == MPT_COMM_BF16][op];
  switch (op) {
  case MPT_COMM_SUM:
    return MPI_SUM;
  case MPT_COMM_MAX:
    return MPI_MAX;
  case MPT_COMM_MIN:
    return MPI_MIN;
  }
  return MPI_OP_NULL;
}

Status MPICommunicator::check(int code, const char *call,
                              const std::string &what) {
  if (code == MPI_SUCCESS)
    return Status::success();
  return Status::error(what + ": " + call + " failed: " + mpiError(code));
}

/// How a rank waits for an exchange. A non-blocking collective advances
/// only inside MPI calls (through shared memory the copies themselves run
/// inside them), so a rank that polls late holds its peers up: while the
/// exchange should finish soon it polls without pause, yielding its core to
/// any other runnable thread; past that it waits for a slow peer and sleeps
/// between polls, leaving its core to the others.
struct WaitPolicy {
  /// Polls without pause for this long from the start of every wait: the
  /// ranks of a balanced job reach an exchange within this of each other.
  std::chrono::microseconds spinOnEntry{2000};
  /// Then sleeps this long between polls until every rank has arrived.
  std::chrono::microseconds arrivalPoll{50};
  /// Polls without pause for this long once every rank has arrived (the
  /// exchange is under way), then sleeps this long between polls.
  std::chrono::milliseconds spinAfterArrival{200};
  std::chrono::microseconds transferPoll{100};
};
constexpr WaitPolicy kWaitPolicy;

template <typename Post>
Status MPICommunicator::exchange(const std::string &what, Post post) {
  ++sequence;
  constexpr int kArrivalTag = 1;
  // Receives first, one per peer, then the sends; the exchange last.
  noticeRequests.assign(2 * static_cast<size_t>(size) + 1, MPI_REQUEST_NULL);
  for (int peer = 0; peer < size; ++peer) {
    if (peer == myRank)
      continue;
    MPI_Irecv(&peerSequence[peer], 1, MPI_INT64_T, peer, kArrivalTag, arrivals,
              &noticeRequests[peer]);
    MPI_Isend(&sequence, 1, MPI_INT64_T, peer, kArrivalTag, arrivals,
              &noticeRequests[size + peer]);
  }
  MPI_Request &collective = noticeRequests.back();
  if (Status status = post(&collective); !status.ok())
    return status;

  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(timeout));
  bool everyoneArrived = false;
  Clock::time_point spinUntil = start + kWaitPolicy.spinOnEntry;
  for (;;) {
    int done = 0;
    int code = MPI_Testall(static_cast<int>(noticeRequests.size()),
                           noticeRequests.data(), &done, MPI_STATUSES_IGNORE);
    if (code != MPI_SUCCESS)
      return check(code, "MPI_Testall", what);
    if (done)
      break;
    Clock::time_point now = Clock::now();
    if (now > deadline)
      return timedOut(what);
    if (!everyoneArrived) {
      // The receives of the notices come first in noticeRequests.
      int arrived = 0;
      code = MPI_Testall(size, noticeRequests.data(), &arrived,
                         MPI_STATUSES_IGNORE);
      if (code != MPI_SUCCESS)
        return check(code, "MPI_Testall", what);
      if (arrived) {
        everyoneArrived = true;
        spinUntil = std::max(spinUntil, now + kWaitPolicy.spinAfterArrival);
      }
    }
    if (now <= spinUntil)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(everyoneArrived ? kWaitPolicy.transferPoll
                                                  : kWaitPolicy.arrivalPoll);
  }
  exchangeSeconds +=
      std::chrono::duration<double>(Clock::now() - start).count();
  for (int peer = 0; peer < size; ++peer)
    if (peer != myRank && peerSequence[peer] != sequence)
      return Status::error(
          what + ": the ranks run different exchanges: rank " +
          std::to_string(peer) + " is at exchange #" +
          std::to_string(peerSequence[peer]) + ", this rank at #" +
          std::to_string(sequence) +
          " (every rank must run the same step, compiled the same way)");
  return Status::success();
}

Status MPICommunicator::timedOut(const std::string &what) {
  std::vector<int> missing;
  for (int peer = 0; peer < size; ++peer) {
    if (peer == myRank)
      continue;
    int arrived = 0;
    MPI_Test(&noticeRequests[peer], &arrived, MPI_STATUS_IGNORE);
    if (!arrived)
      missing.push_back(peer);
  }
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%g", timeout);
  std::string head =
      what + " did not complete within " + seconds + " s (--comm-timeout): ";
  if (missing.empty())
    return Status::error(head + "every rank of " + std::to_string(size) +
                         " reached it, but it did not finish: a rank stopped "
                         "or lost its connection during it");
  return Status::error(head + (missing.size() == 1 ? "rank " : "ranks ") +
                       rankList(missing) + " of " + std::to_string(size) +
                       (missing.size() == 1 ? " has" : " have") +
                       " not reached it (hung, or dead)");
}

Status MPICommunicator::allReduce(void *buffer, int64_t count,
                                  MptCommDType dtype, MptCommOp op,
                                  const std::string &what) {
  MPI_Datatype type = dtype == MPT_COMM_F32   ? MPI_FLOAT
                      : dtype == MPT_COMM_F64 ? MPI_DOUBLE
                                              : MPI_UINT16_T;
  int64_t elementSize = dtype == MPT_COMM_F32   ? 4
                        : dtype == MPT_COMM_F64 ? 8
                                                : 2;
  // MPI counts are ints: a larger buffer goes in several exchanges.
  constexpr int64_t kMaxChunk = int64_t(1) << 30;
  for (int64_t offset = 0; offset < count; offset += kMaxChunk) {
    int chunk = static_cast<int>(std::min(kMaxChunk, count - offset));
    void *start = static_cast<char *>(buffer) + offset * elementSize;
    Status status = exchange(what, [&](MPI_Request *request) {
      return check(MPI_Iallreduce(MPI_IN_PLACE, start, chunk, type,
                                  opFor(dtype, op), data, request),
                   "MPI_Iallreduce", what);
    });
    if (!status.ok())
      return status;
  }
  return Status::success();
}

Status MPICommunicator::allGather(const void *buffer, size_t bytes,
                                  void *gathered, const std::string &what) {
  return exchange(what, [&](MPI_Request *request) {
    return check(MPI_Iallgather(buffer, static_cast<int>(bytes), MPI_BYTE,
                                gathered, static_cast<int>(bytes), MPI_BYTE,
                                data, request),
                 "MPI_Iallgather", what);
  });
}

Status MPICommunicator::broadcast(void *buffer, size_t bytes, int root,
                                  const std::string &what) {
  return exchange(what, [&](MPI_Request *request) {
    return check(MPI_Ibcast(buffer, static_cast<int>(bytes), MPI_BYTE, root,
                            data, request),
                 "MPI_Ibcast", what);
  });
}

} // namespace

extern "C" __attribute__((visibility("default"))) Communicator *
mptCreateMPICommunicator(double timeoutSeconds, char *error, size_t errorSize) {
  auto *communicator = new MPICommunicator(timeoutSeconds);
  if (Status status = communicator->start(); !status.ok()) {
    std::snprintf(error, errorSize, "%s", status.message().c_str());
    delete communicator;
    return nullptr;
  }
  return communicator;
}
