//===- EinsumImporters.cpp - ONNX Einsum as products and sums -------------===//
//
// Einsum (`torch.einsum`, exported as it is written) becomes the ops a
// person would write for it: the labels of each operand that nothing after
// it needs are summed out (`mpt.reduce_sum`), and each pair of operands,
// left to right, is one `mpt.matmul` over the labels they share: the
// labels the result keeps are its batch dims, the others are contracted.
// Transposes bring dims into that order only where they are not already,
// and reshapes group them into the matmul's batch, row, column and inner
// dims. An ellipsis stands for the same dims in every operand (no
// broadcasting of size-1 dims). A label repeated within one operand (a
// diagonal, `bii->bi`, or a trace) first takes that operand's diagonal:
// the flattened operand gathered at the constant positions of the
// diagonal (`mpt.gather_elements`), one dim per label.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// One operand or intermediate result: its value and a label per dim.
struct Term {
  Value value;
  std::string labels;
};

/// The labels of an ellipsis: characters no equation uses, one per dim.
constexpr llvm::StringLiteral kEllipsisLabels = "0123456789";

bool has(llvm::StringRef labels, char label) { return labels.contains(label); }

/// The equation, parsed against the operands' ranks.
struct Equation {
  std::vector<std::string> inputs;
  std::string output;
};

/// Labels of one side of the equation with `...` replaced by the last
/// `dims` of the `ellipsisRank` ellipsis labels.
std::string expandEllipsis(llvm::StringRef spec, size_t dims,
                           size_t ellipsisRank) {
  size_t at = spec.find("...");
  if (at == llvm::StringRef::npos)
    return spec.str();
  return (spec.take_front(at) +
          kEllipsisLabels.substr(ellipsisRank - dims, dims) +
          spec.drop_front(at + 3))
      .str();
}

llvm::Expected<Equation> parseEquation(GraphImporter &im,
                                       const onnx::NodeProto &node,
                                       ArrayRef<Term> operands) {
  std::string text = im.stringAttr(node, "equation", "");
  llvm::erase_if(text, [](char c) { return c == ' '; });
  llvm::StringRef equation(text);
  auto [lhs, rhs] = equation.split("->");
  bool explicitOutput = equation.contains("->");
  SmallVector<llvm::StringRef> specs;
  lhs.split(specs, ',');
  auto invalid = [&](const llvm::Twine &why) {
    return im.fail(node, "equation '" + text + "': " + why);
  };
  if (specs.size() != operands.size())
    return invalid("it names " + llvm::Twine(specs.size()) +
                   " operands, the node has " + llvm::Twine(operands.size()));

  // The rank an ellipsis stands for: the most dims any operand gives it.
  size_t ellipsisRank = 0;
  SmallVector<size_t> ellipsisDims;
  for (auto [spec, operand] : llvm::zip(specs, operands)) {
    size_t rank = typeOf(operand.value).getRank();
    size_t letters = llvm::count_if(spec, llvm::isAlpha);
    bool ellipsis = spec.contains("...");
    if (letters + (ellipsis ? 3 : 0) != spec.size() || spec.count("...") > 1 ||
        (ellipsis ? letters > rank : letters != rank))
      return invalid("'" + spec + "' does not label the " + llvm::Twine(rank) +
                     " dims of its operand");
    ellipsisDims.push_back(ellipsis ? rank - letters : 0);
    ellipsisRank = std::max(ellipsisRank, ellipsisDims.back());
  }
  if (ellipsisRank > kEllipsisLabels.size())
    return invalid("an ellipsis of more than " +
                   llvm::Twine(kEllipsisLabels.size()) + " dims");

  Equation parsed;
  for (auto [spec, dims] : llvm::zip(specs, ellipsisDims))
    parsed.inputs.push_back(expandEllipsis(spec, dims, ellipsisRank));
  if (explicitOutput) {
    size_t letters = llvm::count_if(rhs, llvm::isAlpha);
    bool ellipsis = rhs.contains("...");
    if (letters + (ellipsis ? 3 : 0) != rhs.size() || rhs.count("...") > 1)
      return invalid("the output '" + rhs + "' is not letters and one '...'");
    if (!ellipsis && ellipsisRank > 0)
      return invalid("the output has no '...' for the operands' ellipsis");
    parsed.output = expandEllipsis(rhs, ellipsisRank, ellipsisRank);
  } else {
    // NumPy's implicit output: the ellipsis, then the letters used once,
    // in alphabetical order.
    parsed.output = kEllipsisLabels.take_front(ellipsisRank).str();
    std::string all = llvm::join(parsed.inputs, "");
    for (char label = 'A'; label <= 'z'; ++label)
      if (llvm::isAlpha(label) && llvm::count(all, label) == 1)
        parsed.output.push_back(label);
  }
  for (char label : parsed.output) {
    if (llvm::count(parsed.output, label) > 1)
      return invalid("label '" + llvm::Twine(label) +
                     "' is repeated in the output");
    if (llvm::none_of(parsed.inputs,
                      [&](const std::string &in) { return has(in, label); }))
      return invalid("output label '" + llvm::Twine(label) +
                     "' labels no operand dim");
  }
  return parsed;
}

/// Builds the ops of one Einsum node.
class EinsumBuilder {
public:
  EinsumBuilder(GraphImporter &im, const onnx::NodeProto &node)
      : im(im), node(node), loc(im.loc(node)) {}

  /// Every label's size; an error when two operands disagree.
  llvm::Error recordSizes(ArrayRef<Term> terms) {
    for (const Term &term : terms)
      for (auto [label, size] :
           llvm::zip(term.labels, typeOf(term.value).getShape())) {
        auto [it, inserted] = sizes.try_emplace(label, size);
        if (!inserted && it->second != size)
          return im.fail(node, "the dims labelled " + describe(label) +
                                   " have sizes " + llvm::Twine(it->second) +
                                   " and " + llvm::Twine(size) +
                                   "; einsum's broadcasting of size-1 dims "
                                   "is not supported");
      }
    return llvm::Error::success();
  }

  /// `term` with each label it repeats on one dim: its diagonal along the
  /// repeated dims (which must have one size), from the flattened term at
  /// the constant positions of the diagonal's elements.
  llvm::Expected<Term> takeDiagonals(Term term) {
    RankedTensorType type = typeOf(term.value);
    Shape shape(type.getShape());
    std::string labels = term.labels;
    // For each dim of the result, the stride of the term it steps.
    std::vector<int64_t> strides = stridesOf(shape);
    bool repeated = false;
    for (size_t first = 0; first < labels.size(); ++first)
      for (size_t second = first + 1; second < labels.size();) {
        if (labels[second] != labels[first]) {
          ++second;
          continue;
        }
        if (shape[first] != shape[second])
          return im.fail(node, "the dims labelled " + describe(labels[first]) +
                                   " have sizes " + llvm::Twine(shape[first]) +
                                   " and " + llvm::Twine(shape[second]) +
                                   " in one operand; a diagonal needs one");
        strides[first] += strides[second];
        labels.erase(second, 1);
        shape.erase(shape.begin() + second);
        strides.erase(strides.begin() + second);
        repeated = true;
      }
    if (!repeated)
      return term;
    std::optional<int64_t> count = elementCount(shape);
    if (!count || *count > (int64_t(1) << 24))
      return im.fail(node, "a diagonal of more than 2^24 elements is not "
                           "supported");
    std::vector<int64_t> positions;
    for (int64_t element = 0; element < *count; ++element) {
      int64_t position = 0, rest = element;
      for (int64_t dim = static_cast<int64_t>(shape.size()) - 1; dim >= 0;
           --dim) {
        position += (rest % shape[dim]) * strides[dim];
        rest /= shape[dim];
      }
      positions.push_back(position);
    }
    return Term{gatherFlat(im, node, term.value, positions, shape), labels};
  }

  /// Sums `term` over its labels that `keep` does not hold.
  Term sumOut(Term term, llvm::StringRef keep) {
    SmallVector<int64_t> dims;
    std::string kept;
    for (auto [dim, label] : llvm::enumerate(term.labels)) {
      if (has(keep, label))
        kept.push_back(label);
      else
        dims.push_back(dim);
    }
    if (dims.empty())
      return term;
    Value sum = mlir::mpt::ReduceSumOp::create(
        im.b, loc, typeOf(term.value).clone(shapeOf(kept)), term.value,
        im.b.getDenseI64ArrayAttr(dims), false);
    return {sum, kept};
  }

  /// `term` with its dims in the order of `labels`.
  Term transposeTo(Term term, llvm::StringRef labels) {
    if (term.labels == labels)
      return term;
    SmallVector<int64_t> permutation;
    for (char label : labels)
      permutation.push_back(term.labels.find(label));
    Value transposed = mlir::mpt::TransposeOp::create(
        im.b, loc, typeOf(term.value).clone(shapeOf(labels)), term.value,
        im.b.getDenseI64ArrayAttr(permutation));
    return {transposed, labels.str()};
  }

  /// The product of `lhs` and `rhs` with the labels of `keep` that they
  /// hold, as batch dims (both hold them) or free dims; the labels both
  /// hold that `keep` does not are contracted.
  Term contract(Term lhs, Term rhs, llvm::StringRef keep) {
    std::string needed = keep.str();
    lhs = sumOut(lhs, needed + rhs.labels);
    rhs = sumOut(rhs, needed + lhs.labels);
    std::string batch, contracted, lhsFree, rhsFree;
    for (char label : lhs.labels) {
      if (!has(rhs.labels, label))
        lhsFree.push_back(label);
      else if (has(keep, label))
        batch.push_back(label);
      else
        contracted.push_back(label);
    }
    for (char label : rhs.labels)
      if (!has(lhs.labels, label))
        rhsFree.push_back(label);
    // Each operand is read transposed by the matmul where that saves a
    // transpose.
    bool transposeLhs = lhs.labels == batch + contracted + lhsFree &&
                        lhs.labels != batch + lhsFree + contracted;
    bool transposeRhs = rhs.labels != batch + contracted + rhsFree;
    lhs = transposeTo(lhs, transposeLhs ? batch + contracted + lhsFree
                                        : batch + lhsFree + contracted);
    rhs = transposeTo(rhs, transposeRhs ? batch + rhsFree + contracted
                                        : batch + contracted + rhsFree);
    int64_t m = count(lhsFree), n = count(rhsFree), k = count(contracted);
    Shape prefix;
    if (!batch.empty())
      prefix.push_back(count(batch));
    auto grouped = [&](int64_t rows, int64_t columns) {
      Shape shape = prefix;
      shape.append({rows, columns});
      return shape;
    };
    Value a = reshape(im, node, lhs.value,
                      transposeLhs ? grouped(k, m) : grouped(m, k));
    Value b = reshape(im, node, rhs.value,
                      transposeRhs ? grouped(n, k) : grouped(k, n));
    Value product =
        mlir::mpt::MatmulOp::create(im.b, loc, typeOf(a).clone(grouped(m, n)),
                                    a, b, transposeLhs, transposeRhs);
    std::string labels = batch + lhsFree + rhsFree;
    return {reshape(im, node, product, shapeOf(labels)), labels};
  }

private:
  Shape shapeOf(llvm::StringRef labels) const {
    Shape shape;
    for (char label : labels)
      shape.push_back(sizes.lookup(label));
    return shape;
  }
  int64_t count(llvm::StringRef labels) const {
    int64_t product = 1;
    for (char label : labels)
      product *= sizes.lookup(label);
    return product;
  }
  static std::string describe(char label) {
    if (has(kEllipsisLabels, label))
      return "by the ellipsis";
    return "'" + std::string(1, label) + "'";
  }

  GraphImporter &im;
  const onnx::NodeProto &node;
  Location loc;
  llvm::DenseMap<char, int64_t> sizes;
};

llvm::Error importEinsum(GraphImporter &im, const onnx::NodeProto &node) {
  if (node.input_size() < 1)
    return im.fail(node, "expected at least one operand");
  llvm::Expected<Value> first = im.floatValue(node, 0);
  if (!first)
    return first.takeError();
  Type element = typeOf(*first).getElementType();
  SmallVector<Term> terms;
  for (int index = 0; index < node.input_size(); ++index) {
    llvm::Expected<Value> value = im.value(node, index, element);
    if (!value)
      return value.takeError();
    if (typeOf(*value).getElementType() != element)
      return im.fail(node, "the operands must have one float element type");
    terms.push_back({*value, ""});
  }
  llvm::Expected<Equation> equation = parseEquation(im, node, terms);
  if (!equation)
    return equation.takeError();
  for (auto [term, labels] : llvm::zip(terms, equation->inputs))
    term.labels = labels;

  EinsumBuilder builder(im, node);
  for (Term &term : terms) {
    llvm::Expected<Term> diagonal = builder.takeDiagonals(term);
    if (!diagonal)
      return diagonal.takeError();
    term = *diagonal;
  }
  if (llvm::Error error = builder.recordSizes(terms))
    return error;
  // Left to right, each product keeps the labels the output or a later
  // operand needs.
  Term result = terms.front();
  for (size_t i = 1; i < terms.size(); ++i) {
    std::string keep = equation->output;
    for (size_t later = i + 1; later < terms.size(); ++later)
      keep += terms[later].labels;
    result = builder.contract(result, terms[i], keep);
  }
  result = builder.sumOut(result, equation->output);
  im.setResult(node, builder.transposeTo(result, equation->output).value);
  return llvm::Error::success();
}

} // namespace

void addEinsumImporters(llvm::StringMap<OpImporter> &importers) {
  importers["Einsum"] = importEinsum;
}

} // namespace import
} // namespace mpt
