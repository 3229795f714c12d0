//===- MemoryBudget.cpp - Will the run fit in memory? ---------------------===//

#include "mpt/Runtime/MemoryBudget.h"
#include "mpt/Runtime/Sizes.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/resource.h>

using namespace mpt::runtime;

namespace {
/// A cgroup limit this large means "no limit" (the kernel's unlimited
/// value, 2^63 rounded down to a page).
constexpr uint64_t kUnlimited = uint64_t(1) << 62;

/// The first line of `path`, without its newline.
std::optional<std::string> readLine(const std::string &path) {
  std::FILE *file = std::fopen(path.c_str(), "re");
  if (!file)
    return std::nullopt;
  char line[512];
  bool read = std::fgets(line, sizeof(line), file) != nullptr;
  std::fclose(file);
  if (!read)
    return std::nullopt;
  line[std::strcspn(line, "\n")] = '\0';
  return std::string(line);
}

std::optional<uint64_t> readNumber(const std::string &path) {
  std::optional<std::string> line = readLine(path);
  if (!line || line->empty() || (*line)[0] < '0' || (*line)[0] > '9')
    return std::nullopt;
  return std::strtoull(line->c_str(), nullptr, 10);
}

/// The value in kB of `key:` in a /proc file such as /proc/meminfo.
std::optional<uint64_t> readKilobytes(const char *path, const char *key) {
  std::FILE *file = std::fopen(path, "re");
  if (!file)
    return std::nullopt;
  std::optional<uint64_t> value;
  char line[256];
  size_t keyLength = std::strlen(key);
  while (std::fgets(line, sizeof(line), file))
    if (std::strncmp(line, key, keyLength) == 0 && line[keyLength] == ':') {
      value =
          saturatingMul(std::strtoull(line + keyLength + 1, nullptr, 10), 1024);
      break;
    }
  std::fclose(file);
  return value;
}

/// The cgroup path of the process for `controller` (empty for v2's
/// unified hierarchy) from /proc/self/cgroup.
std::optional<std::string> cgroupPath(const std::string &controller) {
  std::FILE *file = std::fopen("/proc/self/cgroup", "re");
  if (!file)
    return std::nullopt;
  std::optional<std::string> path;
  char line[1024];
  while (std::fgets(line, sizeof(line), file)) {
    line[std::strcspn(line, "\n")] = '\0';
    // hierarchy-id:controllers:path
    char *first = std::strchr(line, ':');
    char *second = first ? std::strchr(first + 1, ':') : nullptr;
    if (!second)
      continue;
    std::string controllers(first + 1, second);
    bool match = controller.empty()
                     ? controllers.empty()
                     : ("," + controllers + ",").find("," + controller + ",") !=
                           std::string::npos;
    if (match) {
      path = second + 1;
      break;
    }
  }
  std::fclose(file);
  return path;
}

/// Calls `visit(directory)` for the cgroup directory of the process under
/// `root` and each of its ancestors up to `root`.
template <typename Visit>
void forEachCgroup(const std::string &root, std::string path, Visit visit) {
  while (true) {
    visit(root + (path == "/" ? "" : path));
    size_t slash = path.find_last_of('/');
    if (path.empty() || path == "/" || slash == std::string::npos)
      return;
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
}
} // namespace

uint64_t MemoryEstimate::total() const {
  return saturatingAdd(saturatingAdd(saturatingAdd(state, stepBuffers),
                                     saturatingAdd(data, reading)),
                       activations);
}

std::string MemoryEstimate::describe() const {
  std::string text = "state " + formatByteSize(state) + " (both copies), ";
  text += "data " + formatByteSize(data) + ", ";
  text += "batch and results " + formatByteSize(stepBuffers) + ", ";
  if (reading)
    text += "reading the largest input file " + formatByteSize(reading) + ", ";
  return text + "the step's own memory at least " +
         formatByteSize(activations) +
         (activationsIncludeStaticScratch
              ? " (its gradients or its static scratch; its heap use is "
                "known only once it runs)"
              : " (its gradients; the rest is known only once it is "
                "compiled)");
}

std::optional<MemoryLimit> mpt::runtime::availableMemory() {
  std::optional<MemoryLimit> smallest;
  auto consider = [&](uint64_t bytes, std::string source) {
    if (!smallest || bytes < smallest->bytes)
      smallest = MemoryLimit{bytes, std::move(source)};
  };
  if (std::optional<uint64_t> available =
          readKilobytes("/proc/meminfo", "MemAvailable"))
    consider(*available, "MemAvailable in /proc/meminfo");

  auto considerCgroup = [&](const std::string &directory, const char *limitFile,
                            const char *usageFile) {
    std::optional<uint64_t> limit = readNumber(directory + "/" + limitFile);
    if (!limit || *limit >= kUnlimited)
      return;
    uint64_t usage = readNumber(directory + "/" + usageFile).value_or(0);
    consider(*limit > usage ? *limit - usage : 0,
             "the limit of the memory cgroup " + directory);
  };
  if (std::optional<std::string> unified = cgroupPath(""))
    forEachCgroup("/sys/fs/cgroup", *unified, [&](const std::string &dir) {
      considerCgroup(dir, "memory.max", "memory.current");
    });
  if (std::optional<std::string> memory = cgroupPath("memory"))
    forEachCgroup(
        "/sys/fs/cgroup/memory", *memory, [&](const std::string &dir) {
          considerCgroup(dir, "memory.limit_in_bytes", "memory.usage_in_bytes");
        });

  auto considerLimit = [&](int resource, const char *statusKey,
                           const char *source) {
    struct rlimit limit;
    if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
      return;
    uint64_t used = readKilobytes("/proc/self/status", statusKey).value_or(0);
    consider(limit.rlim_cur > used ? limit.rlim_cur - used : 0, source);
  };
  considerLimit(RLIMIT_AS, "VmSize", "the address-space limit (ulimit -v)");
  considerLimit(RLIMIT_DATA, "VmData", "the data-segment limit (ulimit -d)");
  return smallest;
}

Status mpt::runtime::checkMemory(const MemoryEstimate &estimate,
                                 const std::optional<MemoryLimit> &limit) {
  if (!limit || estimate.total() <= limit->bytes)
    return Status::success();
  return Status::error(
      "the run needs at least " + formatExactByteSize(estimate.total()) +
      " of memory, but only " + formatExactByteSize(limit->bytes) +
      " is available (" + limit->source + "): " + estimate.describe() +
      "; make the step or the data smaller, or set the limit with "
      "--max-memory if it is wrong");
}
