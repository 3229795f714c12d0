//===- Status.h - Error handling of the training runtime --------*- C++ -*-===//
//
// The runtime is plain C++17 without exceptions, so that an ahead-of-time
// trainer can link it alone. Every fallible operation returns a Status or an
// Expected<T> whose message is a complete sentence for the user, naming the
// file or tensor and what was expected versus found.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_STATUS_H
#define MPT_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace mpt {
namespace runtime {

/// Success, or an error with a message.
class [[nodiscard]] Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status status;
    status.failed = true;
    status.text = std::move(message);
    return status;
  }

  bool ok() const { return !failed; }
  const std::string &message() const { return text; }

  /// Prefixes the message with `context: ` (e.g. the file being read).
  Status withContext(const std::string &context) && {
    if (failed)
      text = context + ": " + text;
    return std::move(*this);
  }

private:
  Status() = default;
  bool failed = false;
  std::string text;
};

/// A value, or the error that prevented computing it.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : value(std::move(value)), status(Status::success()) {}
  Expected(Status error) : status(std::move(error)) {
    assert(!status.ok() && "an Expected without a value needs an error");
  }

  bool ok() const { return status.ok(); }
  const Status &error() const { return status; }
  Status takeError() { return std::move(status); }

  T &operator*() { return *value; }
  const T &operator*() const { return *value; }
  T *operator->() { return &*value; }
  const T *operator->() const { return &*value; }

private:
  std::optional<T> value;
  Status status;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_STATUS_H
