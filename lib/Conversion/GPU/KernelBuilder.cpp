//===- KernelBuilder.cpp - Building kernels for linalg ops ----------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mpt;
using namespace mlir::mpt::gpu_kernels;

std::optional<unsigned> gpu_kernels::smVersionOf(StringRef chip) {
  unsigned version;
  if (!chip.consume_front("sm_"))
    return std::nullopt;
  chip.consume_back("a");
  if (chip.getAsInteger(10, version))
    return std::nullopt;
  return version;
}

gpu::LaunchOp KernelBuilder::launch(OpBuilder &b, Location loc, StringRef kind,
                                    ArrayRef<Value> grid, ArrayRef<Value> block,
                                    TypeRange workgroupBuffers,
                                    int64_t dynamicSharedBytes) {
  Value one = indexConstant(b, loc, 1);
  auto dim = [&](ArrayRef<Value> sizes, unsigned i) {
    return i < sizes.size() ? sizes[i] : one;
  };
  MLIRContext *ctx = b.getContext();
  auto module = FlatSymbolRefAttr::get(ctx, funcName + "_kernels");
  auto function = FlatSymbolRefAttr::get(
      ctx, llvm::formatv("{0}_{1}_{2}", funcName, kind, kernelCount++).str());
  Value dynamicShared;
  if (dynamicSharedBytes)
    dynamicShared = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                                 dynamicSharedBytes);
  auto launch = gpu::LaunchOp::create(
      b, loc, dim(grid, 0), dim(grid, 1), dim(grid, 2), dim(block, 0),
      dim(block, 1), dim(block, 2), dynamicShared,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{}, workgroupBuffers,
      /*privateAttributions=*/{}, /*clusterSizeX=*/nullptr,
      /*clusterSizeY=*/nullptr, /*clusterSizeZ=*/nullptr, module, function);
  Block &body = launch.getBody().front();
  if (body.empty() || !body.back().hasTrait<OpTrait::IsTerminator>()) {
    b.setInsertionPointToEnd(&body);
    gpu::TerminatorOp::create(b, loc);
  }
  b.setInsertionPoint(body.getTerminator());
  return launch;
}

Value gpu_kernels::indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value gpu_kernels::product(OpBuilder &b, Location loc, ValueRange values) {
  // Static factors are multiplied here, so that a static iteration space
  // gives a constant that kernel outlining can sink into the kernel.
  int64_t folded = 1;
  Value dynamic;
  for (Value value : values) {
    if (std::optional<int64_t> cst = getConstantIntValue(value))
      folded *= *cst;
    else
      dynamic = dynamic ? arith::MulIOp::create(b, loc, dynamic, value) : value;
  }
  Value foldedValue = indexConstant(b, loc, folded);
  if (!dynamic)
    return foldedValue;
  return folded == 1 ? dynamic
                     : arith::MulIOp::create(b, loc, dynamic, foldedValue);
}

Value gpu_kernels::ceilDiv(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  std::optional<int64_t> lhsCst = getConstantIntValue(lhs);
  std::optional<int64_t> rhsCst = getConstantIntValue(rhs);
  if (lhsCst && rhsCst)
    return indexConstant(b, loc, llvm::divideCeil(*lhsCst, *rhsCst));
  return arith::CeilDivUIOp::create(b, loc, lhs, rhs);
}

Value gpu_kernels::addIndex(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return arith::AddIOp::create(b, loc, lhs, rhs);
}

Value gpu_kernels::addIndexConstant(OpBuilder &b, Location loc, Value lhs,
                                    int64_t rhs) {
  return rhs == 0 ? lhs : addIndex(b, loc, lhs, indexConstant(b, loc, rhs));
}

Value gpu_kernels::mulIndexConstant(OpBuilder &b, Location loc, Value lhs,
                                    int64_t rhs) {
  return arith::MulIOp::create(b, loc, lhs, indexConstant(b, loc, rhs));
}

Value gpu_kernels::indexLessThan(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lhs, rhs);
}

Value gpu_kernels::zeroOf(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
}

llvm::MaybeAlign gpu_kernels::vectorAlignment(VectorType type) {
  int64_t bytes = type.getNumElements() * type.getElementTypeBitWidth() / 8;
  return llvm::MaybeAlign(std::min(bytes, kBufferAlignment));
}

bool gpu_kernels::isVectorAccess(Value buffer, AffineMap map, unsigned dim,
                                 int64_t width) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || type.getRank() == 0 || !type.getLayout().isIdentity() ||
      type.getElementTypeBitWidth() % 8 != 0 ||
      !llvm::isPowerOf2_64(type.getElementTypeBitWidth()) ||
      !type.hasStaticShape() || type.getShape().back() % width != 0 ||
      map.getNumResults() != static_cast<unsigned>(type.getRank()))
    return false;
  auto innermost = dyn_cast<AffineDimExpr>(map.getResults().back());
  return innermost && innermost.getPosition() == dim;
}

SmallVector<Value> gpu_kernels::delinearize(OpBuilder &b, Location loc,
                                            Value linear, ValueRange sizes) {
  if (sizes.empty())
    return {};
  if (sizes.size() == 1)
    return {linear};
  return affine::AffineDelinearizeIndexOp::create(
             b, loc, linear, getAsOpFoldResult(sizes), /*hasOuterBound=*/true)
      .getResults();
}

SmallVector<Value> gpu_kernels::applyMap(OpBuilder &b, Location loc,
                                         AffineMap map, ValueRange ivs) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      indices.push_back(ivs[dim.getPosition()]);
    else if (auto cst = dyn_cast<AffineConstantExpr>(expr))
      indices.push_back(indexConstant(b, loc, cst.getValue()));
    else
      indices.push_back(affine::AffineApplyOp::create(
          b, loc, AffineMap::get(map.getNumDims(), 0, expr), ivs));
  }
  return indices;
}

void gpu_kernels::emitIf(OpBuilder &b, Location loc, Value condition,
                         function_ref<void(OpBuilder &)> body) {
  auto ifOp = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  body(b);
}

SmallVector<Value> gpu_kernels::loopSizes(OpBuilder &b, Location loc,
                                          linalg::LinalgOp op) {
  return llvm::map_to_vector(op.createLoopRanges(b, loc), [&](Range range) {
    return getValueOrCreateConstantIndexOp(b, loc, range.size);
  });
}

SmallVector<Value> gpu_kernels::loadInits(OpBuilder &b, Location loc,
                                          linalg::LinalgOp op, ValueRange ivs,
                                          bool onlyIfRead) {
  SmallVector<Value> values;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    if (onlyIfRead && !op.payloadUsesValueFromOperand(&init)) {
      values.push_back(nullptr);
      continue;
    }
    values.push_back(memref::LoadOp::create(
        b, loc, init.get(),
        applyMap(b, loc, op.getMatchingIndexingMap(&init), ivs)));
  }
  return values;
}

void gpu_kernels::storeInits(OpBuilder &b, Location loc, linalg::LinalgOp op,
                             ValueRange ivs, ValueRange values) {
  for (auto [init, value] : llvm::zip(op.getDpsInitsMutable(), values))
    memref::StoreOp::create(
        b, loc, value, init.get(),
        applyMap(b, loc, op.getMatchingIndexingMap(&init), ivs));
}

/// Whether `value` is defined inside `body` (an argument or an op result).
static bool isDefinedIn(Value value, Block *body) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    return arg.getOwner() == body;
  return value.getDefiningOp()->getBlock() == body;
}

void gpu_kernels::cloneBody(OpBuilder &b, Location loc, linalg::LinalgOp op,
                            ValueRange ivs, ValueRange inits,
                            IRMapping &mapping) {
  for (OpOperand *input : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(input);
    if (mapping.contains(arg) || arg.use_empty())
      continue;
    if (!isa<ShapedType>(input->get().getType())) {
      mapping.map(arg, input->get());
      continue;
    }
    mapping.map(arg,
                memref::LoadOp::create(
                    b, loc, input->get(),
                    applyMap(b, loc, op.getMatchingIndexingMap(input), ivs)));
  }
  for (auto [init, value] : llvm::zip(op.getDpsInitsMutable(), inits)) {
    BlockArgument arg = op.getMatchingBlockArgument(&init);
    if (value && !mapping.contains(arg))
      mapping.map(arg, value);
  }
  Block *body = op.getBlock();
  for (Operation &nested : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(nested)) {
      mapping.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    bool ready = llvm::all_of(nested.getOperands(), [&](Value operand) {
      return !isDefinedIn(operand, body) || mapping.contains(operand);
    });
    if (ready)
      b.clone(nested, mapping);
  }
}

SmallVector<Value> gpu_kernels::emitBody(OpBuilder &b, Location loc,
                                         linalg::LinalgOp op, ValueRange ivs,
                                         ValueRange inits) {
  IRMapping mapping;
  cloneBody(b, loc, op, ivs, inits, mapping);
  return llvm::map_to_vector(
      op.getBlock()->getTerminator()->getOperands(),
      [&](Value v) { return mapping.lookupOrDefault(v); });
}

bool gpu_kernels::canEmitVectorPoints(linalg::LinalgOp op, unsigned dim,
                                      int64_t width) {
  return op.getNumReductionLoops() == 0 &&
         llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
           return isVectorAccess(init.get(), op.getMatchingIndexingMap(&init),
                                 dim, width);
         });
}

void gpu_kernels::emitVectorPoints(
    OpBuilder &b, Location loc, linalg::LinalgOp op, ValueRange ivs,
    unsigned dim, int64_t width, ArrayRef<BlockArgument> boundByCaller,
    function_ref<void(int64_t, IRMapping &)> bindPoint) {
  SmallVector<std::pair<BlockArgument, Value>> vectorInputs;
  for (OpOperand *input : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(input);
    AffineMap map = op.getMatchingIndexingMap(input);
    if (arg.use_empty() || llvm::is_contained(boundByCaller, arg) ||
        !isVectorAccess(input->get(), map, dim, width))
      continue;
    auto type = VectorType::get({width}, arg.getType());
    vectorInputs.emplace_back(
        arg, vector::LoadOp::create(
                 b, loc, type, input->get(), applyMap(b, loc, map, ivs),
                 /*nontemporal=*/false, vectorAlignment(type)));
  }
  SmallVector<SmallVector<Value>> results(op.getNumDpsInits());
  for (int64_t i = 0; i < width; ++i) {
    SmallVector<Value> point(ivs);
    point[dim] = addIndexConstant(b, loc, point[dim], i);
    IRMapping mapping;
    bindPoint(i, mapping);
    for (auto [arg, vector] : vectorInputs)
      mapping.map(
          arg, vector::ExtractOp::create(b, loc, vector, ArrayRef<int64_t>{i}));
    cloneBody(b, loc, op, point,
              loadInits(b, loc, op, point, /*onlyIfRead=*/true), mapping);
    for (auto [result, yielded] :
         llvm::zip(results, op.getBlock()->getTerminator()->getOperands()))
      result.push_back(mapping.lookupOrDefault(yielded));
  }
  for (auto [init, result] : llvm::zip(op.getDpsInitsMutable(), results)) {
    auto type = VectorType::get({width}, result.front().getType());
    vector::StoreOp::create(
        b, loc, vector::FromElementsOp::create(b, loc, type, result),
        init.get(), applyMap(b, loc, op.getMatchingIndexingMap(&init), ivs),
        /*nontemporal=*/false, vectorAlignment(type));
  }
}
