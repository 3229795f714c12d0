//===- Json.h - The JSON subset of safetensors headers ----------*- C++ -*-===//
//
// A strict RFC 8259 parser (objects, arrays, strings with escapes, numbers,
// true/false/null) with a nesting limit, and string escaping for the
// writer. Internal to the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_RUNTIME_JSON_H
#define MPT_LIB_RUNTIME_JSON_H

#include "mpt/Runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mpt {
namespace runtime {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  /// Numbers keep their text, so integers are read back exactly.
  std::string text;
  std::vector<JsonValue> items;
  /// Members in file order; the parser rejects duplicate keys.
  std::vector<std::pair<std::string, JsonValue>> members;

  /// The value of a non-negative integer number without fraction or
  /// exponent, if it is one that fits 64 bits.
  std::optional<uint64_t> asUnsigned() const;
  /// The value of a number that is finite as a double.
  std::optional<double> asFiniteNumber() const;
  /// The member `key` of an object; null when absent or not an object.
  const JsonValue *find(std::string_view key) const;
};

Expected<JsonValue> parseJson(std::string_view text);

/// `text` as a JSON string literal, quotes included.
std::string quoteJson(std::string_view text);

} // namespace runtime
} // namespace mpt

#endif // MPT_LIB_RUNTIME_JSON_H
