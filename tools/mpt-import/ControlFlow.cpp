//===- ControlFlow.cpp - Functions, If, Loop and sequences ---------------===//
//
// What the step builder takes itself rather than through an op importer:
// calls of model-local functions (inlined), If with a condition known at
// import time (the branch taken), Loop with a trip count and condition known
// at import time (unrolled) and the sequence ops (lists of the step's
// values).
//
//===----------------------------------------------------------------------===//

#include "StepBuilder.h"

#include "ImportHelpers.h"

#include <set>

using namespace mlir;
using namespace ::mpt::import;

namespace {

/// The most nodes that inlining functions and unrolling loops may add.
constexpr size_t kMaxInlinedNodes = size_t(1) << 20;

/// The names `graph` defines: its inputs, initializers and the outputs of
/// its nodes, and those of its subgraphs at any depth.
void collectDefinedNames(const onnx::GraphProto &graph,
                         std::set<std::string> &names) {
  for (const onnx::ValueInfoProto &input : graph.input())
    names.insert(input.name());
  for (const onnx::TensorProto &initializer : graph.initializer())
    names.insert(initializer.name());
  for (const onnx::NodeProto &node : graph.node()) {
    for (const std::string &output : node.output())
      names.insert(output);
    for (const onnx::AttributeProto &attribute : node.attribute()) {
      if (attribute.has_g())
        collectDefinedNames(attribute.g(), names);
      for (const onnx::GraphProto &subgraph : attribute.graphs())
        collectDefinedNames(subgraph, names);
    }
  }
}

/// Renames every value `graph` and its subgraphs read or define.
void renameValues(onnx::GraphProto &graph,
                  llvm::function_ref<std::string(const std::string &)> rename) {
  for (onnx::ValueInfoProto &input : *graph.mutable_input())
    input.set_name(rename(input.name()));
  for (onnx::ValueInfoProto &output : *graph.mutable_output())
    output.set_name(rename(output.name()));
  for (onnx::TensorProto &initializer : *graph.mutable_initializer())
    initializer.set_name(rename(initializer.name()));
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    for (std::string &input : *node.mutable_input())
      input = rename(input);
    for (std::string &output : *node.mutable_output())
      output = rename(output);
    for (onnx::AttributeProto &attribute : *node.mutable_attribute()) {
      if (attribute.has_g())
        renameValues(*attribute.mutable_g(), rename);
      for (onnx::GraphProto &subgraph : *attribute.mutable_graphs())
        renameValues(subgraph, rename);
    }
  }
}

/// A node of `opType` named `name`, as the importer builds for what an op
/// stands for.
onnx::NodeProto makeNode(llvm::StringRef opType, const std::string &name,
                         llvm::ArrayRef<std::string> inputs,
                         llvm::ArrayRef<std::string> outputs) {
  onnx::NodeProto node;
  node.set_op_type(opType.str());
  node.set_name(name);
  for (const std::string &input : inputs)
    node.add_input(input);
  for (const std::string &output : outputs)
    node.add_output(output);
  return node;
}

void setIntAttribute(onnx::NodeProto &node, const std::string &name,
                     int64_t value) {
  onnx::AttributeProto *attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

} // namespace

void ::mpt::import::forEachNode(
    const onnx::GraphProto &graph,
    llvm::function_ref<void(const onnx::NodeProto &)> visit) {
  for (const onnx::NodeProto &node : graph.node()) {
    visit(node);
    for (const onnx::AttributeProto &attribute : node.attribute()) {
      if (attribute.has_g())
        forEachNode(attribute.g(), visit);
      for (const onnx::GraphProto &subgraph : attribute.graphs())
        forEachNode(subgraph, visit);
    }
  }
}

bool ::mpt::import::isSequenceOp(llvm::StringRef opType) {
  return opType.starts_with("Sequence") || opType == "ConcatFromSequence" ||
         opType == "SplitToSequence";
}

llvm::Error StepBuilder::importCall(const onnx::NodeProto &node,
                                    const onnx::FunctionProto &function) {
  constexpr unsigned kMaxCallDepth = 64;
  if (callDepth >= kMaxCallDepth)
    return importer.fail(node, "calls of local functions nest deeper than " +
                                   llvm::Twine(kMaxCallDepth) +
                                   " (a recursive function?)");
  // Functions that call others twice over double at every level.
  if ((inlinedNodes += function.node_size()) > kMaxInlinedNodes)
    return importer.fail(node, "inlining the model's local functions adds "
                               "more than " +
                                   llvm::Twine(kMaxInlinedNodes) + " nodes");
  if (node.input_size() > function.input_size() ||
      node.output_size() > function.output_size())
    return importer.fail(
        node, "the node has " + llvm::Twine(node.input_size()) +
                  " inputs and " + llvm::Twine(node.output_size()) +
                  " outputs; its function '" + function.name() + "' takes " +
                  llvm::Twine(function.input_size()) + " and returns " +
                  llvm::Twine(function.output_size()));
  // The function's body reads its formal parameters as the node's values;
  // every other value gets a name of its own for this call.
  std::map<std::string, std::string> names;
  for (int index = 0; index < function.input_size(); ++index)
    names[function.input(index)] =
        index < node.input_size() ? node.input(index) : std::string();
  // Body nodes are named after their function in messages.
  std::string prefix = function.name() + "/";
  std::string scope = "mpt.call" + std::to_string(calls++) + "/";
  for (int index = 0; index < function.output_size(); ++index)
    names[function.output(index)] = index < node.output_size()
                                        ? node.output(index)
                                        : scope + function.output(index);
  auto rename = [&](const std::string &name) -> std::string {
    if (name.empty())
      return name;
    auto [it, inserted] = names.try_emplace(name, scope + name);
    return it->second;
  };
  std::vector<onnx::NodeProto> body;
  for (const onnx::NodeProto &inner : function.node()) {
    // Running statistics are buffers of the step only where the graph
    // itself reads them.
    if (inner.op_type() == "BatchNormalization" &&
        trainsBatchNorm(inner, importer.opsetVersion))
      return importer.fail(node, "its function '" + function.name() +
                                     "' holds a batch normalisation in "
                                     "training mode (node '" +
                                     inner.name() +
                                     "'); supported in the graph itself, "
                                     "not in local functions");
    onnx::NodeProto copy = inner;
    copy.set_name(prefix +
                  (inner.name().empty() ? inner.op_type() : inner.name()));
    for (std::string &input : *copy.mutable_input())
      input = rename(input);
    for (std::string &output : *copy.mutable_output())
      output = rename(output);
    copy.clear_attribute();
    for (const onnx::AttributeProto &attribute : inner.attribute()) {
      if (attribute.type() == onnx::AttributeProto::GRAPH ||
          attribute.type() == onnx::AttributeProto::GRAPHS)
        return importer.fail(node, "its function '" + function.name() +
                                       "' holds a subgraph (node '" +
                                       inner.name() + "', " + inner.op_type() +
                                       "); subgraphs in local functions are "
                                       "not supported");
      if (attribute.ref_attr_name().empty()) {
        *copy.add_attribute() = attribute;
        continue;
      }
      // A reference to an attribute of the call; absent when the node
      // does not set it.
      if (const onnx::AttributeProto *given =
              importer.attribute(node, attribute.ref_attr_name())) {
        onnx::AttributeProto *bound = copy.add_attribute();
        *bound = *given;
        bound->set_name(attribute.name());
      }
    }
    body.push_back(std::move(copy));
  }
  for (const onnx::NodeProto &inner : body)
    for (const std::string &input : inner.input())
      importer.consumed.insert(input);
  // The body's ops are those of the function's opset.
  int64_t outerVersion = importer.opsetVersion;
  int64_t version = defaultOpsetVersion(function.opset_import());
  if (version && (version < kMinOpset || version > kMaxOpset))
    return importer.fail(
        node, "its function '" + function.name() + "' uses ONNX opset " +
                  llvm::Twine(version) + "; supported: opsets " +
                  llvm::Twine(kMinOpset) + " to " + llvm::Twine(kMaxOpset));
  if (version)
    importer.opsetVersion = version;
  ++callDepth;
  for (const onnx::NodeProto &inner : body)
    if (llvm::Error error = importNode(inner)) {
      --callDepth;
      importer.opsetVersion = outerVersion;
      return error;
    }
  --callDepth;
  importer.opsetVersion = outerVersion;
  for (int index = 0; index < node.output_size(); ++index) {
    const std::string &name = node.output(index);
    if (!name.empty() && !isDefined(name))
      return importer.fail(node, "its function '" + function.name() +
                                     "' does not compute its output '" +
                                     function.output(index) + "'");
  }
  return llvm::Error::success();
}

llvm::Error StepBuilder::importSubgraph(const onnx::NodeProto &node,
                                        const onnx::GraphProto &graph,
                                        llvm::StringRef what) {
  for (const onnx::TensorProto &initializer : graph.initializer()) {
    llvm::Expected<HostConstant> value = decodeTensor(initializer);
    if (!value)
      return importer.fail(node, "initializer '" + initializer.name() +
                                     "' of the " + what + ": " +
                                     llvm::toString(value.takeError()));
    importer.define(initializer.name(), std::move(*value));
  }
  forEachNode(graph, [&](const onnx::NodeProto &inner) {
    for (const std::string &input : inner.input())
      importer.consumed.insert(input);
  });
  for (const onnx::ValueInfoProto &output : graph.output())
    importer.consumed.insert(output.name());
  for (const onnx::NodeProto &inner : graph.node())
    if (llvm::Error error = importNode(inner))
      return error;
  for (const onnx::ValueInfoProto &output : graph.output())
    if (!isDefined(output.name()))
      return importer.fail(node, "the " + what +
                                     " does not compute its output '" +
                                     output.name() + "'");
  return llvm::Error::success();
}

llvm::Error StepBuilder::importIf(const onnx::NodeProto &node) {
  const HostConstant *condition = importer.constant(node, 0);
  if (!condition)
    return importer.fail(
        node, "the condition must be known at import time (a test of "
              "shapes, as PyTorch exports squeeze of a dim of unknown "
              "size); it is computed by the step");
  if (condition->numElements() != 1)
    return importer.fail(node, "the condition must hold one value; it has "
                               "shape " +
                                   shapeText(condition->shape));
  const char *taken =
      condition->floatAt(0) != 0 ? "then_branch" : "else_branch";
  const onnx::AttributeProto *attribute = importer.attribute(node, taken);
  if (!attribute || !attribute->has_g())
    return importer.fail(node, llvm::Twine("expected a graph attribute '") +
                                   taken + "', found none");
  const onnx::GraphProto &branch = attribute->g();
  if (branch.output_size() != node.output_size())
    return importer.fail(node, llvm::Twine("the ") + taken + " has " +
                                   llvm::Twine(branch.output_size()) +
                                   " outputs; the node has " +
                                   llvm::Twine(node.output_size()));
  if (llvm::Error error = importSubgraph(node, branch, taken))
    return error;
  // The node's outputs are the branch's.
  for (int index = 0; index < node.output_size(); ++index)
    alias(node.output(index), branch.output(index).name());
  return llvm::Error::success();
}

llvm::Error StepBuilder::importLoop(const onnx::NodeProto &node) {
  // Unrolled, so bounded like inlined functions: by the nodes it adds, and
  // by its iterations for a body with hardly any.
  constexpr int64_t kMaxIterations = int64_t(1) << 16;
  std::optional<int64_t> tripCount;
  if (importer.hasInput(node, 0)) {
    const HostConstant *count = importer.constant(node, 0);
    if (!count)
      return importer.fail(
          node, "the trip count must be known at import time (a loop over a "
                "dim, as PyTorch exports EmbeddingBag and scripted "
                "for-loops); it is computed by the step");
    if (count->numElements() != 1 || count->isFloat())
      return importer.fail(node, "expected an integer trip count holding "
                                 "one value, found " +
                                     elementTypeName(count->elementType) +
                                     " of shape " + shapeText(count->shape));
    tripCount = std::max<int64_t>(count->intAt(0), 0);
  }
  // The condition, before the first iteration and after each.
  auto truth = [&](const HostConstant *known,
                   llvm::StringRef unknown) -> llvm::Expected<bool> {
    if (!known)
      return importer.fail(node, "the loop's condition must be known at "
                                 "import time" +
                                     unknown +
                                     " (a data-dependent while loop)");
    if (known->numElements() != 1)
      return importer.fail(node, "the loop's condition must hold one value; "
                                 "it has shape " +
                                     shapeText(known->shape));
    return known->floatAt(0) != 0;
  };
  bool condition = true;
  if (importer.hasInput(node, 1)) {
    llvm::Expected<bool> initial =
        truth(importer.constant(node, 1), "; it is computed by the step");
    if (!initial)
      return initial.takeError();
    condition = *initial;
  }
  const onnx::AttributeProto *attribute = importer.attribute(node, "body");
  if (!attribute || !attribute->has_g())
    return importer.fail(node, "expected a graph attribute 'body', found none");
  const onnx::GraphProto &body = attribute->g();
  int carriedCount = node.input_size() - 2;
  if (carriedCount < 0 || body.input_size() != carriedCount + 2)
    return importer.fail(
        node, "expected a body with 2 inputs (iteration number, condition) "
              "and one per loop-carried value (" +
                  llvm::Twine(std::max(carriedCount, 0)) + "), found " +
                  llvm::Twine(body.input_size()) + " inputs");
  int scanCount = body.output_size() - 1 - carriedCount;
  if (scanCount < 0 || node.output_size() > carriedCount + scanCount)
    return importer.fail(
        node, "expected a body with 1 + " + llvm::Twine(carriedCount) +
                  " outputs (condition, loop-carried values) and one per scan "
                  "output, found " +
                  llvm::Twine(body.output_size()) + " for a node with " +
                  llvm::Twine(node.output_size()) + " outputs");

  std::set<std::string> local;
  collectDefinedNames(body, local);
  std::vector<std::string> carried(node.input().begin() + 2,
                                   node.input().end());
  std::vector<std::vector<std::string>> scans(scanCount);
  std::string loopScope = "mpt.loop" + std::to_string(loops++);
  int64_t iteration = 0;
  for (; condition && (!tripCount || iteration < *tripCount); ++iteration) {
    if (iteration >= kMaxIterations ||
        (inlinedNodes += std::max(body.node_size(), 1)) > kMaxInlinedNodes)
      return importer.fail(node, "unrolling the loop adds more than " +
                                     llvm::Twine(kMaxInlinedNodes) +
                                     " nodes or runs more than " +
                                     llvm::Twine(kMaxIterations) +
                                     " iterations");
    std::string scope = loopScope + "." + std::to_string(iteration) + "/";
    std::map<std::string, std::string> names;
    for (int index = 0; index < carriedCount; ++index)
      names[body.input(index + 2).name()] = carried[index];
    auto rename = [&](const std::string &name) -> std::string {
      if (name.empty() || !local.count(name))
        return name;
      auto [it, inserted] = names.try_emplace(name, scope + name);
      return it->second;
    };
    onnx::GraphProto copy = body;
    renameValues(copy, rename);
    HostConstant number = makeInts({}, {iteration});
    importer.define(copy.input(0).name(), number);
    HostConstant flag = makeInts({}, {1});
    flag.elementType = onnx::TensorProto::BOOL;
    importer.define(copy.input(1).name(), flag);
    if (llvm::Error error = importSubgraph(node, copy, "body"))
      return error;
    llvm::Expected<bool> next =
        truth(importer.constant(copy.output(0).name()),
              " after each iteration; the body computes it from the step's "
              "values");
    if (!next)
      return next.takeError();
    condition = *next;
    for (int index = 0; index < carriedCount; ++index)
      carried[index] = copy.output(index + 1).name();
    for (int index = 0; index < scanCount; ++index)
      scans[index].push_back(copy.output(1 + carriedCount + index).name());
  }
  return defineLoopOutputs(node, carried, scans, loopScope);
}

llvm::Error StepBuilder::defineLoopOutputs(
    const onnx::NodeProto &node, llvm::ArrayRef<std::string> carried,
    llvm::ArrayRef<std::vector<std::string>> scans, llvm::StringRef scope) {
  for (auto [index, name] : llvm::enumerate(carried))
    if (index < size_t(node.output_size()) && !node.output(index).empty())
      alias(node.output(index), name);
  for (auto [index, values] : llvm::enumerate(scans)) {
    size_t output = carried.size() + index;
    if (output >= size_t(node.output_size()) || node.output(output).empty())
      continue;
    if (values.empty())
      return importer.fail(node, "the loop runs no iteration, so its scan "
                                 "output '" +
                                     node.output(output) +
                                     "' would be empty; a tensor of the "
                                     "step needs at least one element");
    if (llvm::Error error =
            concatenate(node, values, 0, /*newAxis=*/true, node.output(output),
                        (scope + "/scan" + llvm::Twine(index)).str()))
      return error;
  }
  return llvm::Error::success();
}

llvm::Error StepBuilder::concatenate(const onnx::NodeProto &node,
                                     llvm::ArrayRef<std::string> values,
                                     int64_t axis, bool newAxis,
                                     const std::string &output,
                                     llvm::StringRef scope) {
  std::vector<std::string> parts(values.begin(), values.end());
  if (newAxis) {
    std::string axes = (scope + "/axes").str();
    importer.define(axes, makeInts({1}, {axis}));
    for (auto [index, value] : llvm::enumerate(values)) {
      parts[index] = (scope + "/" + llvm::Twine(index)).str();
      onnx::NodeProto unsqueeze =
          makeNode("Unsqueeze", node.name(), {value, axes}, {parts[index]});
      importer.consumed.insert(parts[index]);
      if (llvm::Error error = importNode(unsqueeze))
        return error;
    }
  }
  onnx::NodeProto concat = makeNode("Concat", node.name(), parts, {output});
  // Unsqueeze took a new axis in [-rank - 1, rank]; Concat counts it in.
  setIntAttribute(concat, "axis", axis);
  return importNode(concat);
}

bool StepBuilder::isDefined(const std::string &name) const {
  return importer.constant(name) || importer.lookup(name) ||
         sequences.count(name);
}

void StepBuilder::alias(const std::string &to, const std::string &from) {
  if (auto it = sequences.find(from); it != sequences.end())
    sequences[to] = std::vector<std::string>(it->second);
  else if (const HostConstant *known = importer.constant(from))
    importer.define(to, *known);
  else
    importer.define(to, importer.lookup(from));
}

llvm::Error StepBuilder::importSequenceOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  auto sequenceInput =
      [&](int index) -> llvm::Expected<const std::vector<std::string> *> {
    auto it = index < node.input_size() ? sequences.find(node.input(index))
                                        : sequences.end();
    if (it == sequences.end())
      return importer.fail(
          node, "expected a sequence as input " + llvm::Twine(index) +
                    ", found " +
                    (index < node.input_size() && isDefined(node.input(index))
                         ? "a tensor"
                         : "nothing"));
    return &it->second;
  };
  // A position in [-size, size + extra), known at import time; `fallback`
  // when the input is absent.
  auto position = [&](int index, int64_t size, int64_t extra,
                      int64_t fallback) -> llvm::Expected<int64_t> {
    if (!importer.hasInput(node, index))
      return fallback;
    const HostConstant *known = importer.constant(node, index);
    if (!known)
      return importer.fail(node, "the position must be known at import "
                                 "time; it is computed by the step");
    if (known->numElements() != 1 || known->isFloat())
      return importer.fail(node, "expected an integer position holding one "
                                 "value, found " +
                                     elementTypeName(known->elementType) +
                                     " of shape " + shapeText(known->shape));
    int64_t at = known->intAt(0);
    if (at < -size || at >= size + extra)
      return importer.fail(node, "position " + llvm::Twine(at) +
                                     " is out of range for a sequence of " +
                                     llvm::Twine(size) + " tensors");
    return at < 0 ? at + size : at;
  };
  auto tensorInput = [&](int index) -> llvm::Error {
    if (index < node.input_size() && !node.input(index).empty() &&
        !sequences.count(node.input(index)) && isDefined(node.input(index)))
      return llvm::Error::success();
    return importer.fail(node,
                         "expected a tensor as input " + llvm::Twine(index));
  };

  if (op == "SequenceEmpty") {
    sequences[node.output(0)] = {};
    return llvm::Error::success();
  }
  if (op == "SequenceConstruct") {
    std::vector<std::string> tensors;
    for (int index = 0; index < node.input_size(); ++index) {
      if (llvm::Error error = tensorInput(index))
        return error;
      tensors.push_back(node.input(index));
    }
    sequences[node.output(0)] = std::move(tensors);
    return llvm::Error::success();
  }
  if (op == "Identity") {
    alias(node.output(0), node.input(0));
    return llvm::Error::success();
  }
  llvm::Expected<const std::vector<std::string> *> input =
      op == "SplitToSequence" ? nullptr : sequenceInput(0);
  if (!input)
    return input.takeError();
  int64_t size = *input ? int64_t((*input)->size()) : 0;
  if (op == "SequenceLength") {
    importer.define(node.output(0), makeInts({}, {size}));
    return llvm::Error::success();
  }
  if (op == "SequenceInsert") {
    if (llvm::Error error = tensorInput(1))
      return error;
    llvm::Expected<int64_t> at = position(2, size, 1, size);
    if (!at)
      return at.takeError();
    std::vector<std::string> tensors = **input;
    tensors.insert(tensors.begin() + *at, node.input(1));
    sequences[node.output(0)] = std::move(tensors);
    return llvm::Error::success();
  }
  if (op == "SequenceErase" || op == "SequenceAt") {
    if (size == 0)
      return importer.fail(node, "expected a sequence with a tensor at the "
                                 "position, found an empty sequence");
    llvm::Expected<int64_t> at = position(1, size, 0, size - 1);
    if (!at)
      return at.takeError();
    if (op == "SequenceAt") {
      alias(node.output(0), (**input)[*at]);
      return llvm::Error::success();
    }
    std::vector<std::string> tensors = **input;
    tensors.erase(tensors.begin() + *at);
    sequences[node.output(0)] = std::move(tensors);
    return llvm::Error::success();
  }
  if (op == "ConcatFromSequence") {
    if (size == 0)
      return importer.fail(node, "expected a sequence of at least one "
                                 "tensor, found an empty sequence");
    const onnx::AttributeProto *axis = importer.attribute(node, "axis");
    if (!axis)
      return importer.fail(node, "expected an attribute 'axis', found none");
    return concatenate(node, **input, axis->i(),
                       importer.intAttr(node, "new_axis", 0) != 0,
                       node.output(0), "mpt.sequence/" + node.output(0));
  }
  if (op == "SplitToSequence")
    return splitToSequence(node);
  return importer.fail(node, "op type '" + op +
                                 "' is not supported; supported sequence "
                                 "ops: SequenceEmpty, SequenceConstruct, "
                                 "SequenceInsert, SequenceAt, SequenceErase, "
                                 "SequenceLength, ConcatFromSequence, "
                                 "SplitToSequence");
}

llvm::Error StepBuilder::splitToSequence(const onnx::NodeProto &node) {
  if (node.input_size() < 1 || !isDefined(node.input(0)) ||
      sequences.count(node.input(0)))
    return importer.fail(node, "expected a tensor as input 0");
  std::vector<int64_t> shape;
  if (const HostConstant *known = importer.constant(node, 0))
    shape = known->shape;
  else {
    llvm::ArrayRef<int64_t> dims =
        cast<ShapedType>(importer.lookup(node.input(0)).getType()).getShape();
    shape.assign(dims.begin(), dims.end());
  }
  int64_t rank = shape.size();
  int64_t axis = importer.intAttr(node, "axis", 0);
  if (axis < -rank || axis >= rank)
    return importer.fail(node, "axis " + llvm::Twine(axis) +
                                   " is out of range for an input of shape " +
                                   shapeText(shape));
  if (axis < 0)
    axis += rank;
  int64_t dim = shape[axis];
  std::vector<int64_t> lengths;
  bool squeeze = false;
  if (!importer.hasInput(node, 1)) {
    lengths.assign(dim, 1);
    squeeze = importer.intAttr(node, "keepdims", 1) == 0;
  } else {
    const HostConstant *split = importer.constant(node, 1);
    if (!split || split->isFloat() || split->shape.size() > 1)
      return importer.fail(node, "expected the split lengths as an integer "
                                 "scalar or list known at import time");
    if (split->shape.empty()) {
      int64_t chunk = split->intAt(0);
      if (chunk <= 0)
        return importer.fail(node, "expected a positive split length, "
                                   "found " +
                                       llvm::Twine(chunk));
      for (int64_t start = 0; start < dim; start += chunk)
        lengths.push_back(std::min(chunk, dim - start));
    } else {
      int64_t total = 0;
      for (int64_t index = 0; index < split->numElements(); ++index) {
        if (split->intAt(index) <= 0)
          return importer.fail(node, "expected positive split lengths, "
                                     "found " +
                                         llvm::Twine(split->intAt(index)) +
                                         " (an empty tensor)");
        lengths.push_back(split->intAt(index));
        total += lengths.back();
      }
      if (total != dim)
        return importer.fail(node, "the split lengths add up to " +
                                       llvm::Twine(total) + "; dim " +
                                       llvm::Twine(axis) + " of the input is " +
                                       llvm::Twine(dim));
    }
  }
  if (lengths.empty())
    return importer.fail(node, "dim " + llvm::Twine(axis) +
                                   " of the input is empty; a sequence of "
                                   "no tensors");
  std::string scope = "mpt.sequence/" + node.output(0);
  std::string splitName = scope + "/split", axesName = scope + "/axes";
  importer.define(splitName, makeInts({int64_t(lengths.size())}, lengths));
  importer.define(axesName, makeInts({1}, {axis}));
  std::vector<std::string> pieces;
  for (size_t index = 0; index < lengths.size(); ++index)
    pieces.push_back(scope + "/" + std::to_string(index));
  onnx::NodeProto splitNode =
      makeNode("Split", node.name(), {node.input(0), splitName}, pieces);
  setIntAttribute(splitNode, "axis", axis);
  for (const std::string &piece : pieces)
    importer.consumed.insert(piece);
  if (llvm::Error error = importNode(splitNode))
    return error;
  if (squeeze)
    for (std::string &piece : pieces) {
      std::string squeezed = piece + "/squeezed";
      importer.consumed.insert(squeezed);
      if (llvm::Error error = importNode(
              makeNode("Squeeze", node.name(), {piece, axesName}, {squeezed})))
        return error;
      piece = squeezed;
    }
  sequences[node.output(0)] = std::move(pieces);
  return llvm::Error::success();
}
