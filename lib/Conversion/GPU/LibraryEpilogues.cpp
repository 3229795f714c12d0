//===- LibraryEpilogues.cpp - Neighbours cuBLASLt computes with a GEMM ----===//
//
// cuBLASLt computes, in the same kernel as a product, an activation of its
// result or the bias gradient beside it. A library GEMM takes over the op
// of the step that computes one, only when the step's result stays the
// same up to rounding:
//
// - An activation is the next op after the GEMM (allocations and frees
//   aside), elementwise over its output, reading only the output. ReLU is
//   `arith.maxnumf(x, 0)`, which makes NaN 0 as cuBLASLt's ReLU does: the
//   NaN-propagating `arith.maximumf` that mpt.relu lowers to stays a kernel,
//   since a NaN the product makes must reach the loss and the overflow
//   check. GELU is the tanh approximation mpt.gelu lowers to, the one
//   cuBLASLt computes (not in its documentation: see docs/gpu.md),
//   applied to the unrounded f32 result (the exact, erf GELU stays a
//   kernel); a rounding to the operands' type may follow it,
//   and precede or follow the ReLU (which commutes with it). Only without
//   accumulation (beta = 0), since the result goes to the activation's
//   output, and with a bias of that output's type.
// - The backward pass keeps what it reads. mpt.relu_grad reads the ReLU's
//   output, which the activation's output still is; a ReLU whose input has
//   another reader stays a kernel (cuBLASLt keeps a bit mask, not the
//   input). mpt.gelu_grad reads the GELU's input: when the GEMM's output
//   has other readers, the GELU_AUX epilogue stores the GELU's input there,
//   as the GEMM did (so of the same type as the GELU's output, and n a
//   multiple of 8, cuBLASLt's requirement on its leading dimension).
//   Without other readers the output was a temporary only the activation
//   read, and goes away.
// - The bias gradient is the next op after the GEMM (allocations, frees
//   and the zero fill of its result aside): the sum over k of an operand,
//   rows of the stored matrix, accumulated into a zero-filled buffer of
//   the GEMM's output type. cuBLASLt sums the right operand (its A) when
//   it is not transposed (BGRADA) and the left one (its B) when it is
//   (BGRADB), which covers the weight gradient x^T dy of a linear layer.
//   Only without a bias, whose pointer the gradient takes.
//
// In each case the op moves to the GEMM's place; that nothing but
// allocations, frees and the fill lies between them keeps that exact.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

#include "mpt/Runtime/CUDA.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// Whether `value` is the float constant `expected`, rounded to its type.
bool isFloatConstant(Value value, double expected) {
  APFloat constant(0.0);
  if (!matchPattern(value, m_ConstantFloat(&constant)))
    return false;
  APFloat wanted(expected);
  bool losesInfo;
  wanted.convert(constant.getSemantics(), APFloat::rmNearestTiesToEven,
                 &losesInfo);
  return constant.bitwiseIsEqual(wanted);
}

/// Whether `value` is `OpTy(a, b)` with `a` and `b` satisfying `first` and
/// `second`, in either order.
template <typename OpTy>
bool isCommutative(Value value, function_ref<bool(Value)> first,
                   function_ref<bool(Value)> second) {
  auto op = value.getDefiningOp<OpTy>();
  return op && ((first(op.getLhs()) && second(op.getRhs())) ||
                (first(op.getRhs()) && second(op.getLhs())));
}

/// x when `value` is the ReLU cuBLASLt computes, max(x, 0) with NaN to 0;
/// null otherwise.
Value reluInput(Value value) {
  auto max = value.getDefiningOp<arith::MaxNumFOp>();
  if (!max)
    return nullptr;
  if (isFloatConstant(max.getRhs(), 0.0))
    return max.getLhs();
  if (isFloatConstant(max.getLhs(), 0.0))
    return max.getRhs();
  return nullptr;
}

/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), mpt.gelu's formula,
/// with its products and sums in any operand order.
bool isTanhGelu(Value value, Value x) {
  auto isX = [&](Value v) { return v == x; };
  auto constant = [](double expected) {
    return [expected](Value v) { return isFloatConstant(v, expected); };
  };
  auto isSquare = [&](Value v) {
    return isCommutative<arith::MulFOp>(v, isX, isX);
  };
  auto isCube = [&](Value v) {
    return isCommutative<arith::MulFOp>(v, isX, isSquare);
  };
  auto isInner = [&](Value v) {
    return isCommutative<arith::AddFOp>(v, isX, [&](Value term) {
      return isCommutative<arith::MulFOp>(term, constant(0.044715), isCube);
    });
  };
  auto isScaled = [&](Value v) {
    return isCommutative<arith::MulFOp>(v, constant(std::sqrt(2.0 / M_PI)),
                                        isInner);
  };
  auto isOnePlusTanh = [&](Value v) {
    return isCommutative<arith::AddFOp>(v, constant(1.0), [&](Value t) {
      auto tanh = t.getDefiningOp<math::TanhOp>();
      return tanh && isScaled(tanh.getOperand());
    });
  };
  auto isHalfX = [&](Value v) {
    return isCommutative<arith::MulFOp>(v, isX, constant(0.5));
  };
  return isCommutative<arith::MulFOp>(value, isHalfX, isOnePlusTanh);
}

/// `value` without a rounding to nearest to a narrower float type, if it
/// is one (as cuBLASLt rounds its result to the output's type).
Value withoutRounding(Value value) {
  if (auto trunc = value.getDefiningOp<arith::TruncFOp>();
      trunc && !trunc.getRoundingmodeAttr())
    return trunc.getIn();
  return value;
}

/// The activation `op`'s body computes from `input`, as an
/// MptMatmulEpilogue code (MptMatmulEpilogueNone when it only rounds), if
/// it is one cuBLASLt computes the same (see the file header).
std::optional<int32_t> activationOf(linalg::LinalgOp op, Value input) {
  Block &body = op->getRegion(0).front();
  Value result = body.getTerminator()->getOperand(0);
  Value beforeRounding = withoutRounding(result);
  bool roundedAfter = beforeRounding != result;
  if (isTanhGelu(beforeRounding, input))
    return MptMatmulEpilogueGelu;
  // ReLU commutes with rounding: one rounding, before or after it.
  if (Value x = reluInput(beforeRounding))
    return (roundedAfter ? x : withoutRounding(x)) == input
               ? std::optional<int32_t>(MptMatmulEpilogueRelu)
               : std::nullopt;
  if (beforeRounding == input)
    return MptMatmulEpilogueNone;
  return std::nullopt;
}

/// The first op after `gemm` that is not an allocation, a free, a reshape
/// (which only views a buffer) or one of `skipped`.
Operation *nextOp(Gemm &gemm, ArrayRef<Operation *> skipped = {}) {
  for (Operation *op = gemm.op->getNextNode(); op; op = op->getNextNode())
    if (!isa<gpu::AllocOp, gpu::DeallocOp, memref::ExpandShapeOp,
             memref::CollapseShapeOp>(op) &&
        !llvm::is_contained(skipped, op))
      return op;
  return nullptr;
}

/// The buffer `view` is a chain of reshapes of (itself when none).
Value reshapeRoot(Value view) {
  while (isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(
      view.getDefiningOp()))
    view = view.getDefiningOp()->getOperand(0);
  return view;
}

bool hasIdentityLayout(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  return type && type.getLayout().isIdentity();
}

/// The reshape of `buffer` that `view` is (its elements in the same order,
/// as reshapes of a buffer of identity layout are), or null.
Operation *reshapeOf(Value view, Value buffer) {
  Operation *reshape = view.getDefiningOp();
  if (!isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(
          reshape) ||
      reshape->getOperand(0) != buffer || !hasIdentityLayout(view))
    return nullptr;
  return reshape;
}

/// Whether `buffer` is a whole buffer of static shape (an argument or an
/// allocation, not a view, so that it overlaps no other) that the GEMM can
/// write: defined
/// before it, or allocated after it in its block, in which case the
/// allocation moves before it.
bool allocateBefore(Gemm &gemm, Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
    return false;
  Operation *definition = buffer.getDefiningOp();
  if (!definition)
    return cast<BlockArgument>(buffer).getOwner()->findAncestorOpInBlock(
               *gemm.op) != nullptr;
  auto alloc = dyn_cast<gpu::AllocOp>(definition);
  if (!alloc || alloc.getAsyncToken() || !alloc.getSymbolOperands().empty())
    return false;
  if (definition->getBlock() != gemm.op->getBlock()) {
    Operation *ancestor =
        definition->getBlock()->findAncestorOpInBlock(*gemm.op);
    return ancestor && definition->isBeforeInBlock(ancestor);
  }
  if (gemm.op->isBeforeInBlock(definition))
    definition->moveBefore(gemm.op);
  return true;
}

/// Whether `op` is elementwise over the static shape of `buffer`, with one
/// input and one output that its body does not read.
bool isElementwiseMap(linalg::LinalgOp op, Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  return type && type.hasStaticShape() && op.hasPureBufferSemantics() &&
         op.getNumDpsInputs() == 1 && op.getNumDpsInits() == 1 &&
         op.getNumLoops() == op.getNumParallelLoops() &&
         op.getStaticLoopRanges() == SmallVector<int64_t>(type.getShape()) &&
         llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap map) { return map.isIdentity(); }) &&
         !op.payloadUsesValueFromOperand(op.getDpsInitOperand(0));
}

/// The zero fill of `buffer` before `user`, when it is the only op that
/// uses `buffer` before `user` in its block.
linalg::FillOp zeroFillBefore(Value buffer, Operation *user) {
  linalg::FillOp fill;
  for (Operation *other : buffer.getUsers()) {
    if (other == user || isa<gpu::DeallocOp>(other))
      continue;
    if (other->getBlock() != user->getBlock())
      return nullptr;
    if (user->isBeforeInBlock(other))
      continue;
    auto zeroFill = dyn_cast<linalg::FillOp>(other);
    if (fill || !zeroFill || zeroFill.getOutputs().front() != buffer ||
        !matchPattern(zeroFill.getInputs().front(), m_AnyZeroFloat()))
      return nullptr;
    fill = zeroFill;
  }
  return fill;
}

/// A buffer that one op reads, after the ops that write it, only through
/// roundings to nearest to a narrower type: the op can read a buffer of
/// that type instead, written rounded.
struct RoundedReader {
  gpu::AllocOp alloc;
  /// The reshape of the buffer the reader reads through, or null.
  Operation *reshape = nullptr;
  linalg::GenericOp reader;
  OpOperand *input = nullptr;
  SmallVector<Operation *> roundings;
  SmallVector<gpu::DeallocOp> frees;
};

/// `buffer`'s rounded reader, when besides `writers` (in the same block)
/// only one op after them reads it, through roundings to `rounded` alone,
/// and frees free it. Ops between the writers and the reader do not touch
/// the buffer, so the reader need not be next.
std::optional<RoundedReader> findRoundedReader(Value buffer, Type rounded,
                                               ArrayRef<Operation *> writers) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  auto alloc = buffer.getDefiningOp<gpu::AllocOp>();
  if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !alloc || alloc.getAsyncToken() || !alloc.getSymbolOperands().empty())
    return std::nullopt;
  RoundedReader found;
  found.alloc = alloc;
  Operation *reading = nullptr;
  for (Operation *user : buffer.getUsers()) {
    if (llvm::is_contained(writers, user))
      continue;
    if (auto free = dyn_cast<gpu::DeallocOp>(user);
        free && !free.getAsyncToken()) {
      found.frees.push_back(free);
      continue;
    }
    if (reading)
      return std::nullopt;
    reading = user;
  }
  if (reading && reading->getNumResults() == 1 &&
      reshapeOf(reading->getResult(0), buffer)) {
    found.reshape = reading;
    if (!reading->getResult(0).hasOneUse())
      return std::nullopt;
    reading = *reading->getResult(0).getUsers().begin();
  }
  found.reader = dyn_cast_or_null<linalg::GenericOp>(reading);
  if (!found.reader || !found.reader.hasPureBufferSemantics() ||
      llvm::any_of(writers, [&](Operation *writer) {
        return writer->getBlock() != reading->getBlock() ||
               reading->isBeforeInBlock(writer);
      }))
    return std::nullopt;
  // It reads the buffer through one input and writes elsewhere.
  Value view = found.reshape ? found.reshape->getResult(0) : buffer;
  for (OpOperand *operand : found.reader.getDpsInputOperands()) {
    if (operand->get() != view)
      continue;
    if (found.input)
      return std::nullopt;
    found.input = operand;
  }
  if (!found.input || llvm::is_contained(found.reader.getDpsInits(), view))
    return std::nullopt;
  // Only roundings to nearest to `rounded` read its elements.
  BlockArgument element = found.reader.getMatchingBlockArgument(found.input);
  for (Operation *user : element.getUsers()) {
    auto round = dyn_cast<arith::TruncFOp>(user);
    if (!round || round.getRoundingmodeAttr() || round.getType() != rounded)
      return std::nullopt;
    found.roundings.push_back(round);
  }
  if (found.roundings.empty())
    return std::nullopt;
  return found;
}

/// Makes `found`'s reader read, without its roundings, a new buffer of
/// type `rounded` allocated before `writer`, which the frees now free;
/// returns it. The old buffer's allocation and reshape are dead and
/// appended to `dead`.
Value narrowRoundedReader(RewriterBase &rewriter, RoundedReader &found,
                          Type rounded, Operation *writer,
                          SmallVectorImpl<Operation *> &dead) {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(writer);
  auto type = cast<MemRefType>(found.alloc.getType());
  Value narrow =
      gpu::AllocOp::create(rewriter, found.alloc.getLoc(), type.clone(rounded),
                           /*asyncToken=*/Type(), ValueRange{}, ValueRange{},
                           ValueRange{})
          .getMemref();
  Value view = narrow;
  if (found.reshape) {
    rewriter.setInsertionPoint(found.reshape);
    Operation *narrowView = rewriter.clone(*found.reshape);
    narrowView->setOperand(0, narrow);
    auto viewType = cast<MemRefType>(found.reshape->getResult(0).getType());
    narrowView->getResult(0).setType(viewType.clone(rounded));
    view = narrowView->getResult(0);
    dead.push_back(found.reshape);
  }
  BlockArgument element = found.reader.getMatchingBlockArgument(found.input);
  rewriter.modifyOpInPlace(found.reader, [&] {
    found.input->set(view);
    element.setType(rounded);
  });
  for (Operation *round : found.roundings)
    rewriter.replaceOp(round, element);
  for (gpu::DeallocOp free : found.frees)
    rewriter.modifyOpInPlace(free,
                             [&] { free.getMemrefMutable().assign(narrow); });
  dead.push_back(found.alloc);
  return narrow;
}

} // namespace

std::optional<LibraryEpilogue>
gpu_kernels::findLibraryBiasGradient(Gemm &gemm, bool transposeLhs,
                                     bool transposeRhs) {
  // The zero fill of the sum may lie between the GEMM and the sum.
  Operation *next = nextOp(gemm);
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(next))
    next = nextOp(gemm, {fill});
  auto sum = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!sum || !sum.hasPureBufferSemantics() || sum.getNumDpsInputs() != 1 ||
      sum.getNumDpsInits() != 1)
    return std::nullopt;
  // The operand summed over k: all dims of the summed buffer but the last,
  // which is the operand's rows when both are reshapes of one buffer (the
  // same elements in the same order) with the same last dim (a linear
  // layer of a 3-D input).
  Value summed = sum.getDpsInputs().front();
  auto summedType = dyn_cast<MemRefType>(summed.getType());
  if (!summedType || summedType.getRank() < 2)
    return std::nullopt;
  auto sameRows = [&](Value operand) {
    if (operand == summed)
      return true;
    Value root = reshapeRoot(operand);
    return root == reshapeRoot(summed) && hasIdentityLayout(root) &&
           hasIdentityLayout(operand) && hasIdentityLayout(summed) &&
           cast<MemRefType>(operand.getType()).getShape().back() ==
               summedType.getShape().back();
  };
  int32_t code;
  if (!transposeRhs && sameRows(gemm.rhs->get()))
    code = MptMatmulEpilogueBiasGradRhs;
  else if (transposeLhs && sameRows(gemm.lhs->get()))
    code = MptMatmulEpilogueBiasGradLhs;
  else
    return std::nullopt;
  int64_t rank = summedType.getRank();
  SmallVector<utils::IteratorType> iterators(rank - 1,
                                             utils::IteratorType::reduction);
  iterators.push_back(utils::IteratorType::parallel);
  MLIRContext *ctx = sum.getContext();
  SmallVector<AffineMap> maps = sum.getIndexingMapsArray();
  if (!summedType.hasStaticShape() ||
      sum.getStaticLoopRanges() !=
          SmallVector<int64_t>(summedType.getShape()) ||
      !maps[0].isIdentity() ||
      maps[1] !=
          AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx) ||
      sum.getIteratorTypesArray() != iterators)
    return std::nullopt;
  Value gradient = sum.getDpsInits().front();
  if (getElementTypeOrSelf(gradient.getType()) != gemm.elementType(gemm.out))
    return std::nullopt;
  // out + in, the input possibly widened to out's type first.
  Block &body = sum.getRegion().front();
  Value in = body.getArgument(0), out = body.getArgument(1);
  auto isInput = [&](Value v) {
    if (auto ext = v.getDefiningOp<arith::ExtFOp>())
      v = ext.getIn();
    return v == in;
  };
  if (!isCommutative<arith::AddFOp>(body.getTerminator()->getOperand(0),
                                    isInput, [&](Value v) { return v == out; }))
    return std::nullopt;
  linalg::FillOp fill = zeroFillBefore(gradient, sum);
  if (!fill || nextOp(gemm, {fill}) != sum || !allocateBefore(gemm, gradient))
    return std::nullopt;
  return LibraryEpilogue{code, nullptr, gradient, {fill, sum}};
}

std::optional<LibraryEpilogue>
gpu_kernels::findLibraryActivation(Gemm &gemm, int64_t n, Type biasType) {
  Value out = gemm.out->get();
  auto activation = dyn_cast_or_null<linalg::LinalgOp>(nextOp(gemm));
  if (!activation || activation.getNumDpsInputs() != 1)
    return std::nullopt;
  // The activation reads the output, or a reshape of it (a linear layer of
  // a 3-D input).
  Value input = activation.getDpsInputs().front();
  Operation *reshape = reshapeOf(input, out);
  if ((input != out && !reshape) || !isElementwiseMap(activation, input))
    return std::nullopt;
  std::optional<int32_t> code = activationOf(
      activation,
      activation.getMatchingBlockArgument(activation.getDpsInputOperand(0)));
  Value result = activation.getDpsInits().front();
  Type resultType = getElementTypeOrSelf(result.getType());
  Type operandType = gemm.elementType(gemm.lhs);
  // cuBLASLt writes f32 or the operands' type; the bias has the result's.
  if (!code || (!resultType.isF32() && resultType != operandType) ||
      (biasType && biasType != resultType) ||
      (*code == MptMatmulEpilogueGelu && !gemm.elementType(gemm.out).isF32()))
    return std::nullopt;
  for (OpOperand *operand : {gemm.lhs, gemm.rhs, gemm.out})
    if (result == operand->get())
      return std::nullopt;

  SmallVector<Operation *> frees;
  bool otherReaders = false;
  for (Operation *user : out.getUsers()) {
    if (user == gemm.op || user == gemm.prologue || user == activation)
      continue;
    if (isa<gpu::DeallocOp>(user))
      frees.push_back(user);
    else if (user != reshape || !input.hasOneUse())
      otherReaders = true;
  }
  LibraryEpilogue epilogue{*code, result, nullptr, {activation}};
  if (otherReaders) {
    // Only GELU keeps its input, in the output as before.
    if (*code != MptMatmulEpilogueGelu ||
        resultType != gemm.elementType(gemm.out) || n % 8 != 0)
      return std::nullopt;
    epilogue.code = MptMatmulEpilogueGeluAux;
    epilogue.second = out;
  } else {
    // The output was a temporary only the activation read.
    auto alloc = out.getDefiningOp<gpu::AllocOp>();
    if (!alloc || alloc.getAsyncToken())
      return std::nullopt;
    if (reshape)
      epilogue.absorbed.push_back(reshape);
    epilogue.absorbed.append(frees.begin(), frees.end());
    epilogue.absorbed.push_back(alloc);
  }
  if (!allocateBefore(gemm, result))
    return std::nullopt;
  return epilogue;
}

std::optional<LibraryEpilogue>
gpu_kernels::roundInLibrary(RewriterBase &rewriter, Gemm &gemm, Type rounded) {
  SmallVector<Operation *> writers = {gemm.op};
  if (gemm.prologue)
    writers.push_back(gemm.prologue);
  std::optional<RoundedReader> found =
      findRoundedReader(gemm.out->get(), rounded, writers);
  if (!found)
    return std::nullopt;
  LibraryEpilogue epilogue{MptMatmulEpilogueNone, nullptr, nullptr, {}};
  epilogue.result = narrowRoundedReader(rewriter, *found, rounded, gemm.op,
                                        epilogue.absorbed);
  return epilogue;
}

bool gpu_kernels::roundBiasGradientInLibrary(RewriterBase &rewriter, Gemm &gemm,
                                             LibraryEpilogue &epilogue,
                                             Type rounded) {
  SmallVector<Operation *> writers = {gemm.op};
  if (gemm.prologue)
    writers.push_back(gemm.prologue);
  std::optional<RoundedReader> product =
      findRoundedReader(gemm.out->get(), rounded, writers);
  std::optional<RoundedReader> gradient =
      findRoundedReader(epilogue.second, rounded, epilogue.absorbed);
  if (!product || !gradient)
    return false;
  SmallVector<Operation *> dead;
  epilogue.result =
      narrowRoundedReader(rewriter, *product, rounded, gemm.op, dead);
  epilogue.second =
      narrowRoundedReader(rewriter, *gradient, rounded, gemm.op, dead);
  epilogue.absorbed.append(dead.begin(), dead.end());
  return true;
}
