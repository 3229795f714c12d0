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
# least disturbed), and the load average is printed before and after; then
# the time rank 0 of the mpt-run jobs spent in exchanges per step (from
# their summaries).
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
# The CPU ms per step of the busiest rank: the difference between a run of
# warmup + steps steps and one of warmup steps (the same compilation and
# setup), over the steps.
cpu_ms_per_step() {
  /usr/bin/python3 - "$work" "$1" "$steps" <<'PY'
import glob, os, sys
work, name, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
per_rank = []
for long in sorted(glob.glob(os.path.join(work, name + ".cpu*"))):
    short = long.replace(".cpu", ".short-cpu")
    per_rank.append(float(open(long).read()) - float(open(short).read()))
print("%.2f" % (1e3 * max(per_rank) / steps))
PY
}
# Rank 0's milliseconds in exchanges per timed step, from the run's summary
# (none for one process), appended to $work/exchanges-NAME.
exchange_ms_per_step() {
  /usr/bin/python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
if "exchange_seconds" in s:
    print("%.3f" % (1e3 * s["exchange_seconds"] / (s["steps"] - s["warmup_steps"])))' "$work/$1.json" >> "$work/exchanges-$1"
}
# Prints "samples/s CPU-ms-per-step" of mpt-run, launched by "$@".
mpt_run() {
  local name=$1; shift
  rm -f "$work/$name".*
  "$@" /usr/bin/python3 "$root/bench/cpu/cpu_seconds.py" "$work/$name.cpu" -- \
    "$root/build/bin/mpt-run" "$root/bench/cpu/mlp.mlir" --threads=1 \
    --steps=$((steps + warmup)) --warmup="$warmup" --print-every=0 \
    --summary="$work/$name.json" "${MPT_ARGS[@]}" > "$work/$name.out"
  "$@" /usr/bin/python3 "$root/bench/cpu/cpu_seconds.py" "$work/$name.short-cpu" -- \
    "$root/build/bin/mpt-run" "$root/bench/cpu/mlp.mlir" --threads=1 \
    --steps="$warmup" --print-every=0 "${MPT_ARGS[@]}" > "$work/$name.short.out"
  exchange_ms_per_step "$name"
  echo "$(samples_per_s "$work/$name.json") $(cpu_ms_per_step "$name")"
}
torch_ddp() {
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -W ignore \
    "$root/bench/cpu/torch_ddp.py" --ranks="$1" --steps="$steps" \
    --warmup="$warmup" |
    /usr/bin/python3 -c 'import json, sys; r = json.load(sys.stdin); print("%.0f %.2f" % (r["samples_per_s"], 1e3 * r["cpu_seconds_per_step"]))'
}
ratio() { /usr/bin/python3 -c "print(f'{$1 / $2:.2f}')"; }
# "best median" of the numbers in the arguments (best: the largest, or with
# --min the smallest).
best_median() {
  /usr/bin/python3 -c 'import statistics, sys
args = sys.argv[1:]
pick = min if args[0] == "--min" else max
v = [float(a) for a in args if a != "--min"]
print("%.6g %.6g" % (pick(v), statistics.median(v)))' "$@"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A runs cpus
measure() {
  local name=$1 result; shift
  result=$("$@")
  runs[$name]+=" ${result% *}"
  cpus[$name]+=" ${result#* }"
}
for ((i = 0; i < repeat; ++i)); do
  MPT_ARGS=()
  measure mpt1 mpt_run one
  measure mpt2 mpt_run two "${mpirun[@]}" -n "$ranks"
  MPT_ARGS=(--grad-comm-type=bf16)
  measure mpt2bf16 mpt_run two-bf16 "${mpirun[@]}" -n "$ranks"
  measure torch1 torch_ddp 1
  measure torch2 torch_ddp "$ranks"
done
declare -A best median cpu cpu_median
for name in "${!runs[@]}"; do
  read -r best[$name] median[$name] <<< "$(best_median ${runs[$name]})"
  read -r cpu[$name] cpu_median[$name] <<< "$(best_median --min ${cpus[$name]})"
done

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo "$(mpirun --version | head -1); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); $steps timed steps after $warmup, batch 256 per rank, 1 thread per rank, $repeat runs each"
echo "samples/s: global, of the wall time; CPU ms/step: of the busiest rank (the least of the runs); an idle machine with a core per rank would give ranks x (CPU ms/step of 1) / (CPU ms/step of N) over 1 rank"
row() { printf '%-34s %10s %10s %10s %12s %14s\n' "$@"; }
row run "best" "median" "vs 1 rank" "CPU ms/step" "idle estimate"
row "mpt-run, 1 process" "${best[mpt1]}" "${median[mpt1]}" 1.00 "${cpu[mpt1]}" 1.00
for name in mpt2 mpt2bf16; do
  label="mpt-run, $ranks ranks (MPI)"
  [ "$name" = mpt2 ] || label="mpt-run, $ranks ranks, bf16 grads"
  row "$label" "${best[$name]}" "${median[$name]}" "$(ratio "${best[$name]}" "${best[mpt1]}")" \
    "${cpu[$name]}" "$(ratio "$ranks * ${cpu[mpt1]}" "${cpu[$name]}")"
done
row "PyTorch DDP (gloo), 1 rank" "${best[torch1]}" "${median[torch1]}" 1.00 "${cpu[torch1]}" 1.00
row "PyTorch DDP (gloo), $ranks ranks" "${best[torch2]}" "${median[torch2]}" "$(ratio "${best[torch2]}" "${best[torch1]}")" \
  "${cpu[torch2]}" "$(ratio "$ranks * ${cpu[torch1]}" "${cpu[torch2]}")"
for name in two two-bf16; do
  if [ -s "$work/exchanges-$name" ]; then
    read -r least middle <<< "$(best_median --min $(cat "$work/exchanges-$name"))"
    echo "mpt-run, $ranks ranks ($name): rank 0 in exchanges $least ms per step (the least of the runs; median $middle)"
  fi
done
echo "mpt / PyTorch DDP at $ranks ranks: $(ratio "${best[mpt2]}" "${best[torch2]}") (best samples/s), $(ratio "${median[mpt2]}" "${median[torch2]}") (median), $(ratio "${cpu[torch2]}" "${cpu[mpt2]}") (CPU time per step)"
