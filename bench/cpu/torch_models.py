#!/usr/bin/env python3
"""PyTorch twins of the CPU benchmark models (bench/cpu/models.py).

Trains one of them on random regression data, in fp32 or with CPU autocast
(bf16 or f16), and prints one JSON line with steps/s:

    torch_models.py mlp [--input 256] [--hidden 1024] [--batch 256] [common flags]
    torch_models.py transformer [--batch 8] [--seq 128] [--width 256] [--heads 4] [--mlp 1024]

The same model, batch, optimizer and thread count as the mpt-run side; run
by bench/cpu/run.sh and bench/cpu/scaling.sh.
"""

import argparse
import json
import math
import time

import torch


class Block(torch.nn.Module):
    """Pre-norm attention and MLP sublayers and a regression head, as the
    mpt.train_step of models.py transformer (gelu: the tanh approximation)."""

    def __init__(self, width, heads, mlp):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(width)
        self.q = torch.nn.Linear(width, width)
        self.k = torch.nn.Linear(width, width)
        self.v = torch.nn.Linear(width, width)
        self.o = torch.nn.Linear(width, width)
        self.ln2 = torch.nn.LayerNorm(width)
        self.w1 = torch.nn.Linear(width, mlp)
        self.w2 = torch.nn.Linear(mlp, width)
        self.head = torch.nn.Linear(width, 1)

    def forward(self, x):
        b, s, w = x.shape
        split = lambda t: t.reshape(b, s, self.heads, w // self.heads).transpose(1, 2)
        n1 = self.ln1(x)
        q, k, v = split(self.q(n1)), split(self.k(n1)), split(self.v(n1))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(w // self.heads))
        context = torch.matmul(torch.softmax(scores, dim=-1), v)
        r1 = x + self.o(context.transpose(1, 2).reshape(b, s, w))
        r2 = r1 + self.w2(torch.nn.functional.gelu(self.w1(self.ln2(r1)), approximate="tanh"))
        return self.head(r2)


def main():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--precision", choices=["fp32", "bf16", "f16"], default="fp32")
    common.add_argument("--steps", type=int, default=50)
    common.add_argument("--warmup", type=int, default=5)
    common.add_argument("--threads", type=int, default=1)
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    models = parser.add_subparsers(dest="model", required=True)
    p = models.add_parser("mlp", parents=[common])
    p.add_argument("--input", type=int, default=256)
    p.add_argument("--hidden", type=int, default=1024)
    p.add_argument("--batch", type=int, default=256)
    p = models.add_parser("transformer", parents=[common])
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--mlp", type=int, default=1024)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    if args.model == "mlp":
        model = torch.nn.Sequential(
            torch.nn.Linear(args.input, args.hidden), torch.nn.ReLU(),
            torch.nn.Linear(args.hidden, args.hidden), torch.nn.ReLU(),
            torch.nn.Linear(args.hidden, 1))
        opt = torch.optim.SGD(model.parameters(), lr=1e-2)
        x, y = torch.randn(args.batch, args.input), torch.randn(args.batch, 1)
    else:
        model = Block(args.width, args.heads, args.mlp)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.randn(args.batch, args.seq, args.width)
        y = torch.randn(args.batch, args.seq, 1)
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16}.get(args.precision)

    def step():
        opt.zero_grad(set_to_none=True)
        if dtype is None:
            loss = torch.nn.functional.mse_loss(model(x), y)
        else:
            with torch.autocast("cpu", dtype=dtype):
                pred = model(x)
            loss = torch.nn.functional.mse_loss(pred.float(), y)
        loss.backward()
        opt.step()
        return loss

    try:
        for _ in range(args.warmup):
            step()
    except RuntimeError as error:  # e.g. f16 autocast unsupported on this CPU build
        print(json.dumps({"precision": args.precision, "error": str(error).splitlines()[0]}))
        return
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    seconds = time.perf_counter() - start
    print(json.dumps({"precision": args.precision, "steps_per_s": args.steps / seconds,
                      "final_loss": float(loss), "torch": torch.__version__,
                      "threads": args.threads}))


if __name__ == "__main__":
    main()
