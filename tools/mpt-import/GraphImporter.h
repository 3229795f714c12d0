//===- GraphImporter.h - ONNX forward graph to mpt.train_step ---*- C++ -*-===//
//
// Turns the forward graph of an ONNX model into an `mpt.train_step`: float
// initializers become parameters (f32 master weights, named after the
// initializer), graph inputs become batch inputs, a target input is added
// for the loss, and every node becomes mpt ops. Values known at import time
// (constants and the shape arithmetic exported graphs carry) are computed
// on the host instead of becoming ops.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_IMPORT_GRAPHIMPORTER_H
#define MPT_TOOLS_MPT_IMPORT_GRAPHIMPORTER_H

#include "OnnxModel.h"

#include "mpt/Runtime/Safetensors.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <optional>

namespace mpt {
namespace import {

enum class LossKind { MSE, CrossEntropy };
enum class TargetKind { Labels, Probabilities };

struct ImportOptions {
  std::string stepName;
  LossKind loss = LossKind::MSE;
  /// For cross-entropy: class indices (int64) or a probability per class.
  TargetKind target = TargetKind::Labels;
  mlir::Attribute optimizer;
  /// The size of a dynamic batch dim.
  std::optional<int64_t> batch;
  /// Initializers kept as constants instead of trained.
  std::vector<std::string> frozen;
  /// Where the model came from, for locations.
  std::string sourcePath;
};

struct ImportedStep {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// The parameters' initial values, named like the step's arguments.
  runtime::SafetensorsFile init;
};

/// Imports `model`; every unsupported construct is an error naming the
/// node, its op type and what is supported.
llvm::Expected<ImportedStep> importModel(const onnx::ModelProto &model,
                                         const ImportOptions &options,
                                         mlir::MLIRContext &context);

/// The state of one import, which the op importers build on.
class GraphImporter {
public:
  GraphImporter(mlir::OpBuilder &builder, std::string sourcePath)
      : b(builder), sourcePath(std::move(sourcePath)) {}

  mlir::OpBuilder &b;

  /// An error about `node`: "node 'NAME' (OP): what".
  llvm::Error fail(const onnx::NodeProto &node, const llvm::Twine &what) const;
  mlir::Location loc(const onnx::NodeProto &node) const;

  void define(const std::string &name, mlir::Value value);
  void define(const std::string &name, HostConstant constant);
  /// The run-time value named `name`, or null.
  mlir::Value lookup(llvm::StringRef name) const { return values.lookup(name); }
  /// The import-time value of input `index` of `node`, or null when it is
  /// computed at run time (or absent).
  const HostConstant *constant(const onnx::NodeProto &node,
                               unsigned index) const;
  /// The import-time value named `name`, or null.
  const HostConstant *constant(const std::string &name) const;
  bool hasInput(const onnx::NodeProto &node, unsigned index) const;
  /// Input `index` as a value of the step; an import-time float value
  /// becomes a constant of `floatType`, an integer one an i64 constant.
  llvm::Expected<mlir::Value> value(const onnx::NodeProto &node, unsigned index,
                                    mlir::Type floatType);
  /// Input `index` as an operand of an elementwise op with the float tensor
  /// `other`: like value() in `other`'s float type, and an import-time
  /// integer becomes a float constant too when `other` holds integers
  /// (`mask.long().sum(1) - 1`).
  llvm::Expected<mlir::Value> valueBeside(const onnx::NodeProto &node,
                                          unsigned index, mlir::Value other);
  /// Like value(), for the first float input, which fixes the float type of
  /// the others.
  llvm::Expected<mlir::Value> floatValue(const onnx::NodeProto &node,
                                         unsigned index);
  /// Defines output `index` of `node`.
  void setResult(const onnx::NodeProto &node, mlir::Value value,
                 unsigned index = 0) {
    define(node.output(index), value);
  }

  /// Attributes of `node`, with defaults.
  const onnx::AttributeProto *attribute(const onnx::NodeProto &node,
                                        llvm::StringRef name) const;
  int64_t intAttr(const onnx::NodeProto &node, llvm::StringRef name,
                  int64_t defaultValue) const;
  double floatAttr(const onnx::NodeProto &node, llvm::StringRef name,
                   double defaultValue) const;
  std::string stringAttr(const onnx::NodeProto &node, llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::optional<std::vector<int64_t>> intsAttr(const onnx::NodeProto &node,
                                               llvm::StringRef name) const;

  /// Integer list from input `index` (an import-time value) or, for older
  /// opsets, attribute `name`; nullopt when neither is there.
  llvm::Expected<std::optional<std::vector<int64_t>>>
  intsInputOrAttr(const onnx::NodeProto &node, unsigned index,
                  llvm::StringRef name) const;

  /// A dense constant of `type` holding `constant`'s values.
  mlir::Value materialize(const HostConstant &constant, mlir::Type elementType,
                          mlir::Location loc);

  int64_t opsetVersion = 0;
  /// Names that some node or the graph output reads.
  llvm::StringSet<> consumed;
  /// Float values of the step that hold integers: 0/1 masks (what
  /// comparisons and logical ops yield), casts of integer tensors to a
  /// float type, and what integer arithmetic and data movement make of
  /// them (mask.sum()). A Cast of one to an integer type keeps it.
  llvm::DenseSet<mlir::Value> integral;
  /// The step's buffers (block arguments: running statistics) and the
  /// value each holds after the nodes imported so far have updated it.
  llvm::DenseMap<mlir::Value, mlir::Value> bufferValues;
  /// The batch counter (PyTorch's `num_batches_tracked`, a buffer) of each
  /// training batch normalisation, by the name of its running mean.
  llvm::StringMap<mlir::Value> batchCounters;

private:
  std::string sourcePath;
  llvm::StringMap<mlir::Value> values;
  std::map<std::string, HostConstant> constants;
};

/// Imports one node of a supported op type.
using OpImporter = llvm::Error (*)(GraphImporter &, const onnx::NodeProto &);

/// The importer of every supported op type.
const llvm::StringMap<OpImporter> &opImporters();

/// Computes `node` on the host when every input is known at import time and
/// its op is one of the shape-arithmetic ops; returns whether it did.
llvm::Expected<bool> foldConstantNode(GraphImporter &importer,
                                      const onnx::NodeProto &node);

/// An INT64 host tensor of `shape` holding `values`.
HostConstant makeInts(std::vector<int64_t> shape, std::vector<int64_t> values);

/// The row-major strides of `shape`.
std::vector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// The flat index into a tensor of `shape` of the element that NumPy's
/// broadcasting to `result` reads at flat index `index` of the result.
int64_t broadcastSource(llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<int64_t> result, int64_t index);

/// Whether Trilu keeps the element at (`row`, `column`) of a matrix: on or
/// above diagonal `k` when `upper`, on or below it otherwise (shared by the
/// folding and the importer).
bool triluKeeps(int64_t row, int64_t column, int64_t k, bool upper);

/// For ScatterND and GatherND on data of `dataShape` at the import-time
/// `indices` (shape [q..., k], k at most the data's rank): the flat
/// position in the data of each element written (read), in the order of
/// the updates (the result), whose shape is [q..., dataShape[k:]]. An index
/// counts from the end when negative; one out of range, or `updatesShape`
/// (when given) other than that shape, is an error. With `batchDims` b
/// (GatherND's `batch_dims`) the first b dims of indices and data are one,
/// each tuple indexing the data's part at its position in them, and the
/// shape is [q..., dataShape[b + k:]]. Shared by the folding and the
/// importers.
llvm::Expected<std::vector<int64_t>>
indexedPositions(const GraphImporter &importer, const onnx::NodeProto &node,
                 llvm::ArrayRef<int64_t> dataShape, const HostConstant &indices,
                 std::optional<llvm::ArrayRef<int64_t>> updatesShape,
                 int64_t batchDims = 0);

/// The op types foldConstantNode computes, and those opImporters imports,
/// for error messages.
std::string supportedOpTypes();

} // namespace import
} // namespace mpt

#endif // MPT_TOOLS_MPT_IMPORT_GRAPHIMPORTER_H
