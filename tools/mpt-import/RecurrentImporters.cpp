//===- RecurrentImporters.cpp - LSTM, GRU and RNN, unrolled ---------------===//
//
// ONNX's recurrent layers (PyTorch's nn.LSTM, nn.GRU and nn.RNN export one
// node per layer) unrolled over their known sequence length into the ops
// of one step: the input projection of the whole sequence is one product,
// then every time step multiplies the previous hidden state by the
// recurrent weight and applies the gates elementwise. The unrolled graph
// is differentiated like any other (backpropagation through time) and
// mixed precision treats each product and gate by its class. GRU takes
// both placements of the reset gate (linear_before_reset). Sequence
// lengths per sample, peepholes, clipping and activations other than
// PyTorch's are import errors.
//
//===----------------------------------------------------------------------===//

#include "ImportHelpers.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

using namespace mlir;

namespace mpt {
namespace import {

namespace {

/// The cell of one recurrent op type.
enum class Cell { LSTM, GRU, RNN };

/// Builds the unrolled layer of one node.
struct Unroller {
  GraphImporter &im;
  const onnx::NodeProto &node;
  Location loc;
  Cell cell;
  int64_t hidden, batch, steps;
  /// RNN only: relu instead of tanh.
  bool relu = false;
  /// GRU only: the reset gate scales the recurrent product (PyTorch's GRU,
  /// ONNX's linear_before_reset = 1) rather than the hidden state before it.
  bool linearBeforeReset = true;

  /// The gates per hidden unit: 4 (LSTM), 3 (GRU), 1 (RNN).
  int64_t gates() const {
    return cell == Cell::LSTM ? 4 : cell == Cell::GRU ? 3 : 1;
  }

  /// `value` restricted to [offset, offset + size) along `dim`.
  Value slice(Value value, int64_t dim, int64_t offset, int64_t size) {
    RankedTensorType type = typeOf(value);
    if (offset == 0 && type.getDimSize(dim) == size)
      return value;
    Shape offsets(type.getRank(), 0), strides(type.getRank(), 1);
    Shape shape(type.getShape());
    offsets[dim] = offset;
    shape[dim] = size;
    return mlir::mpt::SliceOp::create(im.b, loc, type.clone(shape), value,
                                      im.b.getDenseI64ArrayAttr(offsets),
                                      im.b.getDenseI64ArrayAttr(strides));
  }
  /// Gate `gate` (of `gates()`) of a [rows, gates * hidden] tensor.
  Value gate(Value value, int64_t gate) {
    return slice(value, 1, gate * hidden, hidden);
  }
  Value reshapeTo(Value value, ArrayRef<int64_t> shape) {
    return reshape(im, node, value, shape);
  }
  /// `lhs` [m, k] times `rhs` [n, k] transposed.
  Value productT(Value lhs, Value rhs) {
    int64_t m = typeOf(lhs).getDimSize(0), n = typeOf(rhs).getDimSize(0);
    return mlir::mpt::MatmulOp::create(im.b, loc, typeOf(lhs).clone({m, n}),
                                       lhs, rhs, false, true);
  }
  Value add(Value x, Value y) {
    return mlir::mpt::AddOp::create(im.b, loc, typeOf(x), x, y);
  }
  Value mul(Value x, Value y) {
    return mlir::mpt::MulOp::create(im.b, loc, typeOf(x), x, y);
  }
  Value sub(Value x, Value y) {
    return mlir::mpt::SubOp::create(im.b, loc, typeOf(x), x, y);
  }
  Value sigmoid(Value x) { return mlir::mpt::SigmoidOp::create(im.b, loc, x); }
  Value tanh(Value x) { return mlir::mpt::TanhOp::create(im.b, loc, x); }
  Value activation(Value x) {
    return relu ? mlir::mpt::ReluOp::create(im.b, loc, x).getResult() : tanh(x);
  }

  /// The hidden states of one direction, in time order, and the final
  /// cell state (LSTM). `input` is [steps * batch, features], `w` is
  /// [gates * hidden, features], `r` is [gates * hidden, hidden], `bias`
  /// [2 * gates * hidden] or null, `h` and `c` [batch, hidden].
  std::pair<SmallVector<Value>, Value> direction(Value input, Value w, Value r,
                                                 Value bias, Value h, Value c,
                                                 bool reverse) {
    int64_t width = gates() * hidden;
    // The input projection of every step at once, with the input bias and,
    // where the cell adds it to the same sum, the recurrent bias. GRU's
    // candidate gate adds its recurrent bias to the recurrent product,
    // so GRU adds that bias to the recurrent product of every step.
    Value projected = productT(input, w);
    Value recurrentBias;
    if (bias) {
      Value inputBias = slice(bias, 0, 0, width);
      recurrentBias = slice(bias, 0, width, width);
      if (cell == Cell::GRU) {
        projected = add(projected, inputBias);
      } else {
        projected = add(projected, add(inputBias, recurrentBias));
        recurrentBias = Value();
      }
    }

    // With the reset gate applied before the product, the candidate's rows
    // of the recurrent weight and bias multiply r * h apart.
    Value gatesWeight = r, candidateWeight, gatesBias = recurrentBias,
          candidateBias;
    if (cell == Cell::GRU && !linearBeforeReset) {
      gatesWeight = slice(r, 0, 0, 2 * hidden);
      candidateWeight = slice(r, 0, 2 * hidden, hidden);
      if (recurrentBias) {
        gatesBias = slice(recurrentBias, 0, 0, 2 * hidden);
        candidateBias = slice(recurrentBias, 0, 2 * hidden, hidden);
      }
    }

    SmallVector<Value> outputs(steps);
    for (int64_t i = 0; i < steps; ++i) {
      int64_t t = reverse ? steps - 1 - i : i;
      Value x = slice(projected, 0, t * batch, batch);
      switch (cell) {
      case Cell::LSTM: {
        // ONNX's gate order: input, output, forget, cell.
        Value g = add(x, productT(h, r));
        Value in = sigmoid(gate(g, 0)), out = sigmoid(gate(g, 1));
        Value forget = sigmoid(gate(g, 2)), candidate = tanh(gate(g, 3));
        c = add(mul(forget, c), mul(in, candidate));
        h = mul(out, tanh(c));
        break;
      }
      case Cell::GRU: {
        // ONNX's gate order: update, reset, candidate.
        Value rh = productT(h, gatesWeight);
        if (gatesBias)
          rh = add(rh, gatesBias);
        Value update = sigmoid(add(gate(x, 0), gate(rh, 0)));
        Value reset = sigmoid(add(gate(x, 1), gate(rh, 1)));
        Value recurrent;
        if (linearBeforeReset) {
          recurrent = mul(reset, gate(rh, 2));
        } else {
          recurrent = productT(mul(reset, h), candidateWeight);
          if (candidateBias)
            recurrent = add(recurrent, candidateBias);
        }
        Value candidate = tanh(add(gate(x, 2), recurrent));
        // h = (1 - z) n + z h = n + z (h - n).
        h = add(candidate, mul(update, sub(h, candidate)));
        break;
      }
      case Cell::RNN:
        h = activation(add(x, productT(h, r)));
        break;
      }
      outputs[t] = h;
    }
    return {outputs, c};
  }
};

/// The activations attribute must be PyTorch's for the cell: the default,
/// or for RNN either Tanh or Relu per direction.
llvm::Error checkActivations(GraphImporter &im, const onnx::NodeProto &node,
                             Cell cell, int64_t directions, bool &relu) {
  const onnx::AttributeProto *attr = im.attribute(node, "activations");
  if (!attr)
    return llvm::Error::success();
  std::vector<std::string> names(attr->strings().begin(),
                                 attr->strings().end());
  std::vector<std::string> expected;
  if (cell == Cell::LSTM)
    expected = {"Sigmoid", "Tanh", "Tanh"};
  else if (cell == Cell::GRU)
    expected = {"Sigmoid", "Tanh"};
  else if (!names.empty() && (names[0] == "Relu" || names[0] == "Tanh"))
    expected = {names[0]};
  std::vector<std::string> all;
  for (int64_t d = 0; d < directions; ++d)
    all.insert(all.end(), expected.begin(), expected.end());
  if (names != all && names != expected) {
    std::string found;
    for (const std::string &name : names)
      found += (found.empty() ? "" : ", ") + name;
    return im.fail(node, "activations [" + found +
                             "] are not supported; supported: the defaults "
                             "of PyTorch's layer (RNN: Tanh or Relu)");
  }
  relu = cell == Cell::RNN && !names.empty() && names[0] == "Relu";
  return llvm::Error::success();
}

template <Cell cell>
llvm::Error importRecurrent(GraphImporter &im, const onnx::NodeProto &node) {
  llvm::Expected<Value> x = im.floatValue(node, 0);
  if (!x)
    return x.takeError();
  Type element = typeOf(*x).getElementType();
  int64_t layout = im.intAttr(node, "layout", 0);
  if (layout != 0 && layout != 1)
    return im.fail(node, "layout = " + llvm::Twine(layout) +
                             " is not supported; supported: 0, 1");
  ArrayRef<int64_t> xShape = typeOf(*x).getShape();
  if (xShape.size() != 3)
    return im.fail(node, "the input " + shapeText(xShape) +
                             " must have rank 3 (sequence, batch, features)");
  std::string direction = im.stringAttr(node, "direction", "forward");
  if (direction != "forward" && direction != "reverse" &&
      direction != "bidirectional")
    return im.fail(node, "direction '" + direction +
                             "' is not supported; supported: forward, "
                             "reverse, bidirectional");
  int64_t directions = direction == "bidirectional" ? 2 : 1;
  if (im.attribute(node, "clip"))
    return im.fail(node, "clip is not supported; supported: no clipping");
  if (cell == Cell::LSTM && im.intAttr(node, "input_forget", 0) != 0)
    return im.fail(node, "input_forget = 1 is not supported; supported: 0");
  if (im.hasInput(node, 4))
    return im.fail(node, "sequence_lens is not supported; supported: every "
                         "sequence of the batch at its full length");
  if (cell == Cell::LSTM && im.hasInput(node, 7))
    return im.fail(node, "peepholes (input P) are not supported");

  Unroller un{im, node, im.loc(node), cell, 0, 0, 0};
  if (llvm::Error error = checkActivations(im, node, cell, directions, un.relu))
    return error;
  // PyTorch's GRU applies the reset gate to the recurrent product (1);
  // ONNX's default, 0, to the hidden state before it.
  un.linearBeforeReset = im.intAttr(node, "linear_before_reset", 0) != 0;
  Value input = *x;
  if (layout == 1)
    input = mlir::mpt::TransposeOp::create(
        im.b, un.loc, typeOf(input).clone({xShape[1], xShape[0], xShape[2]}),
        input, im.b.getDenseI64ArrayAttr({1, 0, 2}));
  un.steps = typeOf(input).getDimSize(0);
  un.batch = typeOf(input).getDimSize(1);
  int64_t features = typeOf(input).getDimSize(2);
  un.hidden = im.intAttr(node, "hidden_size", 0);
  int64_t width = un.gates() * un.hidden;

  // The weights, with the shapes the ONNX operator fixes.
  auto operand = [&](unsigned index, Shape shape,
                     llvm::StringRef name) -> llvm::Expected<Value> {
    llvm::Expected<Value> value = im.value(node, index, element);
    if (!value)
      return value.takeError();
    if (typeOf(*value).getShape() != ArrayRef<int64_t>(shape))
      return im.fail(node, name + " " + shapeText(typeOf(*value).getShape()) +
                               " must be " + shapeText(shape));
    return *value;
  };
  if (un.hidden < 1 || un.hidden > (int64_t(1) << 31))
    return im.fail(node, "hidden_size must be given, from 1 to 2^31");
  llvm::Expected<Value> w = operand(1, {directions, width, features}, "W");
  if (!w)
    return w.takeError();
  llvm::Expected<Value> r = operand(2, {directions, width, un.hidden}, "R");
  if (!r)
    return r.takeError();
  Value b, h0, c0;
  if (im.hasInput(node, 3)) {
    llvm::Expected<Value> value = operand(3, {directions, 2 * width}, "B");
    if (!value)
      return value.takeError();
    b = *value;
  }
  Shape stateShape = {directions, un.batch, un.hidden};
  for (auto [index, name, state] :
       {std::tuple{5u, "initial_h", &h0}, {6u, "initial_c", &c0}}) {
    if (index == 6 && cell != Cell::LSTM)
      break;
    if (!im.hasInput(node, index))
      continue;
    llvm::Expected<Value> value = operand(index, stateShape, name);
    if (!value)
      return value.takeError();
    *state = *value;
  }
  HostConstant zeroState;
  zeroState.shape = {un.batch, un.hidden};
  zeroState.floats.assign(un.batch * un.hidden, 0.0);
  Value zeros = im.materialize(zeroState, element, un.loc);

  Value flat = un.reshapeTo(input, {un.steps * un.batch, features});
  SmallVector<SmallVector<Value>> outputs;
  SmallVector<Value> finalH, finalC;
  for (int64_t d = 0; d < directions; ++d) {
    auto part = [&](Value value, Shape shape) {
      return value ? un.reshapeTo(un.slice(value, 0, d, 1), shape) : Value();
    };
    Value h = h0 ? part(h0, {un.batch, un.hidden}) : zeros;
    Value c = c0 ? part(c0, {un.batch, un.hidden}) : zeros;
    bool reverse = direction == "reverse" || d == 1;
    auto [states, cellState] = un.direction(
        flat, part(*w, {width, features}), part(*r, {width, un.hidden}),
        part(b, {2 * width}), h, c, reverse);
    finalH.push_back(states[reverse ? 0 : un.steps - 1]);
    finalC.push_back(cellState);
    outputs.push_back(std::move(states));
  }

  // Y: [steps, directions, batch, hidden] (layout 1: batch first).
  auto stack = [&](ArrayRef<Value> values, int64_t axis, Shape shape) -> Value {
    if (values.size() == 1)
      return values[0];
    return mlir::mpt::ConcatOp::create(im.b, un.loc,
                                       typeOf(values[0]).clone(shape), values,
                                       im.b.getI64IntegerAttr(axis))
        .getResult();
  };
  if (node.output_size() > 0 && !node.output(0).empty()) {
    SmallVector<Value> perStep;
    for (int64_t t = 0; t < un.steps; ++t) {
      SmallVector<Value> perDirection;
      for (int64_t d = 0; d < directions; ++d)
        perDirection.push_back(
            un.reshapeTo(outputs[d][t], {1, 1, un.batch, un.hidden}));
      perStep.push_back(
          stack(perDirection, 1, {1, directions, un.batch, un.hidden}));
    }
    Value y = stack(perStep, 0, {un.steps, directions, un.batch, un.hidden});
    if (layout == 1)
      y = mlir::mpt::TransposeOp::create(
          im.b, un.loc,
          typeOf(y).clone({un.batch, un.steps, directions, un.hidden}), y,
          im.b.getDenseI64ArrayAttr({2, 0, 1, 3}));
    im.setResult(node, y, 0);
  }
  // Y_h and Y_c: [directions, batch, hidden] (layout 1: batch first).
  for (auto [index, finals] : {std::pair{1, &finalH}, {2, &finalC}}) {
    if (node.output_size() <= index || node.output(index).empty())
      continue;
    if (index == 2 && cell != Cell::LSTM)
      break;
    SmallVector<Value> parts;
    for (Value value : *finals)
      parts.push_back(un.reshapeTo(value, {1, un.batch, un.hidden}));
    Value state = stack(parts, 0, {directions, un.batch, un.hidden});
    if (layout == 1)
      state = mlir::mpt::TransposeOp::create(
          im.b, un.loc, typeOf(state).clone({un.batch, directions, un.hidden}),
          state, im.b.getDenseI64ArrayAttr({1, 0, 2}));
    im.setResult(node, state, index);
  }
  return llvm::Error::success();
}

} // namespace

void addRecurrentImporters(llvm::StringMap<OpImporter> &importers) {
  importers["LSTM"] = importRecurrent<Cell::LSTM>;
  importers["GRU"] = importRecurrent<Cell::GRU>;
  importers["RNN"] = importRecurrent<Cell::RNN>;
}

} // namespace import
} // namespace mpt
