"""PyTorch reference of the GPU benchmark.

Trains one of the benchmark models on one fixed random batch, in fp32
(TF32 off, as MPT's fp32 GEMMs are plain f32) or with automatic mixed
precision: autocast to f16 with a GradScaler, or autocast to bf16 without
one.

  torch_gpu.py mlp          the model of bench/gpu/mlp4096.mlir: Linear+ReLU
                            layers, MSE loss, SGD
  torch_gpu.py transformer  one pre-norm transformer block with a regression
                            head and Adam, the block of bench/cpu/models.py
                            (its PyTorch twin, bench/cpu/torch_models.py)

Like MPT's trainer it reports the mean step time over the timed steps and
the memory a step allocates beyond the model, its inputs and the optimizer
(activations, gradients and other temporaries), under the names of MPT's
trainer summary (--summary).
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

# The transformer block is the CPU benchmark's twin: next to this script in
# the GPU bundle (build.sh copies it), in bench/cpu in the source tree.
here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.join(here, "..", "cpu")]
from torch_models import Block  # noqa: E402


def parse_args():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--precision", choices=["fp32", "f16", "bf16"],
                        default="fp32")
    common.add_argument("--steps", type=int, default=20)
    common.add_argument("--warmup", type=int, default=3)
    common.add_argument("--summary", help="write the summary (JSON) here")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    models = parser.add_subparsers(dest="model", required=True)
    mlp = models.add_parser("mlp", parents=[common])
    mlp.add_argument("--width", type=int, default=4096)
    mlp.add_argument("--layers", type=int, default=4)
    mlp.add_argument("--batch", type=int, default=8192)
    mlp.add_argument("--lr", type=float, default=1e-3)
    block = models.add_parser("transformer", parents=[common])
    block.add_argument("--batch", type=int, default=16)
    block.add_argument("--seq", type=int, default=512)
    block.add_argument("--width", type=int, default=1024)
    block.add_argument("--heads", type=int, default=16)
    block.add_argument("--mlp", type=int, default=4096)
    return parser.parse_args()


def build(args, device):
    """The model, its optimizer and one batch (x, y)."""
    if args.model == "mlp":
        layers = []
        for i in range(args.layers):
            layers.append(torch.nn.Linear(args.width, args.width))
            if i + 1 < args.layers:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
        x = torch.randn(args.batch, args.width, device=device)
        y = torch.randn(args.batch, args.width, device=device)
    else:
        model = Block(args.width, args.heads, args.mlp).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.randn(args.batch, args.seq, args.width, device=device)
        y = torch.randn(args.batch, args.seq, 1, device=device)
    return model, optimizer, x, y


def main():
    args = parse_args()
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda")
    model, optimizer, x, y = build(args, device)
    low = {"f16": torch.float16, "bf16": torch.bfloat16}.get(args.precision)
    scaler = torch.amp.GradScaler("cuda", enabled=args.precision == "f16")

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=low or torch.float32,
                            enabled=low is not None):
            prediction = model(x)
        loss = F.mse_loss(prediction.float(), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        return loss

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    summary = {
        "step": f"pytorch {args.model}",
        "precision": args.precision,
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "steps": args.steps,
        "batch_size": args.batch,
        # Over all the timed steps, as MPT's trainers measure it.
        "samples_per_second": args.batch * args.steps / seconds,
        "peak_device_step_bytes": torch.cuda.max_memory_allocated() - base,
        "final_loss": float(loss),
        "skipped_steps": None,
    }
    line = json.dumps(summary)
    print(line)
    if args.summary:
        with open(args.summary, "w") as file:
            file.write(line + "\n")


if __name__ == "__main__":
    main()
