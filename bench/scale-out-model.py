#!/usr/bin/env python3
"""The scale-out model of data-parallel training (docs/data-parallel.md).

Per step, every rank computes its batch (T_compute, measured on one rank)
and then takes part in the gradient all-reduce, which mpt does after the
backward pass, without overlap. A ring all-reduce of S bytes over N ranks
sends and receives 2 (N - 1) / N * S bytes per rank, in 2 (N - 1) steps of
latency; the step also has one agreement exchange (an all-gather of 32
bytes per rank). So

  T_comm = messages * 2 (N - 1) * latency + 2 (N - 1) / N * S / bandwidth
           + log2(N) * latency
  efficiency = T_compute / (T_compute + T_comm)

S is 4 bytes per parameter for f32 gradients, 2 compressed (f16/bf16).
Prints, for each model size, the megabytes each rank sends per step (at the
largest rank count) and the expected efficiency for 8 to 64 ranks.

  bench/scale-out-model.py --compute-ms 18 --params 1313793 [--gbps 100]
      [--latency-us 10] [--messages 3] [--scale 1,20,100]

--scale multiplies the model: a model k times larger (same batch) computes
k times longer per step and sends k times the bytes.
"""

import argparse
import math


def comm_seconds(ranks, payload_bytes, messages, bandwidth, latency):
    ring = 2 * (ranks - 1)
    return (messages * ring * latency + ring / ranks * payload_bytes / bandwidth
            + math.log2(ranks) * latency)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compute-ms", type=float, required=True,
                        help="one rank's compute time per step")
    parser.add_argument("--params", type=int, required=True)
    parser.add_argument("--gbps", type=float, default=100.0)
    parser.add_argument("--latency-us", type=float, default=10.0)
    parser.add_argument("--messages", type=int, default=3,
                        help="all-reduces per step (buckets)")
    parser.add_argument("--scale", default="1")
    parser.add_argument("--ranks", default="8,16,32,64")
    args = parser.parse_args()
    bandwidth = args.gbps * 1e9 / 8
    latency = args.latency_us * 1e-6
    ranks = [int(r) for r in args.ranks.split(",")]
    print(f"{args.gbps:g} Gb/s, {args.latency_us:g} us latency, "
          f"{args.messages} all-reduces per step, one rank computes "
          f"{args.compute_ms:g} ms per step at scale 1")
    header = f"{'params':>12} {'compute ms':>10} {'grads':>5} {'MB/rank/step':>12}"
    for n in ranks:
        header += f" {'N=' + str(n):>7}"
    print(header)
    for factor in (float(k) for k in args.scale.split(",")):
        params = args.params * factor
        compute = args.compute_ms * 1e-3 * factor
        for name, width in (("f32", 4), ("16", 2)):
            payload = params * width
            sent = 2 * (ranks[-1] - 1) / ranks[-1] * payload / 1e6
            row = f"{params:>12.3g} {compute * 1e3:>10.4g} {name:>5} {sent:>12.3g}"
            for n in ranks:
                t = comm_seconds(n, payload, args.messages, bandwidth, latency)
                row += f" {100 * compute / (compute + t):>6.1f}%"
            print(row)


if __name__ == "__main__":
    main()
