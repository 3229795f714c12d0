//===- GradientCheck.h - Gradients against central differences --*- C++ -*-===//
//
// Checks a compiled gradient function (--mpt-gradient-function) at one
// point, the seeded (or loaded) parameters and the first batch: for a
// sample of the elements of every parameter, the analytic gradient must
// agree with the central difference
//
//   (L(p + h e_i) - L(p - h e_i)) / 2h
//
// with h as stored: p_i + h rounded to the parameter's type, and the same
// step taken down. Built on the runtime library alone, like the training
// loop.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_GRADIENTCHECK_H
#define MPT_RUNTIME_GRADIENTCHECK_H

#include "mpt/Runtime/Dataset.h"
#include "mpt/Runtime/Trainer.h"
#include "mpt/Runtime/TrainingState.h"

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mpt {
namespace runtime {

struct GradientCheckOptions {
  /// Elements checked per parameter, drawn without replacement from
  /// Rng::stream(seed, "gradcheck/<name>"); a parameter with at most this
  /// many elements is checked whole.
  int64_t samples = 16;
  /// The difference step h; the relative tolerance R and the absolute one
  /// A: a parameter passes when every checked element has
  /// |g_i - d_i| <= A + R * max_j |g_j|. Unset, h and R take the defaults
  /// for the precision of the loss and A the rounding error of the
  /// differences (absoluteToleranceFor()).
  std::optional<double> stepSize, tolerance, absoluteTolerance;
  /// Whether the function computes in f64 throughout (every tensor of it is
  /// f64), which chooses the defaults of h and R.
  bool computesInF64 = true;
  /// Seeds the parameter init, the data and the sample of elements.
  uint64_t seed = 0;
  /// As for training: .npy files per batched input (empty: the synthetic
  /// task), the value of each scalar input, initial parameters (empty:
  /// seeded).
  std::vector<std::string> dataFiles;
  bool shuffle = true;
  std::map<std::string, double> scalarInputs;
  std::string initPath;
};

/// The defaults for a computation in f64 or in f32: h where truncation and
/// rounding errors of the differences balance, and a tolerance well above
/// the errors measured on the mpt ops and the example models.
double defaultStepSize(bool computesInF64);
double defaultTolerance(bool computesInF64);
/// The default absolute tolerance: 4 u |loss| / h, u the unit roundoff of
/// the loss's type, a few times the rounding error of a difference
/// quotient. Below it, the differences cannot tell a gradient from zero.
double absoluteToleranceFor(const StepSignature &signature, double loss,
                            double stepSize);

/// What the differences found for one parameter.
struct ParameterReport {
  int64_t checked = 0;
  /// The largest analytic gradient element of the whole parameter: the
  /// scale errors are measured against, so that elements whose gradient is
  /// near zero do not divide by zero.
  double maxGrad = 0;
  double maxAbsError = 0;
  /// The flat index of the element with the largest error.
  int64_t worst = 0;

  /// maxAbsError / maxGrad: 0 without error, infinite for an error where
  /// the analytic gradient is zero.
  double relativeError() const;
};

class GradientCheck {
public:
  /// Verifies that `signature` is a gradient function, loads or seeds the
  /// parameters and fills the batch. Nothing is evaluated yet.
  static Expected<std::unique_ptr<GradientCheck>>
  prepare(const StepSignature &signature, GradientCheckOptions options);

  /// Evaluates `function` at the point and around every checked element,
  /// prints one line per parameter and a verdict to `out`, and returns
  /// whether every parameter is within the tolerance. Fails when the loss
  /// or a gradient at the point is not finite, or when the unrounded loss
  /// does not round to the loss.
  Expected<bool> run(StepFunction function, std::FILE *out);

  const BatchSource &data() const { return *batches; }

private:
  GradientCheck(const StepSignature &signature, GradientCheckOptions options);

  Status prepareInputs();
  /// The loss the differences are taken of: the unrounded loss when the
  /// function returns one, else the loss.
  double evaluate(StepFunction function);
  std::vector<int64_t> sampleElements(const TensorSpec &param) const;
  /// The gradients the function returned, one vector per parameter; an
  /// error if one is not finite.
  Expected<std::vector<std::vector<double>>> analyticGradients() const;
  /// Differences around the sampled elements of the parameter at
  /// `argIndex`, compared with its analytic gradient `grad`.
  ParameterReport compare(StepFunction function, size_t argIndex,
                          const std::vector<double> &grad, double h);

  const StepSignature &signature;
  GradientCheckOptions options;
  TrainingState params;
  std::unique_ptr<BatchSource> batches;
  /// Batch inputs in argument order, and the results by index.
  std::vector<HostTensor> batch;
  std::vector<HostTensor> results;
  std::vector<void *> buffers;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_GRADIENTCHECK_H
