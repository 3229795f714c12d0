#!/usr/bin/env bash
# Builds the GPU benchmark bundle on a machine with MPT built (LLVM/MLIR 22
# and a CUDA toolkit): trainers emitted by `mpt-run --emit-trainer` for the
# benchmark models, for the GPU (and, for the trajectory check, for the
# CPU), plus the scripts that run and report them. The bundle needs only
# libcuda, a GPU and Python with PyTorch and NumPy on the machine it runs on
# (and, for the cuBLASLt runs, libcublasLt, which PyTorch's wheels bring):
#
#   bench/gpu/build.sh [OUT]          # default: build/bench-gpu
#   scp -r build/bench-gpu gpu-host: && ssh gpu-host bench-gpu/run.sh
#
# Environment: BUILD (MPT's build directory, default build). The GPU steps
# are compiled as mpt-run --device=cuda compiles them (--mpt-lower-to-nvvm
# with its defaults: a fatbin of an sm_90 cubin and the PTX, which a driver
# compiles for another GPU when the trainer first launches a kernel).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
out=${1:-$build/bench-gpu}
mpt_run=$build/bin/mpt-run

[[ -x $mpt_run ]] || { echo "build.sh: missing $mpt_run (build MPT first)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# trainer NAME MODEL PRECISION DEVICE [FLAGS...]: the trainer of MODEL's
# step in PRECISION for DEVICE (cpu or cuda), compiled with mpt-run's FLAGS,
# as $out/NAME.
trainer() {
  local name=$1 model=$2 precision=$3 device=$4
  shift 4
  echo "building $name ($precision on $device${*:+, $*})"
  "$mpt_run" "$model" --precision="$precision" --device="$device" "$@" \
      --emit-trainer="$work/$name" > /dev/null
  mv "$work/$name/trainer" "$out/$name"
}

# The trajectory check: the example MLP, the same run on the CPU and the GPU.
for precision in fp32 f16; do
  for device in cpu cuda; do
    trainer "mlp-$device-$precision" "$root/examples/mlp.mlir" "$precision" "$device"
  done
done
# The NCCL check: the example MLP's data-parallel GPU trainer, run as the
# one rank of a job (torchrun's environment: no MPI needed).
trainer mlp-cuda-fp32-dp "$root/examples/mlp.mlir" fp32 cuda --data-parallel
# The timing: the 4096-wide 4-layer MLP at batch 8192, with the generated
# kernels for sm_90 (the default), and in mixed precision also with its
# matrix products as cuBLASLt calls and on Hopper's wgmma kernels.
for precision in fp32 f16 bf16; do
  trainer "mlp4096-cuda-$precision" "$here/mlp4096.mlir" "$precision" cuda
done
for precision in f16 bf16; do
  trainer "mlp4096-cuda-$precision-cublaslt" "$here/mlp4096.mlir" "$precision" cuda \
      --gpu-gemm=cublaslt
  trainer "mlp4096-cuda-$precision-wgmma" "$here/mlp4096.mlir" "$precision" cuda \
      --gpu-chip=sm_90a
done
# ... and a transformer block at width 1024, 16 heads, sequence 512, batch 16.
/usr/bin/python3 "$root/bench/cpu/models.py" transformer --batch 16 --seq 512 \
    --width 1024 --heads 16 --mlp 4096 > "$work/transformer1024.mlir"
for precision in fp32 f16 bf16; do
  trainer "transformer1024-cuda-$precision" "$work/transformer1024.mlir" "$precision" cuda
done
trainer "transformer1024-cuda-f16-cublaslt" "$work/transformer1024.mlir" f16 cuda \
    --gpu-gemm=cublaslt

cp "$here/run.sh" "$here/torch_gpu.py" "$here/report.py" \
    "$root/bench/cpu/torch_models.py" "$out/"
size=$(du -sm "$out" | cut -f1)
echo "bundle: $out (${size} MiB)"
if (( size >= 64 )); then
  echo "build.sh: the bundle is ${size} MiB, over the 64 MiB a GPU machine accepts" >&2
  exit 1
fi
