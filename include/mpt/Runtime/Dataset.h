//===- Dataset.h - Where the batches come from ------------------*- C++ -*-===//
//
// A BatchSource fills the step's sampled inputs (the batch inputs with a
// batch dim; see StepSignature::sampledInputs) for a given step number. The
// batch of a step is a pure function of (seed, step), never of what ran
// before, so a run resumed from a checkpoint at step N sees exactly the
// batches an uninterrupted run sees.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_DATASET_H
#define MPT_RUNTIME_DATASET_H

#include "mpt/Runtime/HostTensor.h"
#include "mpt/Runtime/StepSignature.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

/// Checks the values given for the scalar (rank-0) batch inputs: one for
/// each, none for anything else, and each finite once rounded to its
/// input's type.
Status checkScalarInputs(const StepSignature &signature,
                         const std::map<std::string, double> &values);

class BatchSource {
public:
  virtual ~BatchSource() = default;
  /// Fills `inputs` (the sampled inputs, in argument order) for step
  /// `step` (0 for the first step of a fresh run).
  virtual void fill(int64_t step, const std::vector<HostTensor *> &inputs) = 0;
  /// One line for the user: where the data comes from.
  virtual std::string describe() const = 0;
  /// Whether every step gets the same batch, so that a batch once filled
  /// (and uploaded to a device) serves every step.
  virtual bool repeatsBatch() const { return false; }
};

/// Samples from .npy files, one file per sampled input. File i holds N
/// samples of input i: shape (N, d1, ..., dk) for an input of shape
/// B x d1 x ... x dk, and all files agree on N >= B. A float input takes
/// floating-point data (f2, f4 or f8; converted to the input's type), all
/// finite; an i32 or i64 input takes integer data, converted exactly, every
/// value in the input's index range when it has one. Each epoch visits
/// N / B full batches (the remainder is dropped) in an order shuffled by
/// Fisher-Yates with Rng::stream(seed, "shuffle", epoch), or in file order
/// without shuffling.
class NpyDataset : public BatchSource {
public:
  /// `files` holds one entry per sampled input: `path` (in argument order)
  /// or `name=path`.
  static Expected<std::unique_ptr<NpyDataset>>
  load(const StepSignature &signature, const std::vector<std::string> &files,
       uint64_t seed, bool shuffle);
  /// The bytes load() will keep, the arrays converted to the inputs'
  /// types, as the headers of `files` declare them; a file whose header
  /// cannot be read counts nothing (load() reports it).
  static uint64_t residentBytes(const StepSignature &signature,
                                const std::vector<std::string> &files);

  /// The files of held-out data, which may hold fewer samples than a batch
  /// (see fillInOrder); they are read in order.
  static Expected<std::unique_ptr<NpyDataset>>
  loadHeldOut(const StepSignature &signature,
              const std::vector<std::string> &files);

  void fill(int64_t step, const std::vector<HostTensor *> &inputs) override;
  /// Fills the batch with samples `first`, `first + 1`, ... in file order,
  /// the rows past the last sample with zeros (a valid index for integer
  /// inputs); returns the number of samples it filled.
  int64_t fillInOrder(int64_t first, const std::vector<HostTensor *> &inputs);
  int64_t samples() const { return numSamples; }
  const std::vector<std::string> &files() const { return paths; }
  std::string describe() const override;
  /// One batch per epoch, visited in file order.
  bool repeatsBatch() const override {
    return !shuffle && numSamples / batchSize == 1;
  }

private:
  NpyDataset() = default;

  std::vector<HostTensor> arrays;
  std::vector<std::string> paths;
  int64_t numSamples = 0, batchSize = 0;
  uint64_t seed = 0;
  bool shuffle = true;
  int64_t orderEpoch = -1;
  std::vector<int64_t> order;
};

/// A regression task for when no data is given, for a step with two sampled
/// inputs x (B... x Dx) and y (B... x Dy) whose leading dims agree:
/// W_true (Dx x Dy) has elements N(0, 1/Dx) from Rng::stream(seed,
/// "synthetic/w_true"); each step draws fresh x with N(0, 1) elements from
/// Rng::stream(seed, "synthetic/x", step) and sets y = tanh(x . W_true)
/// row by row.
class SyntheticRegression : public BatchSource {
public:
  static Expected<std::unique_ptr<SyntheticRegression>>
  create(const StepSignature &signature, uint64_t seed);
  /// The bytes create() will keep: W_true, in doubles.
  static uint64_t residentBytes(const StepSignature &signature);

  void fill(int64_t step, const std::vector<HostTensor *> &inputs) override;
  std::string describe() const override;

private:
  SyntheticRegression() = default;

  int64_t rows = 0, inputDim = 0, outputDim = 0;
  std::vector<double> weights;
  uint64_t seed = 0;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_DATASET_H
