//===- DataParallel.cpp - Keeping the ranks of a job in step --------------===//

#include "mpt/Runtime/DataParallel.h"

#include <algorithm>
#include <cstring>
#include <map>

using namespace mpt::runtime;

namespace {

/// 64-bit FNV-1a, over bytes or 8-byte words.
class Fingerprint {
public:
  void add(const void *data, size_t size) {
    const auto *bytes = static_cast<const uint8_t *>(data);
    size_t i = 0;
    // Words first: a checksum of a large state should not cost a step.
    for (; i + 8 <= size; i += 8) {
      uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      mix(word);
    }
    for (; i < size; ++i)
      mix(bytes[i]);
  }
  void add(const std::string &text) {
    add(text.data(), text.size());
    mix(0xFF);
  }
  void add(int64_t value) { mix(static_cast<uint64_t>(value)); }
  uint64_t value() const { return hash; }

private:
  void mix(uint64_t value) {
    hash ^= value;
    hash *= 0x100000001B3ULL;
  }
  uint64_t hash = 0xCBF29CE484222325ULL;
};

uint64_t signatureFingerprint(const StepSignature &signature) {
  Fingerprint fingerprint;
  fingerprint.add(signature.name);
  fingerprint.add(signature.optimizer.describe());
  const LossScaleConfig &scale = signature.lossScale;
  for (double number : {scale.init, scale.growthFactor, scale.backoffFactor,
                        scale.minScale, scale.maxScale})
    fingerprint.add(&number, sizeof(number));
  fingerprint.add(static_cast<int64_t>(scale.mode));
  fingerprint.add(scale.growthInterval);
  fingerprint.add(scale.hysteresis);
  for (const std::vector<TensorSpec> *specs :
       {&signature.args, &signature.results})
    for (const TensorSpec &spec : *specs)
      fingerprint.add(spec.describe());
  return fingerprint.value();
}

/// What every rank says about its run before the first step.
struct StartReport {
  uint64_t signature;
  uint64_t seed;
  int64_t firstStep, lastStep, checkEvery;
};

/// What every rank says after a step.
struct StepReport {
  int64_t step;
  double loss;
  int32_t skipped, collapsed, stopSignal, unused;
};

std::string rankList(const std::vector<int> &ranks) {
  std::string text;
  for (size_t i = 0; i < ranks.size(); ++i) {
    if (i > 0)
      text += i + 1 == ranks.size() ? " and " : ", ";
    text += std::to_string(ranks[i]);
  }
  return text;
}

std::string ranksPhrase(const std::vector<int> &ranks) {
  return (ranks.size() == 1 ? "rank " : "ranks ") + rankList(ranks);
}

} // namespace

Status ReplicaGroup::checkStart(const StepSignature &signature,
                                const TrainingState &state, uint64_t seed,
                                int64_t lastStep) {
  StartReport mine{signatureFingerprint(signature), seed, state.step() + 1,
                   lastStep, checkEvery};
  std::vector<StartReport> reports(static_cast<size_t>(worldSize()));
  if (Status status = communicator.allGather(
          &mine, sizeof(mine), reports.data(), "the agreement before step 1");
      !status.ok())
    return status;
  const StartReport &first = reports.front();
  for (size_t rank = 1; rank < reports.size(); ++rank) {
    const StartReport &other = reports[rank];
    std::string who = "rank " + std::to_string(rank);
    if (other.signature != first.signature)
      return Status::error(who +
                           " trains another step than rank 0 (its "
                           "parameters, optimizer, loss scaling or batch "
                           "differ): every rank must compile the same model "
                           "with the same flags");
    if (other.firstStep != first.firstStep || other.lastStep != first.lastStep)
      return Status::error(
          who + " trains steps " + std::to_string(other.firstStep) + "-" +
          std::to_string(other.lastStep) + ", rank 0 steps " +
          std::to_string(first.firstStep) + "-" +
          std::to_string(first.lastStep) +
          ": every rank must resume from the same checkpoint with the same "
          "--steps");
    if (other.seed != first.seed)
      return Status::error(who + " uses the seed " +
                           std::to_string(other.seed) + ", rank 0 the seed " +
                           std::to_string(first.seed) +
                           ": the ranks shard one data order, drawn from one "
                           "seed");
    if (other.checkEvery != first.checkEvery)
      return Status::error(who + " checks its replica every " +
                           std::to_string(other.checkEvery) +
                           " steps, rank 0 every " +
                           std::to_string(first.checkEvery) +
                           ": --check-replicas must be the same on every rank");
  }
  return checkReplicas(state, seed,
                       "before step " + std::to_string(state.step() + 1));
}

void ReplicaGroup::beginStep(int64_t step) {
  setStepContext("step " + std::to_string(step));
}

Expected<StepAgreement> ReplicaGroup::finishStep(int64_t step, double loss,
                                                 bool skipped, bool collapsed,
                                                 int stopSignal) {
  StepReport mine{step, loss, skipped, collapsed, stopSignal, 0};
  std::vector<StepReport> reports(static_cast<size_t>(worldSize()));
  if (Status status = communicator.allGather(
          &mine, sizeof(mine), reports.data(),
          "the agreement after step " + std::to_string(step));
      !status.ok())
    return status;
  StepAgreement agreement;
  std::vector<int> skippedRanks, collapsedRanks;
  for (size_t rank = 0; rank < reports.size(); ++rank) {
    const StepReport &report = reports[rank];
    agreement.loss += report.loss;
    if (report.skipped)
      skippedRanks.push_back(static_cast<int>(rank));
    if (report.collapsed)
      collapsedRanks.push_back(static_cast<int>(rank));
    if (!agreement.stopSignal)
      agreement.stopSignal = report.stopSignal;
  }
  agreement.loss /= static_cast<double>(reports.size());
  auto disagree = [&](const char *what, const std::vector<int> &ranks) {
    return Status::error(
        "the replicas diverged at step " + std::to_string(step) + ": " +
        ranksPhrase(ranks) + " " + what + " and the others did not, but " +
        "every rank reduces the same gradients; is the step compiled with "
        "--mpt-data-parallel on every rank?");
  };
  if (!skippedRanks.empty() && skippedRanks.size() != reports.size())
    return disagree("skipped the update", skippedRanks);
  if (!collapsedRanks.empty() && collapsedRanks.size() != reports.size())
    return disagree("saw the loss scale collapse", collapsedRanks);
  return agreement;
}

Status ReplicaGroup::checkReplicas(const TrainingState &state, uint64_t seed,
                                   const std::string &when) {
  SafetensorsView view = state.checkpointView(seed);
  std::vector<uint64_t> mine;
  for (const auto &[name, tensor] : view.tensors) {
    Fingerprint fingerprint;
    fingerprint.add(tensor->buffer.data(), tensor->buffer.size());
    mine.push_back(fingerprint.value());
  }
  size_t count = mine.size();
  std::vector<uint64_t> all(count * static_cast<size_t>(worldSize()));
  if (Status status =
          communicator.allGather(mine.data(), count * sizeof(uint64_t),
                                 all.data(), "the replica check " + when);
      !status.ok())
    return status;
  auto checksumsOf = [&](int rank) {
    return std::vector<uint64_t>(all.begin() + rank * count,
                                 all.begin() + (rank + 1) * count);
  };
  // The state most ranks hold is the reference; on a tie, rank 0's.
  std::map<std::vector<uint64_t>, int> holders;
  for (int rank = 0; rank < worldSize(); ++rank)
    ++holders[checksumsOf(rank)];
  std::vector<uint64_t> reference = checksumsOf(0);
  for (const auto &[checksums, ranks] : holders)
    if (ranks > holders[reference])
      reference = checksums;
  std::vector<int> diverged, agreeing;
  std::vector<std::string> tensors;
  for (int rank = 0; rank < worldSize(); ++rank) {
    std::vector<uint64_t> checksums = checksumsOf(rank);
    if (checksums == reference) {
      agreeing.push_back(rank);
      continue;
    }
    diverged.push_back(rank);
    for (size_t i = 0; i < count; ++i)
      if (checksums[i] != reference[i] &&
          std::find(tensors.begin(), tensors.end(), view.tensors[i].first) ==
              tensors.end())
        tensors.push_back(view.tensors[i].first);
  }
  if (diverged.empty())
    return Status::success();
  std::string tensorList;
  for (size_t i = 0; i < tensors.size() && i < 4; ++i)
    tensorList += (i ? ", " : "") + tensors[i];
  if (tensors.size() > 4)
    tensorList += " and " + std::to_string(tensors.size() - 4) + " more";
  return Status::error(
      "the replicas diverged " + when + ": " + ranksPhrase(diverged) + " (" +
      std::to_string(diverged.size()) + " of " + std::to_string(worldSize()) +
      ") " + (diverged.size() == 1 ? "holds" : "hold") + " other values than " +
      ranksPhrase(agreeing) + " in " + tensorList +
      " (--check-replicas compares checksums "
      "of the whole state)");
}
