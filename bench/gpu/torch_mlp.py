"""PyTorch reference of the GPU benchmark.

The model of bench/gpu/mlp4096.mlir (Linear+ReLU layers, MSE loss, SGD),
trained on one fixed random batch, in fp32 (TF32 off, as MPT's fp32 GEMMs
are plain f32) or with automatic mixed precision: autocast to f16 with a
GradScaler, or autocast to bf16 without one. Like MPT's trainer it waits
for the GPU after every step, and reports the median step time and the
memory a step allocates beyond the model, its inputs and the optimizer
(activations, gradients and other temporaries), under the names of MPT's
trainer summary (--summary).
"""

import argparse
import json
import time

import torch
import torch.nn.functional as F


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=["fp32", "f16", "bf16"],
                        default="fp32")
    parser.add_argument("--width", type=int, default=4096)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=8192)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--summary", help="write the summary (JSON) here")
    return parser.parse_args()


def main():
    args = parse_args()
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda")
    layers = []
    for i in range(args.layers):
        layers.append(torch.nn.Linear(args.width, args.width))
        if i + 1 < args.layers:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    low = {"f16": torch.float16, "bf16": torch.bfloat16}.get(args.precision)
    scaler = torch.amp.GradScaler("cuda", enabled=args.precision == "f16")
    x = torch.randn(args.batch, args.width, device=device)
    y = torch.randn(args.batch, args.width, device=device)

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
    times = []
    loss = None
    for _ in range(args.steps):
        start = time.perf_counter()
        loss = step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    summary = {
        "step": "pytorch",
        "precision": args.precision,
        "device": torch.cuda.get_device_name(),
        "steps": args.steps,
        "median_step_ms": median * 1e3,
        "batch_size": args.batch,
        # Over all the timed steps, as MPT's trainers measure it.
        "samples_per_second": args.batch * len(times) / sum(times),
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
