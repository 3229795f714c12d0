//===- LibraryGemm.cpp - Matrix products as cuBLASLt calls ----------------===//
//
// With `gemm=cublaslt`, a contraction cuBLASLt can compute becomes a call
// to the runtime's mptCublasLtMatmul instead of a generated kernel: a plain
// (or transposed) matrix product of dense row-major buffers, f16 or bf16
// operands accumulating in f32 (into an f32 output or one of the operands'
// type), or f32 operands accumulating in f32 without TF32. Its zero fill
// becomes beta = 0 and its broadcast bias cuBLASLt's bias epilogue; any
// other initial value stays in the output, which the product accumulates
// into. The bias gradient beside it, or the activation after it, becomes
// cuBLASLt's epilogue too (a call to mptCublasLtMatmulEpilogue), when
// cuBLASLt computes the same (LibraryEpilogues.cpp says when, and how the
// backward pass keeps what it reads). Everything else keeps the generated
// kernels.
//
//===----------------------------------------------------------------------===//

#include "GemmKernel.h"

#include "mpt/Runtime/CUDA.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

namespace {

/// The runtime's element code of `type`.
std::optional<int32_t> elementCode(Type type) {
  if (type.isF32())
    return MptMatmulF32;
  if (type.isF16())
    return MptMatmulF16;
  if (type.isBF16())
    return MptMatmulBF16;
  return std::nullopt;
}

/// Whether `value` is block argument `index` of `body`, possibly extended
/// to a wider float.
bool isArgument(Value value, Block &body, unsigned index) {
  if (auto ext = value.getDefiningOp<arith::ExtFOp>())
    value = ext.getIn();
  return value == body.getArgument(index);
}

/// Whether the body of `gemm` is out + lhs * rhs (operands possibly
/// extended), the product cuBLASLt computes.
bool isMultiplyAccumulate(Gemm &gemm) {
  Block &body = gemm.op->getRegion(0).front();
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || body.getOperations().size() > 5)
    return false;
  Value out = body.getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getLhs();
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul || (add.getLhs() != out && add.getRhs() != out))
    return false;
  return (isArgument(mul.getLhs(), body, 0) &&
          isArgument(mul.getRhs(), body, 1)) ||
         (isArgument(mul.getLhs(), body, 1) &&
          isArgument(mul.getRhs(), body, 0));
}

/// Whether `operand`'s two indices are the loops (first, second), in order.
bool indexedBy(Gemm &gemm, OpOperand *operand, unsigned first,
               unsigned second) {
  AffineMap map = gemm.op.getMatchingIndexingMap(operand);
  return map.getNumResults() == 2 && map.isProjectedPermutation() &&
         map.getDimPosition(0) == first && map.getDimPosition(1) == second;
}

bool isDenseBuffer(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity();
}

/// What the output holds before the product, as cuBLASLt sees it.
struct InitialOutput {
  /// The 1-D bias broadcast along m, or null.
  Value bias;
  /// The type cuBLASLt reads the bias in: the output's, or the operands'
  /// when the step widens a bias of that type (or rounded to it) to the f32
  /// output. cuBLASLt's bias has its result's type, so such a bias needs an
  /// epilogue whose result is of that type.
  Type biasType;
  /// Whether `bias` is rounded to `biasType` before it is added.
  bool roundBias = false;
  /// Whether the product adds to the output's contents (beta = 1).
  bool accumulate = true;
};

/// The initial output `prologue` (null when none) computes, when cuBLASLt
/// can compute it too: zero, or a bias broadcast along m, of the output's
/// type or of the operands' type (possibly rounded to it) widened to the
/// output's.
std::optional<InitialOutput> libraryInitialOutput(Gemm &gemm,
                                                  linalg::LinalgOp prologue) {
  if (!prologue)
    return InitialOutput{};
  Block &body = prologue->getRegion(0).front();
  Value yielded = body.getTerminator()->getOperand(0);
  // A fill yields its scalar operand.
  Value filled = yielded;
  if (auto argument = dyn_cast<BlockArgument>(yielded);
      argument && argument.getOwner() == &body &&
      !isa<ShapedType>(prologue->getOperand(argument.getArgNumber()).getType()))
    filled = prologue->getOperand(argument.getArgNumber());
  if (matchPattern(filled, m_AnyZeroFloat()))
    return InitialOutput{nullptr, Type(), false, false};
  if (prologue.getNumDpsInputs() != 1)
    return std::nullopt;
  OpOperand *input = prologue.getDpsInputOperand(0);
  AffineMap map = prologue.getMatchingIndexingMap(input);
  Value bias = input->get();
  Type outType = gemm.elementType(gemm.out);
  InitialOutput initial{bias, outType, false, false};
  Value element = yielded;
  if (auto widen = element.getDefiningOp<arith::ExtFOp>()) {
    element = widen.getIn();
    initial.biasType = element.getType();
    if (auto round = element.getDefiningOp<arith::TruncFOp>();
        round && !round.getRoundingmodeAttr()) {
      element = round.getIn();
      initial.roundBias = true;
    }
    if (initial.biasType != gemm.elementType(gemm.lhs))
      return std::nullopt;
  }
  if (element != body.getArgument(0) || map.getNumResults() != 1 ||
      !map.isProjectedPermutation() || map.getDimPosition(0) != 1 ||
      !isDenseBuffer(bias) ||
      getElementTypeOrSelf(bias.getType()) !=
          (initial.roundBias ? element.getType() : initial.biasType))
    return std::nullopt;
  return initial;
}

/// `bias` rounded to `type` into a new buffer, by an elementwise op that
/// becomes a kernel of its own; the buffer is freed after `lastUser`.
Value roundedBias(RewriterBase &rewriter, Location loc, Value bias, Type type,
                  Operation *lastUser) {
  auto biasType = cast<MemRefType>(bias.getType());
  auto roundedType = MemRefType::get(biasType.getShape(), type);
  Value rounded =
      gpu::AllocOp::create(rewriter, loc, roundedType, /*asyncToken=*/Type(),
                           ValueRange{}, ValueRange{}, ValueRange{})
          .getMemref();
  AffineMap identity = rewriter.getMultiDimIdentityMap(biasType.getRank());
  SmallVector<utils::IteratorType> parallel(biasType.getRank(),
                                            utils::IteratorType::parallel);
  linalg::GenericOp::create(
      rewriter, loc, ValueRange{bias}, ValueRange{rounded},
      ArrayRef<AffineMap>{identity, identity}, parallel,
      [&](OpBuilder &b, Location bodyLoc, ValueRange arguments) {
        Value narrow =
            arith::TruncFOp::create(b, bodyLoc, type, arguments.front());
        linalg::YieldOp::create(b, bodyLoc, narrow);
      });
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfter(lastUser);
  gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(), ValueRange{},
                         rounded);
  return rounded;
}

/// The runtime's function, mptCublasLtMatmul or, `withEpilogue`,
/// mptCublasLtMatmulEpilogue (which also takes the epilogue's code and its
/// second result), declared once per module.
func::FuncOp matmulFunction(OpBuilder &b, ModuleOp module, bool withEpilogue) {
  StringRef name =
      withEpilogue ? "mptCublasLtMatmulEpilogue" : "mptCublasLtMatmul";
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  MLIRContext *ctx = module.getContext();
  Type i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  SmallVector<Type> arguments = {i32, i32, i32, i32, i64, i64,
                                 i64, ptr, ptr, ptr, ptr, i32};
  if (withEpilogue)
    arguments.append({i32, ptr});
  auto type = FunctionType::get(ctx, arguments, {});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto function = func::FuncOp::create(b, module.getLoc(), name, type);
  function.setPrivate();
  // The stream comes first; GPUStreamOrderedCalls adds it.
  function->setAttr(kStreamOrderedAttrName, b.getUnitAttr());
  return function;
}

Value address(OpBuilder &b, Location loc, Value buffer) {
  Type ptr = LLVM::LLVMPointerType::get(b.getContext());
  if (!buffer)
    return LLVM::ZeroOp::create(b, loc, ptr);
  Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  Value integer = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return LLVM::IntToPtrOp::create(b, loc, ptr, integer);
}

} // namespace

Value gpu_kernels::addressedBuffer(Value value) {
  if (auto cast = value.getDefiningOp<LLVM::IntToPtrOp>())
    value = cast.getArg();
  if (auto cast = value.getDefiningOp<arith::IndexCastOp>())
    value = cast.getIn();
  if (auto extract =
          value.getDefiningOp<memref::ExtractAlignedPointerAsIndexOp>())
    return extract.getSource();
  return nullptr;
}

FailureOr<SmallVector<Operation *>>
gpu_kernels::buildLibraryGemm(RewriterBase &rewriter, linalg::LinalgOp op) {
  FailureOr<Gemm> matched = matchGemm(rewriter, op);
  if (failed(matched))
    return failure();
  Gemm &gemm = *matched;
  if (!gemm.batch.empty())
    return rewriter.notifyMatchFailure(op, "batched products stay kernels");
  Type lhsType = gemm.elementType(gemm.lhs);
  Type outType = gemm.elementType(gemm.out);
  std::optional<int32_t> operandCode = elementCode(lhsType);
  std::optional<int32_t> outCode = elementCode(outType);
  if (!operandCode || !outCode || lhsType != gemm.elementType(gemm.rhs) ||
      (!outType.isF32() && outType != lhsType))
    return rewriter.notifyMatchFailure(
        op, "expected f16/bf16 operands into f32 or their type, or f32");
  if (!isMultiplyAccumulate(gemm))
    return rewriter.notifyMatchFailure(op, "body is not out + lhs * rhs");
  if (!llvm::all_of(op->getOperands(), isDenseBuffer))
    return rewriter.notifyMatchFailure(op, "expected dense row-major buffers");
  bool transposeLhs = indexedBy(gemm, gemm.lhs, gemm.k, gemm.m);
  bool transposeRhs = indexedBy(gemm, gemm.rhs, gemm.n, gemm.k);
  if (!indexedBy(gemm, gemm.out, gemm.m, gemm.n) ||
      (!transposeLhs && !indexedBy(gemm, gemm.lhs, gemm.m, gemm.k)) ||
      (!transposeRhs && !indexedBy(gemm, gemm.rhs, gemm.k, gemm.n)))
    return rewriter.notifyMatchFailure(op, "expected (m, n) = (m, k)(k, n), "
                                           "either operand transposed");
  findFusableNeighbours(gemm);
  std::optional<InitialOutput> initial =
      libraryInitialOutput(gemm, gemm.prologue);
  linalg::LinalgOp absorbed = gemm.prologue;
  if (!initial) {
    initial = InitialOutput{};
    absorbed = nullptr;
  }
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  std::optional<LibraryEpilogue> epilogue;
  Type biasType = initial->bias ? initial->biasType : Type();
  bool narrowOutput = outType.isF32() && lhsType != outType;
  if (!initial->bias) {
    epilogue = findLibraryBiasGradient(gemm, transposeLhs, transposeRhs);
    if (epilogue && narrowOutput)
      roundBiasGradientInLibrary(rewriter, gemm, *epilogue, lhsType);
  }
  if (!epilogue && !initial->accumulate)
    epilogue = findLibraryActivation(gemm, sizes[gemm.n], biasType);
  if (!epilogue && !initial->accumulate && narrowOutput &&
      (!biasType || biasType == lhsType))
    epilogue = roundInLibrary(rewriter, gemm, lhsType);
  if (biasType && biasType != outType && !epilogue) {
    // The narrow bias has no epilogue of its type to go with: it stays in
    // the output, which the product accumulates into.
    initial = InitialOutput{};
    absorbed = nullptr;
    epilogue = findLibraryBiasGradient(gemm, transposeLhs, transposeRhs);
  }
  Value result =
      epilogue && epilogue->result ? epilogue->result : gemm.out->get();

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  auto i32 = [&](int64_t value) -> Value {
    return arith::ConstantIntOp::create(rewriter, loc, value, 32);
  };
  auto i64 = [&](int64_t value) -> Value {
    return arith::ConstantIntOp::create(rewriter, loc, value, 64);
  };
  Value bias = initial->bias;
  func::FuncOp function = matmulFunction(
      rewriter, op->getParentOfType<ModuleOp>(), epilogue.has_value());
  if (bias && initial->roundBias)
    bias = roundedBias(rewriter, loc, bias, initial->biasType, op);
  SmallVector<Value> arguments = {
      i32(*operandCode),
      i32(*elementCode(getElementTypeOrSelf(result.getType()))),
      i32(transposeLhs),
      i32(transposeRhs),
      i64(sizes[gemm.m]),
      i64(sizes[gemm.n]),
      i64(sizes[gemm.k]),
      address(rewriter, loc, gemm.lhs->get()),
      address(rewriter, loc, gemm.rhs->get()),
      address(rewriter, loc, result),
      address(rewriter, loc, bias),
      i32(initial->accumulate)};
  if (epilogue) {
    arguments.push_back(i32(epilogue->code));
    arguments.push_back(address(rewriter, loc, epilogue->second));
  }
  func::CallOp::create(rewriter, loc, function, arguments);
  SmallVector<Operation *> erased;
  if (absorbed)
    erased.push_back(absorbed);
  if (epilogue)
    erased.append(epilogue->absorbed);
  return erased;
}
