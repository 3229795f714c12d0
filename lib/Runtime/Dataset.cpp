//===- Dataset.cpp - Where the batches come from --------------------------===//

#include "mpt/Runtime/Dataset.h"
#include "mpt/Runtime/Npy.h"
#include "mpt/Runtime/Random.h"
#include "mpt/Runtime/Sizes.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

using namespace mpt::runtime;

namespace {
std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// Pairs each batch input with its file: either every entry is `name=path`
/// for a batch input name, or every entry is a plain path in argument
/// order.
Expected<std::vector<std::string>>
assignFiles(const StepSignature &signature,
            const std::vector<std::string> &files) {
  std::vector<size_t> inputs = signature.sampledInputs();
  std::string names;
  for (size_t index : inputs)
    names += (names.empty() ? "" : ", ") + signature.args[index].name;
  std::vector<std::string> paths(inputs.size());
  size_t named = 0;
  for (const std::string &file : files) {
    size_t equals = file.find('=');
    if (equals == std::string::npos)
      continue;
    std::string name = file.substr(0, equals);
    for (size_t i = 0, e = inputs.size(); i < e; ++i) {
      if (signature.args[inputs[i]].name != name)
        continue;
      if (!paths[i].empty())
        return Status::error("batch input '" + name +
                             "' is given two data files");
      paths[i] = file.substr(equals + 1);
      ++named;
    }
  }
  if (named != 0 && named != files.size())
    return Status::error("data files must be given all by name "
                         "(name=path, names: " +
                         names + ") or all in order");
  if (files.size() != inputs.size())
    return Status::error("the step takes " + std::to_string(inputs.size()) +
                         " batched input" + (inputs.size() == 1 ? "" : "s") +
                         " (" + names + "), got " +
                         std::to_string(files.size()) + " data file" +
                         (files.size() == 1 ? "" : "s"));
  if (named == 0)
    return files;
  return paths;
}

/// "element 17 (sample 1)" of an array with `sampleSize` elements per
/// sample.
std::string describeElement(int64_t index, int64_t sampleSize) {
  return "element " + std::to_string(index) + " (sample " +
         std::to_string(index / std::max<int64_t>(sampleSize, 1)) + ")";
}

/// Copies integer samples into an i32 or i64 input exactly, checking that
/// every value fits the input's type and lies in its index range.
Status convertIntegers(const HostTensor &array, const TensorSpec &input,
                       HostTensor &converted, int64_t sampleSize) {
  for (int64_t i = 0, e = array.numElements(); i < e; ++i) {
    int64_t value = loadIntegerElement(
        array.dtype, array.buffer.data() + i * dtypeSize(array.dtype));
    if (input.indexRange &&
        (value < input.indexRange->first || value > input.indexRange->second)) {
      auto [lo, hi] = *input.indexRange;
      return Status::error(describeElement(i, sampleSize) + " is " +
                           std::to_string(value) + ", outside [" +
                           std::to_string(lo) + ", " + std::to_string(hi) +
                           "], the valid indices of batch input '" +
                           input.name + "' (" + input.typeString() +
                           "): the step reads it as an index into a dim "
                           "of " +
                           std::to_string(hi + 1));
    }
    if (!storeIntegerElement(
            input.dtype, converted.buffer.data() + i * dtypeSize(input.dtype),
            value))
      return Status::error(describeElement(i, sampleSize) + " = " +
                           std::to_string(value) + " does not fit " +
                           dtypeName(input.dtype));
  }
  return Status::success();
}

/// Converts one loaded array to the batch input's element type, checking
/// that it holds samples of the input's shape, of the input's kind
/// (floating point or integer), and that every value is finite before and
/// after the conversion, or a valid index.
Expected<HostTensor> convertSamples(const HostTensor &array,
                                    const TensorSpec &input) {
  std::vector<int64_t> sampleShape(input.shape.begin() + 1, input.shape.end());
  std::string expectedText = "(N";
  for (int64_t dim : sampleShape)
    expectedText += ", " + std::to_string(dim);
  expectedText += sampleShape.empty() ? ",)" : ")";
  bool integerInput = !isFloatDType(input.dtype);
  if (isFloatDType(array.dtype) == integerInput)
    return Status::error(
        "holds " + std::string(dtypeName(array.dtype)) +
        " data, but batch input '" + input.name + "' is " + input.typeString() +
        (integerInput ? "; it needs integer data (i1, i2, i4, i8 or u1)"
                      : "; it needs floating-point data (f2, f4 or f8)"));
  if (array.shape.empty() ||
      std::vector<int64_t>(array.shape.begin() + 1, array.shape.end()) !=
          sampleShape)
    return Status::error(
        "has shape " + formatPythonShape(array.shape) + ", but batch input '" +
        input.name + "' (" + input.typeString() + ") needs samples of shape " +
        formatPythonShape(sampleShape) + ", i.e. an array " + expectedText);
  HostTensor converted(input.dtype, array.shape);
  int64_t sampleSize =
      converted.numElements() / std::max<int64_t>(array.shape.front(), 1);
  if (integerInput) {
    if (Status status = convertIntegers(array, input, converted, sampleSize);
        !status.ok())
      return status;
    return converted;
  }
  for (int64_t i = 0, e = array.numElements(); i < e; ++i) {
    double value = array.load(i);
    if (!std::isfinite(value))
      return Status::error(describeElement(i, sampleSize) + " is " +
                           formatNumber(value) +
                           "; training data must be finite");
    converted.store(i, value);
    if (!std::isfinite(converted.load(i)))
      return Status::error(describeElement(i, sampleSize) + " = " +
                           formatNumber(value) + " overflows " +
                           dtypeName(input.dtype));
  }
  return converted;
}
} // namespace

Status
mpt::runtime::checkScalarInputs(const StepSignature &signature,
                                const std::map<std::string, double> &values) {
  for (size_t index : signature.scalarInputs()) {
    const TensorSpec &input = signature.args[index];
    auto value = values.find(input.name);
    if (value == values.end())
      return Status::error("batch input '" + input.name + "' (" +
                           input.typeString() +
                           ") is a scalar without a batch dim; give its "
                           "value for the run");
    HostTensor scalar(DType::F64, {});
    scalar.store(0, value->second);
    if (std::optional<NonfiniteElement> bad =
            findNonfinite(scalar, input.dtype))
      return Status::error(
          "--scalar " + input.name + "=" + formatNumber(value->second) +
          (bad->overflows ? " overflows " : " is not finite in ") +
          dtypeName(input.dtype) + ", the type of batch input '" + input.name +
          "'");
  }
  for (const auto &[name, value] : values) {
    std::optional<size_t> input = signature.findArg(Role::Batch, name);
    if (!input || !signature.args[*input].shape.empty())
      return Status::error("'" + name +
                           "' is not a scalar batch input of the step");
  }
  return Status::success();
}

Expected<std::unique_ptr<NpyDataset>>
NpyDataset::load(const StepSignature &signature,
                 const std::vector<std::string> &files, uint64_t seed,
                 bool shuffle, DataShard shard) {
  Expected<std::unique_ptr<NpyDataset>> dataset = loadHeldOut(signature, files);
  if (!dataset.ok())
    return dataset.takeError();
  (*dataset)->seed = seed;
  (*dataset)->shuffle = shuffle;
  (*dataset)->shard = shard;
  if ((*dataset)->numSamples < (*dataset)->globalBatchSize())
    return Status::error((*dataset)->paths[0] + ": has " +
                         std::to_string((*dataset)->numSamples) +
                         " samples, fewer than the batch size " +
                         std::to_string((*dataset)->globalBatchSize()) +
                         (shard.ranks > 1
                              ? " (" + std::to_string((*dataset)->batchSize) +
                                    " per rank x " +
                                    std::to_string(shard.ranks) + " ranks)"
                              : ""));
  return dataset;
}

Expected<std::unique_ptr<NpyDataset>>
NpyDataset::loadHeldOut(const StepSignature &signature,
                        const std::vector<std::string> &files) {
  Expected<std::vector<std::string>> paths = assignFiles(signature, files);
  if (!paths.ok())
    return paths.takeError();
  std::unique_ptr<NpyDataset> dataset(new NpyDataset());
  dataset->shuffle = false;
  dataset->batchSize = signature.batchSize();
  dataset->paths = *paths;
  std::vector<size_t> inputs = signature.sampledInputs();
  for (size_t i = 0, e = inputs.size(); i < e; ++i) {
    const std::string &path = (*paths)[i];
    Expected<HostTensor> array = readNpy(path);
    if (!array.ok())
      return array.takeError();
    Expected<HostTensor> converted =
        convertSamples(*array, signature.args[inputs[i]]);
    if (!converted.ok())
      return converted.takeError().withContext(path);
    int64_t samples = converted->shape.front();
    if (i == 0)
      dataset->numSamples = samples;
    else if (samples != dataset->numSamples)
      return Status::error(path + ": has " + std::to_string(samples) +
                           " samples, but " + (*paths)[0] + " has " +
                           std::to_string(dataset->numSamples));
    dataset->arrays.push_back(std::move(*converted));
  }
  if (dataset->numSamples == 0)
    return Status::error((*paths)[0] + ": has no samples");
  return dataset;
}

uint64_t NpyDataset::residentBytes(const StepSignature &signature,
                                   const std::vector<std::string> &files) {
  Expected<std::vector<std::string>> paths = assignFiles(signature, files);
  if (!paths.ok())
    return 0;
  std::vector<size_t> inputs = signature.sampledInputs();
  uint64_t bytes = 0;
  for (size_t i = 0, e = inputs.size(); i < e; ++i) {
    Expected<NpyArrayInfo> info = readNpyInfo((*paths)[i]);
    if (!info.ok())
      continue;
    std::optional<int64_t> elements = elementCount(info->shape);
    bytes = saturatingAdd(
        bytes, elements
                   ? saturatingMul(static_cast<uint64_t>(*elements),
                                   dtypeSize(signature.args[inputs[i]].dtype))
                   : UINT64_MAX);
  }
  return bytes;
}

void NpyDataset::fill(int64_t step, const std::vector<HostTensor *> &inputs) {
  int64_t batchesPerEpoch = numSamples / globalBatchSize();
  int64_t epoch = step / batchesPerEpoch;
  int64_t first = (step % batchesPerEpoch) * globalBatchSize() +
                  static_cast<int64_t>(shard.rank) * batchSize;
  if (shuffle && epoch != orderEpoch) {
    order.resize(numSamples);
    std::iota(order.begin(), order.end(), 0);
    Rng rng = Rng::stream(seed, "shuffle", static_cast<uint64_t>(epoch));
    for (int64_t i = numSamples - 1; i > 0; --i)
      std::swap(order[i], order[rng.below(static_cast<uint64_t>(i) + 1)]);
    orderEpoch = epoch;
  }
  for (size_t input = 0, e = inputs.size(); input < e; ++input) {
    size_t sampleBytes = arrays[input].buffer.size() / numSamples;
    for (int64_t row = 0; row < batchSize; ++row) {
      int64_t sample = shuffle ? order[first + row] : first + row;
      std::memcpy(inputs[input]->buffer.data() + row * sampleBytes,
                  arrays[input].buffer.data() + sample * sampleBytes,
                  sampleBytes);
    }
  }
}

int64_t NpyDataset::fillInOrder(int64_t first,
                                const std::vector<HostTensor *> &inputs) {
  int64_t filled =
      std::max<int64_t>(0, std::min(batchSize, numSamples - first));
  for (size_t input = 0, e = inputs.size(); input < e; ++input) {
    size_t sampleBytes = arrays[input].buffer.size() / numSamples;
    uint8_t *rows = inputs[input]->buffer.data();
    std::memcpy(rows, arrays[input].buffer.data() + first * sampleBytes,
                filled * sampleBytes);
    std::memset(rows + filled * sampleBytes, 0,
                (batchSize - filled) * sampleBytes);
  }
  return filled;
}

std::string NpyDataset::describe() const {
  std::string files;
  for (const std::string &path : paths)
    files += (files.empty() ? "" : ", ") + path;
  return files + ": " + std::to_string(numSamples) + " samples, " +
         std::to_string(numSamples / globalBatchSize()) + " batches of " +
         std::to_string(globalBatchSize()) + " per epoch" +
         (shard.ranks > 1 ? " (" + std::to_string(batchSize) + " per rank)"
                          : "") +
         (shuffle ? ", shuffled" : ", in order");
}

Expected<std::unique_ptr<SyntheticRegression>>
SyntheticRegression::create(const StepSignature &signature, uint64_t seed,
                            DataShard shard) {
  std::vector<size_t> inputs = signature.sampledInputs();
  auto unfit = [&](const std::string &why) {
    std::string list;
    for (size_t index : inputs)
      list += (list.empty() ? "" : ", ") + signature.args[index].describe();
    return Status::error("no data given, and the synthetic regression task "
                         "does not fit the step's batched inputs (" +
                         list + "): " + why + "; give data files instead");
  };
  if (inputs.size() != 2)
    return unfit("it needs exactly two inputs, x and y");
  const TensorSpec &x = signature.args[inputs[0]];
  const TensorSpec &y = signature.args[inputs[1]];
  if (!isFloatDType(x.dtype) || !isFloatDType(y.dtype))
    return unfit("x and y must be floating point");
  if (x.shape.size() < 2 || x.shape.size() != y.shape.size() ||
      !std::equal(x.shape.begin(), x.shape.end() - 1, y.shape.begin()))
    return unfit("x and y need rank >= 2 and the same dims but the last");

  std::optional<int64_t> weights = checkedMul(x.shape.back(), y.shape.back());
  if (x.shape.back() < 1 || y.shape.back() < 1 || !weights)
    return unfit("W_true (" + std::to_string(x.shape.back()) + " x " +
                 std::to_string(y.shape.back()) +
                 ") needs dims >= 1 whose "
                 "product fits in 64 bits");

  std::unique_ptr<SyntheticRegression> task(new SyntheticRegression());
  task->seed = seed;
  task->shard = shard;
  task->inputDim = x.shape.back();
  task->outputDim = y.shape.back();
  task->rows = x.numElements() / task->inputDim;
  Rng rng = Rng::stream(seed, "synthetic/w_true");
  double stddev = 1.0 / std::sqrt(static_cast<double>(task->inputDim));
  task->weights.resize(static_cast<size_t>(*weights));
  for (double &weight : task->weights)
    weight = rng.normal() * stddev;
  return task;
}

uint64_t SyntheticRegression::residentBytes(const StepSignature &signature) {
  std::vector<size_t> inputs = signature.sampledInputs();
  if (inputs.size() != 2)
    return 0;
  const TensorSpec &x = signature.args[inputs[0]];
  const TensorSpec &y = signature.args[inputs[1]];
  if (x.shape.empty() || y.shape.empty())
    return 0;
  return saturatingMul(saturatingMul(static_cast<uint64_t>(x.shape.back()),
                                     static_cast<uint64_t>(y.shape.back())),
                       sizeof(double));
}

void SyntheticRegression::fill(int64_t step,
                               const std::vector<HostTensor *> &inputs) {
  HostTensor &x = *inputs[0], &y = *inputs[1];
  Rng rng = Rng::stream(seed, "synthetic/x", static_cast<uint64_t>(step));
  // The rows of the lower ranks come first in the stream: skipping them
  // costs nothing, so every rank draws only its own rows.
  rng.skip(static_cast<uint64_t>(shard.rank) *
           static_cast<uint64_t>(x.numElements()) * Rng::kOutputsPerNormal);
  for (int64_t i = 0, e = x.numElements(); i < e; ++i)
    x.store(i, rng.normal());
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t out = 0; out < outputDim; ++out) {
      double sum = 0;
      // The targets use x as stored, so they are exact for the model's
      // inputs even when x is rounded to f16.
      for (int64_t in = 0; in < inputDim; ++in)
        sum += x.load(row * inputDim + in) * weights[in * outputDim + out];
      y.store(row * outputDim + out, std::tanh(sum));
    }
}

std::string SyntheticRegression::describe() const {
  return "synthetic regression y = tanh(x . W_true), x ~ N(0, 1) of " +
         std::to_string(rows * shard.ranks) + " x " + std::to_string(inputDim) +
         " per step" +
         (shard.ranks > 1 ? " (" + std::to_string(rows) + " rows per rank)"
                          : "") +
         ", W_true ~ N(0, 1/" + std::to_string(inputDim) + ")";
}
