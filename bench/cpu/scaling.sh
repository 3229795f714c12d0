#!/usr/bin/env bash
# Scaling study of the CPU benchmark MLP (bench/cpu/models.py mlp): hidden
# width 256 -> 4096 at batch 256, and batch 32 -> 2048 at width 1024;
# mpt-run against PyTorch side by side (bench/cpu/scaling.py), fp32 and
# bf16. Writes a Markdown table and a PNG plot of the MPT/PyTorch ratio and
# the absolute steps/s.
#
#   bench/cpu/scaling.sh [--threads 1] [--reps 3] [--out docs/cpu-scaling]
#
# Writes OUT.md and OUT.png (default docs/cpu-scaling.*).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ -x "$root/build/bin/mpt-run" ] || "$root/utils/setup.sh"
/usr/bin/python3 -c 'import torch, matplotlib' 2>/dev/null || {
  echo "scaling.sh: needs Debian's python3-torch and python3-matplotlib" >&2
  exit 1
}
exec /usr/bin/python3 "$root/bench/cpu/scaling.py" "$@"
