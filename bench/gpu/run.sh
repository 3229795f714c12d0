#!/usr/bin/env bash
# The GPU benchmark, on a machine with an NVIDIA GPU, its driver, and
# Python with PyTorch and NumPy (no LLVM/MLIR: the trainers were emitted
# by build.sh, next to which this script is copied).
#
#  1. trajectory: the example MLP trained for 50 steps on the CPU and on
#     the GPU, fp32 and f16 mixed precision, must give the same losses;
#     with non-finite gradients injected at steps 3, 4 and 20 (f16), the
#     same steps must be skipped with the same loss scales;
#  2. NCCL: the example MLP's data-parallel trainer as the one rank of a
#     job (RANK=0, WORLD_SIZE=1, torchrun's environment: no MPI) reduces
#     its gradients through NCCL, and must train as the trainer of one
#     process does (to 1e-5 per step, the same skips and scales);
#  3. timing: the 4096-wide 4-layer MLP at batch 8192 and a transformer
#     block (width 1024, 16 heads, sequence 512, batch 16), MPT in fp32,
#     f16 and bf16 mixed precision (the MLP also with CUDA graphs off, with
#     cuBLASLt, and on the wgmma kernels; the block also with cuBLASLt),
#     against PyTorch fp32 and AMP (autocast with GradScaler for f16,
#     autocast for bf16), with each step's memory, and the throughput of
#     the step's matrix products against the GPU's bf16 peak (a PyTorch
#     matrix product of 8192 x 8192 x 8192).
#     Both train on one fixed random batch; MPT's trainers read it from
#     .npy files of exactly one batch, which they upload once.
#
# Results (CSV trajectories, the trainers' JSON summaries and logs) go to
# ./results; the exit status is non-zero when a check or a run fails. STEPS
# and WARMUP set the timed steps and the warm-up steps before them (default
# 20 and 3); RUN_TIMEOUT the seconds one run may take (default 150).
set -uo pipefail
cd "$(dirname "$0")"
steps=${STEPS:-20}
warmup=${WARMUP:-3}
run_timeout=${RUN_TIMEOUT:-150}
mkdir -p results
status=0

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
# cuBLASLt for the --gpu-gemm=cublaslt trainers and NCCL for the
# data-parallel one: the system's, or the ones PyTorch's wheels bring.
library_dirs=$(python3 -c "
import glob, os
import nvidia
print(':'.join(sorted({os.path.dirname(p) for root in nvidia.__path__
    for name in ('libcublasLt.so*', 'libnccl.so*')
    for p in glob.glob(os.path.join(root, '*', 'lib', name))})))
" 2>/dev/null)
export LD_LIBRARY_PATH=${library_dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# run LOG COMMAND...: runs COMMAND under the timeout, its output in LOG; a
# failure is reported with the end of the log and fails the benchmark.
run() {
  local log=$1
  shift
  if ! timeout "$run_timeout" "$@" > "$log" 2>&1; then
    echo "FAIL: $* (exit $?), the end of $log:"
    tail -5 "$log"
    status=1
  fi
}

echo "== trajectory: CPU vs GPU, examples/mlp.mlir, 50 steps"
for precision in fp32 f16; do
  for device in cpu cuda; do
    run results/mlp-$device-$precision.log ./mlp-$device-$precision \
        --steps=50 --print-every=0 --metrics=results/mlp-$device-$precision.csv
  done
  # The GPU sums in another order (and, in f16, rounds elsewhere): fp32
  # agrees to ~1e-6 per step, and the differences grow slowly with steps.
  rtol=$([[ $precision == fp32 ]] && echo 1e-4 || echo 2e-2)
  python3 report.py trajectory results/mlp-cpu-$precision.csv \
      results/mlp-cuda-$precision.csv --rtol "$rtol" || status=1
done

echo "== overflow: f16 with non-finite gradients injected at steps 3, 4, 20"
for device in cpu cuda; do
  run results/overflow-$device.log ./mlp-$device-f16 --steps=50 --print-every=0 \
      --inject-nonfinite-grad-at=3,4,20 --metrics=results/overflow-$device.csv
done
python3 report.py trajectory results/overflow-cpu.csv results/overflow-cuda.csv \
    --rtol 2e-2 --same skipped,loss_scale || status=1

echo "== NCCL: one rank under torchrun's environment, examples/mlp.mlir, 50 steps"
# ncclCommInitRank with a world of one, then an identity reduction per
# bucket: the same trajectory as the trainer of one process (to rounding:
# the reduction's call sits between kernels that fuse without it).
run results/mlp-nccl-fp32.log env RANK=0 WORLD_SIZE=1 \
    ./mlp-cuda-fp32-dp --steps=50 --print-every=0 \
    --metrics=results/mlp-nccl-fp32.csv
if grep -q "data parallel: 1 rank (one rank, torchrun environment)" results/mlp-nccl-fp32.log; then
  python3 report.py trajectory results/mlp-cuda-fp32.csv \
      results/mlp-nccl-fp32.csv --rtol 1e-5 --same skipped,loss_scale || status=1
else
  echo "FAIL: mlp-cuda-fp32-dp did not run as a data-parallel job of one rank"
  tail -5 results/mlp-nccl-fp32.log
  status=1
fi

echo "== peak: bf16 matrix product 8192 x 8192 x 8192"
python3 -c "
import json, time, torch
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
b = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
for _ in range(3):
    a @ b
torch.cuda.synchronize()
start = time.perf_counter()
for _ in range(10):
    a @ b
torch.cuda.synchronize()
tflops = 10 * 2 * 8192 ** 3 / (time.perf_counter() - start) / 1e12
print(json.dumps({'tflops': tflops, 'device': torch.cuda.get_device_name(),
                  'torch': torch.__version__}))
" > results/peak.json || status=1
cat results/peak.json

# timing MODEL TORCH_ARGS VARIANTS TRAINER_ARGS: MPT's trainers
# MODEL-cuda-VARIANT (a VARIANT nographs runs the f16 one with
# --cuda-graphs=false) and PyTorch at each precision, summaries in
# results/MODEL.
timing() {
  local model=$1 torch_args=$2 variants=$3
  shift 3
  mkdir -p results/$model
  for variant in $variants; do
    local trainer=./$model-cuda-$variant flags=()
    if [[ $variant == *-nographs ]]; then
      trainer=./$model-cuda-${variant%-nographs}
      flags=(--cuda-graphs=false)
    fi
    run results/$model/mpt-$variant.log "$trainer" "$@" "${flags[@]}" \
        --shuffle=false --steps=$((warmup + steps)) --warmup="$warmup" \
        --print-every=0 --metrics=results/$model/mpt-$variant.csv \
        --summary=results/$model/mpt-$variant.json
    # A cuBLASLt trainer falls back to its generated kernels, with a
    # warning, where cuBLASLt cannot run its products: its row is then not
    # cuBLASLt's.
    if grep -q "instead of cuBLASLt" results/$model/mpt-$variant.log; then
      echo "NOTE: $model $variant ran MPT's generated kernels:"
      grep "instead of cuBLASLt" results/$model/mpt-$variant.log
    fi
  done
  for precision in fp32 f16 bf16; do
    # shellcheck disable=SC2086
    run results/$model/pytorch-$precision.log python3 torch_gpu.py $torch_args \
        --precision=$precision --steps="$steps" --warmup="$warmup" \
        --summary=results/$model/pytorch-$precision.json
  done
}

echo "== timing: 4096-wide 4-layer MLP, batch 8192, $steps steps after $warmup"
python3 -c "
import numpy as np
rng = np.random.default_rng(0)
for name in ('x', 'y'):
    np.save(f'results/{name}.npy', rng.standard_normal((8192, 4096), dtype=np.float32))
"
timing mlp4096 mlp \
    "fp32 f16 bf16 f16-nographs f16-cublaslt bf16-cublaslt f16-wgmma bf16-wgmma" \
    --data=results/x.npy,results/y.npy

echo "== timing: transformer block, width 1024, 16 heads, sequence 512, batch 16"
python3 -c "
import numpy as np
rng = np.random.default_rng(0)
np.save('results/x.npy', rng.standard_normal((16, 512, 1024), dtype=np.float32))
np.save('results/y.npy', rng.standard_normal((16, 512, 1), dtype=np.float32))
"
timing transformer1024 transformer "fp32 f16 bf16 f16-cublaslt" \
    --data=results/x.npy,results/y.npy --scalar=inv_sqrt_head_dim=0.125
rm -f results/x.npy results/y.npy

# The flops of one step's matrix products. The MLP: 4 layers of 8192 x
# 4096 x 4096, each forward, weight gradient and (but the first) input
# gradient. The block, per token: q, k, v, o (4 x 1024^2), the MLP (2 x
# 1024 x 4096) and the head, the scores and context of 16 heads over 512
# positions (2 x 512 x 1024), all three times (no input gradient of x's
# layer norm is a product).
mlp_flops=$((2 * 8192 * 4096 * 4096 * (4 * 3 - 1)))
tokens=$((16 * 512))
block_flops=$((3 * 2 * tokens * (4 * 1024 * 1024 + 2 * 1024 * 4096 + 1024 + 2 * 512 * 1024)))
echo "== results (step memory: what one step allocates beyond the model,"
echo "   its inputs and the optimizer state; MPT keeps two copies of the"
echo "   state, read and written, outside of it)"
python3 report.py table results --gemm-flops mlp4096=$mlp_flops \
    --gemm-flops transformer1024=$block_flops
exit $status
