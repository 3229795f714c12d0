#!/usr/bin/env python3
"""PyTorch DDP reference for the data-parallel CPU benchmark.

Trains the benchmark MLP (256 -> 1024 -> 1024 -> 1, ReLU, MSE, SGD; the
model of bench/cpu/mlp.mlir and torch_mlp.py) with DistributedDataParallel
on the gloo backend: --ranks processes on this machine, one thread each,
each on its own batch of --batch samples, so the global batch is
ranks x batch. Prints one JSON line with the global samples/s of the timed
steps (after --warmup) and the CPU seconds per timed step of rank 0 (its
process time, all its threads; the ranks do the same work). Run by bench/cpu/data-parallel.sh.
"""

import argparse
import datetime
import json
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def train(rank, args, results):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(args.port))
    dist.init_process_group("gloo", rank=rank, world_size=args.ranks,
                            timeout=datetime.timedelta(seconds=120))
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(256, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1))
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(rank)
    x = torch.randn(args.batch, 256, generator=generator)
    y = torch.randn(args.batch, 1, generator=generator)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(ddp(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    dist.barrier()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        loss = step()
    cpu_per_step = (time.process_time() - cpu_start) / args.steps
    dist.barrier()
    seconds = time.perf_counter() - start
    if rank == 0:
        results.put({"ranks": args.ranks, "batch_per_rank": args.batch,
                     "samples_per_s": args.steps * args.batch * args.ranks / seconds,
                     "cpu_seconds_per_step": cpu_per_step,
                     "final_loss": float(loss), "torch": torch.__version__})
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--port", type=int, default=0,
                        help="the rendezvous port (default: a free one)")
    args = parser.parse_args()
    if args.port == 0:
        # A fixed port would meet another job's rendezvous on a shared machine.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    mp.start_processes(train, args=(args, results), nprocs=args.ranks,
                       start_method="spawn")
    print(json.dumps(results.get()))


if __name__ == "__main__":
    main()
