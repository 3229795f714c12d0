#!/usr/bin/env python3
"""The CPU benchmark models as mpt.train_step text, at any size.

    models.py mlp [--input 256] [--hidden 1024] [--batch 256]
    models.py transformer [--batch 8] [--seq 128] [--width 256] [--heads 4] [--mlp 1024]
    models.py gemm [--rows 1024] [--inner 1024] [--cols 1024]

`mlp` is input -> hidden -> hidden -> 1 with ReLU, MSE and SGD (at the
defaults, bench/cpu/mlp.mlir); `transformer` one pre-norm transformer block
with a regression head and Adam, as examples/transformer_block.mlir but at a
realistic size (at the defaults, bench/cpu/transformer.mlir); `gemm` one
linear layer with an MSE loss, whose step is two GEMMs (forward and weight
gradient) and little else, for the GEMM efficiency. torch_models.py builds
the same models in PyTorch.
"""

import argparse


def mlp(input_width, hidden, batch):
    t = lambda *dims: "tensor<" + "x".join(map(str, dims)) + "xf32>"
    x, h, w1, w2, w3 = (t(batch, input_width), t(batch, hidden),
                        t(input_width, hidden), t(hidden, hidden), t(hidden, 1))
    return f"""// The CPU benchmark MLP: {input_width} -> {hidden} -> {hidden} -> 1 with ReLU, MSE
// loss, SGD, batch {batch} (bench/cpu/models.py; torch_models.py builds it in PyTorch).
mpt.train_step @bench_mlp
    params(%w1: {w1}, %b1: {t(hidden)},
           %w2: {w2}, %b2: {t(hidden)},
           %w3: {w3}, %b3: {t(1)})
    batch(%x: {x}, %y: {t(batch, 1)})
    optimizer(#mpt.sgd<lr = 1.000000e-02>) {{
  %h1 = mpt.linear %x, %w1, %b1 : {x}, {w1}, {t(hidden)} -> {h}
  %a1 = mpt.relu %h1 : {h}
  %h2 = mpt.linear %a1, %w2, %b2 : {h}, {w2}, {t(hidden)} -> {h}
  %a2 = mpt.relu %h2 : {h}
  %p = mpt.linear %a2, %w3, %b3 : {h}, {w3}, {t(1)} -> {t(batch, 1)}
  %l = mpt.mse_loss %p, %y : {t(batch, 1)}, {t(batch, 1)}
  mpt.loss %l
}}
"""


def transformer(batch, seq, width, heads, mlp_width):
    if width % heads:
        raise SystemExit(f"models.py: width {width} is not a multiple of heads {heads}")
    hd = width // heads
    t = lambda *dims: "tensor<" + "x".join(map(str, dims)) + "xf32>"
    act, split, hs = t(batch, seq, width), t(batch, seq, heads, hd), t(batch, heads, seq, hd)
    scores, hidden, pred = t(batch, heads, seq, seq), t(batch, seq, mlp_width), t(batch, seq, 1)
    sq, vec = t(width, width), t(width)
    lines = [
        f"// One pre-norm transformer block with a regression head, trained with Adam:",
        f"// batch {batch}, sequence {seq}, width {width}, {heads} heads of {hd}, MLP width",
        f"// {mlp_width} (bench/cpu/models.py; torch_models.py builds it in PyTorch).",
        f"mpt.train_step @bench_transformer",
        f"    params(%ln1_gamma: {vec}, %ln1_beta: {vec},",
        f"           %wq: {sq}, %bq: {vec}, %wk: {sq}, %bk: {vec},",
        f"           %wv: {sq}, %bv: {vec}, %wo: {sq}, %bo: {vec},",
        f"           %ln2_gamma: {vec}, %ln2_beta: {vec},",
        f"           %w1: {t(width, mlp_width)}, %b1: {t(mlp_width)},",
        f"           %w2: {t(mlp_width, width)}, %b2: {vec},",
        f"           %w_head: {t(width, 1)}, %b_head: {t(1)})",
        f"    batch(%x: {act}, %y: {pred}, %inv_sqrt_head_dim: tensor<f32>)",
        f"    optimizer(#mpt.adam<lr = 1.000000e-03>) {{",
        f"  %n1 = mpt.layer_norm %x, %ln1_gamma, %ln1_beta : {act}, {vec}, {vec}",
    ]
    for name in "qkv":
        lines += [
            f"  %{name} = mpt.linear %n1, %w{name}, %b{name} : {act}, {sq}, {vec} -> {act}",
            f"  %{name}_split = mpt.reshape %{name} : {act} -> {split}",
            f"  %{name}_heads = mpt.transpose %{name}_split {{permutation = array<i64: 0, 2, 1, 3>}} : {split} -> {hs}",
        ]
    lines += [
        f"  %scores = mpt.matmul %q_heads, %k_heads {{transpose_rhs}} : {hs}, {hs} -> {scores}",
        f"  %scaled = mpt.mul %scores, %inv_sqrt_head_dim : {scores}, tensor<f32>",
        f"  %probs = mpt.softmax %scaled : {scores}",
        f"  %context = mpt.matmul %probs, %v_heads : {scores}, {hs} -> {hs}",
        f"  %context_t = mpt.transpose %context {{permutation = array<i64: 0, 2, 1, 3>}} : {hs} -> {split}",
        f"  %merged = mpt.reshape %context_t : {split} -> {act}",
        f"  %attn = mpt.linear %merged, %wo, %bo : {act}, {sq}, {vec} -> {act}",
        f"  %r1 = mpt.add %x, %attn : {act}, {act}",
        f"  %n2 = mpt.layer_norm %r1, %ln2_gamma, %ln2_beta : {act}, {vec}, {vec}",
        f"  %h = mpt.linear %n2, %w1, %b1 : {act}, {t(width, mlp_width)}, {t(mlp_width)} -> {hidden}",
        f"  %g = mpt.gelu %h : {hidden}",
        f"  %mlp = mpt.linear %g, %w2, %b2 : {hidden}, {t(mlp_width, width)}, {vec} -> {act}",
        f"  %r2 = mpt.add %r1, %mlp : {act}, {act}",
        f"  %pred = mpt.linear %r2, %w_head, %b_head : {act}, {t(width, 1)}, {t(1)} -> {pred}",
        f"  %loss = mpt.mse_loss %pred, %y : {pred}, {pred}",
        f"  mpt.loss %loss",
        f"}}",
    ]
    return "\n".join(lines) + "\n"


def gemm(rows, inner, cols):
    t = lambda *dims: "tensor<" + "x".join(map(str, dims)) + "xf32>"
    x, w, y = t(rows, inner), t(inner, cols), t(rows, cols)
    return f"""// One linear layer, {rows} x {inner} times {inner} x {cols}, with an MSE loss and SGD:
// a step of two GEMMs (the forward product and the weight gradient) and
// little else (bench/cpu/models.py).
mpt.train_step @bench_gemm
    params(%w: {w}, %b: {t(cols)})
    batch(%x: {x}, %y: {y})
    optimizer(#mpt.sgd<lr = 1.000000e-03>) {{
  %p = mpt.linear %x, %w, %b : {x}, {w}, {t(cols)} -> {y}
  %l = mpt.mse_loss %p, %y : {y}, {y}
  mpt.loss %l
}}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    models = parser.add_subparsers(dest="model", required=True)
    p = models.add_parser("mlp")
    p.add_argument("--input", type=int, default=256)
    p.add_argument("--hidden", type=int, default=1024)
    p.add_argument("--batch", type=int, default=256)
    p = models.add_parser("transformer")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--mlp", type=int, default=1024)
    p = models.add_parser("gemm")
    p.add_argument("--rows", type=int, default=1024)
    p.add_argument("--inner", type=int, default=1024)
    p.add_argument("--cols", type=int, default=1024)
    args = parser.parse_args()
    if args.model == "mlp":
        print(mlp(args.input, args.hidden, args.batch), end="")
    elif args.model == "transformer":
        print(transformer(args.batch, args.seq, args.width, args.heads, args.mlp), end="")
    else:
        print(gemm(args.rows, args.inner, args.cols), end="")


if __name__ == "__main__":
    main()
