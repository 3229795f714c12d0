//===- GradientCheck.cpp - Gradients against central differences ----------===//

#include "mpt/Runtime/GradientCheck.h"

#include "mpt/Runtime/Random.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mpt::runtime;

namespace {

bool hasUnroundedLoss(const StepSignature &signature) {
  return signature.findResult(Role::UnroundedLoss).has_value();
}

uint8_t *element(void *buffer, DType dtype, int64_t index) {
  return static_cast<uint8_t *>(buffer) + index * dtypeSize(dtype);
}

} // namespace

double ParameterReport::relativeError() const {
  if (maxAbsError == 0)
    return 0;
  return maxGrad > 0 ? maxAbsError / maxGrad
                     : std::numeric_limits<double>::infinity();
}

double mpt::runtime::defaultStepSize(bool computesInF64) {
  return computesInF64 ? 1e-5 : 1e-3;
}

double mpt::runtime::defaultTolerance(bool computesInF64) {
  return computesInF64 ? 1e-6 : 5e-2;
}

double mpt::runtime::absoluteToleranceFor(const StepSignature &signature,
                                          double loss, double stepSize) {
  double unitRoundoff =
      hasUnroundedLoss(signature) ? std::ldexp(1.0, -53) : std::ldexp(1.0, -24);
  return 4 * unitRoundoff * std::fabs(loss) / stepSize;
}

GradientCheck::GradientCheck(const StepSignature &signature,
                             GradientCheckOptions options)
    : signature(signature), options(std::move(options)), params(signature) {}

Expected<std::unique_ptr<GradientCheck>>
GradientCheck::prepare(const StepSignature &signature,
                       GradientCheckOptions options) {
  if (signature.kind != StepKind::Gradient)
    return Status::error("'" + signature.name + "' is not a gradient function");
  if (Status status = signature.verify(); !status.ok())
    return std::move(status).withContext("gradient function '" +
                                         signature.name + "'");
  if (options.samples < 1)
    return Status::error(
        "the number of elements checked per parameter must be at least 1, "
        "got " +
        std::to_string(options.samples));
  if (options.stepSize && !(*options.stepSize > 0))
    return Status::error("the difference step must be positive");
  if ((options.tolerance && !(*options.tolerance >= 0)) ||
      (options.absoluteTolerance && !(*options.absoluteTolerance >= 0)))
    return Status::error("the tolerances must be non-negative");
  std::unique_ptr<GradientCheck> check(
      new GradientCheck(signature, std::move(options)));
  if (Status status = check->prepareInputs(); !status.ok())
    return status;
  return check;
}

Status GradientCheck::prepareInputs() {
  params.initialize(options.seed);
  if (!options.initPath.empty()) {
    Expected<SafetensorsFile> file = readSafetensors(options.initPath);
    if (!file.ok())
      return file.takeError();
    if (Status status = params.loadParams(*file); !status.ok())
      return std::move(status).withContext(options.initPath);
  }

  if (Status status = checkScalarInputs(signature, options.scalarInputs);
      !status.ok())
    return status;
  if (options.dataFiles.empty()) {
    auto synthetic = SyntheticRegression::create(signature, options.seed);
    if (!synthetic.ok())
      return synthetic.takeError();
    batches = std::move(*synthetic);
  } else {
    auto dataset = NpyDataset::load(signature, options.dataFiles, options.seed,
                                    options.shuffle);
    if (!dataset.ok())
      return dataset.takeError();
    batches = std::move(*dataset);
  }

  std::vector<HostTensor *> sampled;
  batch.reserve(signature.args.size());
  for (size_t index : signature.argsWithRole(Role::Batch)) {
    const TensorSpec &input = signature.args[index];
    HostTensor &tensor = batch.emplace_back(input.dtype, input.shape);
    if (input.shape.empty())
      tensor.store(0, options.scalarInputs.at(input.name));
    else
      sampled.push_back(&tensor);
  }
  batches->fill(0, sampled);

  for (const TensorSpec &result : signature.results)
    results.emplace_back(result.dtype, result.shape);
  size_t batchIndex = 0;
  for (size_t i = 0, e = signature.args.size(); i < e; ++i)
    buffers.push_back(signature.args[i].role == Role::Batch
                          ? batch[batchIndex++].buffer.data()
                          : params.current(i));
  for (HostTensor &result : results)
    buffers.push_back(result.buffer.data());
  return Status::success();
}

double GradientCheck::evaluate(StepFunction function) {
  function(buffers.data());
  std::optional<size_t> unrounded = signature.findResult(Role::UnroundedLoss);
  return results[unrounded ? *unrounded : *signature.findResult(Role::Loss)]
      .load(0);
}

std::vector<int64_t>
GradientCheck::sampleElements(const TensorSpec &param) const {
  int64_t count = param.numElements();
  std::vector<int64_t> all(count);
  for (int64_t i = 0; i < count; ++i)
    all[i] = i;
  if (count <= options.samples)
    return all;
  // The first `samples` steps of a Fisher-Yates shuffle.
  Rng rng = Rng::stream(options.seed, "gradcheck/" + param.name);
  for (int64_t i = 0; i < options.samples; ++i)
    std::swap(all[i], all[i + rng.below(count - i)]);
  all.resize(options.samples);
  std::sort(all.begin(), all.end());
  return all;
}

Expected<std::vector<std::vector<double>>>
GradientCheck::analyticGradients() const {
  std::vector<std::vector<double>> grads;
  for (size_t index : signature.argsWithRole(Role::Param)) {
    const TensorSpec &param = signature.args[index];
    const HostTensor &grad =
        results[*signature.findResult(Role::Grad, param.name)];
    std::vector<double> &values = grads.emplace_back(grad.numElements());
    for (int64_t i = 0, e = grad.numElements(); i < e; ++i) {
      values[i] = grad.load(i);
      if (!std::isfinite(values[i]))
        return Status::error("the gradient of " + param.describe() +
                             " is not finite at element " +
                             formatElementIndex(param.shape, i));
    }
  }
  return grads;
}

ParameterReport GradientCheck::compare(StepFunction function, size_t argIndex,
                                       const std::vector<double> &grad,
                                       double h) {
  const TensorSpec &param = signature.args[argIndex];
  void *buffer = params.current(argIndex);
  ParameterReport report;
  for (double g : grad)
    report.maxGrad = std::max(report.maxGrad, std::fabs(g));
  for (int64_t i : sampleElements(param)) {
    uint8_t *x = element(buffer, param.dtype, i);
    double original = loadElement(param.dtype, x);
    // The step actually taken up, h rounded in the parameter's type, is also
    // taken down, so that the points stay symmetric (and the difference
    // second-order accurate) in f32 too.
    storeElement(param.dtype, x, original + h);
    double plus = loadElement(param.dtype, x);
    double lossPlus = evaluate(function);
    storeElement(param.dtype, x, original - (plus - original));
    double minus = loadElement(param.dtype, x);
    double lossMinus = evaluate(function);
    storeElement(param.dtype, x, original);
    double difference = (lossPlus - lossMinus) / (plus - minus);
    double error = std::fabs(difference - grad[i]);
    // NaN counts as the worst error.
    if (!(error <= report.maxAbsError)) {
      report.maxAbsError =
          std::isnan(error) ? std::numeric_limits<double>::infinity() : error;
      report.worst = i;
    }
    ++report.checked;
  }
  return report;
}

Expected<bool> GradientCheck::run(StepFunction function, std::FILE *out) {
  double h = options.stepSize.value_or(defaultStepSize(options.computesInF64));
  double loss = evaluate(function);
  double stepLoss = results[*signature.findResult(Role::Loss)].load(0);
  if (!std::isfinite(loss))
    return Status::error("the loss at the checked point is " +
                         std::to_string(loss) +
                         "; a gradient check needs a finite loss");
  if (hasUnroundedLoss(signature) &&
      std::fabs(stepLoss - loss) > std::ldexp(std::fabs(loss), -23))
    return Status::error(
        "the unrounded loss " + std::to_string(loss) +
        " does not round to the loss " + std::to_string(stepLoss) +
        " that the step computes; the differences would not be of its loss");
  Expected<std::vector<std::vector<double>>> grads = analyticGradients();
  if (!grads.ok())
    return grads.takeError();

  double relTol =
      options.tolerance.value_or(defaultTolerance(options.computesInF64));
  double absTol = options.absoluteTolerance.value_or(
      absoluteToleranceFor(signature, loss, h));
  std::fprintf(out, "loss %.9g", stepLoss);
  if (hasUnroundedLoss(signature))
    std::fprintf(out, " (%.17g before rounding to f32)", loss);
  std::fprintf(out,
               "\ncentral differences with h = %g; tolerance %g relative to "
               "the largest gradient element, plus %.3g absolute\n",
               h, relTol, absTol);
  std::fprintf(out, "%-16s %-16s %9s %11s %11s %11s  %s\n", "parameter", "type",
               "checked", "max |grad|", "max abs err", "rel err",
               "worst element");
  std::vector<size_t> paramArgs = signature.argsWithRole(Role::Param);
  int64_t failed = 0;
  double worstRelative = 0;
  for (size_t p = 0; p < paramArgs.size(); ++p) {
    const TensorSpec &param = signature.args[paramArgs[p]];
    ParameterReport report = compare(function, paramArgs[p], (*grads)[p], h);
    bool passed = report.maxAbsError <= absTol + relTol * report.maxGrad;
    bool zero = report.maxGrad <= absTol;
    failed += !passed;
    if (!zero)
      worstRelative = std::max(worstRelative, report.relativeError());
    std::string checked = std::to_string(report.checked) + "/" +
                          std::to_string(param.numElements());
    std::fprintf(out, "%-16s %-16s %9s %11.3e %11.3e %11.3e  %s%s\n",
                 param.name.c_str(), param.typeString().c_str(),
                 checked.c_str(), report.maxGrad, report.maxAbsError,
                 report.relativeError(),
                 formatElementIndex(param.shape, report.worst).c_str(),
                 !passed ? "  FAILED"
                 : zero  ? "  (zero within the absolute tolerance)"
                         : "");
  }
  if (failed)
    std::fprintf(out,
                 "gradient check failed: %lld of %zu parameters above the "
                 "tolerance\n",
                 static_cast<long long>(failed), paramArgs.size());
  else
    std::fprintf(out,
                 "gradient check passed: %zu parameters, largest relative "
                 "error %.3e\n",
                 paramArgs.size(), worstRelative);
  return failed == 0;
}
