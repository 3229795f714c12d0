//===- StepBuilder.cpp - ONNX forward graph to mpt.train_step ------------===//
//
// The import itself: parameters and batch inputs from the graph's
// initializers and inputs, the nodes through the op importers, the loss on
// the output, and the initial parameters for the init file. Control flow
// (local functions, If, Loop) and sequences are in ControlFlow.cpp.
//
//===----------------------------------------------------------------------===//

#include "StepBuilder.h"

#include "GraphImporter.h"
#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Dialect/MPT/IR/TensorLimits.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

using namespace mlir;
using namespace ::mpt::import;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

namespace {

/// A name that the mpt text format keeps as an SSA name: letters, digits
/// and `$._-`, not starting with a digit.
std::string sanitizeName(llvm::StringRef name) {
  std::string result;
  for (char c : name)
    result +=
        (llvm::isAlnum(c) || llvm::StringRef("$._-").contains(c)) ? c : '_';
  if (result.empty() || llvm::isDigit(result.front()))
    result.insert(result.begin(), '_');
  return result;
}

/// The element type of an ONNX tensor in the step, or null.
Type stepElementType(Builder &b, int32_t elementType) {
  switch (elementType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  default:
    return {};
  }
}

/// The ONNX element type of a tensor of the step.
int32_t onnxElementType(Type element) {
  if (element.isF32())
    return onnx::TensorProto::FLOAT;
  if (element.isF64())
    return onnx::TensorProto::DOUBLE;
  if (element.isF16())
    return onnx::TensorProto::FLOAT16;
  if (element.isBF16())
    return onnx::TensorProto::BFLOAT16;
  if (element.isInteger(64))
    return onnx::TensorProto::INT64;
  if (element.isInteger(32))
    return onnx::TensorProto::INT32;
  return onnx::TensorProto::UNDEFINED;
}

} // namespace

llvm::Error StepBuilder::checkOpset() {
  importer.opsetVersion = defaultOpsetVersion(model.opset_import());
  if (importer.opsetVersion < kMinOpset || importer.opsetVersion > kMaxOpset)
    return error("the model uses ONNX opset " +
                 llvm::Twine(importer.opsetVersion) + "; supported: opsets " +
                 llvm::Twine(kMinOpset) + " to " + llvm::Twine(kMaxOpset));
  return llvm::Error::success();
}

const onnx::FunctionProto *
StepBuilder::functionOf(const onnx::NodeProto &node) const {
  for (const onnx::FunctionProto &function : model.functions())
    if (function.domain() == node.domain() && function.name() == node.op_type())
      return &function;
  return nullptr;
}

std::string StepBuilder::uniqueName(llvm::StringRef sourceName) {
  std::string base = sanitizeName(sourceName), name = base;
  for (int suffix = 1; usedNames.contains(name); ++suffix)
    name = base + "_" + std::to_string(suffix);
  usedNames.insert(name);
  return name;
}

bool ::mpt::import::trainsBatchNorm(const onnx::NodeProto &node,
                                    int64_t opsetVersion) {
  if (node.op_type() != "BatchNormalization")
    return false;
  // Opset 13 trains when it has the statistics outputs, later opsets when
  // training_mode says so.
  if (opsetVersion < 14)
    return node.output_size() > 1;
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == "training_mode")
      return attr.i() != 0;
  return false;
}

llvm::Error StepBuilder::collectParameters() {
  llvm::StringSet<> used;
  // The running mean (input 3) and variance (input 4) of a batch
  // normalisation in training mode: buffers of the step, which it updates
  // as PyTorch does. In inference mode they are constants.
  llvm::StringMap<llvm::StringRef> runningStats;
  // A weight that only a branch or a loop body reads is trained too.
  forEachNode(graph, [&](const onnx::NodeProto &node) {
    for (auto [index, input] : llvm::enumerate(node.input())) {
      if (node.op_type() != "BatchNormalization" || index < 3)
        used.insert(input);
      else if (trainsBatchNorm(node, importer.opsetVersion) && index < 5)
        runningStats[input] = index == 3 ? "zeros" : "ones";
    }
  });
  llvm::StringSet<> frozen;
  for (const std::string &name : options.frozen)
    frozen.insert(name);
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    if (initializers.count(tensor.name()))
      return error("initializer '" + tensor.name() + "' is defined twice");
    initializers[tensor.name()] = &tensor;
  }
  for (const std::string &name : options.frozen)
    if (!initializers.count(name))
      return error("--frozen names '" + name +
                   "', which is not an initializer of the model");
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    llvm::Expected<HostConstant> value = decodeTensor(tensor);
    if (!value)
      return value.takeError();
    // A float tensor of rank >= 1 is a weight; scalars and integer tensors
    // are the constants of the exported computation.
    bool tensorState = value->isFloat() && !value->shape.empty() &&
                       !frozen.contains(tensor.name());
    auto runningStat = runningStats.find(tensor.name());
    bool isBuffer = tensorState && runningStat != runningStats.end();
    bool trainable = tensorState && !isBuffer && used.contains(tensor.name());
    if (!trainable && !isBuffer) {
      constantInitializers[tensor.name()] = std::move(*value);
      continue;
    }
    Type type = stepElementType(builder, tensor.data_type());
    if (!type)
      return error("initializer '" + tensor.name() + "' has element type " +
                   elementTypeName(tensor.data_type()) +
                   "; supported for parameters: FLOAT, DOUBLE");
    // A registered buffer is an initializer like a weight; one with inf or
    // NaN (an additive attention mask) cannot train, so say how to keep it.
    auto nonFinite = llvm::find_if(
        value->floats, [](double element) { return !std::isfinite(element); });
    if (nonFinite != value->floats.end())
      return error("initializer '" + tensor.name() + "' element " +
                   llvm::Twine(nonFinite - value->floats.begin()) + " is " +
                   (std::isnan(*nonFinite) ? "NaN"
                    : *nonFinite > 0       ? "inf"
                                           : "-inf") +
                   "; " +
                   (isBuffer
                        ? "running statistics must be finite"
                        : "a trained parameter must be finite (a buffer, such "
                          "as an attention mask? keep it a constant with "
                          "--frozen=" +
                              tensor.name() + ")"));
    StepArgument arg = {tensor.name(), uniqueName(tensor.name()),
                        RankedTensorType::get(value->shape, type)};
    if (isBuffer) {
      buffers.push_back(std::move(arg));
      bufferValues.push_back(std::move(*value));
      bufferInits.push_back(runningStat->second);
      continue;
    }
    params.push_back(std::move(arg));
    paramValues.push_back(std::move(*value));
  }
  if (llvm::Error error = addBatchCounters())
    return error;
  if (params.empty())
    return error("the model has no trainable initializer (float tensors of "
                 "rank >= 1 that nodes use); nothing to train");
  return llvm::Error::success();
}

llvm::Error StepBuilder::addBatchCounters() {
  constexpr llvm::StringLiteral mean = "running_mean";
  size_t statistics = buffers.size();
  for (size_t index = 0; index < statistics; ++index) {
    llvm::StringRef name = buffers[index].sourceName;
    if (!name.ends_with(mean))
      continue;
    std::string counter =
        (name.drop_back(mean.size()) + "num_batches_tracked").str();
    if (initializers.count(counter) || usedNames.contains(counter))
      continue;
    counters.push_back({name.str(), counter});
    buffers.push_back({counter, uniqueName(counter),
                       RankedTensorType::get({}, builder.getF32Type())});
    HostConstant zero;
    zero.shape = {};
    zero.floats = {0.0};
    bufferValues.push_back(std::move(zero));
    bufferInits.push_back("zeros");
  }
  return llvm::Error::success();
}

llvm::Error StepBuilder::collectBatchInputs() {
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers.count(input.name()))
      continue;
    if (!input.type().has_tensor_type())
      return error("graph input '" + input.name() +
                   "' is not a tensor; supported: tensor inputs");
    const onnx::TypeProto_Tensor &tensor = input.type().tensor_type();
    bool isMask = tensor.elem_type() == onnx::TensorProto::BOOL;
    Type element = isMask ? builder.getIntegerType(32)
                          : stepElementType(builder, tensor.elem_type());
    if (!element)
      return error("graph input '" + input.name() + "' has element type " +
                   elementTypeName(tensor.elem_type()) +
                   "; supported: FLOAT, DOUBLE, INT64, INT32, BOOL");
    if (!tensor.has_shape())
      return error("graph input '" + input.name() +
                   "' has no shape; export the model with a known input shape");
    SmallVector<int64_t> shape;
    for (auto [index, dim] : llvm::enumerate(tensor.shape().dim())) {
      if (dim.has_dim_value() && dim.dim_value() > 0) {
        shape.push_back(dim.dim_value());
        continue;
      }
      std::string what = dim.has_dim_param() ? "'" + dim.dim_param() + "'"
                                             : std::string("unknown");
      if (index != 0)
        return error("graph input '" + input.name() + "' has a dynamic dim " +
                     llvm::Twine(index) + " (" + what +
                     "); only the batch dim (0) may be dynamic");
      if (!options.batch)
        return error("graph input '" + input.name() +
                     "' has a dynamic batch dim (" + what +
                     "); give its size with --batch=N");
      shape.push_back(*options.batch);
    }
    batch.push_back({input.name(), uniqueName(input.name()),
                     RankedTensorType::get(shape, element), isMask});
  }
  return llvm::Error::success();
}

llvm::Error StepBuilder::importNodes() {
  forEachNode(graph, [&](const onnx::NodeProto &node) {
    for (const std::string &input : node.input())
      importer.consumed.insert(input);
  });
  for (const onnx::ValueInfoProto &output : graph.output())
    importer.consumed.insert(output.name());
  for (auto &[name, value] : constantInitializers)
    importer.define(name, value);
  for (const onnx::NodeProto &node : graph.node())
    if (llvm::Error error = importNode(node))
      return error;
  return llvm::Error::success();
}

llvm::Error StepBuilder::importNode(const onnx::NodeProto &node) {
  if (const onnx::FunctionProto *function = functionOf(node))
    return importCall(node, *function);
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return importer.fail(node, "domain '" + node.domain() +
                                   "' is not supported; supported: the "
                                   "default ONNX domain and the model's "
                                   "local functions");
  if (node.output_size() == 0 || node.output(0).empty())
    return importer.fail(node, "expected an output, found none");
  if (node.op_type() == "CastLike")
    return importCastLike(node);
  if (isSequenceOp(node.op_type()) ||
      (node.op_type() == "Identity" && node.input_size() == 1 &&
       sequences.count(node.input(0))))
    return importSequenceOp(node);
  // Past here, only a Loop takes sequences (as loop-carried values).
  if (node.op_type() != "Loop")
    for (const std::string &input : node.input())
      if (sequences.count(input))
        return importer.fail(node, "input '" + input +
                                       "' is a sequence; supported for "
                                       "sequences: the sequence ops, Identity "
                                       "and Loop");
  llvm::Expected<bool> folded = foldConstantNode(importer, node);
  if (!folded)
    return folded.takeError();
  if (*folded)
    return llvm::Error::success();
  if (node.op_type() == "If")
    return importIf(node);
  if (node.op_type() == "Loop")
    return importLoop(node);
  const llvm::StringMap<OpImporter> &importers = opImporters();
  auto it = importers.find(node.op_type());
  if (it == importers.end())
    return importer.fail(
        node, "op type '" + node.op_type() +
                  "' is not supported; supported: " + supportedOpTypes());
  if (llvm::Error error = it->second(importer, node))
    return error;
  if (llvm::Error error = checkOutputs(node))
    return error;
  markIntegral(node);
  return llvm::Error::success();
}

llvm::Error StepBuilder::importCastLike(const onnx::NodeProto &node) {
  int32_t to = onnx::TensorProto::UNDEFINED;
  if (const HostConstant *like = importer.constant(node, 1))
    to = like->elementType;
  else if (Value like = importer.hasInput(node, 1)
                            ? importer.lookup(node.input(1))
                            : Value())
    to = onnxElementType(getElementTypeOrSelf(like.getType()));
  else
    return importer.fail(node, "expected a second input whose type the "
                               "result takes, found none");
  onnx::NodeProto cast = node;
  cast.set_op_type("Cast");
  cast.mutable_input()->DeleteSubrange(1, cast.input_size() - 1);
  cast.clear_attribute();
  onnx::AttributeProto *attribute = cast.add_attribute();
  attribute->set_name("to");
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(to);
  return importNode(cast);
}

bool StepBuilder::isIntegralInput(const onnx::NodeProto &node,
                                  int index) const {
  if (node.input(index).empty())
    return true;
  if (const HostConstant *known = importer.constant(node, index)) {
    for (int64_t i = 0; i < known->numElements(); ++i) {
      double element = known->floatAt(i);
      if (!std::isfinite(element) || element != std::trunc(element))
        return false;
    }
    return true;
  }
  Value value = importer.lookup(node.input(index));
  return value && (isa<IntegerType>(getElementTypeOrSelf(value.getType())) ||
                   importer.integral.contains(value));
}

void StepBuilder::markIntegral(const onnx::NodeProto &node) {
  // 0/1 (masks), or integers (rounding), whatever their inputs.
  static const llvm::StringSet<> masks = {
      "Equal",     "Greater",     "GreaterOrEqual",
      "Less",      "LessOrEqual", "Not",
      "And",       "Or",          "Xor",
      "Bernoulli", "IsNaN",       "IsInf",
      "Floor",     "Ceil",        "Round"};
  // Integers from integers.
  static const llvm::StringSet<> exact = {"Cast",      "Identity",
                                          "Add",       "Sub",
                                          "Mul",       "Neg",
                                          "Abs",       "Clip",
                                          "Max",       "Min",
                                          "Sum",       "ReduceSum",
                                          "ReduceMax", "ReduceMin",
                                          "CumSum",    "Reshape",
                                          "Flatten",   "Squeeze",
                                          "Unsqueeze", "Expand",
                                          "Concat",    "Slice",
                                          "Split",     "Transpose",
                                          "Tile",      "Gather",
                                          "Where",     "Pad",
                                          "TopK",      "GatherElements",
                                          "OneHot",    "ScatterElements",
                                          "ScatterND"};
  const std::string &op = node.op_type();
  // A cast to a signed integer type rounds toward zero.
  int64_t to = op == "Cast" ? importer.intAttr(node, "to", 0) : 0;
  bool holdsIntegers = masks.contains(op) || to == onnx::TensorProto::INT64 ||
                       to == onnx::TensorProto::INT32 ||
                       to == onnx::TensorProto::INT16 ||
                       to == onnx::TensorProto::INT8;
  if (!holdsIntegers && exact.contains(op)) {
    holdsIntegers = true;
    for (int index = 0; index < node.input_size(); ++index)
      holdsIntegers &= isIntegralInput(node, index);
  }
  if (!holdsIntegers)
    return;
  for (const std::string &name : node.output())
    if (Value value = importer.lookup(name))
      if (isa<FloatType>(getElementTypeOrSelf(value.getType())))
        importer.integral.insert(value);
}

llvm::Error StepBuilder::checkOutputs(const onnx::NodeProto &node) {
  for (const std::string &name : node.output()) {
    Value value = importer.lookup(name);
    if (!value)
      continue;
    auto type = cast<RankedTensorType>(value.getType());
    std::string found = "the output '" + name + "' would have shape " +
                        shapeText(type.getShape());
    for (auto [dim, size] : llvm::enumerate(type.getShape()))
      if (size < 1)
        return importer.fail(node, found + ", with dim " + llvm::Twine(dim) +
                                       " of size " + llvm::Twine(size) +
                                       "; every dim must be at least 1");
    if (!mlir::mpt::getTensorFootprint(type))
      return importer.fail(node, found + ", more elements or bytes than a "
                                         "64-bit address space can index");
  }
  return llvm::Error::success();
}

Value StepBuilder::maskOf(Value input, llvm::StringRef sourceName) {
  Location loc =
      NameLoc::get(builder.getStringAttr(sourceName),
                   FileLineColLoc::get(&context, options.sourcePath, 0, 0));
  auto type = cast<RankedTensorType>(input.getType());
  Value zero = arith::ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(type.clone(ArrayRef<int64_t>{}),
                             builder.getI32IntegerAttr(0)));
  return mlir::mpt::IndexCompareOp::create(
      builder, loc, type.clone(builder.getF32Type()),
      mlir::mpt::ComparePredicate::NE, input, zero);
}

llvm::Expected<Value> StepBuilder::buildLoss(Value output,
                                             BlockArgument target) {
  Location loc =
      NameLoc::get(builder.getStringAttr("loss"),
                   FileLineColLoc::get(&context, options.sourcePath, 0, 0));
  if (options.loss == LossKind::MSE)
    return mlir::mpt::MSELossOp::create(builder, loc, output, target)
        .getResult();
  auto type = cast<RankedTensorType>(output.getType());
  int64_t classes = type.getShape().back();
  int64_t rows = type.getNumElements() / classes;
  Value logits = output;
  if (type.getRank() != 2)
    logits = mlir::mpt::ReshapeOp::create(builder, loc,
                                          type.clone({rows, classes}), output);
  Value labels = target;
  auto targetType = cast<RankedTensorType>(target.getType());
  if (options.target == TargetKind::Probabilities && targetType.getRank() != 2)
    labels = mlir::mpt::ReshapeOp::create(
        builder, loc, targetType.clone({rows, classes}), target);
  // Integer labels are no float tensor for mpt.reshape to take.
  if (options.target == TargetKind::Labels && targetType.getRank() != 1) {
    ReassociationIndices all =
        llvm::to_vector(llvm::seq<int64_t>(0, targetType.getRank()));
    labels = tensor::CollapseShapeOp::create(
        builder, loc, targetType.clone({rows}), target,
        ArrayRef<ReassociationIndices>{all});
  }
  return mlir::mpt::CrossEntropyLossOp::create(builder, loc, logits, labels)
      .getResult();
}

llvm::Expected<ImportedStep> StepBuilder::build() {
  if (llvm::Error error = checkOpset())
    return std::move(error);
  if (llvm::Error error = collectParameters())
    return std::move(error);
  if (llvm::Error error = collectBatchInputs())
    return std::move(error);
  if (graph.output_size() != 1) {
    std::string names;
    for (const onnx::ValueInfoProto &output : graph.output())
      names += (names.empty() ? "'" : ", '") + output.name() + "'";
    return error("the graph has " + llvm::Twine(graph.output_size()) +
                 " outputs (" + names +
                 "); supported: one output, the prediction the loss reads");
  }

  Location loc = FileLineColLoc::get(&context, options.sourcePath, 0, 0);
  ImportedStep result;
  result.module = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(result.module->getBody());
  // The target's type follows the output's, known once the nodes are
  // imported: it is the last block argument, fixed up then.
  std::string targetName = uniqueName("target");
  SmallVector<Type> types;
  SmallVector<Attribute> names, sourceNames;
  bool renamed = false;
  for (const std::vector<StepArgument> *group : {&params, &buffers, &batch})
    for (const StepArgument &arg : *group) {
      types.push_back(arg.type);
      names.push_back(builder.getStringAttr(arg.name));
      sourceNames.push_back(builder.getStringAttr(arg.sourceName));
      renamed |= arg.name != arg.sourceName;
    }
  names.push_back(builder.getStringAttr(targetName));
  sourceNames.push_back(builder.getStringAttr(targetName));
  auto step = mlir::mpt::TrainStepOp::create(
      builder, loc, builder.getStringAttr(options.stepName),
      builder.getI64IntegerAttr(params.size()),
      builder.getI64IntegerAttr(buffers.size()), builder.getArrayAttr(names),
      options.optimizer, mlir::mpt::LossScaleAttr(),
      builder.getI64IntegerAttr(1));
  if (renamed)
    step->setAttr("mpt.source_names", builder.getArrayAttr(sourceNames));
  if (!buffers.empty())
    step->setAttr("mpt.buffer_inits",
                  builder.getStrArrayAttr(SmallVector<StringRef>(
                      bufferInits.begin(), bufferInits.end())));
  Block *body = new Block();
  step.getBody().push_back(body);
  for (Type type : types)
    body->addArgument(type, loc);
  builder.setInsertionPointToStart(body);
  size_t index = 0;
  for (const std::vector<StepArgument> *group : {&params, &buffers, &batch})
    for (const StepArgument &arg : *group) {
      Value value = body->getArgument(index++);
      if (group == &buffers) {
        importer.bufferValues[value] = value;
        for (const auto &[mean, counter] : counters)
          if (counter == arg.sourceName)
            importer.batchCounters[mean] = value;
      }
      if (arg.isMask) {
        value = maskOf(value, arg.sourceName);
        importer.integral.insert(value);
      }
      importer.define(arg.sourceName, value);
    }

  if (llvm::Error error = importNodes())
    return std::move(error);

  const onnx::ValueInfoProto &outputInfo = graph.output(0);
  if (sequences.count(outputInfo.name()))
    return error("the output '" + outputInfo.name() +
                 "' is a sequence; expected a tensor");
  onnx::NodeProto outputNode;
  outputNode.set_name(outputInfo.name());
  outputNode.set_op_type("graph output");
  outputNode.add_input(outputInfo.name());
  llvm::Expected<Value> output = importer.floatValue(outputNode, 0);
  if (!output)
    return output.takeError();
  auto outputType = cast<RankedTensorType>(output->getType());
  Type targetType = outputType;
  if (options.loss == LossKind::CrossEntropy) {
    if (outputType.getRank() < 2)
      return error("the output '" + outputInfo.name() +
                   "' must have rank >= 2 (rows x classes) for the "
                   "cross-entropy loss");
    if (options.target == TargetKind::Labels)
      targetType = RankedTensorType::get(outputType.getShape().drop_back(),
                                         builder.getIntegerType(64));
  }
  BlockArgument target = body->addArgument(targetType, loc);
  llvm::Expected<Value> loss = buildLoss(*output, target);
  if (!loss)
    return loss.takeError();
  // Each buffer's value after the last node that updates it.
  SmallVector<Value> bufferUpdates;
  for (BlockArgument buffer : step.getBuffers())
    bufferUpdates.push_back(importer.bufferValues.lookup(buffer));
  mlir::mpt::LossOp::create(builder, loc, *loss, bufferUpdates);

  if (failed(verify(*result.module)))
    return error("the imported step does not verify (see the diagnostics "
                 "above); this is a bug in mpt-import");
  // Under the source names, as mpt-run saves them: the file is a
  // state_dict of the parameters and buffers.
  auto addInit = [&](const StepArgument &arg, const HostConstant &value) {
    bool isF64 = value.elementType == onnx::TensorProto::DOUBLE;
    ::mpt::runtime::HostTensor tensor(isF64 ? ::mpt::runtime::DType::F64
                                            : ::mpt::runtime::DType::F32,
                                      value.shape);
    for (int64_t i = 0; i < value.numElements(); ++i)
      tensor.store(i, value.floats[i]);
    result.init.tensors.push_back({arg.sourceName, std::move(tensor)});
  };
  for (auto [arg, value] : llvm::zip(params, paramValues))
    addInit(arg, value);
  for (auto [arg, value] : llvm::zip(buffers, bufferValues))
    addInit(arg, value);
  return result;
}

namespace mpt {
namespace import {
llvm::Expected<ImportedStep> importModel(const onnx::ModelProto &model,
                                         const ImportOptions &options,
                                         MLIRContext &context) {
  return StepBuilder(model, options, context).build();
}
} // namespace import
} // namespace mpt
