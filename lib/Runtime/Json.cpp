//===- Json.cpp - The JSON subset of safetensors headers ------------------===//

#include "Json.h"

#include <cmath>
#include <cstdlib>
#include <set>

using namespace mpt::runtime;

namespace {
class JsonParser {
public:
  explicit JsonParser(std::string_view text) : text(text) {}

  Expected<JsonValue> parseDocument() {
    JsonValue value;
    if (Status status = parseValue(value, 0); !status.ok())
      return status;
    skipSpace();
    if (position != text.size())
      return fail("unexpected text after the JSON value");
    return value;
  }

private:
  static constexpr int kMaxDepth = 32;

  Status fail(const std::string &what) const {
    return Status::error("invalid JSON at offset " + std::to_string(position) +
                         ": " + what);
  }

  void skipSpace() {
    while (position < text.size() &&
           (text[position] == ' ' || text[position] == '\t' ||
            text[position] == '\n' || text[position] == '\r'))
      ++position;
  }

  bool consume(char c) {
    skipSpace();
    if (position < text.size() && text[position] == c) {
      ++position;
      return true;
    }
    return false;
  }

  bool consumeWord(std::string_view word) {
    if (text.substr(position, word.size()) != word)
      return false;
    position += word.size();
    return true;
  }

  Status parseValue(JsonValue &value, int depth) {
    if (depth > kMaxDepth)
      return fail("nested too deeply");
    skipSpace();
    if (position == text.size())
      return fail("unexpected end of text");
    char c = text[position];
    if (c == '{')
      return parseObject(value, depth);
    if (c == '[')
      return parseArray(value, depth);
    if (c == '"') {
      value.kind = JsonValue::Kind::String;
      return parseString(value.text);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
      return parseNumber(value);
    if (consumeWord("true") || consumeWord("false")) {
      value.kind = JsonValue::Kind::Bool;
      value.boolean = c == 't';
      return Status::success();
    }
    if (consumeWord("null"))
      return Status::success();
    return fail(std::string("unexpected character '") + c + "'");
  }

  Status parseObject(JsonValue &value, int depth) {
    value.kind = JsonValue::Kind::Object;
    ++position;
    std::set<std::string> keys;
    if (consume('}'))
      return Status::success();
    do {
      skipSpace();
      std::string key;
      if (position == text.size() || text[position] != '"')
        return fail("expected a string key");
      if (Status status = parseString(key); !status.ok())
        return status;
      if (!keys.insert(key).second)
        return fail("duplicate key \"" + key + "\"");
      if (!consume(':'))
        return fail("expected ':' after key \"" + key + "\"");
      JsonValue member;
      if (Status status = parseValue(member, depth + 1); !status.ok())
        return status;
      value.members.emplace_back(std::move(key), std::move(member));
    } while (consume(','));
    if (!consume('}'))
      return fail("expected ',' or '}' in an object");
    return Status::success();
  }

  Status parseArray(JsonValue &value, int depth) {
    value.kind = JsonValue::Kind::Array;
    ++position;
    if (consume(']'))
      return Status::success();
    do {
      JsonValue item;
      if (Status status = parseValue(item, depth + 1); !status.ok())
        return status;
      value.items.push_back(std::move(item));
    } while (consume(','));
    if (!consume(']'))
      return fail("expected ',' or ']' in an array");
    return Status::success();
  }

  Status parseNumber(JsonValue &value) {
    value.kind = JsonValue::Kind::Number;
    size_t start = position;
    auto digits = [&] {
      size_t first = position;
      while (position < text.size() && text[position] >= '0' &&
             text[position] <= '9')
        ++position;
      return position > first;
    };
    if (text[position] == '-')
      ++position;
    if (!digits())
      return fail("expected digits");
    if (position < text.size() && text[position] == '.') {
      ++position;
      if (!digits())
        return fail("expected digits after '.'");
    }
    if (position < text.size() &&
        (text[position] == 'e' || text[position] == 'E')) {
      ++position;
      if (position < text.size() &&
          (text[position] == '+' || text[position] == '-'))
        ++position;
      if (!digits())
        return fail("expected exponent digits");
    }
    value.text = std::string(text.substr(start, position - start));
    return Status::success();
  }

  /// Appends code point `code` to `out` in UTF-8.
  static void appendUtf8(std::string &out, uint32_t code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::optional<uint32_t> parseHex4() {
    if (text.size() - position < 4)
      return std::nullopt;
    uint32_t code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[position++];
      code <<= 4;
      if (c >= '0' && c <= '9')
        code |= c - '0';
      else if (c >= 'a' && c <= 'f')
        code |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        code |= c - 'A' + 10;
      else
        return std::nullopt;
    }
    return code;
  }

  Status parseString(std::string &out) {
    ++position; // The opening quote.
    while (true) {
      if (position == text.size())
        return fail("unterminated string");
      char c = text[position++];
      if (c == '"')
        return Status::success();
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (position == text.size())
        return fail("unterminated escape");
      char escape = text[position++];
      switch (escape) {
      case '"':
      case '\\':
      case '/':
        out += escape;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::optional<uint32_t> code = parseHex4();
        if (!code)
          return fail("expected four hex digits after \\u");
        if (*code >= 0xD800 && *code < 0xDC00) {
          std::optional<uint32_t> low;
          if (consumeWord("\\u"))
            low = parseHex4();
          if (!low || *low < 0xDC00 || *low >= 0xE000)
            return fail("unpaired UTF-16 surrogate");
          *code = 0x10000 + ((*code - 0xD800) << 10) + (*low - 0xDC00);
        } else if (*code >= 0xDC00 && *code < 0xE000) {
          return fail("unpaired UTF-16 surrogate");
        }
        appendUtf8(out, *code);
        break;
      }
      default:
        return fail(std::string("unknown escape '\\") + escape + "'");
      }
    }
  }

  std::string_view text;
  size_t position = 0;
};
} // namespace

std::optional<uint64_t> JsonValue::asUnsigned() const {
  if (kind != Kind::Number || text.empty() || text[0] == '-' ||
      text.find_first_of(".eE") != std::string::npos)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (value > (UINT64_MAX - 9) / 10)
      return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

std::optional<double> JsonValue::asFiniteNumber() const {
  if (kind != Kind::Number)
    return std::nullopt;
  // The parser accepted the text as a JSON number, which strtod reads
  // whole; only its range can fail.
  double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value))
    return std::nullopt;
  return value;
}

const JsonValue *JsonValue::find(std::string_view key) const {
  if (kind != Kind::Object)
    return nullptr;
  for (const auto &[name, value] : members)
    if (name == key)
      return &value;
  return nullptr;
}

Expected<JsonValue> mpt::runtime::parseJson(std::string_view text) {
  return JsonParser(text).parseDocument();
}

std::string mpt::runtime::quoteJson(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}
