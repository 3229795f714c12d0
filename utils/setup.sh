#!/usr/bin/env bash
# Installs what MPT needs on Debian 12 (idempotent: installs only what is
# missing) and configures + builds it in build/.
#
#   utils/setup.sh            install and build
#   utils/setup.sh --no-build install only
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# libonnx-dev and libprotobuf-dev build mpt-import; PyTorch, scikit-learn,
# ONNX and matplotlib run the examples, their end-to-end tests and the plots;
# libclang-rt-14-dev holds the sanitizer and libFuzzer runtimes.
packages=(build-essential cmake ninja-build clang libclang-rt-14-dev python3
          python3-numpy python3-pip llvm-22-dev llvm-22-tools libmlir-22-dev
          mlir-22-tools libomp-dev libonnx-dev libprotobuf-dev protobuf-compiler
          python3-onnx python3-torch python3-sklearn python3-matplotlib)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "mpt setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "mpt setup: all packages present"
fi

# With a CUDA toolkit, the SASS tests disassemble the kernels with
# cuobjdump; CUDA 13's toolkit may come without it, and PyPI has it
# (nvidia-cuda-cuobjdump, with nvidia-cuda-nvdisasm), installed here into
# .cache/cuda-tools, where test/lit.cfg.py looks.
cuda_bin=${CUDA_HOME:-/usr/local/cuda}/bin
cuda_tools="$root/.cache/cuda-tools"
if [ -x "$cuda_bin/ptxas" ] && [ ! -x "$cuda_bin/cuobjdump" ] &&
   ! command -v cuobjdump > /dev/null &&
   ! compgen -G "$cuda_tools/nvidia/*/bin/cuobjdump" > /dev/null; then
  echo "mpt setup: installing cuobjdump and nvdisasm from PyPI into $cuda_tools"
  python3 -m pip install --quiet --target "$cuda_tools" \
      nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm ||
    echo "mpt setup: warning: no cuobjdump; the SASS tests will be skipped" >&2
fi

[ "${1:-}" = "--no-build" ] && exit 0

build="$root/build"
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
ninja -C "$build"
