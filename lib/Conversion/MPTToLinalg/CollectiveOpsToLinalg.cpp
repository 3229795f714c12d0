//===- CollectiveOpsToLinalg.cpp - mpt.all_reduce to a runtime call -------===//
//
// `mpt.world_size` becomes a call of the runtime's mptCommWorldSize, and
// `mpt.all_reduce` elementwise generics around one call into the runtime's
// communication interface (mpt/Runtime/CommunicationABI.h):
//
//   prepare   with a communication type, each operand in a buffer of that
//             type: x / N (a mean), rounded; otherwise the operand itself
//   reduce    one call of mptCommAllReduce with the buffers of all operands,
//             which the runtime reduces in place as one message
//   finish    widened back (compressed), or divided by N (a plain mean)
//
// Each buffer sits between `bufferization.to_buffer` and a `restrict
// writable` `bufferization.to_tensor` of it: one-shot bufferization gives it
// a buffer of its own that the runtime writes, and the tensor after the call
// holds what it wrote. The call takes the buffers' addresses, in an array on
// the stack, so the host code of a GPU step touches no buffer itself
// (--mpt-gpu-device-collectives retargets the call to device memory).
// Packing the buffers into one message is the runtime's: a copy into one
// staging buffer for MPI, a group of reductions for NCCL.
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

/// An array of `values` (of one LLVM type) on the stack.
Value stackArray(OpBuilder &b, Location loc, ArrayRef<Value> values) {
  Type elementType = values.front().getType();
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  Value array = LLVM::AllocaOp::create(
      b, loc, ptrType, elementType,
      i64Constant(b, loc, static_cast<int64_t>(values.size())));
  for (auto [index, value] : llvm::enumerate(values)) {
    Value slot = LLVM::GEPOp::create(
        b, loc, ptrType, elementType, array,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
    LLVM::StoreOp::create(b, loc, value, slot);
  }
  return array;
}

/// Calls the runtime on the buffers of the 1-D tensors `parts` (one
/// element type) and returns the tensors of what it wrote there.
SmallVector<Value> reduceInRuntime(OpBuilder &b, Location loc, Operation *op,
                                   ArrayRef<Value> parts, MptCommDType dtype,
                                   MptCommOp commOp,
                                   int64_t compiledWorldSize) {
  MLIRContext *ctx = b.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  func::FuncOp callee = declareRuntimeFunction(
      b, op, MPT_COMM_ALL_REDUCE_SYMBOL,
      FunctionType::get(ctx, {ptrType, ptrType, i64, i32, i32, i64}, {}));

  SmallVector<Value> buffers, pointers, counts;
  for (Value part : parts) {
    RankedTensorType type = tensorTypeOf(part);
    Value buffer = bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()), part);
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
    Value integer = arith::IndexCastOp::create(b, loc, i64, address);
    pointers.push_back(LLVM::IntToPtrOp::create(b, loc, ptrType, integer));
    counts.push_back(i64Constant(b, loc, type.getNumElements()));
    buffers.push_back(buffer);
  }
  func::CallOp::create(
      b, loc, callee,
      ValueRange{stackArray(b, loc, pointers), stackArray(b, loc, counts),
                 i64Constant(b, loc, static_cast<int64_t>(parts.size())),
                 i32Constant(b, loc, dtype), i32Constant(b, loc, commOp),
                 i64Constant(b, loc, compiledWorldSize)});
  SmallVector<Value> reduced;
  for (auto [part, buffer] : llvm::zip(parts, buffers))
    reduced.push_back(bufferization::ToTensorOp::create(
        b, loc, part.getType(), buffer, /*restrict=*/true, /*writable=*/true));
  return reduced;
}

/// The runtime's world size, as an i64.
Value worldSizeFromRuntime(OpBuilder &b, Location loc, Operation *op) {
  func::FuncOp query =
      declareRuntimeFunction(b, op, MPT_COMM_WORLD_SIZE_SYMBOL,
                             b.getFunctionType({}, {b.getI64Type()}));
  return func::CallOp::create(b, loc, query).getResult(0);
}

struct WorldSizeOpLowering : OpConversionPattern<WorldSizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(WorldSizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, worldSizeFromRuntime(rewriter, op.getLoc(), op));
    return success();
  }
};

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

    // The number of ranks when the step divides by it, converted once to
    // each float type the division happens in, outside the generics.
    DenseMap<Type, Value> ranksAs;
    if (mean) {
      Value worldSize = staticWorldSize
                            ? i64Constant(rewriter, loc, *staticWorldSize)
                            : worldSizeFromRuntime(rewriter, loc, op);
      for (Value input : inputs) {
        Type element = tensorTypeOf(input).getElementType();
        if (!ranksAs.count(element))
          ranksAs[element] =
              arith::SIToFPOp::create(rewriter, loc, element, worldSize);
      }
    }

    // What travels: compressed, divided first so that the sum stays in
    // range.
    SmallVector<Value> parts;
    for (Value input : inputs) {
      Value flat = flatten(rewriter, loc, input);
      if (commType) {
        Value ranks = ranksAs.lookup(tensorTypeOf(input).getElementType());
        flat = buildElementwise(
            rewriter, loc, tensorTypeOf(flat).clone(*commType), flat,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              Value element = args[0];
              if (mean)
                element = arith::DivFOp::create(b, nestedLoc, element, ranks);
              return convertFloat(b, nestedLoc, element, *commType);
            });
      }
      parts.push_back(flat);
    }
    SmallVector<Value> reduced =
        reduceInRuntime(rewriter, loc, op, parts, *dtype,
                        commOpOf(op.getKind()), staticWorldSize.value_or(0));

    // What comes back: widened, or divided by the ranks.
    SmallVector<Value> results;
    for (auto [input, sum] : llvm::zip(inputs, reduced)) {
      RankedTensorType inputType = tensorTypeOf(input);
      Value result =
          reshapeTensor(rewriter, loc, sum, inputType.clone(messageElement));
      Type element = inputType.getElementType();
      Value ranks = ranksAs.lookup(element);
      if (commType || mean)
        result = buildElementwise(
            rewriter, loc, inputType, result,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
              if (commType)
                return convertFloat(b, nestedLoc, args[0], element);
              return arith::DivFOp::create(b, nestedLoc, args[0], ranks);
            });
      results.push_back(result);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::mpt::populateCollectiveOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AllReduceOpLowering, WorldSizeOpLowering>(patterns.getContext());
}
