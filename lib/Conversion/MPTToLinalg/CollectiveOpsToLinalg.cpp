//===- CollectiveOpsToLinalg.cpp - mpt.all_reduce to a runtime call -------===//
//
// `mpt.all_reduce` becomes elementwise generics around one call into the
// runtime's communication interface (mpt/Runtime/CommunicationABI.h):
//
//   prepare   with a communication type: x / N (a mean), rounded to it
//   pack      the operands, flattened, one after the other in one 1-D
//             tensor (a single operand is its own message)
//   reduce    mptCommAllReduce on the message's buffer, in place
//   unpack    views of the message in the operands' shapes
//   finish    widened back (compressed), or divided by N (a plain mean)
//
// The call sits between `bufferization.to_buffer` of the message and a
// `restrict writable` `bufferization.to_tensor` of the same buffer: one-shot
// bufferization gives the message a buffer of its own that the runtime
// writes, and the tensor after the call holds what it wrote. The call takes
// the buffer's address as a pointer, so the host code of a GPU step touches
// no buffer (--mpt-gpu-device-collectives retargets the call to device
// memory).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Runtime/CommunicationABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {

/// The declaration of the runtime function `name` in the module of `op`,
/// created the first time it is needed.
func::FuncOp declareRuntimeFunction(OpBuilder &b, Operation *op, StringRef name,
                                    FunctionType type) {
  auto module = op->getParentOfType<ModuleOp>();
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto func = func::FuncOp::create(b, module.getLoc(), name, type);
  func.setPrivate();
  return func;
}

std::optional<MptCommDType> commDTypeOf(Type type) {
  if (type.isF32())
    return MPT_COMM_F32;
  if (type.isF64())
    return MPT_COMM_F64;
  if (type.isF16())
    return MPT_COMM_F16;
  if (type.isBF16())
    return MPT_COMM_BF16;
  return std::nullopt;
}

MptCommOp commOpOf(ReductionKind kind) {
  switch (kind) {
  case ReductionKind::Sum:
  case ReductionKind::Mean:
    return MPT_COMM_SUM;
  case ReductionKind::Max:
    return MPT_COMM_MAX;
  case ReductionKind::Min:
    return MPT_COMM_MIN;
  }
  llvm_unreachable("unknown reduction kind");
}

Value i32Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, value, 32);
}
Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, value, 64);
}

/// The 1-D form of `value`: a view of the same elements.
Value flatten(OpBuilder &b, Location loc, Value value) {
  RankedTensorType type = tensorTypeOf(value);
  return reshapeTensor(
      b, loc, value,
      RankedTensorType::get({type.getNumElements()}, type.getElementType()));
}

/// The parts, one after the other, in one 1-D tensor.
Value pack(OpBuilder &b, Location loc, ArrayRef<Value> parts) {
  if (parts.size() == 1)
    return parts.front();
  int64_t total = 0;
  for (Value part : parts)
    total += tensorTypeOf(part).getNumElements();
  Value message = emptyTensor(b, loc, {total},
                              tensorTypeOf(parts.front()).getElementType());
  int64_t offset = 0;
  for (Value part : parts) {
    int64_t size = tensorTypeOf(part).getNumElements();
    message = tensor::InsertSliceOp::create(
        b, loc, part, message, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    offset += size;
  }
  return message;
}

/// Calls the runtime on the buffer of the 1-D tensor `message` and returns
/// the tensor of what it wrote there.
Value reduceInRuntime(OpBuilder &b, Location loc, Operation *op, Value message,
                      MptCommDType dtype, MptCommOp commOp,
                      int64_t compiledWorldSize) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorTypeOf(message);
  auto bufferType = MemRefType::get(type.getShape(), type.getElementType());
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  func::FuncOp callee = declareRuntimeFunction(
      b, op, MPT_COMM_ALL_REDUCE_SYMBOL,
      FunctionType::get(ctx, {ptrType, i64, i32, i32, i64}, {}));

  Value buffer = bufferization::ToBufferOp::create(b, loc, bufferType, message);
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  Value integer = arith::IndexCastOp::create(b, loc, i64, address);
  Value pointer = LLVM::IntToPtrOp::create(b, loc, ptrType, integer);
  func::CallOp::create(
      b, loc, callee,
      ValueRange{pointer, i64Constant(b, loc, type.getNumElements()),
                 i32Constant(b, loc, dtype), i32Constant(b, loc, commOp),
                 i64Constant(b, loc, compiledWorldSize)});
  return bufferization::ToTensorOp::create(b, loc, type, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

struct AllReduceOpLowering : OpConversionPattern<AllReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AllReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ValueRange inputs = adaptor.getInputs();
    std::optional<Type> commType = op.getCommType();
    Type messageElement =
        commType ? *commType : tensorTypeOf(inputs.front()).getElementType();
    std::optional<MptCommDType> dtype = commDTypeOf(messageElement);
    if (!dtype)
      return rewriter.notifyMatchFailure(op, "no runtime element type");
    bool mean = op.getKind() == ReductionKind::Mean;
    std::optional<int64_t> staticWorldSize = op.getWorldSize();

    // The number of ranks, as an i64, when the step divides by it.
    Value worldSize;
    if (mean && staticWorldSize) {
      worldSize = i64Constant(rewriter, loc, *staticWorldSize);
    } else if (mean) {
      func::FuncOp query = declareRuntimeFunction(
          rewriter, op, MPT_COMM_WORLD_SIZE_SYMBOL,
          rewriter.getFunctionType({}, {rewriter.getI64Type()}));
      worldSize = func::CallOp::create(rewriter, loc, query).getResult(0);
    }
    // The world size in each float type the division happens in, converted
    // once outside the generics.
    DenseMap<Type, Value> ranksAs;
    auto worldSizeAs = [&](Type type) {
      Value &ranks = ranksAs[type];
      if (!ranks)
        ranks = arith::SIToFPOp::create(rewriter, loc, type, worldSize);
      return ranks;
    };

    SmallVector<Value> parts;
    for (Value input : inputs) {
      Value prepared = input;
      Value ranks =
          mean ? worldSizeAs(tensorTypeOf(input).getElementType()) : Value();
      if (commType)
        prepared = buildElementwise(
            rewriter, loc, tensorTypeOf(input).clone(*commType), input,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              Value element = args[0];
              // Divided first, so that the sum stays in range.
              if (mean)
                element = arith::DivFOp::create(b, nestedLoc, element, ranks);
              return convertFloat(b, nestedLoc, element, *commType);
            });
      parts.push_back(flatten(rewriter, loc, prepared));
    }
    Value reduced =
        reduceInRuntime(rewriter, loc, op, pack(rewriter, loc, parts), *dtype,
                        commOpOf(op.getKind()), staticWorldSize.value_or(0));

    SmallVector<Value> results;
    int64_t offset = 0;
    for (Value input : inputs) {
      RankedTensorType inputType = tensorTypeOf(input);
      int64_t size = inputType.getNumElements();
      Value part = reduced;
      if (inputs.size() > 1)
        part = tensor::ExtractSliceOp::create(
            rewriter, loc, reduced,
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(offset)},
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(size)},
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
      offset += size;
      part =
          reshapeTensor(rewriter, loc, part, inputType.clone(messageElement));
      Value ranks =
          mean && !commType ? worldSizeAs(inputType.getElementType()) : Value();
      if (commType || mean)
        part = buildElementwise(
            rewriter, loc, inputType, part,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
              if (commType)
                return convertFloat(b, nestedLoc, args[0],
                                    inputType.getElementType());
              return arith::DivFOp::create(b, nestedLoc, args[0], ranks);
            });
      results.push_back(part);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::mpt::populateCollectiveOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AllReduceOpLowering>(patterns.getContext());
}
