#!/usr/bin/env bash
# CPU training benchmark: mpt-run against PyTorch on this machine, side by
# side (bench/cpu/run.py): the benchmark MLP (256 -> 1024 -> 1024 -> 1,
# batch 256, SGD) and a transformer block (batch 8 x 128 tokens, width 256,
# 4 heads, MLP 1024, Adam), fp32/bf16/f16, at 1 and 2 threads, with the
# medians and spreads of interleaved repetitions; then the activation
# memory of each precision against fp32, and the GEMM efficiency against
# the peak that bench/probe/peak.c measures. PyTorch's CPU autocast has no
# f16: its f16 rows are n/a.
#
#   bench/cpu/run.sh [--threads 1,2] [--reps 5] [--steps 40] [--models mlp,transformer]
#                    [--precisions fp32,bf16,f16] [--mpt-run PATH] [--json FILE]
#
# Installs Debian's python3-torch and libopenblas0-pthread when missing (the
# reference), builds MPT if needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

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

probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
cc -O2 -pthread "$root/bench/probe/peak.c" -o "$probe_dir/peak"

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
/usr/bin/python3 "$root/bench/cpu/run.py" --peak "$probe_dir/peak" "$@"
