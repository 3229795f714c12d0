#!/usr/bin/env bash
# The GPU benchmark, on a machine with an NVIDIA GPU, its driver, and
# Python with PyTorch and NumPy (no LLVM/MLIR: the trainers were emitted
# by build.sh, next to which this script is copied).
#
#  1. trajectory: the example MLP trained for 50 steps on the CPU and on
#     the GPU, fp32 and f16 mixed precision, must give the same losses;
#     with non-finite gradients injected at steps 3, 4 and 20 (f16), the
#     same steps must be skipped with the same loss scales;
#  2. timing: the 4096-wide 4-layer MLP at batch 8192, MPT in fp32, f16
#     and bf16 mixed precision, against PyTorch fp32 and AMP (autocast with
#     GradScaler for f16, autocast for bf16), with each step's memory.
#     Both train on one fixed random batch; MPT's trainers read it from a
#     .npy file of exactly one batch, which they upload once.
#
# Results (CSV trajectories, the trainers' JSON summaries) go to
# ./results; the exit status is non-zero when a trajectory check fails.
# STEPS and WARMUP set the timed steps and the warm-up steps before them
# (default 20 and 3).
set -euo pipefail
cd "$(dirname "$0")"
steps=${STEPS:-20}
warmup=${WARMUP:-3}
mkdir -p results

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

echo "== trajectory: CPU vs GPU, examples/mlp.mlir, 50 steps"
status=0
for precision in fp32 f16; do
  for device in cpu cuda; do
    ./mlp-$device-$precision --steps=50 --print-every=0 \
        --metrics=results/mlp-$device-$precision.csv > /dev/null
  done
  # The GPU sums in another order (and, in f16, rounds elsewhere): fp32
  # agrees to ~1e-6 per step, and the differences grow slowly with steps.
  rtol=$([[ $precision == fp32 ]] && echo 1e-4 || echo 2e-2)
  python3 report.py trajectory results/mlp-cpu-$precision.csv \
      results/mlp-cuda-$precision.csv --rtol "$rtol" || status=1
done

echo "== overflow: f16 with non-finite gradients injected at steps 3, 4, 20"
for device in cpu cuda; do
  ./mlp-$device-f16 --steps=50 --print-every=0 --inject-nonfinite-grad-at=3,4,20 \
      --metrics=results/overflow-$device.csv > /dev/null
done
python3 report.py trajectory results/overflow-cpu.csv results/overflow-cuda.csv \
    --rtol 2e-2 --same skipped,loss_scale || status=1

echo "== timing: 4096-wide 4-layer MLP, batch 8192, $steps steps after $warmup"
python3 -c "
import numpy as np
rng = np.random.default_rng(0)
for name in ('x', 'y'):
    np.save(f'results/{name}.npy', rng.standard_normal((8192, 4096), dtype=np.float32))
"
for precision in fp32 f16 bf16; do
  ./mlp4096-cuda-$precision --data=results/x.npy,results/y.npy --shuffle=false \
      --steps=$((warmup + steps)) --warmup="$warmup" --print-every=0 \
      --metrics=results/mpt-$precision.csv --summary=results/mpt-$precision.json
  python3 torch_mlp.py --precision=$precision --steps="$steps" \
      --warmup="$warmup" --summary=results/pytorch-$precision.json
done
rm -f results/x.npy results/y.npy

echo "== results (step memory: what one step allocates beyond the model,"
echo "   its inputs and the optimizer state; MPT keeps two copies of the"
echo "   state, read and written, outside of it)"
python3 report.py table results
exit $status
