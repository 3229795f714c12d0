//===- CommandLine.h - The flags of mpt-run and its trainers ----*- C++ -*-===//
//
// One parser for every command line of the project's training tools: a
// table of flags, each with its name, what its value looks like, its help
// text and a setter that parses and checks the value. `--help` is written
// from the table, and every error is one line that names the flag, what it
// expects and what it got (`--steps expects an integer >= 1, got 'abc'`).
// Adding a flag is adding one entry.
//
// Flags are written `--name=value` or `--name value` (one dash will do); a
// flag with an implicit value (a switch such as `--grad-stats`) takes a
// value only after '='.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_COMMANDLINE_H
#define MPT_RUNTIME_COMMANDLINE_H

#include "mpt/Runtime/Status.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mpt {
namespace runtime {

/// Takes one value of a flag. An error says what the flag expects and what
/// it got, without the flag's name: "expects an integer, got 'abc'".
using FlagSetter = std::function<Status(const std::string &value)>;

struct Flag {
  /// Without dashes: "steps".
  std::string name;
  /// What the value looks like, for --help and errors: "N", "FILE".
  std::string valueName;
  std::string help;
  FlagSetter set;
  /// The value of the flag written without one (`--grad-stats` means
  /// `--grad-stats=true`). Unset: the flag needs a value.
  std::optional<std::string> implicitValue;
  /// Whether the flag may be given more than once (each value adds to a
  /// list); otherwise a second occurrence is an error.
  bool repeatable = false;
  /// The section of --help it is listed in; tools select flags by group.
  std::string group;

  /// The values the command line gave, in order (implicit ones included).
  std::vector<std::string> values;
  bool given() const { return !values.empty(); }
};

class CommandLine {
public:
  /// `program` names the tool in the usage line, `description` says what
  /// it does.
  CommandLine(std::string program, std::string description)
      : program(std::move(program)), description(std::move(description)) {}

  /// Adds a flag to `group`; names are unique.
  Flag &add(std::string group, Flag flag);
  /// The one positional argument the tool takes (`MODEL.mlir`); without
  /// it, positional arguments are errors.
  void setPositional(std::string valueName, FlagSetter set);

  /// Parses `argv[1..argc)`. Stops at the first error, whose message is one
  /// line without the program's name. With `--help` (or `-h`) anywhere it
  /// parses nothing and helpRequested() is true.
  Status parse(int argc, const char *const *argv);
  bool helpRequested() const { return helpWanted; }
  /// Usage, description and every flag by group.
  std::string help() const;

  const Flag *find(std::string_view name) const;
  bool given(std::string_view name) const;
  const std::deque<Flag> &flags() const { return table; }
  /// The flags of `groups` that were given, as `--name=value` for each
  /// value, in the order of the table: how one tool passes them on to
  /// another.
  std::vector<std::string>
  arguments(const std::vector<std::string> &groups) const;

private:
  Flag *lookup(std::string_view name);
  Status setFlag(Flag &flag, const std::string &value);
  std::string unknownFlagError(std::string_view name) const;

  std::string program, description;
  std::deque<Flag> table;
  std::vector<std::string> groupOrder;
  std::string positionalName;
  FlagSetter positionalSetter;
  std::optional<std::string> positionalValue;
  bool helpWanted = false;
};

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

/// `text` as a decimal integer in [min, max]; the error reads "expects an
/// integer >= 1, got '0'".
Expected<int64_t> parseIntegerValue(const std::string &text,
                                    int64_t min = INT64_MIN,
                                    int64_t max = INT64_MAX);
/// `text` as a decimal integer in [0, 2^64 - 1].
Expected<uint64_t> parseUnsignedValue(const std::string &text);
/// `text` as a finite number; `rule` is "", "> 0" or ">= 0".
Expected<double> parseNumberValue(const std::string &text,
                                  std::string_view rule = "");
/// true or false (also 1 or 0).
Expected<bool> parseBoolValue(const std::string &text);

/// Splits `a,b,,c` into {"a", "b", "", "c"}; an empty text gives {""}.
std::vector<std::string> splitCommas(const std::string &text);

//===----------------------------------------------------------------------===//
// Flags that store their value
//===----------------------------------------------------------------------===//

/// An integer in [min, max]; the help gets the target's value as default.
Flag integerFlag(std::string name, std::string valueName, std::string help,
                 int64_t &target, int64_t min = INT64_MIN,
                 int64_t max = INT64_MAX);
/// A finite number obeying `rule` (see parseNumberValue).
Flag numberFlag(std::string name, std::string valueName, std::string help,
                std::optional<double> &target, std::string_view rule = "");
/// A non-empty text (a path, a name).
Flag textFlag(std::string name, std::string valueName, std::string help,
              std::string &target);
/// One of `choices`; the help gets the target's value as default.
Flag choiceFlag(std::string name, std::string help, std::string &target,
                std::vector<std::string> choices);
/// A switch: `--name` sets true, `--name=false` false; the help gets the
/// target's value as default.
Flag switchFlag(std::string name, std::string help, bool &target);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_COMMANDLINE_H
