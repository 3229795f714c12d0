//===- CommandLine.cpp - The flags of mpt-run and its trainers ------------===//

#include "mpt/Runtime/CommandLine.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

using namespace mpt::runtime;

namespace {
constexpr size_t kHelpColumn = 30, kHelpWidth = 80;

std::string quoted(const std::string &text) { return "'" + text + "'"; }

Status expected(const std::string &what, const std::string &text) {
  return Status::error("expects " + what + ", got " +
                       (text.empty() ? std::string("nothing") : quoted(text)));
}

/// How a flag is written in --help: `--steps=N`, `--grad-stats[=true|false]`,
/// `-o FILE` (a one-letter name takes one dash, as compilers' `-o` does).
std::string spelling(const Flag &flag) {
  if (flag.name.size() == 1)
    return "-" + flag.name +
           (flag.valueName.empty() ? "" : " " + flag.valueName);
  std::string text = "--" + flag.name;
  if (flag.valueName.empty())
    return text;
  return flag.implicitValue ? text + "[=" + flag.valueName + "]"
                            : text + "=" + flag.valueName;
}

/// Appends `text` to `out`, broken into lines of at most kHelpWidth
/// columns, each after `indent` columns (the first line's are already
/// written).
void appendWrapped(std::string &out, const std::string &text, size_t column,
                   size_t indent) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos)
      end = text.size();
    std::string word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty())
      continue;
    if (column > indent && column + 1 + word.size() > kHelpWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
}

/// Levenshtein distance, for suggesting the flag a typo meant.
size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string withDefault(std::string help, const std::string &value) {
  return help + " (default " + value + ")";
}
} // namespace

//===----------------------------------------------------------------------===//
// CommandLine
//===----------------------------------------------------------------------===//

Flag &CommandLine::add(std::string group, Flag flag) {
  if (std::find(groupOrder.begin(), groupOrder.end(), group) ==
      groupOrder.end())
    groupOrder.push_back(group);
  flag.group = std::move(group);
  table.push_back(std::move(flag));
  return table.back();
}

void CommandLine::setPositional(std::string valueName, FlagSetter set) {
  positionalName = std::move(valueName);
  positionalSetter = std::move(set);
}

const Flag *CommandLine::find(std::string_view name) const {
  for (const Flag &flag : table)
    if (flag.name == name)
      return &flag;
  return nullptr;
}

Flag *CommandLine::lookup(std::string_view name) {
  return const_cast<Flag *>(std::as_const(*this).find(name));
}

bool CommandLine::given(std::string_view name) const {
  const Flag *flag = find(name);
  return flag && flag->given();
}

std::string CommandLine::unknownFlagError(std::string_view name) const {
  std::string message = "unknown flag '--" + std::string(name) + "'";
  // The closest name within a few edits; among equally close ones, a
  // name of the typo's length (a mistyped letter more than a missing one).
  const Flag *nearest = nullptr;
  auto lengthGap = [&](const Flag &flag) {
    return std::max(flag.name.size(), name.size()) -
           std::min(flag.name.size(), name.size());
  };
  size_t best = std::max<size_t>(2, name.size() / 3) + 1;
  for (const Flag &flag : table) {
    size_t distance = editDistance(name, flag.name);
    if (distance < best || (nearest && distance == best &&
                            lengthGap(flag) < lengthGap(*nearest))) {
      best = distance;
      nearest = &flag;
    }
  }
  if (nearest)
    return message + "; did you mean '--" + nearest->name + "'?";
  return message + " (" + program + " --help lists the flags)";
}

Status CommandLine::setFlag(Flag &flag, const std::string &value) {
  if (flag.given() && !flag.repeatable)
    return Status::error("--" + flag.name + " is given twice (" +
                         quoted(flag.values.front()) + " and " + quoted(value) +
                         ")");
  if (Status status = flag.set(value); !status.ok())
    return Status::error("--" + flag.name + " " + status.message());
  flag.values.push_back(value);
  return Status::success();
}

Status CommandLine::parse(int argc, const char *const *argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h") {
      helpWanted = true;
      return Status::success();
    }
  }
  bool flagsEnded = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!flagsEnded && arg == "--") {
      flagsEnded = true;
      continue;
    }
    if (flagsEnded || arg.size() < 2 || arg[0] != '-') {
      if (!positionalSetter)
        return Status::error("unexpected argument " + quoted(arg) +
                             ": flags are written --name=value");
      if (positionalValue)
        return Status::error("expects one " + positionalName + ", got " +
                             quoted(*positionalValue) + " and " + quoted(arg));
      if (Status status = positionalSetter(arg); !status.ok())
        return status;
      positionalValue = arg;
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    size_t equals = body.find('=');
    std::string name = body.substr(0, equals);
    Flag *flag = lookup(name);
    if (!flag)
      return Status::error(unknownFlagError(name));
    std::string value;
    if (equals != std::string::npos)
      value = body.substr(equals + 1);
    else if (flag->implicitValue)
      value = *flag->implicitValue;
    else if (i + 1 < argc)
      value = argv[++i];
    else
      return Status::error("--" + name + " expects a value: --" + name + "=" +
                           flag->valueName);
    if (Status status = setFlag(*flag, value); !status.ok())
      return status;
  }
  if (positionalSetter && !positionalValue)
    return Status::error("expects " + positionalName + ": " + program +
                         " [flags] " + positionalName);
  return Status::success();
}

std::string CommandLine::help() const {
  std::string out = "usage: " + program + " [flags]";
  if (positionalSetter)
    out += " " + positionalName;
  out += "\n\n";
  appendWrapped(out, description, 0, 0);
  out += "\n";
  for (const std::string &group : groupOrder) {
    out += "\n" + group + ":\n";
    for (const Flag &flag : table) {
      if (flag.group != group)
        continue;
      std::string line = "  " + spelling(flag);
      if (line.size() + 2 > kHelpColumn)
        line += "\n" + std::string(kHelpColumn, ' ');
      else
        line.resize(kHelpColumn, ' ');
      out += line;
      appendWrapped(out, flag.help, kHelpColumn, kHelpColumn);
      out += "\n";
    }
  }
  out += "\nFlags are written --name=value or --name value; --help prints "
         "this.\n";
  return out;
}

std::vector<std::string>
CommandLine::arguments(const std::vector<std::string> &groups) const {
  std::vector<std::string> arguments;
  for (const Flag &flag : table)
    if (std::find(groups.begin(), groups.end(), flag.group) != groups.end())
      for (const std::string &value : flag.values)
        arguments.push_back("--" + flag.name + "=" + value);
  return arguments;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

Expected<int64_t> mpt::runtime::parseIntegerValue(const std::string &text,
                                                  int64_t min, int64_t max) {
  std::string what = "an integer";
  if (min != INT64_MIN && max != INT64_MAX)
    what += " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  else if (min != INT64_MIN)
    what += " >= " + std::to_string(min);
  else if (max != INT64_MAX)
    what += " <= " + std::to_string(max);
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  // strtoll skips leading space; a flag value has none.
  bool spaceless =
      !text.empty() && text.find_first_of(" \t\n") == std::string::npos;
  if (!spaceless || *end || errno == ERANGE || value < min || value > max)
    return expected(what, text);
  return static_cast<int64_t>(value);
}

Expected<uint64_t> mpt::runtime::parseUnsignedValue(const std::string &text) {
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] < '0' || text[0] > '9' || *end || errno == ERANGE)
    return expected("an integer in [0, 2^64 - 1]", text);
  return static_cast<uint64_t>(value);
}

Expected<double> mpt::runtime::parseNumberValue(const std::string &text,
                                                std::string_view rule) {
  std::string what = "a finite number";
  if (!rule.empty())
    what += " " + std::string(rule);
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  bool whitespace = text.find_first_of(" \t\n") != std::string::npos;
  if (text.empty() || whitespace || *end || !std::isfinite(value) ||
      (rule == "> 0" && !(value > 0)) || (rule == ">= 0" && !(value >= 0)))
    return expected(what, text);
  return value;
}

Expected<bool> mpt::runtime::parseBoolValue(const std::string &text) {
  if (text == "true" || text == "1")
    return true;
  if (text == "false" || text == "0")
    return false;
  return expected("true or false", text);
}

std::vector<std::string> mpt::runtime::splitCommas(const std::string &text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

//===----------------------------------------------------------------------===//
// Flags that store their value
//===----------------------------------------------------------------------===//

Flag mpt::runtime::integerFlag(std::string name, std::string valueName,
                               std::string help, int64_t &target, int64_t min,
                               int64_t max) {
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = std::move(valueName);
  flag.help = withDefault(std::move(help), std::to_string(target));
  flag.set = [&target, min, max](const std::string &text) -> Status {
    Expected<int64_t> value = parseIntegerValue(text, min, max);
    if (!value.ok())
      return value.takeError();
    target = *value;
    return Status::success();
  };
  return flag;
}

Flag mpt::runtime::numberFlag(std::string name, std::string valueName,
                              std::string help, std::optional<double> &target,
                              std::string_view rule) {
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = std::move(valueName);
  flag.help = std::move(help);
  flag.set = [&target, rule = std::string(rule)](const std::string &text) {
    Expected<double> value = parseNumberValue(text, rule);
    if (!value.ok())
      return value.takeError();
    target = *value;
    return Status::success();
  };
  return flag;
}

Flag mpt::runtime::textFlag(std::string name, std::string valueName,
                            std::string help, std::string &target) {
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = std::move(valueName);
  flag.help = std::move(help);
  flag.set = [&target, what = flag.valueName](const std::string &text) {
    if (text.empty())
      return expected(what, text);
    target = text;
    return Status::success();
  };
  return flag;
}

Flag mpt::runtime::choiceFlag(std::string name, std::string help,
                              std::string &target,
                              std::vector<std::string> choices) {
  std::string listed, spelled;
  for (size_t i = 0, e = choices.size(); i < e; ++i) {
    listed += (i == 0 ? "" : i + 1 == e ? " or " : ", ") + choices[i];
    spelled += (i == 0 ? "" : "|") + choices[i];
  }
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = spelled;
  flag.help = withDefault(std::move(help), target);
  flag.set = [&target, choices = std::move(choices),
              listed](const std::string &text) {
    if (std::find(choices.begin(), choices.end(), text) == choices.end())
      return expected(listed, text);
    target = text;
    return Status::success();
  };
  return flag;
}

Flag mpt::runtime::switchFlag(std::string name, std::string help,
                              bool &target) {
  Flag flag;
  flag.name = std::move(name);
  flag.valueName = "true|false";
  flag.help = withDefault(std::move(help), target ? "true" : "false");
  flag.implicitValue = "true";
  flag.set = [&target](const std::string &text) -> Status {
    Expected<bool> value = parseBoolValue(text);
    if (!value.ok())
      return value.takeError();
    target = *value;
    return Status::success();
  };
  return flag;
}
