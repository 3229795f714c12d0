#!/usr/bin/env bash
# Builds the GPU benchmark bundle on a machine with MPT built (LLVM/MLIR 22
# and a CUDA toolkit): ahead-of-time trainers for the benchmark models,
# compiled for the GPU (and, for the trajectory check, for the CPU), plus
# the scripts that run and report them. The bundle needs only libcuda, a
# GPU and Python with PyTorch on the machine it runs on:
#
#   bench/gpu/build.sh [OUT]          # default: build/bench-gpu
#   scp -r build/bench-gpu gpu-host: && ssh gpu-host bench-gpu/run.sh
#
# Environment: BUILD (MPT's build directory, default build), CHIP (default
# sm_90), CUDA_HOME (default /usr/local/cuda), CXX (default clang++).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
out=${1:-$build/bench-gpu}
chip=${CHIP:-sm_90}
cuda=${CUDA_HOME:-/usr/local/cuda}
cxx=${CXX:-clang++}
llvm_bin=$(dirname "$(command -v mlir-translate || echo /usr/lib/llvm-22/bin/x)")
mpt_opt=$build/bin/mpt-opt

for needed in "$mpt_opt" "$llvm_bin/mlir-translate" "$llvm_bin/llc" \
              "$build/lib/libMPTCUDARuntime.a" \
              "$build/lib/Runtime/libMPTRuntime.a" \
              "$cuda/lib64/stubs/libcuda.so"; do
  [[ -e $needed ]] || { echo "build.sh: missing $needed (build MPT with a CUDA toolkit first)" >&2; exit 1; }
done
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# expand MODEL PRECISION: the differentiated step function, fp32 or mixed.
expand() {
  local model=$1 precision=$2
  if [[ $precision == fp32 ]]; then
    "$mpt_opt" "$model" --mpt-expand-train-step --mpt-differentiate
  else
    "$mpt_opt" "$model" --auto-mixed-precision=compute-type="$precision" \
        --mpt-differentiate
  fi
}

# trainer NAME STEP MODEL PRECISION DEVICE: compiles the step for DEVICE
# (gpu or cpu) and links it with trainer.cpp into $out/NAME.
trainer() {
  local name=$1 step=$2 model=$3 precision=$4 device=$5
  local lower defines libs
  if [[ $device == gpu ]]; then
    lower="--mpt-lower-to-nvvm=chip=$chip format=fatbin"
    defines=""
    libs="$build/lib/libMPTCUDARuntime.a -L$cuda/lib64/stubs -lcuda"
  else
    lower="--mpt-lower-to-llvm=threads=1"
    defines="-DMPT_BENCH_HOST"
    libs=""
  fi
  echo "building $name ($precision on the $device)"
  expand "$model" "$precision" > "$work/$name.mlir"
  "$mpt_opt" "$work/$name.mlir" "$lower" \
    | "$llvm_bin/mlir-translate" --mlir-to-llvmir \
    | "$llvm_bin/llc" -O3 -filetype=obj -relocation-model=pic -o "$work/$name.o"
  # shellcheck disable=SC2086
  "$cxx" -std=c++17 -O2 -I"$root/include" -DMPT_BENCH_STEP="$step" $defines \
    "$here/trainer.cpp" "$work/$name.o" "$build/lib/Runtime/libMPTRuntime.a" \
    $libs -lm -o "$out/$name"
}

# The trajectory check: the example MLP, the same run on the CPU and the GPU.
for precision in fp32 f16; do
  for device in cpu gpu; do
    trainer "mlp-$device-$precision" mlp "$root/examples/mlp.mlir" "$precision" "$device"
  done
done
# The timing: the 4096-wide 4-layer MLP at batch 8192.
for precision in fp32 f16 bf16; do
  trainer "mlp4096-gpu-$precision" mlp4096 "$here/mlp4096.mlir" "$precision" gpu
done

cp "$here/run.sh" "$here/torch_mlp.py" "$here/report.py" "$out/"
size=$(du -sm "$out" | cut -f1)
echo "bundle: $out (${size} MiB)"
if (( size >= 64 )); then
  echo "build.sh: the bundle is ${size} MiB, over the 64 MiB a GPU machine accepts" >&2
  exit 1
fi
