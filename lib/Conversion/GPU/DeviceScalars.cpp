//===- DeviceScalars.cpp - Keep a step's scalars on the device ------------===//
//
// The loss, the overflow flag, the skip decision and the loss-scale state are
// scalars computed from device data. Left as host scalars they would make the
// host wait for the device and copy them back in the middle of every step.
// Here they become 0-d tensors computed by 0-d linalg ops, which bufferize to
// device buffers and run as kernels like everything else.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/GPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPUDEVICESCALARS
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;

namespace {

bool isScalar(Type type) { return isa<IntegerType, FloatType>(type); }

RankedTensorType zeroDTensorOf(Type elementType) {
  return RankedTensorType::get({}, elementType);
}

/// Gives scalar arguments and results of `func` 0-d tensor types. Inside the
/// body, a scalar argument is read back with `tensor.extract` and a scalar
/// result is wrapped with `tensor.from_elements`, so that the rewrite below
/// sees them as device scalars like any other.
LogicalResult convertScalarSignature(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  bool hasScalars = llvm::any_of(type.getInputs(), isScalar) ||
                    llvm::any_of(type.getResults(), isScalar);
  if (!hasScalars)
    return success();
  ModuleOp module = func->getParentOfType<ModuleOp>();
  if (!SymbolTable::symbolKnownUseEmpty(func, module))
    return func.emitError("cannot move the scalar arguments and results of a "
                          "called function to the device; expected a step "
                          "function with no callers");

  Block &entry = func.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  SmallVector<Type> inputs(type.getInputs());
  for (auto [index, argType] : llvm::enumerate(type.getInputs())) {
    if (!isScalar(argType))
      continue;
    BlockArgument arg = entry.getArgument(index);
    inputs[index] = zeroDTensorOf(argType);
    arg.setType(inputs[index]);
    auto read = tensor::ExtractOp::create(b, arg.getLoc(), arg, ValueRange{});
    arg.replaceAllUsesExcept(read.getResult(), read);
  }

  SmallVector<Type> results(type.getResults());
  for (Type &result : results)
    if (isScalar(result))
      result = zeroDTensorOf(result);
  func.walk([&](func::ReturnOp ret) {
    b.setInsertionPoint(ret);
    for (OpOperand &operand : ret->getOpOperands())
      if (isScalar(operand.get().getType()))
        operand.set(tensor::FromElementsOp::create(
            b, ret.getLoc(), zeroDTensorOf(operand.get().getType()),
            ValueRange{operand.get()}));
  });
  func.setFunctionType(FunctionType::get(func.getContext(), inputs, results));
  return success();
}

/// Rewrites the device scalars of one function body into 0-d tensors.
class DeviceScalarRewriter {
public:
  explicit DeviceScalarRewriter(func::FuncOp func)
      : func(func), rewriter(func.getContext()) {}

  LogicalResult run() {
    for (Block &block : func.getBody())
      for (Operation &op : llvm::make_early_inc_range(block))
        if (failed(visit(&op)))
          return failure();
    eraseDeadScalarOps();
    return success();
  }

private:
  LogicalResult visit(Operation *op) {
    if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
      extractAsTensor(extract);
      return success();
    }
    if (auto load = dyn_cast<memref::LoadOp>(op);
        load && load.getMemRefType().getRank() == 0) {
      loadAsTensor(load);
      return success();
    }
    if (auto fromElements = dyn_cast<tensor::FromElementsOp>(op);
        fromElements && fromElements.getType().getRank() == 0) {
      rewriter.setInsertionPoint(fromElements);
      rewriter.replaceOp(fromElements,
                         deviceTensorOf(fromElements.getElements().front()));
      return success();
    }
    if (auto store = dyn_cast<memref::StoreOp>(op);
        store && store.getMemRefType().getRank() == 0) {
      storeAsTensor(store);
      return success();
    }
    if (!usesDeviceScalar(op))
      return success();
    if (isScalarComputation(op)) {
      computeOnDevice(op);
      return success();
    }
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      return passScalarsAsInputs(linalgOp);
    Value used = findDeviceScalarUse(op);
    return op->emitError("needs on the host the value of a scalar computed "
                         "on the device (")
           << used
           << "); expected it to feed only scalar arithmetic, linalg ops "
              "and the function's results";
  }

  /// The 0-d tensor holding `scalar`: its device tensor, or for a host
  /// value (a constant) a fill of a new one.
  Value deviceTensorOf(Value scalar) {
    if (Value tensor = onDevice.lookup(scalar))
      return tensor;
    Location loc = scalar.getLoc();
    Value empty = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{},
                                          scalar.getType());
    return linalg::FillOp::create(rewriter, loc, scalar, empty).getResult(0);
  }

  /// A scalar loaded from a step buffer is read on the device.
  void loadAsTensor(memref::LoadOp load) {
    rewriter.setInsertionPoint(load);
    onDevice[load.getResult()] = bufferization::ToTensorOp::create(
        rewriter, load.getLoc(), zeroDTensorOf(load.getType()),
        load.getMemref(), /*restrict=*/true, /*writable=*/false);
  }

  /// A scalar stored to a step buffer is written there by the device.
  void storeAsTensor(memref::StoreOp store) {
    rewriter.setInsertionPoint(store);
    bufferization::MaterializeInDestinationOp::create(
        rewriter, store.getLoc(), TypeRange{},
        deviceTensorOf(store.getValueToStore()), store.getMemref(),
        /*restrict=*/true, /*writable=*/true);
    rewriter.eraseOp(store);
  }

  /// A scalar read from a tensor is a device value; its 0-d tensor is the
  /// tensor itself, or a one-element slice of it.
  void extractAsTensor(tensor::ExtractOp extract) {
    Value source = extract.getTensor();
    auto sourceType = cast<RankedTensorType>(source.getType());
    if (sourceType.getRank() == 0) {
      onDevice[extract.getResult()] = source;
      return;
    }
    rewriter.setInsertionPoint(extract);
    Location loc = extract.getLoc();
    SmallVector<OpFoldResult> offsets =
        getAsOpFoldResult(ValueRange(extract.getIndices()));
    SmallVector<OpFoldResult> ones(sourceType.getRank(),
                                   rewriter.getIndexAttr(1));
    auto slice = tensor::ExtractSliceOp::create(
        rewriter, loc,
        RankedTensorType::get(SmallVector<int64_t>(sourceType.getRank(), 1),
                              sourceType.getElementType()),
        source, offsets, ones, ones);
    onDevice[extract.getResult()] = tensor::CollapseShapeOp::create(
        rewriter, loc, zeroDTensorOf(sourceType.getElementType()), slice,
        ArrayRef<ReassociationIndices>{});
  }

  bool isDeviceScalar(Value value) const { return onDevice.count(value); }

  bool usesDeviceScalar(Operation *op) const {
    return static_cast<bool>(findDeviceScalarUse(op));
  }

  /// The first device scalar `op` uses, directly or inside its regions.
  Value findDeviceScalarUse(Operation *op) const {
    Value found;
    op->walk([&](Operation *nested) {
      for (Value operand : nested->getOperands())
        if (isDeviceScalar(operand)) {
          found = operand;
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    return found;
  }

  static bool isScalarComputation(Operation *op) {
    return op->getNumRegions() == 0 && op->getNumResults() > 0 && isPure(op) &&
           llvm::all_of(op->getOperandTypes(), isScalar) &&
           llvm::all_of(op->getResultTypes(), isScalar);
  }

  /// Replaces scalar op `op` by a 0-d linalg.generic computing it from the
  /// 0-d tensors of its device operands.
  void computeOnDevice(Operation *op) {
    Location loc = op->getLoc();
    rewriter.setInsertionPoint(op);
    SetVector<Value> deviceOperands;
    for (Value operand : op->getOperands())
      if (isDeviceScalar(operand))
        deviceOperands.insert(operand);
    SmallVector<Value> inputs = llvm::map_to_vector(
        deviceOperands, [&](Value v) { return onDevice.lookup(v); });
    SmallVector<Value> inits;
    SmallVector<Type> resultTypes;
    for (Type type : op->getResultTypes()) {
      resultTypes.push_back(zeroDTensorOf(type));
      inits.push_back(
          tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{}, type));
    }
    SmallVector<AffineMap> maps(inputs.size() + inits.size(),
                                AffineMap::get(rewriter.getContext()));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, resultTypes, inputs, inits, maps,
        ArrayRef<utils::IteratorType>{},
        [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
          IRMapping mapping;
          for (auto [scalar, arg] : llvm::zip(deviceOperands, args))
            mapping.map(scalar, arg);
          Operation *clone = nested.clone(*op, mapping);
          linalg::YieldOp::create(nested, nestedLoc, clone->getResults());
        });
    for (auto [result, tensor] :
         llvm::zip(op->getResults(), generic.getResults()))
      onDevice[result] = tensor;
  }

  /// Makes the device scalars a linalg op reads (as scalar operands or from
  /// above in its body) inputs broadcast over its iteration space.
  LogicalResult passScalarsAsInputs(linalg::LinalgOp linalgOp) {
    rewriter.setInsertionPoint(linalgOp);
    auto generic = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
    if (!generic) {
      FailureOr<linalg::GenericOp> generalized =
          linalg::generalizeNamedOp(rewriter, linalgOp);
      if (failed(generalized))
        return linalgOp->emitOpError(
            "reads a scalar computed on the device, which must become an "
            "input of the op, but the op has no linalg.generic form to take "
            "it");
      generic = *generalized;
    }
    for (OpOperand *input : generic.getDpsInputOperands())
      if (isDeviceScalar(input->get()))
        input->set(onDevice.lookup(input->get()));

    SetVector<Value> captured;
    getUsedValuesDefinedAbove(generic.getRegion(), captured);
    SmallVector<Value> scalars = llvm::filter_to_vector(
        captured, [&](Value v) { return isDeviceScalar(v); });
    if (scalars.empty())
      return success();

    SmallVector<Value> inputs(generic.getInputs());
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    unsigned firstNew = inputs.size();
    AffineMap broadcast =
        AffineMap::get(generic.getNumLoops(), 0, rewriter.getContext());
    for (Value scalar : scalars) {
      inputs.push_back(onDevice.lookup(scalar));
      maps.insert(maps.begin() + inputs.size() - 1, broadcast);
    }
    auto widened = linalg::GenericOp::create(
        rewriter, generic.getLoc(), generic.getResultTypes(), inputs,
        generic.getOutputs(), maps, generic.getIteratorTypesArray());
    rewriter.inlineRegionBefore(generic.getRegion(), widened.getRegion(),
                                widened.getRegion().end());
    Block &body = widened.getRegion().front();
    for (auto [offset, scalar] : llvm::enumerate(scalars)) {
      BlockArgument arg = body.insertArgument(
          firstNew + offset, scalar.getType(), scalar.getLoc());
      rewriter.replaceUsesWithIf(scalar, arg, [&](OpOperand &use) {
        return widened->isProperAncestor(use.getOwner());
      });
    }
    rewriter.replaceOp(generic, widened.getResults());
    return success();
  }

  /// The scalar ops replaced above are dead now; erase them, users first.
  void eraseDeadScalarOps() {
    SetVector<Operation *> scalarOps;
    for (auto &entry : onDevice)
      if (Operation *def = entry.first.getDefiningOp())
        scalarOps.insert(def);
    DenseSet<Operation *> erased;
    for (bool changed = true; changed;) {
      changed = false;
      for (Operation *op : scalarOps) {
        if (erased.contains(op) || !op->use_empty())
          continue;
        erased.insert(op);
        rewriter.eraseOp(op);
        changed = true;
      }
    }
  }

  func::FuncOp func;
  IRRewriter rewriter;
  /// Each device scalar and the 0-d tensor holding it.
  DenseMap<Value, Value> onDevice;
};

struct GPUDeviceScalarsPass
    : public mpt::impl::GPUDeviceScalarsBase<GPUDeviceScalarsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (failed(convertScalarSignature(func)) ||
          failed(DeviceScalarRewriter(func).run()))
        return signalPassFailure();
    }
  }
};

} // namespace
