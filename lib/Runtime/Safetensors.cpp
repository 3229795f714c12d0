//===- Safetensors.cpp - safetensors reader and writer --------------------===//

#include "mpt/Runtime/Safetensors.h"
#include "mpt/Runtime/FileIO.h"
#include "mpt/Runtime/Sizes.h"

#include "Json.h"

#include <algorithm>
#include <cstring>
#include <numeric>

using namespace mpt::runtime;

namespace {
/// The reference implementation's limit; a larger header is surely corrupt.
constexpr uint64_t kMaxHeaderSize = 100'000'000;

/// One tensor entry of the header, before its data is copied.
struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

std::string formatJsonShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0, e = shape.size(); i < e; ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

Expected<Entry> parseEntry(const std::string &name, const JsonValue &value) {
  auto fail = [&](const std::string &what) {
    return Status::error("tensor '" + name + "': " + what);
  };
  if (value.kind != JsonValue::Kind::Object)
    return fail("expected an object with dtype, shape and data_offsets");
  const JsonValue *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
  for (const auto &[key, member] : value.members) {
    if (key == "dtype")
      dtype = &member;
    else if (key == "shape")
      shape = &member;
    else if (key == "data_offsets")
      offsets = &member;
    else
      return fail("unexpected key \"" + key + "\"");
  }
  if (!dtype || !shape || !offsets)
    return fail("needs the keys dtype, shape and data_offsets");
  Entry entry;
  entry.name = name;
  std::optional<DType> type;
  if (dtype->kind == JsonValue::Kind::String)
    type = parseSafetensorsDType(dtype->text);
  if (!type)
    return fail("unsupported dtype " +
                (dtype->kind == JsonValue::Kind::String
                     ? "\"" + dtype->text + "\""
                     : "(not a string)") +
                " (expected F16, BF16, F32, F64, BOOL, I8, I16, I32, I64 "
                "or U8)");
  entry.dtype = *type;
  if (shape->kind != JsonValue::Kind::Array)
    return fail("shape must be an array of integers");
  for (const JsonValue &dim : shape->items) {
    std::optional<uint64_t> size = dim.asUnsigned();
    if (!size || *size > static_cast<uint64_t>(INT64_MAX))
      return fail("shape must be an array of non-negative integers");
    entry.shape.push_back(static_cast<int64_t>(*size));
  }
  std::optional<uint64_t> begin, end;
  if (offsets->kind == JsonValue::Kind::Array && offsets->items.size() == 2) {
    begin = offsets->items[0].asUnsigned();
    end = offsets->items[1].asUnsigned();
  }
  if (!begin || !end || *begin > *end)
    return fail("data_offsets must be [begin, end] with begin <= end");
  entry.begin = *begin;
  entry.end = *end;
  // The shape must account for exactly the bytes it is given.
  std::optional<int64_t> size = tensorByteSize(entry.shape, entry.dtype);
  if (!size)
    return fail("shape " + formatJsonShape(entry.shape) +
                " cannot exist: its byte size overflows 2^63 - 1");
  auto bytes = static_cast<uint64_t>(*size);
  if (bytes != entry.end - entry.begin)
    return fail("shape " + formatJsonShape(entry.shape) + " of " +
                safetensorsDTypeName(entry.dtype) + " needs " +
                std::to_string(bytes) + " bytes but data_offsets span " +
                std::to_string(entry.end - entry.begin));
  return entry;
}
} // namespace

const NamedTensor *SafetensorsFile::find(const std::string &name) const {
  for (const NamedTensor &tensor : tensors)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

Expected<SafetensorsFile> mpt::runtime::parseSafetensors(const uint8_t *bytes,
                                                         size_t size) {
  if (size < 8)
    return Status::error("truncated: a safetensors file starts with an "
                         "8-byte header size, found " +
                         std::to_string(size) + " bytes");
  // A common mix-up, worth naming rather than reporting a huge header.
  if (std::memcmp(bytes, "\x93NUMPY", 6) == 0)
    return Status::error("this is a NumPy .npy file, not safetensors");
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i)
    headerSize |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  if (headerSize > kMaxHeaderSize || headerSize > size - 8)
    return Status::error("truncated or corrupt: the header claims " +
                         std::to_string(headerSize) + " bytes, the file has " +
                         std::to_string(size - 8) + " after the size");
  std::string_view headerText(reinterpret_cast<const char *>(bytes + 8),
                              headerSize);
  Expected<JsonValue> header = parseJson(headerText);
  if (!header.ok())
    return header.takeError().withContext("header");
  if (header->kind != JsonValue::Kind::Object)
    return Status::error("header: expected a JSON object");

  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto &[key, value] : header->members) {
    if (key == "__metadata__") {
      if (value.kind != JsonValue::Kind::Object)
        return Status::error("__metadata__ must map strings to strings");
      for (const auto &[metaKey, metaValue] : value.members) {
        if (metaValue.kind != JsonValue::Kind::String)
          return Status::error("__metadata__ value of \"" + metaKey +
                               "\" must be a string");
        file.metadata[metaKey] = metaValue.text;
      }
      continue;
    }
    Expected<Entry> entry = parseEntry(key, value);
    if (!entry.ok())
      return entry.takeError();
    entries.push_back(std::move(*entry));
  }

  // The tensors must tile the data section: sorted by offset, each starts
  // where the previous one ended and the last ends at the end of the file.
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t dataSize = size - 8 - headerSize, expectedBegin = 0;
  for (const Entry &entry : entries) {
    if (entry.begin != expectedBegin)
      return Status::error(
          "tensor '" + entry.name + "': data_offsets [" +
          std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
          "] " + (entry.begin < expectedBegin ? "overlap" : "leave a gap") +
          " (expected it to start at " + std::to_string(expectedBegin) + ")");
    expectedBegin = entry.end;
  }
  if (expectedBegin != dataSize)
    return Status::error(
        std::string(expectedBegin > dataSize ? "truncated" : "trailing data") +
        ": the tensors need " + std::to_string(expectedBegin) +
        " data bytes, the file has " + std::to_string(dataSize));

  const uint8_t *data = bytes + 8 + headerSize;
  for (Entry &entry : entries) {
    NamedTensor named{entry.name, HostTensor(entry.dtype, entry.shape)};
    std::memcpy(named.tensor.buffer.data(), data + entry.begin,
                entry.end - entry.begin);
    file.tensors.push_back(std::move(named));
  }
  return file;
}

Expected<SafetensorsFile>
mpt::runtime::readSafetensors(const std::string &path) {
  Expected<std::vector<uint8_t>> bytes = readFile(path);
  if (!bytes.ok())
    return bytes.takeError();
  Expected<SafetensorsFile> file =
      parseSafetensors(bytes->data(), bytes->size());
  if (!file.ok())
    return file.takeError().withContext(path);
  return file;
}

SafetensorsView SafetensorsFile::view() const {
  SafetensorsView view;
  view.metadata = metadata;
  for (const NamedTensor &named : tensors)
    view.tensors.emplace_back(named.name, &named.tensor);
  return view;
}

namespace {
/// The order of the data section: larger elements first, so that every
/// tensor's data is aligned to its element size.
std::vector<size_t> dataOrder(const SafetensorsView &view) {
  std::vector<size_t> order(view.tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return dtypeSize(view.tensors[a].second->dtype) >
           dtypeSize(view.tensors[b].second->dtype);
  });
  return order;
}

/// The 8-byte size and the JSON header, padded so the data starts 8-byte
/// aligned.
std::string header(const SafetensorsView &view,
                   const std::vector<size_t> &order) {
  std::string header = "{";
  if (!view.metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto &[key, value] : view.metadata) {
      header += (first ? "" : ",") + quoteJson(key) + ":" + quoteJson(value);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (size_t index : order) {
    const auto &[name, tensor] = view.tensors[index];
    if (header.size() > 1)
      header += ",";
    header += quoteJson(name) + ":{\"dtype\":\"" +
              safetensorsDTypeName(tensor->dtype) + "\",\"shape\":[";
    for (size_t i = 0, e = tensor->shape.size(); i < e; ++i)
      header += (i ? "," : "") + std::to_string(tensor->shape[i]);
    uint64_t end = offset + tensor->buffer.size();
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(end) + "]}";
    offset = end;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string size(8, '\0');
  for (int i = 0; i < 8; ++i)
    size[i] = static_cast<char>(header.size() >> (8 * i));
  return size + header;
}
} // namespace

Status mpt::runtime::writeSafetensors(AtomicFile &file,
                                      const SafetensorsView &view) {
  std::vector<size_t> order = dataOrder(view);
  if (Status status = file.write(header(view, order)); !status.ok())
    return status;
  for (size_t index : order) {
    const HostBuffer &buffer = view.tensors[index].second->buffer;
    if (Status status = file.write(buffer.data(), buffer.size()); !status.ok())
      return status;
  }
  return Status::success();
}

Status mpt::runtime::writeSafetensors(const std::string &path,
                                      const SafetensorsFile &file) {
  Expected<AtomicFile> output = AtomicFile::create(path);
  if (!output.ok())
    return output.takeError();
  if (Status status = writeSafetensors(*output, file.view()); !status.ok())
    return status;
  return output->commit();
}
