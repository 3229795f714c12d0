//===- Validation.cpp - The model on held-out data ------------------------===//

#include "mpt/Runtime/Validation.h"

using namespace mpt::runtime;

Expected<std::unique_ptr<Validator>>
Validator::prepare(const StepSignature &training,
                   const StepSignature &evaluation,
                   const std::vector<std::string> &files,
                   const std::map<std::string, double> &scalarInputs) {
  if (Status status = evaluation.verify(); !status.ok())
    return std::move(status).withContext("evaluation function '" +
                                         evaluation.name + "'");
  std::unique_ptr<Validator> validator(new Validator(evaluation));
  for (const TensorSpec &arg : evaluation.args) {
    if (arg.role == Role::Batch) {
      HostTensor &tensor = validator->batch.emplace_back(arg.dtype, arg.shape);
      if (arg.shape.empty()) {
        auto value = scalarInputs.find(arg.name);
        if (value == scalarInputs.end())
          return Status::error("batch input '" + arg.name +
                               "' of the evaluation function has no value");
        tensor.store(0, value->second);
      }
      continue;
    }
    // Parameters and buffers are read from the training state.
    std::optional<size_t> param = training.findArg(arg.role, arg.name);
    if (!param || training.args[*param].dtype != arg.dtype ||
        training.args[*param].shape != arg.shape)
      return Status::error("the evaluation function's " + arg.describe() +
                           " is not in the training step's state");
    validator->trainingArgOfParam.push_back(*param);
  }
  for (HostTensor &tensor : validator->batch)
    if (!tensor.shape.empty())
      validator->sampled.push_back(&tensor);
  for (const TensorSpec &result : evaluation.results)
    validator->results.emplace_back(result.dtype, result.shape);
  validator->sampleLoss = *evaluation.findResult(Role::SampleLoss);
  validator->prediction = *evaluation.findResult(Role::Prediction);
  validator->target = *evaluation.findResult(Role::Target);
  validator->buffers.resize(evaluation.args.size() + evaluation.results.size());

  Expected<std::unique_ptr<NpyDataset>> data =
      NpyDataset::loadHeldOut(evaluation, files);
  if (!data.ok())
    return data.takeError().withContext("--validate");
  validator->data = std::move(*data);
  return validator;
}

namespace {
/// The index of the largest of `count` values from `first` (the first of
/// equal ones).
int64_t argmax(const HostTensor &tensor, int64_t first, int64_t count) {
  int64_t best = 0;
  for (int64_t i = 1; i < count; ++i)
    if (tensor.load(first + i) > tensor.load(first + best))
      best = i;
  return best;
}

/// The class of a one-hot row (one 1, zeros elsewhere), or -1.
int64_t oneHotClass(const HostTensor &tensor, int64_t first, int64_t count) {
  int64_t hot = -1;
  for (int64_t i = 0; i < count; ++i) {
    double value = tensor.load(first + i);
    if (value == 1 && hot < 0)
      hot = i;
    else if (value != 0)
      return -1;
  }
  return hot;
}
} // namespace

void Validator::accumulate(int64_t filled) {
  const HostTensor &losses = results[sampleLoss];
  const HostTensor &scores = results[prediction];
  const HostTensor &targets = results[target];
  int64_t batchSize = losses.numElements();
  int64_t rowsPerSample = scores.shape.front() / batchSize;
  int64_t classes = scores.shape.size() == 2 ? scores.shape.back() : 0;
  bool labels = !isFloatDType(targets.dtype) && targets.shape.size() == 1;
  bool rowsOfClasses = targets.shape == scores.shape;
  if (classes < 2 || (!labels && !rowsOfClasses) ||
      (labels && !evaluation.scoresClasses))
    accuracyDefined = false;
  for (int64_t sample = 0; sample < filled; ++sample) {
    lossSum += losses.load(sample);
    for (int64_t row = sample * rowsPerSample;
         accuracyDefined && row < (sample + 1) * rowsPerSample; ++row) {
      int64_t expected;
      if (labels)
        expected = static_cast<int64_t>(targets.load(row));
      else if (evaluation.scoresClasses)
        expected = argmax(targets, row * classes, classes);
      else
        expected = oneHotClass(targets, row * classes, classes);
      if (expected < 0) {
        accuracyDefined = false;
        break;
      }
      correctRows += argmax(scores, row * classes, classes) == expected;
      ++rows;
    }
  }
}

std::string Validator::describe() const {
  std::string text;
  for (const std::string &path : data->files())
    text += (text.empty() ? "" : ", ") + path;
  int64_t samples = data->samples(), batchSize = evaluation.batchSize();
  int64_t batches = (samples + batchSize - 1) / batchSize;
  text += ": " + std::to_string(samples) + " samples in " +
          std::to_string(batches) + " batch" + (batches == 1 ? "" : "es") +
          " of " + std::to_string(batchSize);
  if (int64_t last = samples % batchSize)
    text += " (the last padded from " + std::to_string(last) + ")";
  return text;
}

ValidationResult Validator::run(void (*evaluate)(void **),
                                TrainingState &state) {
  lossSum = 0;
  rows = correctRows = 0;
  accuracyDefined = true;
  size_t param = 0, input = 0;
  for (size_t i = 0, e = evaluation.args.size(); i < e; ++i)
    buffers[i] = evaluation.args[i].role != Role::Batch
                     ? state.current(trainingArgOfParam[param++])
                     : batch[input++].buffer.data();
  for (size_t i = 0, e = results.size(); i < e; ++i)
    buffers[evaluation.args.size() + i] = results[i].buffer.data();

  int64_t batchSize = evaluation.batchSize();
  for (int64_t first = 0; first < data->samples(); first += batchSize) {
    int64_t filled = data->fillInOrder(first, sampled);
    evaluate(buffers.data());
    accumulate(filled);
  }
  ValidationResult result;
  result.samples = data->samples();
  result.loss = lossSum / static_cast<double>(result.samples);
  if (accuracyDefined && rows > 0)
    result.accuracy =
        static_cast<double>(correctRows) / static_cast<double>(rows);
  return result;
}
