//===- RunOutputs.cpp - The files a training run writes -------------------===//

#include "RunOutputs.h"

#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/Safetensors.h"

#include <algorithm>
#include <cctype>

using namespace mpt::runtime;

namespace {
/// `a`, `a and b`, `a, b and c`.
std::string joinList(const std::vector<std::string> &items) {
  std::string text;
  for (size_t i = 0, e = items.size(); i < e; ++i)
    text += (i == 0 ? "" : i + 1 == e ? " and " : ", ") + items[i];
  return text;
}
} // namespace

RunOutputs::RunOutputs(const TrainerOptions &options, std::FILE *out)
    : options(options), out(out) {
  updateFatalNote();
}

RunOutputs::~RunOutputs() { setOutputsNote(""); }

Status RunOutputs::open(const std::string &metricsHeader) {
  for (const std::string *path : {&options.savePath, &options.checkpointPath,
                                  &options.metricsPath, &options.summaryPath})
    if (!path->empty())
      for (const std::string &removed : removeStaleTemporaries(*path))
        std::fprintf(out,
                     "removed %s: a temporary file of a run that was killed "
                     "(no process holds it)\n",
                     removed.c_str());
  if (options.metricsPath.empty())
    return Status::success();
  Expected<AtomicFile> file = AtomicFile::create(options.metricsPath);
  if (!file.ok())
    return file.takeError();
  metrics.emplace(std::move(*file));
  return metrics->write(metricsHeader);
}

Status RunOutputs::addMetrics(const std::string &line) {
  return metrics ? metrics->write(line) : Status::success();
}

Status RunOutputs::writeCheckpoint(const TrainingState &state) {
  Expected<AtomicFile> file = AtomicFile::create(options.checkpointPath);
  if (!file.ok())
    return file.takeError();
  if (Status status =
          writeSafetensors(*file, state.checkpointView(options.seed));
      !status.ok())
    return status;
  if (Status status = file->commit(); !status.ok())
    return status;
  periodicCheckpointStep = state.step();
  updateFatalNote();
  return Status::success();
}

Status RunOutputs::commit(const TrainingState &state, bool withParams,
                          const std::string &summaryJson) {
  std::vector<AtomicFile> files;
  files.reserve(3);
  auto start = [&](const std::string &path) -> Expected<AtomicFile *> {
    Expected<AtomicFile> file = AtomicFile::create(path);
    if (!file.ok())
      return file.takeError();
    return &files.emplace_back(std::move(*file));
  };
  if (!options.checkpointPath.empty()) {
    Expected<AtomicFile *> file = start(options.checkpointPath);
    if (!file.ok())
      return file.takeError();
    if (Status status =
            writeSafetensors(**file, state.checkpointView(options.seed));
        !status.ok())
      return status;
  }
  if (withParams && !options.savePath.empty()) {
    Expected<AtomicFile *> file = start(options.savePath);
    if (!file.ok())
      return file.takeError();
    if (Status status = writeSafetensors(**file, state.paramsView());
        !status.ok())
      return status;
  }
  if (!options.summaryPath.empty()) {
    Expected<AtomicFile *> file = start(options.summaryPath);
    if (!file.ok())
      return file.takeError();
    if (Status status = (*file)->write(summaryJson); !status.ok())
      return status;
  }
  std::vector<AtomicFile *> all;
  for (AtomicFile &file : files)
    all.push_back(&file);
  if (metrics)
    all.push_back(&*metrics);
  if (Status status = commitAll(all); !status.ok())
    return status;
  setOutputsNote("the run's outputs were written");
  return Status::success();
}

std::string
RunOutputs::listOutputs(const std::vector<std::string> &except,
                        std::optional<int64_t> checkpointStep) const {
  std::vector<std::string> listed;
  for (auto [what, path] :
       {std::pair{"the parameters", &options.savePath},
        std::pair{"the checkpoint", &options.checkpointPath},
        std::pair{"the metrics", &options.metricsPath},
        std::pair{"the summary", &options.summaryPath}}) {
    if (path->empty() ||
        std::find(except.begin(), except.end(), *path) != except.end())
      continue;
    listed.push_back(std::string(what) + " '" + *path + "'");
    if (path == &options.checkpointPath && checkpointStep)
      listed.back() += " (step " + std::to_string(*checkpointStep) + ")";
  }
  return joinList(listed);
}

std::string RunOutputs::afterFailure() const {
  if (!periodicCheckpointStep)
    return "Nothing was saved";
  std::string others = listOutputs({options.checkpointPath});
  return "The checkpoint '" + options.checkpointPath +
         "' holds the state after step " +
         std::to_string(*periodicCheckpointStep) +
         ", the last one --checkpoint-every wrote; nothing else was saved" +
         (others.empty() ? "" : " (not written: " + others + ")");
}

std::string RunOutputs::afterInterruption(int64_t step) const {
  std::string written = listOutputs({options.savePath}, step);
  std::string text =
      written.empty() ? "nothing was written" : "wrote " + written;
  if (options.savePath.empty())
    return text;
  text += "; the parameters were not saved to '" + options.savePath +
          "', as the run did not finish";
  return text + (options.checkpointPath.empty()
                     ? " (give --checkpoint to keep the state of a run that "
                       "is stopped)"
                     : " (resume from the checkpoint to finish it)");
}

void RunOutputs::updateFatalNote() const {
  std::string note = afterFailure();
  note[0] = static_cast<char>(std::tolower(note[0]));
  setOutputsNote(note);
}
