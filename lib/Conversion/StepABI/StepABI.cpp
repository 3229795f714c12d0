//===- StepABI.cpp - The C entry point of a compiled step -----------------===//
//
// A runtime calls a compiled step through one fixed C signature,
// `void <name>_step(void **buffers)`, whatever the model. This pass builds
// that entry point around the step function's body while the step is still
// on tensors, so that bufferization writes the results straight into the
// caller's buffers, and records the signature for tools.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/Passes.h"
#include "mpt/Conversion/StepABI/StepSignatureJson.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_STEPABI
#include "mpt/Conversion/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;
using namespace mlir::mpt;

namespace {

constexpr StringLiteral kTrainStepAttr = "mpt.train_step";
constexpr StringLiteral kStepsAttr = "mpt.steps";

/// The buffer layout of one value: a dense memref of its static shape; a
/// scalar is a rank-0 memref and an i1 is stored as one byte.
FailureOr<MemRefType> bufferTypeOf(Type type,
                                   function_ref<InFlightDiagnostic()> error) {
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    if (!tensor.hasStaticShape())
      return error() << "has type " << type
                     << ", but the step ABI needs a static shape";
    Type element = tensor.getElementType();
    if (!isa<FloatType>(element) && !element.isSignlessInteger(32) &&
        !element.isSignlessInteger(64))
      return error() << "has type " << type
                     << ", but step tensors must have float, i32 or i64 "
                        "elements";
    return MemRefType::get(tensor.getShape(), tensor.getElementType());
  }
  if (type.isInteger(1))
    return MemRefType::get({}, IntegerType::get(type.getContext(), 8));
  if (isa<FloatType, IntegerType>(type))
    return MemRefType::get({}, type);
  return error() << "has type " << type
                 << ", but the step ABI supports ranked tensors, floats and "
                    "integers only";
}

std::string attrText(Attribute attr) {
  if (!attr)
    return "";
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

/// The signature as the `mpt.steps` entry of the module.
DictionaryAttr signatureAttr(func::FuncOp step, StringRef entry) {
  Builder b(step.getContext());
  auto orEmpty = [&](ArrayAttr attrs, unsigned count) -> Attribute {
    if (attrs)
      return attrs;
    return b.getArrayAttr(
        SmallVector<Attribute>(count, b.getDictionaryAttr({})));
  };
  FunctionType type = step.getFunctionType();
  return b.getDictionaryAttr({
      b.getNamedAttr("entry", b.getStringAttr(entry)),
      b.getNamedAttr("function_type", TypeAttr::get(type)),
      b.getNamedAttr("arg_attrs",
                     orEmpty(step.getAllArgAttrs(), type.getNumInputs())),
      b.getNamedAttr("res_attrs",
                     orEmpty(step.getAllResultAttrs(), type.getNumResults())),
      b.getNamedAttr("optimizer",
                     b.getStringAttr(attrText(step->getAttr("mpt.optimizer")))),
      b.getNamedAttr("loss_scale", b.getStringAttr(attrText(
                                       step->getAttr("mpt.loss_scale")))),
  });
}

/// Emits `@<entry>_signature`, the JSON signature as a NUL-terminated
/// constant string.
void emitSignatureGlobal(OpBuilder &b, Location loc, StringRef entry,
                         StringRef json) {
  std::string bytes = json.str();
  bytes.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
  LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                         LLVM::Linkage::External, (entry + "_signature").str(),
                         b.getStringAttr(bytes));
}

/// Builds `@entry(%buffers: !llvm.ptr)` with `step`'s body; `step` is left
/// empty.
LogicalResult buildEntryPoint(func::FuncOp step, StringRef entry) {
  Location loc = step.getLoc();
  MLIRContext *ctx = step.getContext();
  if (!step.getBody().hasOneBlock())
    return step.emitOpError()
           << "must have a single block to get a step entry point";
  FunctionType type = step.getFunctionType();
  SmallVector<MemRefType> bufferTypes;
  auto addBuffer = [&](Type valueType, StringRef kind, unsigned index) {
    FailureOr<MemRefType> buffer = bufferTypeOf(valueType, [&] {
      return step.emitOpError() << kind << " #" << index << " ";
    });
    if (succeeded(buffer))
      bufferTypes.push_back(*buffer);
    return buffer;
  };
  for (unsigned i = 0, e = type.getNumInputs(); i < e; ++i)
    if (failed(addBuffer(type.getInput(i), "argument", i)))
      return failure();
  for (unsigned i = 0, e = type.getNumResults(); i < e; ++i)
    if (failed(addBuffer(type.getResult(i), "result", i)))
      return failure();

  OpBuilder b(step);
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto func = func::FuncOp::create(b, loc, entry,
                                   FunctionType::get(ctx, {ptrType}, {}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value buffers = body->getArgument(0);

  // buffers[i] as a memref of the value's type. The descriptor is built in
  // the LLVM dialect and cast to the memref type; the cast cancels against
  // the memref lowering's own at the end of the pipeline.
  LLVMTypeConverter converter(ctx);
  SmallVector<Value> memrefs;
  for (auto [index, bufferType] : llvm::enumerate(bufferTypes)) {
    Value slot = LLVM::GEPOp::create(b, loc, ptrType, ptrType, buffers,
                                     ArrayRef<LLVM::GEPArg>{int32_t(index)});
    Value pointer = LLVM::LoadOp::create(b, loc, ptrType, slot);
    Value descriptor = MemRefDescriptor::fromStaticShape(b, loc, converter,
                                                         bufferType, pointer);
    memrefs.push_back(
        UnrealizedConversionCastOp::create(b, loc, bufferType, descriptor)
            .getResult(0));
  }

  // The arguments, read-only: tensors through to_tensor, scalars loaded.
  Block &stepBlock = step.getBody().front();
  for (auto [arg, memref] :
       llvm::zip(stepBlock.getArguments(), ArrayRef(memrefs))) {
    Value value;
    if (isa<RankedTensorType>(arg.getType())) {
      value = bufferization::ToTensorOp::create(b, loc, arg.getType(), memref,
                                                /*restrict=*/true,
                                                /*writable=*/false);
    } else {
      value = memref::LoadOp::create(b, loc, memref, ValueRange{});
      if (arg.getType().isInteger(1))
        value = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ne, value,
            arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0)));
    }
    arg.replaceAllUsesWith(value);
  }
  auto returnOp = cast<func::ReturnOp>(stepBlock.getTerminator());
  body->getOperations().splice(body->end(), stepBlock.getOperations());

  // The results, written into the caller's buffers.
  b.setInsertionPoint(returnOp);
  ArrayRef<Value> resultMemrefs =
      ArrayRef(memrefs).drop_front(type.getNumInputs());
  for (auto [value, memref] :
       llvm::zip(returnOp.getOperands(), resultMemrefs)) {
    if (isa<RankedTensorType>(value.getType())) {
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, value, memref, /*restrict=*/true,
          /*writable=*/true);
      continue;
    }
    Value stored = value;
    if (value.getType().isInteger(1))
      stored = arith::ExtUIOp::create(b, loc, b.getI8Type(), value);
    memref::StoreOp::create(b, loc, stored, memref, ValueRange{});
  }
  func::ReturnOp::create(b, loc);
  returnOp.erase();
  return success();
}

struct StepABIPass : mpt::impl::StepABIBase<StepABIPass> {
  using StepABIBase::StepABIBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> steps = llvm::to_vector(llvm::make_filter_range(
        module.getOps<func::FuncOp>(),
        [](func::FuncOp func) { return func->hasAttr(kTrainStepAttr); }));
    NamedAttrList signatures;
    if (auto existing = module->getAttrOfType<DictionaryAttr>(kStepsAttr))
      signatures.append(existing.getValue());
    SymbolTable symbols(module);
    for (func::FuncOp step : steps) {
      std::string entry = (step.getSymName() + entrySuffix).str();
      if (symbols.lookup(entry) || symbols.lookup(entry + "_signature")) {
        step.emitOpError() << "cannot get the entry point '" << entry
                           << "': the module already has a symbol of that "
                              "name";
        return signalPassFailure();
      }
      FailureOr<std::string> json = buildStepSignatureJson(step, entry);
      if (failed(json))
        return signalPassFailure();
      signatures.set(step.getSymName(), signatureAttr(step, entry));
      OpBuilder b(step);
      emitSignatureGlobal(b, step.getLoc(), entry, *json);
      if (failed(buildEntryPoint(step, entry)))
        return signalPassFailure();
      step.erase();
    }
    if (!steps.empty())
      module->setAttr(kStepsAttr, signatures.getDictionary(&getContext()));
  }
};

} // namespace
