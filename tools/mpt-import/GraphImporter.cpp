//===- GraphImporter.cpp - The state of one import ------------------------===//

#include "GraphImporter.h"
#include "ImportHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSet.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace ::mpt::import;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

llvm::Error GraphImporter::fail(const onnx::NodeProto &node,
                                const llvm::Twine &what) const {
  // Nodes of ONNX text, and some exporters', have no name: their first
  // output names them.
  std::string name = !node.name().empty() ? "node '" + node.name() + "'"
                     : node.output_size()
                         ? "node with output '" + node.output(0) + "'"
                         : std::string("node");
  return createStringError(inconvertibleErrorCode(),
                           name + " (" + node.op_type() + "): " + what.str());
}

Location GraphImporter::loc(const onnx::NodeProto &node) const {
  MLIRContext *ctx = b.getContext();
  return NameLoc::get(StringAttr::get(ctx, node.name()),
                      FileLineColLoc::get(ctx, sourcePath, 0, 0));
}

void GraphImporter::define(const std::string &name, Value value) {
  constants.erase(name);
  values[name] = value;
}

void GraphImporter::define(const std::string &name, HostConstant constant) {
  values.erase(name);
  constants[name] = std::move(constant);
}

bool GraphImporter::hasInput(const onnx::NodeProto &node,
                             unsigned index) const {
  return static_cast<int>(index) < node.input_size() &&
         !node.input(index).empty();
}

const HostConstant *GraphImporter::constant(const onnx::NodeProto &node,
                                            unsigned index) const {
  if (!hasInput(node, index))
    return nullptr;
  return constant(node.input(index));
}

const HostConstant *GraphImporter::constant(const std::string &name) const {
  auto it = constants.find(name);
  return it == constants.end() ? nullptr : &it->second;
}

Value GraphImporter::materialize(const HostConstant &constant, Type elementType,
                                 Location location) {
  auto type = RankedTensorType::get(constant.shape, elementType);
  DenseElementsAttr attr;
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> elements;
    for (int64_t i = 0; i < constant.numElements(); ++i) {
      APFloat element(constant.floatAt(i));
      bool losesInfo = false;
      element.convert(floatType.getFloatSemantics(),
                      APFloat::rmNearestTiesToEven, &losesInfo);
      elements.push_back(element);
    }
    attr = DenseElementsAttr::get(type, elements);
  } else {
    unsigned width = elementType.getIntOrFloatBitWidth();
    SmallVector<APInt> elements;
    for (int64_t i = 0; i < constant.numElements(); ++i)
      elements.push_back(APInt(width, constant.intAt(i), /*isSigned=*/true));
    attr = DenseElementsAttr::get(type, elements);
  }
  return arith::ConstantOp::create(b, location, attr);
}

llvm::Expected<Value> GraphImporter::value(const onnx::NodeProto &node,
                                           unsigned index, Type floatType) {
  if (!hasInput(node, index))
    return fail(node, "input " + llvm::Twine(index) + " is missing");
  const std::string &name = node.input(index);
  if (const HostConstant *known = constant(node, index))
    return materialize(
        *known, known->isFloat() ? floatType : b.getIntegerType(64), loc(node));
  auto it = values.find(name);
  if (it == values.end())
    return fail(node, "input '" + name + "' is not defined before the node");
  return it->second;
}

llvm::Expected<Value> GraphImporter::valueBeside(const onnx::NodeProto &node,
                                                 unsigned index, Value other) {
  Type floatType = getElementTypeOrSelf(other.getType());
  if (const HostConstant *known = constant(node, index))
    if (!known->isFloat() && integral.contains(other))
      return materialize(*known, floatType, loc(node));
  return value(node, index, floatType);
}

llvm::Expected<Value> GraphImporter::floatValue(const onnx::NodeProto &node,
                                                unsigned index) {
  llvm::Expected<Value> result = value(node, index, b.getF32Type());
  if (!result)
    return result.takeError();
  auto type = dyn_cast<RankedTensorType>(result->getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return fail(node, "input " + llvm::Twine(index) +
                          " must be a float tensor, found " +
                          typeText(result->getType()));
  return result;
}

const onnx::AttributeProto *
GraphImporter::attribute(const onnx::NodeProto &node,
                         llvm::StringRef name) const {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t GraphImporter::intAttr(const onnx::NodeProto &node,
                               llvm::StringRef name,
                               int64_t defaultValue) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  return attr ? attr->i() : defaultValue;
}

double GraphImporter::floatAttr(const onnx::NodeProto &node,
                                llvm::StringRef name,
                                double defaultValue) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  if (!attr)
    return defaultValue;
  // ONNX stores float attributes in f32: read back the shortest decimal
  // that rounds to it (the 1e-5 the model was written with, not
  // 9.99999974e-06).
  float stored = attr->f();
  for (int digits = 1; digits < 9; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*g", digits, double(stored));
    double value = std::strtod(text, nullptr);
    if (static_cast<float>(value) == stored)
      return value;
  }
  return stored;
}

std::string GraphImporter::stringAttr(const onnx::NodeProto &node,
                                      llvm::StringRef name,
                                      llvm::StringRef defaultValue) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  return attr ? attr->s() : defaultValue.str();
}

std::optional<std::vector<int64_t>>
GraphImporter::intsAttr(const onnx::NodeProto &node,
                        llvm::StringRef name) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  if (!attr)
    return std::nullopt;
  return std::vector<int64_t>(attr->ints().begin(), attr->ints().end());
}

llvm::Expected<std::optional<std::vector<int64_t>>>
GraphImporter::intsInputOrAttr(const onnx::NodeProto &node, unsigned index,
                               llvm::StringRef name) const {
  if (hasInput(node, index)) {
    const HostConstant *known = constant(node, index);
    if (!known)
      return fail(node, "input " + llvm::Twine(index) +
                            " must be known at import time (a constant or "
                            "computed from shapes)");
    std::vector<int64_t> values;
    for (int64_t i = 0; i < known->numElements(); ++i)
      values.push_back(known->intAt(i));
    return std::optional<std::vector<int64_t>>(values);
  }
  return intsAttr(node, name);
}
