//===- OnnxModel.cpp - Reading ONNX models --------------------------------===//

#include "OnnxModel.h"

#include "onnx/defs/parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mpt::import;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

/// Whether the text starts (after blanks and `#` comments) with `<`, the
/// model header of ONNX's textual syntax.
static bool isTextual(llvm::StringRef bytes) {
  while (!bytes.empty()) {
    bytes = bytes.ltrim();
    if (bytes.starts_with("#")) {
      bytes = bytes.drop_until([](char c) { return c == '\n'; });
      continue;
    }
    return bytes.starts_with("<");
  }
  return false;
}

llvm::Expected<onnx::ModelProto>
mpt::import::loadModel(const std::string &path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/true);
  if (!file)
    return createStringError(inconvertibleErrorCode(), "cannot read '%s': %s",
                             path.c_str(), file.getError().message().c_str());
  return parseModel((*file)->getBuffer(), path);
}

llvm::Expected<onnx::ModelProto>
mpt::import::parseModel(llvm::StringRef bytes, const std::string &name) {
  onnx::ModelProto model;
  if (isTextual(bytes)) {
    // The parser reads a C string: the bytes end at a null.
    std::string text = bytes.str();
    onnx::Common::Status status;
    try {
      status = onnx::OnnxParser::Parse(model, text.c_str());
    } catch (const std::exception &error) {
      // The parser converts literals with std::stof and friends, which
      // throw on values out of range ("1e300" for a float) or malformed.
      return createStringError(inconvertibleErrorCode(),
                               "%s: not a valid ONNX text model: a literal "
                               "is malformed or out of range for its type "
                               "(%s)",
                               name.c_str(), error.what());
    }
    if (!status.IsOK()) {
      // The parser's message spans lines (position, context, reason).
      std::string message = llvm::join(
          llvm::split(llvm::StringRef(status.ErrorMessage()).trim(), '\n'),
          "; ");
      return createStringError(inconvertibleErrorCode(),
                               "%s: not a valid ONNX text model: %s",
                               name.c_str(), message.c_str());
    }
    return model;
  }
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return createStringError(
        inconvertibleErrorCode(),
        "%s: not an ONNX model (neither a protobuf ModelProto nor ONNX text, "
        "which starts with '<')",
        name.c_str());
  if (!model.has_graph())
    return createStringError(inconvertibleErrorCode(),
                             "%s: the model has no graph", name.c_str());
  return model;
}

bool HostConstant::isFloat() const {
  return elementType == onnx::TensorProto::FLOAT ||
         elementType == onnx::TensorProto::DOUBLE ||
         elementType == onnx::TensorProto::FLOAT16 ||
         elementType == onnx::TensorProto::BFLOAT16;
}

int64_t HostConstant::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

double HostConstant::floatAt(int64_t i) const {
  return isFloat() ? floats[i] : static_cast<double>(ints[i]);
}

int64_t HostConstant::intAt(int64_t i) const {
  if (!isFloat())
    return ints[i];
  // Saturated: a NaN or a float beyond int64 has no integer value, and the
  // shape checks reject the extremes.
  double value = floats[i];
  if (std::isnan(value) || value < -0x1p63)
    return std::numeric_limits<int64_t>::min();
  if (value >= 0x1p63)
    return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(value);
}

std::string mpt::import::elementTypeName(int32_t elementType) {
  if (onnx::TensorProto_DataType_IsValid(elementType))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(elementType));
  return "type " + std::to_string(elementType);
}

/// Reads `count` little-endian values of `T` from raw bytes.
template <typename T>
static std::vector<T> readRaw(const std::string &raw, int64_t count) {
  std::vector<T> values(count);
  // An empty tensor has no buffer to copy (a null data pointer).
  if (count > 0)
    std::memcpy(values.data(), raw.data(), count * sizeof(T));
  return values;
}

llvm::Expected<HostConstant>
mpt::import::decodeTensor(const onnx::TensorProto &tensor) {
  HostConstant result;
  result.elementType = tensor.data_type();
  result.shape.assign(tensor.dims().begin(), tensor.dims().end());
  int64_t count = result.numElements();
  auto fail = [&](const std::string &why) {
    return createStringError(inconvertibleErrorCode(), "tensor '%s': %s",
                             tensor.name().c_str(), why.c_str());
  };
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return fail("external data is not supported; export the model with its "
                "weights inside the file");
  bool raw = tensor.has_raw_data();
  auto checkSize = [&](size_t elementBytes, int64_t stored) -> llvm::Error {
    if (raw ? tensor.raw_data().size() != count * elementBytes
            : stored != count)
      return fail("holds " +
                  std::to_string(raw ? tensor.raw_data().size() / elementBytes
                                     : stored) +
                  " values, expected " + std::to_string(count));
    return llvm::Error::success();
  };
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT: {
    if (llvm::Error error = checkSize(4, tensor.float_data_size()))
      return std::move(error);
    std::vector<float> values =
        raw ? readRaw<float>(tensor.raw_data(), count)
            : std::vector<float>(tensor.float_data().begin(),
                                 tensor.float_data().end());
    result.floats.assign(values.begin(), values.end());
    return result;
  }
  case onnx::TensorProto::DOUBLE: {
    if (llvm::Error error = checkSize(8, tensor.double_data_size()))
      return std::move(error);
    result.floats = raw ? readRaw<double>(tensor.raw_data(), count)
                        : std::vector<double>(tensor.double_data().begin(),
                                              tensor.double_data().end());
    return result;
  }
  case onnx::TensorProto::INT64: {
    if (llvm::Error error = checkSize(8, tensor.int64_data_size()))
      return std::move(error);
    result.ints = raw ? readRaw<int64_t>(tensor.raw_data(), count)
                      : std::vector<int64_t>(tensor.int64_data().begin(),
                                             tensor.int64_data().end());
    return result;
  }
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::BOOL: {
    size_t bytes = tensor.data_type() == onnx::TensorProto::BOOL ? 1 : 4;
    if (llvm::Error error = checkSize(bytes, tensor.int32_data_size()))
      return std::move(error);
    if (!raw) {
      result.ints.assign(tensor.int32_data().begin(),
                         tensor.int32_data().end());
    } else if (bytes == 4) {
      std::vector<int32_t> values = readRaw<int32_t>(tensor.raw_data(), count);
      result.ints.assign(values.begin(), values.end());
    } else {
      std::vector<uint8_t> values = readRaw<uint8_t>(tensor.raw_data(), count);
      result.ints.assign(values.begin(), values.end());
    }
    return result;
  }
  default:
    return fail("element type " + elementTypeName(tensor.data_type()) +
                " is not supported; supported: FLOAT, DOUBLE, INT64, INT32, "
                "BOOL");
  }
}
