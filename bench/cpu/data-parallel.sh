#!/usr/bin/env bash
# Data-parallel CPU benchmark: the benchmark MLP (bench/cpu/mlp.mlir,
# 256 -> 1024 -> 1024 -> 1, SGD, batch 256 per rank) trained by mpt-run in
# one process and by 2 MPI ranks (mpirun, one thread each), against PyTorch
# DDP (gloo) with 1 and 2 ranks at the same batch per rank and so the same
# global batch. Prints the global samples/s of each, the speedup of 2 ranks
# over 1, and mpt/PyTorch at 2 ranks; also mpt with bf16 gradient
# compression. Run it on an idle machine with at least 2 cores.
#
#   bench/cpu/data-parallel.sh [--steps N] [--warmup N] [--ranks N]
#
# Installs Debian's python3-torch and Open MPI when missing, builds MPT if
# needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
steps=100
warmup=10
ranks=2
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    *) echo "usage: $0 [--steps N] [--warmup N] [--ranks N]" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in python3-torch libopenblas0-pthread openmpi-bin libopenmpi-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
[ -x "$root/build/bin/mpt-run" ] && [ -f "$root/build/lib/libMPTCommMPI.so" ] ||
  "$root/utils/setup.sh"

mpirun=(mpirun --oversubscribe)
[ "$(id -u)" -ne 0 ] || mpirun+=(--allow-run-as-root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Global samples/s of the timed steps, from the run's summary.
samples_per_s() {
  /usr/bin/python3 -c 'import json, sys; print("%.0f" % json.load(open(sys.argv[1]))["samples_per_second"])' "$1"
}
mpt_run() {
  local name=$1; shift
  "$@" "$root/build/bin/mpt-run" "$root/bench/cpu/mlp.mlir" --threads=1 \
    --steps=$((steps + warmup)) --warmup="$warmup" --print-every=0 \
    --summary="$work/$name.json" "${MPT_ARGS[@]}" > "$work/$name.out"
  samples_per_s "$work/$name.json"
}
torch_ddp() {
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -W ignore \
    "$root/bench/cpu/torch_ddp.py" --ranks="$1" --steps="$steps" \
    --warmup="$warmup" |
    /usr/bin/python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["samples_per_s"])'
}
ratio() { /usr/bin/python3 -c "print(f'{$1 / $2:.2f}')"; }

MPT_ARGS=()
mpt1=$(mpt_run one)
mpt2=$(mpt_run two "${mpirun[@]}" -n "$ranks")
MPT_ARGS=(--grad-comm-type=bf16)
mpt2bf16=$(mpt_run two-bf16 "${mpirun[@]}" -n "$ranks")
torch1=$(torch_ddp 1)
torch2=$(torch_ddp "$ranks")

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(mpirun --version | head -1); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); $steps timed steps after $warmup, batch 256 per rank, 1 thread per rank"
printf '%-28s %12s %10s\n' run "samples/s" "vs 1 rank"
printf '%-28s %12s %10s\n' "mpt-run, 1 process" "$mpt1" 1.00
printf '%-28s %12s %10s\n' "mpt-run, $ranks ranks (MPI)" "$mpt2" "$(ratio "$mpt2" "$mpt1")"
printf '%-28s %12s %10s\n' "mpt-run, $ranks ranks, bf16 grads" "$mpt2bf16" "$(ratio "$mpt2bf16" "$mpt1")"
printf '%-28s %12s %10s\n' "PyTorch DDP (gloo), 1 rank" "$torch1" 1.00
printf '%-28s %12s %10s\n' "PyTorch DDP (gloo), $ranks ranks" "$torch2" "$(ratio "$torch2" "$torch1")"
echo "mpt / PyTorch DDP at $ranks ranks: $(ratio "$mpt2" "$torch2")"
