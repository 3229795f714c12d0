//===- StepBuilder.h - The builder of the imported step ---------*- C++ -*-===//
//
// The builder of the imported step, shared by StepBuilder.cpp (parameters,
// inputs, nodes, loss) and ControlFlow.cpp (local functions, If, Loop and
// the sequence ops).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_IMPORT_STEPBUILDER_H
#define MPT_TOOLS_MPT_IMPORT_STEPBUILDER_H

#include "GraphImporter.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <string>
#include <vector>

namespace mpt {
namespace import {

/// The version of the default ONNX domain among `opsets`, or 0.
template <typename Opsets> int64_t defaultOpsetVersion(const Opsets &opsets) {
  int64_t version = 0;
  for (const onnx::OperatorSetIdProto &opset : opsets)
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      version = opset.version();
  return version;
}

constexpr int64_t kMinOpset = 13, kMaxOpset = 27;

/// Calls `visit` on every node of `graph` and of the subgraphs (If
/// branches, Loop bodies) its nodes hold, at any depth.
void forEachNode(const onnx::GraphProto &graph,
                 llvm::function_ref<void(const onnx::NodeProto &)> visit);

/// Whether `opType` is one of the sequence ops (SequenceEmpty, ...,
/// ConcatFromSequence, SplitToSequence).
bool isSequenceOp(llvm::StringRef opType);

/// True for a BatchNormalization node exported in training mode, which
/// updates its running statistics.
bool trainsBatchNorm(const onnx::NodeProto &node, int64_t opsetVersion);

struct StepArgument {
  std::string sourceName, name;
  mlir::Type type;
  /// A BOOL graph input: an i32 batch input (0 is false), which the graph
  /// reads as the mask `!= 0`, like a comparison's result.
  bool isMask = false;
};

/// Builds the mpt.train_step of an ONNX model.
class StepBuilder {
public:
  StepBuilder(const onnx::ModelProto &model, const ImportOptions &options,
              mlir::MLIRContext &context)
      : model(model), graph(model.graph()), options(options), context(context),
        builder(&context), importer(builder, options.sourcePath) {}

  llvm::Expected<ImportedStep> build();

private:
  llvm::Error checkOpset();
  llvm::Error collectParameters();
  /// A buffer counting the training batches of each batch normalisation
  /// whose running mean is named like PyTorch's (`bn.running_mean`):
  /// `bn.num_batches_tracked`, so that the saved state_dict loads into the
  /// module strictly. It starts at 0; the ONNX model does not carry it.
  llvm::Error addBatchCounters();
  llvm::Error collectBatchInputs();
  llvm::Error importNodes();
  /// Folds or imports one node (of the graph or of a branch it takes).
  llvm::Error importNode(const onnx::NodeProto &node);
  /// The nodes of a subgraph (`what`: an If branch, a Loop body) that
  /// `node` holds, its initializers defined first; fails unless it computes
  /// every output.
  llvm::Error importSubgraph(const onnx::NodeProto &node,
                             const onnx::GraphProto &graph,
                             llvm::StringRef what);
  /// An If whose condition is known at import time: the nodes of the
  /// branch it takes, whose outputs become the node's.
  llvm::Error importIf(const onnx::NodeProto &node);
  /// A Loop whose trip count and condition are known at import time (a
  /// loop over a dim, as PyTorch exports EmbeddingBag and scripted
  /// for-loops): its body once per iteration, with the body's own values
  /// renamed apart, the loop-carried values threaded from one iteration to
  /// the next and each scan output stacked along a new first dim.
  llvm::Error importLoop(const onnx::NodeProto &node);
  /// The node's outputs after a Loop that runs `iterations` times: the
  /// final loop-carried values and the stacked scan outputs.
  llvm::Error defineLoopOutputs(const onnx::NodeProto &node,
                                llvm::ArrayRef<std::string> carried,
                                llvm::ArrayRef<std::vector<std::string>> scans,
                                llvm::StringRef scope);
  /// A call of a model-local function: its body, inlined with its formal
  /// inputs and outputs bound to the node's, its other values renamed
  /// apart and its attribute references bound to the node's attributes.
  llvm::Error importCall(const onnx::NodeProto &node,
                         const onnx::FunctionProto &function);
  /// The sequence ops (SequenceEmpty, SequenceConstruct, SequenceInsert,
  /// SequenceAt, SequenceErase, SequenceLength, ConcatFromSequence,
  /// SplitToSequence), with positions known at import time: a sequence is
  /// the list of its tensors' names, as a scripted list of tensors is
  /// built in a loop and stacked after it.
  llvm::Error importSequenceOp(const onnx::NodeProto &node);
  /// SplitToSequence: the input's pieces along an axis, through a Split
  /// node (and a Squeeze of each piece for `keepdims = 0`).
  llvm::Error splitToSequence(const onnx::NodeProto &node);
  /// `output` as `values` stacked along a new dim `axis` (`newAxis`) or
  /// concatenated along `axis`, through Unsqueeze and Concat nodes named
  /// after `scope`.
  llvm::Error concatenate(const onnx::NodeProto &node,
                          llvm::ArrayRef<std::string> values, int64_t axis,
                          bool newAxis, const std::string &output,
                          llvm::StringRef scope);
  /// Whether `name` is a tensor known at import time, a value of the step
  /// or a sequence; `alias` makes `to` name what `from` names.
  bool isDefined(const std::string &name) const;
  void alias(const std::string &to, const std::string &from);
  /// CastLike (opset 15) as the Cast to the type of its second input.
  llvm::Error importCastLike(const onnx::NodeProto &node);
  /// Fails when `node` produced a tensor that no mpt op may have.
  llvm::Error checkOutputs(const onnx::NodeProto &node);
  /// Records the float outputs of `node` that hold integers
  /// (GraphImporter::integral).
  void markIntegral(const onnx::NodeProto &node);
  bool isIntegralInput(const onnx::NodeProto &node, int index) const;
  llvm::Expected<mlir::Value> buildLoss(mlir::Value output,
                                        mlir::BlockArgument target);
  /// The f32 mask `input != 0` of a BOOL graph input.
  mlir::Value maskOf(mlir::Value input, llvm::StringRef sourceName);
  std::string uniqueName(llvm::StringRef sourceName);
  /// The model-local function of `node`'s domain and op type, or null.
  const onnx::FunctionProto *functionOf(const onnx::NodeProto &node) const;
  llvm::Error error(const llvm::Twine &what) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), what.str());
  }

  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  const ImportOptions &options;
  mlir::MLIRContext &context;
  mlir::OpBuilder builder;
  GraphImporter importer;

  std::vector<StepArgument> params, buffers, batch;
  std::vector<HostConstant> paramValues, bufferValues;
  /// How each buffer starts when no init file gives it: "zeros" or "ones".
  std::vector<llvm::StringRef> bufferInits;
  /// (running mean, batch counter) source names.
  std::vector<std::pair<std::string, std::string>> counters;
  llvm::StringSet<> usedNames;
  std::map<std::string, const onnx::TensorProto *> initializers;
  /// How deep the function calls being inlined nest, how many calls have
  /// been inlined (which keeps their values' names apart), and how many
  /// nodes they added.
  unsigned callDepth = 0, calls = 0, loops = 0;
  size_t inlinedNodes = 0;
  /// The tensors (by name) of each sequence value.
  std::map<std::string, std::vector<std::string>> sequences;
  /// Initializer values that are not parameters.
  std::map<std::string, HostConstant> constantInitializers;
};

} // namespace import
} // namespace mpt

#endif // MPT_TOOLS_MPT_IMPORT_STEPBUILDER_H
