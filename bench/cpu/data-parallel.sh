#!/usr/bin/env bash
# Data-parallel CPU benchmark: the benchmark MLP (bench/cpu/mlp.mlir,
# 256 -> 1024 -> 1024 -> 1, SGD, batch 256 per rank) trained by mpt-run in
# one process and by 2 MPI ranks (mpirun, one thread each), against PyTorch
# DDP (gloo) with 1 and 2 ranks at the same batch per rank and so the same
# global batch. Prints the global samples/s of each, the speedup of 2 ranks
# over 1, and mpt/PyTorch at 2 ranks; also mpt with bf16 gradient
# compression. Run it on an idle machine with at least 2 cores. Each
# configuration runs --repeat times, the configurations interleaved (so a
# change of the machine's load hits them alike); the table gives the best
# and the median samples/s of each, the ratios are of the best runs (the
# least disturbed), and the load average is printed before and after.
#
#   bench/cpu/data-parallel.sh [--steps N] [--warmup N] [--ranks N] [--repeat N]
#
# Installs Debian's python3-torch and Open MPI when missing, builds MPT if
# needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
steps=100
warmup=10
ranks=2
repeat=1
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) echo "usage: $0 [--steps N] [--warmup N] [--ranks N] [--repeat N]" >&2; exit 2 ;;
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
# "best median" of the samples/s in the arguments.
best_median() {
  /usr/bin/python3 -c 'import statistics, sys; v = [float(a) for a in sys.argv[1:]]; print("%.0f %.0f" % (max(v), statistics.median(v)))' "$@"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A runs
for ((i = 0; i < repeat; ++i)); do
  MPT_ARGS=()
  runs[mpt1]+=" $(mpt_run one)"
  runs[mpt2]+=" $(mpt_run two "${mpirun[@]}" -n "$ranks")"
  MPT_ARGS=(--grad-comm-type=bf16)
  runs[mpt2bf16]+=" $(mpt_run two-bf16 "${mpirun[@]}" -n "$ranks")"
  runs[torch1]+=" $(torch_ddp 1)"
  runs[torch2]+=" $(torch_ddp "$ranks")"
done
declare -A best median
for name in "${!runs[@]}"; do
  read -r best[$name] median[$name] <<< "$(best_median ${runs[$name]})"
done

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo "$(mpirun --version | head -1); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); $steps timed steps after $warmup, batch 256 per rank, 1 thread per rank, $repeat runs each"
row() { printf '%-34s %10s %10s %10s\n' "$@"; }
row run "best" "median" "vs 1 rank"
row "mpt-run, 1 process" "${best[mpt1]}" "${median[mpt1]}" 1.00
row "mpt-run, $ranks ranks (MPI)" "${best[mpt2]}" "${median[mpt2]}" "$(ratio "${best[mpt2]}" "${best[mpt1]}")"
row "mpt-run, $ranks ranks, bf16 grads" "${best[mpt2bf16]}" "${median[mpt2bf16]}" "$(ratio "${best[mpt2bf16]}" "${best[mpt1]}")"
row "PyTorch DDP (gloo), 1 rank" "${best[torch1]}" "${median[torch1]}" 1.00
row "PyTorch DDP (gloo), $ranks ranks" "${best[torch2]}" "${median[torch2]}" "$(ratio "${best[torch2]}" "${best[torch1]}")"
echo "mpt / PyTorch DDP at $ranks ranks: $(ratio "${best[mpt2]}" "${best[torch2]}") (best), $(ratio "${median[mpt2]}" "${median[torch2]}") (median)"
