//===- MPTOps.cpp - Operations of the mpt dialect -------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "VerifierUtils.h"
#include "mpt/Dialect/MPT/IR/TensorLimits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <limits>

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::detail;

//===----------------------------------------------------------------------===//
// TrainStepOp
//===----------------------------------------------------------------------===//

LossOp TrainStepOp::getLossOp() {
  return dyn_cast<LossOp>(getBodyBlock().getTerminator());
}

void TrainStepOp::getAsmBlockArgumentNames(Region &region,
                                           OpAsmSetValueNameFn setNameFn) {
  // The printer may run on IR that was never verified (a dump, the IR after
  // a failed pass): use only the names that are strings.
  ArrayAttr names = getArgNamesAttr();
  if (!names)
    return;
  for (BlockArgument arg : region.getArguments())
    if (arg.getArgNumber() < names.size())
      if (auto name = dyn_cast<StringAttr>(names[arg.getArgNumber()]))
        setNameFn(arg, name.getValue());
}

/// Parses `name(%a: type, %b: type)` into `arguments` and their names.
static ParseResult
parseArgumentGroup(OpAsmParser &parser, StringRef keyword,
                   SmallVectorImpl<OpAsmParser::Argument> &args,
                   SmallVectorImpl<Attribute> &names) {
  // An empty keyword: the caller has parsed it.
  if (!keyword.empty() && parser.parseKeyword(keyword))
    return failure();
  SmallVector<OpAsmParser::Argument> group;
  if (parser.parseArgumentList(group, OpAsmParser::Delimiter::Paren,
                               /*allowType=*/true))
    return failure();
  for (OpAsmParser::Argument &arg : group) {
    StringRef name = arg.ssaName.name.drop_front(); // drop '%'
    if (name.empty() || llvm::isDigit(name.front()))
      name = "";
    names.push_back(parser.getBuilder().getStringAttr(name));
    args.push_back(arg);
  }
  return success();
}

ParseResult TrainStepOp::parse(OpAsmParser &parser, OperationState &result) {
  Builder &builder = parser.getBuilder();
  StringAttr symName;
  if (parser.parseSymbolName(symName, getSymNameAttrName(result.name),
                             result.attributes))
    return failure();

  SmallVector<OpAsmParser::Argument> args;
  SmallVector<Attribute> names;
  if (parseArgumentGroup(parser, "params", args, names))
    return failure();
  int64_t numParams = args.size();
  if (succeeded(parser.parseOptionalKeyword("buffers")) &&
      parseArgumentGroup(parser, "", args, names))
    return failure();
  int64_t numBuffers = args.size() - numParams;
  if (parseArgumentGroup(parser, "batch", args, names))
    return failure();
  // Unnamed (numeric) arguments get positional names.
  for (auto [index, name] : llvm::enumerate(names))
    if (cast<StringAttr>(name).getValue().empty())
      name = builder.getStringAttr("arg" + Twine(index));

  Attribute optimizer;
  if (parser.parseKeyword("optimizer") || parser.parseLParen() ||
      parser.parseAttribute(optimizer) || parser.parseRParen())
    return failure();
  result.addAttribute(getOptimizerAttrName(result.name), optimizer);

  if (succeeded(parser.parseOptionalKeyword("loss_scale"))) {
    // Parsed as the concrete attribute: an inherent attribute of another
    // kind would be dropped silently when stored in the op's properties.
    LossScaleAttr lossScale;
    if (parser.parseLParen() || parser.parseAttribute(lossScale) ||
        parser.parseRParen())
      return failure();
    result.addAttribute(getLossScaleAttrName(result.name), lossScale);
  }
  if (succeeded(parser.parseOptionalKeyword("accumulate"))) {
    int64_t accumulate;
    if (parser.parseLParen() || parser.parseInteger(accumulate) ||
        parser.parseRParen())
      return failure();
    result.addAttribute(getAccumulateAttrName(result.name),
                        builder.getI64IntegerAttr(accumulate));
  }
  result.addAttribute(getNumParamsAttrName(result.name),
                      builder.getI64IntegerAttr(numParams));
  if (numBuffers)
    result.addAttribute(getNumBuffersAttrName(result.name),
                        builder.getI64IntegerAttr(numBuffers));
  result.addAttribute(getArgNamesAttrName(result.name),
                      builder.getArrayAttr(names));
  if (parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();

  SMLoc bodyLoc = parser.getCurrentLocation();
  Region *body = result.addRegion();
  if (parser.parseRegion(*body, args))
    return failure();
  // Say what the body lacks; the generic verifier would only report a block
  // without terminator, or an empty block. `{}` without any argument parses
  // to a region without a block.
  if (body->empty() || body->front().empty())
    return mlir::emitError(parser.getEncodedSourceLoc(bodyLoc))
           << "'mpt.train_step' body must end in 'mpt.loss', found an empty "
              "body";
  Operation &last = body->front().back();
  if (!isa<LossOp>(last))
    return mlir::emitError(last.getLoc())
           << "'mpt.train_step' body must end in 'mpt.loss', found '"
           << last.getName() << "'";
  return success();
}

void TrainStepOp::print(OpAsmPrinter &printer) {
  printer << ' ';
  printer.printSymbolName(getSymName());
  auto printGroup = [&](StringRef keyword, ArrayRef<BlockArgument> args) {
    printer.printNewline();
    printer << "    " << keyword << "(";
    llvm::interleaveComma(args, printer, [&](BlockArgument arg) {
      printer.printRegionArgument(arg);
    });
    printer << ")";
  };
  printGroup("params", getParams());
  if (getNumBuffers())
    printGroup("buffers", getBuffers());
  printGroup("batch", getBatch());
  printer.printNewline();
  printer << "    optimizer(";
  printer.printAttribute(getOptimizer());
  printer << ")";
  if (LossScaleAttr lossScale = getLossScaleAttr()) {
    printer << " loss_scale(";
    printer.printAttribute(lossScale);
    printer << ")";
  }
  if (getAccumulate() != 1)
    printer << " accumulate(" << getAccumulate() << ")";
  printer.printOptionalAttrDictWithKeyword(
      (*this)->getAttrs(),
      {getSymNameAttrName(), getNumParamsAttrName(), getNumBuffersAttrName(),
       getArgNamesAttrName(), getOptimizerAttrName(), getLossScaleAttrName(),
       getAccumulateAttrName()});
  printer << ' ';
  printer.printRegion(getBody(), /*printEntryBlockArgs=*/false);
}

LogicalResult TrainStepOp::verify() {
  // The I64 attributes read back unsigned; their rules are about signed
  // values.
  int64_t numArgs = getBodyBlock().getNumArguments();
  int64_t numParams = static_cast<int64_t>(getNumParams());
  int64_t accumulate = static_cast<int64_t>(getAccumulate());
  if (numParams < 0 || numParams > numArgs)
    return emitOpError() << "num_params (" << numParams
                         << ") must be within [0, " << numArgs
                         << "] (the number of block arguments)";
  if (numParams == 0)
    return emitOpError() << "needs at least one parameter to train, found an "
                            "empty params group";
  int64_t numBuffers = static_cast<int64_t>(getNumBuffers());
  if (numBuffers < 0 || numBuffers > numArgs - numParams)
    return emitOpError() << "num_buffers (" << numBuffers
                         << ") must be within [0, " << numArgs - numParams
                         << "] (the block arguments after the parameters)";
  if (static_cast<int64_t>(getArgNames().size()) != numArgs)
    return emitOpError() << "arg_names has " << getArgNames().size()
                         << " names, expected one per block argument ("
                         << numArgs << ")";
  llvm::StringMap<unsigned> firstUse;
  for (auto [index, attr] : llvm::enumerate(getArgNames())) {
    auto name = dyn_cast<StringAttr>(attr);
    if (!name || name.getValue().empty())
      return emitOpError() << "arg_names[" << index
                           << "] must be a non-empty string, found " << attr;
    auto [it, inserted] = firstUse.try_emplace(name.getValue(), index);
    if (!inserted)
      return emitOpError() << "argument name '" << name.getValue()
                           << "' is used by arguments " << it->second << " and "
                           << index;
  }
  // The step function counts micro-batches in an i32.
  if (accumulate < 1 || accumulate > std::numeric_limits<int32_t>::max())
    return emitOpError() << "accumulate must be in [1, 2147483647], found "
                         << accumulate;
  for (BlockArgument param : getParams())
    if (!isFloatTensor(param.getType()) ||
        !cast<RankedTensorType>(param.getType()).hasStaticShape())
      return emitOpError() << "parameter '" << getArgName(param.getArgNumber())
                           << "' must be a statically shaped float tensor, "
                              "found "
                           << param.getType();
  for (BlockArgument buffer : getBuffers())
    if (!isa<RankedTensorType>(buffer.getType()) ||
        !cast<RankedTensorType>(buffer.getType()).hasStaticShape() ||
        !isa<Float32Type, Float64Type>(getElementTypeOrSelf(buffer)))
      return emitOpError() << "buffer '" << getArgName(buffer.getArgNumber())
                           << "' must be a statically shaped f32 or f64 "
                              "tensor, found "
                           << buffer.getType();
  for (BlockArgument input : getBatch())
    if (!isa<RankedTensorType>(input.getType()) ||
        !cast<RankedTensorType>(input.getType()).hasStaticShape())
      return emitOpError() << "batch input '"
                           << getArgName(input.getArgNumber())
                           << "' must be a statically shaped tensor, found "
                           << input.getType();
  // Region arguments are not operands: the trait of every op does not see
  // them, and an unused one would reach the runtime unchecked.
  auto emitError = [&] { return emitOpError(); };
  for (BlockArgument arg : getBodyBlock().getArguments()) {
    unsigned index = arg.getArgNumber();
    const char *what = index < getNumParams() ? "parameter '"
                       : index < getNumParams() + getNumBuffers()
                           ? "buffer '"
                           : "batch input '";
    if (failed(verifyTypeCanExist(
            emitError, Twine(what) + getArgName(index) + "'", arg.getType())))
      return failure();
  }
  return success();
}

LogicalResult TrainStepOp::verifyRegions() {
  LossOp loss = getLossOp();
  if (!loss)
    return emitOpError() << "body must end in 'mpt.loss', found '"
                         << getBodyBlock().getTerminator()->getName() << "'";
  OperandRange updates = loss.getBufferUpdates();
  if (updates.size() != getNumBuffers())
    return loss.emitOpError()
           << "has " << updates.size()
           << " buffer updates, expected one per buffer of the step ("
           << getNumBuffers() << ")";
  for (auto [buffer, update] : llvm::zip(getBuffers(), updates))
    if (update.getType() != buffer.getType())
      return loss.emitOpError()
             << "updates buffer '" << getArgName(buffer.getArgNumber())
             << "' of type " << buffer.getType() << " with a value of type "
             << update.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops
//===----------------------------------------------------------------------===//

LogicalResult AddOp::verify() {
  return verifyBroadcastBinary(*this, getLhs(), getRhs());
}
LogicalResult SubOp::verify() {
  return verifyBroadcastBinary(*this, getLhs(), getRhs());
}
LogicalResult MulOp::verify() {
  return verifyBroadcastBinary(*this, getLhs(), getRhs());
}

//===----------------------------------------------------------------------===//
// MatmulOp and LinearOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  RankedTensorType lhs = tensorType(getLhs()), rhs = tensorType(getRhs());
  if (lhs.getRank() < 2)
    return emitOpError() << "lhs must have rank >= 2, found rank "
                         << lhs.getRank();
  if (rhs.getRank() < 2)
    return emitOpError() << "rhs must have rank >= 2, found rank "
                         << rhs.getRank();
  if (failed(verifySameElementType(*this, "rhs", getRhs(), "lhs", getLhs())) ||
      failed(
          verifySameElementType(*this, "result", getResult(), "lhs", getLhs())))
    return failure();
  ArrayRef<int64_t> lhsBatch = lhs.getShape().drop_back(2);
  ArrayRef<int64_t> rhsBatch = rhs.getShape().drop_back(2);
  if (rhs.getRank() != 2 && lhsBatch != rhsBatch)
    return emitOpError() << "rhs batch dims " << ShapeText{rhsBatch}
                         << " must match lhs batch dims " << ShapeText{lhsBatch}
                         << " (or rhs must be rank 2)";
  // The transpose flags swap which of the last two dims is contracted.
  int64_t mDim = lhs.getRank() - (getTransposeLhs() ? 1 : 2);
  int64_t lhsKDim = lhs.getRank() - (getTransposeLhs() ? 2 : 1);
  int64_t rhsKDim = rhs.getRank() - (getTransposeRhs() ? 1 : 2);
  int64_t nDim = rhs.getRank() - (getTransposeRhs() ? 2 : 1);
  int64_t lhsK = lhs.getDimSize(lhsKDim), rhsK = rhs.getDimSize(rhsKDim);
  if (lhsK != rhsK)
    return emitOpError() << "rhs contraction dim " << rhsKDim << " (" << rhsK
                         << ") must match lhs contraction dim " << lhsKDim
                         << " (" << lhsK << ")";
  int64_t m = lhs.getDimSize(mDim), n = rhs.getDimSize(nDim);
  SmallVector<int64_t> expected(lhsBatch);
  expected.append({m, n});
  return verifyResultShape(*this, expected);
}

LogicalResult LinearOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType weight = tensorType(getWeight());
  if (input.getRank() < 1)
    return emitOpError() << "input must have rank >= 1, found rank 0";
  if (weight.getRank() != 2)
    return emitOpError() << "weight must have rank 2, found rank "
                         << weight.getRank();
  if (failed(verifySameElementType(*this, "weight", getWeight(), "input",
                                   getInput())) ||
      failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  int64_t inputDim = input.getRank() - 1;
  if (weight.getDimSize(0) != input.getDimSize(inputDim))
    return emitOpError() << "weight dim 0 (" << weight.getDimSize(0)
                         << ") must match input dim " << inputDim << " ("
                         << input.getDimSize(inputDim) << ")";
  int64_t n = weight.getDimSize(1);
  if (Value bias = getBias()) {
    if (failed(verifySameElementType(*this, "bias", bias, "input", getInput())))
      return failure();
    RankedTensorType biasType = tensorType(bias);
    if (biasType.getRank() != 1 || biasType.getDimSize(0) != n)
      return emitOpError() << "bias shape " << ShapeText{biasType.getShape()}
                           << " must be [" << n << "] (weight dim 1)";
  }
  SmallVector<int64_t> expected(input.getShape().drop_back());
  expected.push_back(n);
  return verifyResultShape(*this, expected);
}

//===----------------------------------------------------------------------===//
// SoftmaxOp, LayerNormOp, reductions
//===----------------------------------------------------------------------===//

int64_t SoftmaxOp::getNormalizedAxis() {
  int64_t axis = getAxis();
  return axis < 0 ? axis + getInput().getType().getRank() : axis;
}

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (rank < 1)
    return emitOpError() << "input must have rank >= 1, found rank 0";
  // The I64 attribute reads back unsigned; negative axes count from the end.
  return normalizeAxis(*this, static_cast<int64_t>(getAxis()), rank);
}

LogicalResult LayerNormOp::verify() {
  RankedTensorType input = tensorType(getInput());
  if (input.getRank() < 1)
    return emitOpError() << "input must have rank >= 1, found rank 0";
  int64_t features = input.getShape().back();
  for (auto [name, value] : {std::pair<StringRef, Value>{"gamma", getGamma()},
                             {"beta", getBeta()}}) {
    if (failed(verifySameElementType(*this, name, value, "input", getInput())))
      return failure();
    ArrayRef<int64_t> shape = tensorType(value).getShape();
    if (shape.size() != 1 || shape[0] != features)
      return emitOpError() << name << " shape " << ShapeText{shape}
                           << " must be [" << features
                           << "] (the last dim of input)";
  }
  return verifyEpsilon(*this, getEpsilon());
}

template <typename ReduceOpT>
static SmallVector<int64_t> reducedDimsOf(ReduceOpT op) {
  int64_t rank = op.getInput().getType().getRank();
  if (!op.getDims())
    return llvm::to_vector(llvm::seq<int64_t>(0, rank));
  SmallVector<int64_t> dims(*op.getDims());
  llvm::sort(dims);
  return dims;
}

template <typename ReduceOpT> static LogicalResult verifyReduce(ReduceOpT op) {
  RankedTensorType input = op.getInput().getType();
  if (failed(verifySameElementType(op, "result", op.getResult(), "input",
                                   op.getInput())))
    return failure();
  FailureOr<SmallVector<int64_t>> expected =
      reducedShape(op, input.getShape(), reducedDimsOf(op), op.getKeepDims());
  if (failed(expected))
    return failure();
  return verifyResultShape(op, *expected);
}

SmallVector<int64_t> ReduceSumOp::getReducedDims() {
  return reducedDimsOf(*this);
}
SmallVector<int64_t> ReduceMeanOp::getReducedDims() {
  return reducedDimsOf(*this);
}
LogicalResult ReduceSumOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMeanOp::verify() { return verifyReduce(*this); }

//===----------------------------------------------------------------------===//
// TransposeOp and ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::verify() {
  RankedTensorType input = getInput().getType();
  ArrayRef<int64_t> perm = getPermutation();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return emitOpError() << "permutation has " << perm.size()
                         << " entries, expected the input rank ("
                         << input.getRank() << ")";
  SmallVector<bool> used(perm.size(), false);
  for (int64_t dim : perm) {
    if (dim < 0 || dim >= input.getRank() || used[dim])
      return emitOpError() << "permutation " << ShapeText{perm}
                           << " must be a permutation of [0, "
                           << input.getRank() << ")";
    used[dim] = true;
  }
  if (failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  SmallVector<int64_t> expected;
  for (int64_t dim : perm)
    expected.push_back(input.getDimSize(dim));
  return verifyResultShape(*this, expected);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  // transpose(transpose(x, inner), perm) is one transpose of x: result dim d
  // is x dim inner[perm[d]]. The next fold removes it if that is the
  // identity.
  if (auto producer = getInput().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> inner = producer.getPermutation();
    SmallVector<int64_t> composed =
        llvm::map_to_vector(perm, [&](int64_t dim) { return inner[dim]; });
    setPermutation(composed);
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType result = getResult().getType();
  if (failed(verifySameElementType(*this, "result", getResult(), "input",
                                   getInput())))
    return failure();
  // MPT_TensorsCanExist, verified first, has reported a size that does not
  // fit.
  std::optional<int64_t> inputCount = getCheckedProduct(input.getShape());
  std::optional<int64_t> resultCount = getCheckedProduct(result.getShape());
  if (!inputCount || !resultCount)
    return failure();
  if (*inputCount != *resultCount)
    return emitOpError() << "result has " << *resultCount
                         << " elements, expected " << *inputCount
                         << " (as many as the input)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  // reshape(reshape(x)) reads x directly.
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// MSELossOp
//===----------------------------------------------------------------------===//

LogicalResult MSELossOp::verify() {
  ArrayRef<int64_t> prediction = tensorType(getPrediction()).getShape();
  ArrayRef<int64_t> target = tensorType(getTarget()).getShape();
  if (prediction != target)
    return emitOpError() << "target shape " << ShapeText{target}
                         << " must match prediction shape "
                         << ShapeText{prediction};
  return success();
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

bool CastOp::areCastCompatible(TypeRange inputs, TypeRange outputs) {
  if (inputs.size() != 1 || outputs.size() != 1)
    return false;
  Type input = inputs.front(), output = outputs.front();
  auto inputTensor = dyn_cast<RankedTensorType>(input);
  auto outputTensor = dyn_cast<RankedTensorType>(output);
  if (static_cast<bool>(inputTensor) != static_cast<bool>(outputTensor))
    return false;
  if (inputTensor && inputTensor.getShape() != outputTensor.getShape())
    return false;
  return isa<FloatType>(getElementTypeOrSelf(input)) &&
         isa<FloatType>(getElementTypeOrSelf(output));
}

/// True when every value of `from` is exactly representable in `to`.
static bool isExactConversion(Type from, Type to) {
  auto fromFloat = cast<FloatType>(getElementTypeOrSelf(from));
  auto toFloat = cast<FloatType>(getElementTypeOrSelf(to));
  return llvm::APFloatBase::isRepresentableBy(fromFloat.getFloatSemantics(),
                                              toFloat.getFloatSemantics());
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // x -> wider -> x is the identity; x -> narrower -> x is not.
  if (auto producer = getInput().getDefiningOp<CastOp>())
    if (producer.getInput().getType() == getType() &&
        isExactConversion(producer.getInput().getType(), producer.getType()))
      return producer.getInput();
  return {};
}

namespace {
/// cast(cast(x, exact), T) -> cast(x, T): the first cast loses nothing.
struct ComposeExactCasts : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<CastOp>();
    if (!producer ||
        !isExactConversion(producer.getInput().getType(), producer.getType()))
      return failure();
    rewriter.replaceOpWithNewOp<CastOp>(op, op.getType(), producer.getInput());
    return success();
  }
};
} // namespace

void CastOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                         MLIRContext *context) {
  patterns.add<ComposeExactCasts>(context);
}

//===----------------------------------------------------------------------===//
// Mixed-precision and optimizer ops
//===----------------------------------------------------------------------===//

LogicalResult UpdateLossScaleOp::verify() {
  if (getConfig().getMode() != LossScaleMode::Dynamic)
    return emitOpError() << "config mode must be dynamic, found '"
                         << stringifyLossScaleMode(getConfig().getMode())
                         << "' (a static or absent scale needs no update)";
  return success();
}

LogicalResult UnscaleOp::verify() {
  if (getGrads().empty())
    return emitOpError() << "needs at least one gradient, found none";
  return success();
}

LogicalResult AllFiniteOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one tensor, found none";
  return success();
}

LogicalResult UnscaleOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &inferredReturnTypes) {
  // Every operand but the trailing scale is a gradient.
  for (Value grad : operands.drop_back())
    inferredReturnTypes.push_back(grad.getType());
  return success();
}

LogicalResult GradientOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &inferredReturnTypes) {
  // Every operand but the leading loss is differentiated against.
  for (Value wrt : operands.drop_front())
    inferredReturnTypes.push_back(wrt.getType());
  return success();
}

LogicalResult GradientOp::verify() {
  // An empty list has nothing to differentiate and no printable form.
  if (getWrt().empty())
    return emitOpError() << "needs at least one 'wrt' value, found none";
  if (getWrt().size() != getGrads().size())
    return emitOpError() << "has " << getGrads().size()
                         << " results, expected one per 'wrt' value ("
                         << getWrt().size() << ")";
  for (auto [index, pair] :
       llvm::enumerate(llvm::zip(getWrt().getTypes(), getGrads().getTypes())))
    if (std::get<0>(pair) != std::get<1>(pair))
      return emitOpError() << "result " << index << " type "
                           << std::get<1>(pair) << " must match wrt " << index
                           << " type " << std::get<0>(pair);
  return success();
}

#define GET_OP_CLASSES
#include "mpt/Dialect/MPT/IR/MPTOps.cpp.inc"
