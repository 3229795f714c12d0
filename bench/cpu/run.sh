#!/usr/bin/env bash
# CPU training benchmark: mpt-run vs PyTorch on the same machine, same model
# (bench/cpu/mlp.mlir, 256 -> 1024 -> 1024 -> 1, batch 256, SGD), same thread
# count, run one after the other. Prints steps/s and the ratio mpt/PyTorch
# for fp32, bf16 and f16 (PyTorch's CPU autocast only supports bf16; its f16
# row is reported as unavailable).
#
#   bench/cpu/run.sh [--threads N] [--steps N]
#
# Installs Debian's python3-torch and libopenblas0-pthread when missing (the
# reference), builds MPT if needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
threads=1
steps=60
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) echo "usage: $0 [--threads N] [--steps N]" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in python3-torch libopenblas0-pthread; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
[ -x "$root/build/bin/mpt-run" ] || "$root/utils/setup.sh"

batch=256
mpt_steps_per_s() {
  local samples
  samples=$("$root/build/bin/mpt-run" --precision="$1" --steps="$steps" \
      --print-every=0 --threads="$threads" "$root/bench/cpu/mlp.mlir" |
    awk '/throughput/ {print $2}')
  python3 -c "print(f'{$samples / $batch:.2f}')"
}
# PyTorch does its GEMMs in OpenBLAS (pthreads) and the rest on its own
# intra-op threads; both share the thread budget. With 2 threads the best
# split here is 1 intra-op thread and 2 BLAS threads (2 + 2 oversubscribes
# the cores), so the reference gets the best of both splits.
torch_steps_per_s() {
  local best="n/a" intra result
  for intra in 1 "$threads"; do
    result=$(OMP_NUM_THREADS=$intra OPENBLAS_NUM_THREADS=$threads \
        /usr/bin/python3 -W ignore "$root/bench/cpu/torch_mlp.py" \
        --precision="$1" --steps="$steps" --threads="$intra" |
      /usr/bin/python3 -c 'import json, sys; r = json.load(sys.stdin); s = r.get("steps_per_s"); print("n/a" if s is None else "%.2f" % s)')
    if [ "$best" = "n/a" ] || { [ "$result" != "n/a" ] &&
        python3 -c "import sys; sys.exit(0 if $result > $best else 1)"; }; then
      best=$result
    fi
  done
  echo "$best"
}

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), threads $threads, $steps steps"
echo "torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
printf '%-6s %12s %14s %8s\n' precision "mpt steps/s" "torch steps/s" ratio
for precision in fp32 bf16 f16; do
  mpt=$(mpt_steps_per_s "$precision")
  torch=$(torch_steps_per_s "$precision")
  if [ "$torch" = "n/a" ]; then
    ratio="n/a"
  else
    ratio=$(python3 -c "print(f'{$mpt / $torch:.2f}')")
  fi
  printf '%-9s %12s %14s %8s\n' "$precision" "$mpt" "$torch" "$ratio"
done
