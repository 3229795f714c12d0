//===- Npy.cpp - NumPy .npy reader ----------------------------------------===//

#include "mpt/Runtime/Npy.h"
#include "mpt/Runtime/FileIO.h"
#include "mpt/Runtime/Sizes.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

using namespace mpt::runtime;

namespace {
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// The three header fields.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Parses the Python dict literal of a .npy header, strictly: exactly the
/// keys 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a
/// tuple of non-negative integers), each once.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  Expected<NpyHeader> parse() {
    NpyHeader header;
    bool seenDescr = false, seenOrder = false, seenShape = false;
    if (!consume('{'))
      return fail("expected '{' at the start of the header dict");
    while (!consume('}')) {
      std::optional<std::string> key = parseString();
      if (!key)
        return fail("expected a quoted key");
      if (!consume(':'))
        return fail("expected ':' after '" + *key + "'");
      if (*key == "descr" && !seenDescr) {
        seenDescr = true;
        if (peek() == '[')
          return fail("structured dtypes are not supported");
        std::optional<std::string> descr = parseString();
        if (!descr)
          return fail("'descr' must be a string such as '<f4'");
        header.descr = *descr;
      } else if (*key == "fortran_order" && !seenOrder) {
        seenOrder = true;
        if (consumeWord("True"))
          header.fortranOrder = true;
        else if (!consumeWord("False"))
          return fail("'fortran_order' must be True or False");
      } else if (*key == "shape" && !seenShape) {
        seenShape = true;
        std::optional<std::vector<int64_t>> shape = parseShape();
        if (!shape)
          return fail("'shape' must be a tuple of non-negative integers");
        header.shape = *shape;
      } else {
        return fail("unexpected or repeated key '" + *key + "'");
      }
      if (!consume(',') && peek() != '}')
        return fail("expected ',' or '}' after the value of '" + *key + "'");
    }
    skipSpace();
    if (position != text.size())
      return fail("unexpected text after the header dict");
    if (!seenDescr || !seenOrder || !seenShape)
      return fail("the header dict needs the keys 'descr', 'fortran_order' "
                  "and 'shape'");
    return header;
  }

private:
  Status fail(const std::string &what) const {
    // Headers are padded with spaces and end in a newline; show without.
    std::string_view shown = text.substr(0, text.find_last_not_of(" \n") + 1);
    return Status::error("malformed header: " + what + " (at offset " +
                         std::to_string(position) + " of '" +
                         std::string(shown) + "')");
  }

  void skipSpace() {
    while (position < text.size() &&
           (text[position] == ' ' || text[position] == '\n' ||
            text[position] == '\t' || text[position] == '\r'))
      ++position;
  }
  char peek() {
    skipSpace();
    return position < text.size() ? text[position] : '\0';
  }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++position;
    return true;
  }
  bool consumeWord(std::string_view word) {
    skipSpace();
    if (text.substr(position, word.size()) != word)
      return false;
    position += word.size();
    return true;
  }

  std::optional<std::string> parseString() {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return std::nullopt;
    size_t end = text.find(quote, position + 1);
    if (end == std::string_view::npos)
      return std::nullopt;
    std::string value(text.substr(position + 1, end - position - 1));
    position = end + 1;
    return value;
  }

  std::optional<std::vector<int64_t>> parseShape() {
    std::vector<int64_t> shape;
    if (!consume('('))
      return std::nullopt;
    while (!consume(')')) {
      skipSpace();
      size_t start = position;
      int64_t dim = 0;
      while (position < text.size() && text[position] >= '0' &&
             text[position] <= '9') {
        if (dim > (INT64_MAX - 9) / 10)
          return std::nullopt;
        dim = dim * 10 + (text[position++] - '0');
      }
      // Python's repr may write a long as "3L" in old files.
      if (position < text.size() && text[position] == 'L')
        ++position;
      if (position == start)
        return std::nullopt;
      shape.push_back(dim);
      if (!consume(',') && peek() != ')')
        return std::nullopt;
    }
    return shape;
  }

  std::string_view text;
  size_t position = 0;
};

/// Maps a descr such as '<f4' to an element type and byte order.
Expected<std::pair<DType, bool>> parseDescr(const std::string &descr) {
  auto unsupported = [&](const std::string &why) {
    return Status::error("unsupported dtype '" + descr + "': " + why);
  };
  if (descr.size() < 3)
    return unsupported("expected a byte order, a kind and a size");
  char order = descr[0];
  if (order != '<' && order != '>' && order != '=' && order != '|')
    return unsupported("unknown byte order '" + std::string(1, order) + "'");
  std::string kind = descr.substr(1);
  static const std::pair<const char *, DType> kKinds[] = {
      {"b1", DType::I1},  {"i1", DType::I8},  {"i2", DType::I16},
      {"i4", DType::I32}, {"i8", DType::I64}, {"u1", DType::U8},
      {"f2", DType::F16}, {"f4", DType::F32}, {"f8", DType::F64}};
  for (const auto &[name, type] : kKinds)
    if (kind == name)
      return std::make_pair(type, order == '>' && dtypeSize(type) > 1);
  constexpr const char *kExpected =
      "expected one of b1, i1, i2, i4, i8, u1, f2, f4, f8";
  if (kind[0] == 'c') {
    // NumPy's name: 'c8' holds two f4 parts, complex64.
    char *end = nullptr;
    long bytes = std::strtol(kind.c_str() + 1, &end, 10);
    std::string name =
        *end || bytes <= 0 ? "complex" : "complex" + std::to_string(bytes * 8);
    return unsupported("complex numbers (" + name +
                       ") are not supported: save the real and imaginary "
                       "parts as real arrays; " +
                       kExpected);
  }
  return unsupported(kExpected);
}

/// Where the header of a .npy file ends and what it declares.
struct NpyLayout {
  NpyArrayInfo info;
  std::string descr;
  bool bigEndian = false;
  size_t dataOffset = 0;
};

/// Parses the magic, version and header of `bytes`, which hold at least
/// the whole header when the file has one.
Expected<NpyLayout> parseLayout(const uint8_t *bytes, size_t size) {
  if (size < kMagicSize + 2 || std::memcmp(bytes, kMagic, kMagicSize) != 0)
    return Status::error("not a .npy file: it does not start with the magic "
                         "\"\\x93NUMPY\"");
  uint8_t major = bytes[kMagicSize], minor = bytes[kMagicSize + 1];
  if (major < 1 || major > 3 || minor != 0)
    return Status::error("unsupported .npy version " + std::to_string(major) +
                         "." + std::to_string(minor) +
                         " (expected 1.0, 2.0 or 3.0)");
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicSize + 2 + lengthBytes;
  if (size < prefix)
    return Status::error("truncated header: the file ends inside the header "
                         "length");
  size_t headerLength = 0;
  for (size_t i = 0; i < lengthBytes; ++i)
    headerLength |= static_cast<size_t>(bytes[kMagicSize + 2 + i]) << (8 * i);
  if (size - prefix < headerLength)
    return Status::error(
        "truncated header: expected " + std::to_string(headerLength) +
        " header bytes, found " + std::to_string(size - prefix));
  std::string_view headerText(reinterpret_cast<const char *>(bytes + prefix),
                              headerLength);
  Expected<NpyHeader> header = HeaderParser(headerText).parse();
  if (!header.ok())
    return header.takeError();
  Expected<std::pair<DType, bool>> descr = parseDescr(header->descr);
  if (!descr.ok())
    return descr.takeError();
  if (header->fortranOrder && header->shape.size() > 1)
    return Status::error("fortran_order arrays are not supported; save a "
                         "C-order array (np.ascontiguousarray)");
  NpyLayout layout;
  layout.info = {descr->first, header->shape};
  layout.descr = header->descr;
  layout.bigEndian = descr->second;
  layout.dataOffset = prefix + headerLength;
  return layout;
}
} // namespace

Expected<HostTensor> mpt::runtime::parseNpy(const uint8_t *bytes, size_t size) {
  Expected<NpyLayout> layout = parseLayout(bytes, size);
  if (!layout.ok())
    return layout.takeError();
  const std::vector<int64_t> &shape = layout->info.shape;
  DType dtype = layout->info.dtype;
  size_t elementSize = dtypeSize(dtype);
  size_t available = size - layout->dataOffset;
  // The claimed size, checked for overflow, must be exactly the data there
  // is before anything is allocated for it.
  std::optional<int64_t> needed = tensorByteSize(shape, dtype);
  if (!needed || static_cast<uint64_t>(*needed) != available) {
    return Status::error(
        std::string(!needed || static_cast<uint64_t>(*needed) > available
                        ? "truncated data"
                        : "trailing data") +
        ": shape " + formatPythonShape(shape) + " of '" + layout->descr +
        "' needs " + (needed ? std::to_string(*needed) : "more than 2^63") +
        " data bytes, found " + std::to_string(available));
  }

  HostTensor tensor(dtype, shape);
  std::memcpy(tensor.buffer.data(), bytes + layout->dataOffset, available);
  if (layout->bigEndian)
    for (size_t offset = 0; offset < available; offset += elementSize)
      std::reverse(tensor.buffer.data() + offset,
                   tensor.buffer.data() + offset + elementSize);
  return tensor;
}

Expected<NpyArrayInfo> mpt::runtime::readNpyInfo(const std::string &path) {
  // A header is a few hundred bytes; this much holds any real one.
  constexpr size_t kMostHeaderBytes = 1 << 16;
  std::FILE *file = std::fopen(path.c_str(), "rbe");
  if (!file)
    return Status::error("cannot open '" + path + "'");
  std::vector<uint8_t> bytes(kMostHeaderBytes);
  size_t size = std::fread(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
  Expected<NpyLayout> layout = parseLayout(bytes.data(), size);
  if (!layout.ok())
    return layout.takeError().withContext(path);
  return layout->info;
}

std::string mpt::runtime::formatPythonShape(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0, e = shape.size(); i < e; ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

Expected<HostTensor> mpt::runtime::readNpy(const std::string &path) {
  Expected<std::vector<uint8_t>> bytes = readFile(path);
  if (!bytes.ok())
    return bytes.takeError();
  Expected<HostTensor> tensor = parseNpy(bytes->data(), bytes->size());
  if (!tensor.ok())
    return tensor.takeError().withContext(path);
  return tensor;
}
