//===- OpImporters.cpp - The table of ONNX op importers -------------------===//

#include "ImportHelpers.h"

#include "llvm/ADT/STLExtras.h"

namespace mpt {
namespace import {

const llvm::StringMap<OpImporter> &opImporters() {
  static const llvm::StringMap<OpImporter> importers = [] {
    llvm::StringMap<OpImporter> table;
    addElementwiseImporters(table);
    addActivationImporters(table);
    addResizeImporters(table);
    addShapeImporters(table);
    addLayerImporters(table);
    addRecurrentImporters(table);
    addNormalizationImporters(table);
    addEinsumImporters(table);
    addReductionImporters(table);
    addMatrixImporters(table);
    addSelectionImporters(table);
    addRandomImporters(table);
    return table;
  }();
  return importers;
}

std::string supportedOpTypes() {
  llvm::SmallVector<std::string> names;
  for (const auto &entry : opImporters())
    names.push_back(entry.getKey().str());
  // Folded on the host, or taken by the builder of the step: If, Loop,
  // CastLike and the sequence ops.
  for (const char *folded :
       {"Constant", "Shape", "Size", "EyeLike", "ConstantOfShape", "Range",
        "If", "Loop", "CastLike", "SequenceEmpty", "SequenceConstruct",
        "SequenceInsert", "SequenceAt", "SequenceErase", "SequenceLength",
        "ConcatFromSequence", "SplitToSequence"})
    names.push_back(folded);
  llvm::sort(names);
  names.erase(llvm::unique(names), names.end());
  std::string text;
  for (const std::string &name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text;
}

} // namespace import
} // namespace mpt
