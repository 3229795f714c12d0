#!/usr/bin/env python3
"""PyTorch reference for the CPU training benchmark.

Trains the benchmark MLP (256 -> 1024 -> 1024 -> 1, ReLU, MSE, SGD) on
random regression data, in fp32 or with CPU autocast (bf16 or f16), and
prints one JSON line with steps/s. The same model, batch and thread count as
the mpt-run side; run by bench/cpu/run.sh.
"""

import argparse
import json
import time

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--precision", choices=["fp32", "bf16", "f16"], default="fp32")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-2)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = torch.nn.Sequential(
        torch.nn.Linear(256, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    x = torch.randn(args.batch, 256)
    y = torch.randn(args.batch, 1)
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
