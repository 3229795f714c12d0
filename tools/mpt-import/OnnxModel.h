//===- OnnxModel.h - Reading ONNX models ------------------------*- C++ -*-===//
//
// Loads an ONNX model from its protobuf encoding (`.onnx`, as
// torch.onnx.export writes it) or from ONNX's textual syntax (what
// onnx/defs/parser.h reads: a file that starts with `<`), and decodes the
// initializers and `Constant` values of a graph into host tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_IMPORT_ONNXMODEL_H
#define MPT_TOOLS_MPT_IMPORT_ONNXMODEL_H

#include "onnx/onnx_pb.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mpt {
namespace import {

/// Reads `path`, binary or textual; the error names the file and the
/// reason.
llvm::Expected<onnx::ModelProto> loadModel(const std::string &path);
/// Parses the bytes of a model; errors start with `name`.
llvm::Expected<onnx::ModelProto> parseModel(llvm::StringRef bytes,
                                            const std::string &name);

/// A tensor known at import time: an initializer, a `Constant` or a value
/// computed from them (the shape arithmetic of exported graphs). Floats are
/// held as doubles and integers as int64; `elementType` is the ONNX one.
struct HostConstant {
  int32_t elementType = onnx::TensorProto::FLOAT;
  std::vector<int64_t> shape;
  std::vector<double> floats;
  std::vector<int64_t> ints;

  bool isFloat() const;
  int64_t numElements() const;
  /// Element `i` as a double or an int64, whatever the storage.
  double floatAt(int64_t i) const;
  int64_t intAt(int64_t i) const;
};

/// Decodes a TensorProto (raw_data or the typed fields; no external data).
llvm::Expected<HostConstant> decodeTensor(const onnx::TensorProto &tensor);

/// The ONNX name of an element type (`FLOAT`, `INT64`, ...).
std::string elementTypeName(int32_t elementType);

} // namespace import
} // namespace mpt

#endif // MPT_TOOLS_MPT_IMPORT_ONNXMODEL_H
