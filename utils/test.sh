#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#
#   utils/test.sh             build/ and the lit suite
#   utils/test.sh --sanitize  the same with AddressSanitizer and
#                             UndefinedBehaviorSanitizer, in build-sanitize/
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${1:-}" != "--sanitize" ]; then
  "$root/utils/setup.sh"
  ninja -C "$root/build" check-mpt
  exit 0
fi

"$root/utils/setup.sh" --no-build
build="$root/build-sanitize"
if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  # -O1: instrumented code compiles much faster, with the same checks.
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release -DMPT_ENABLE_SANITIZERS=ON "${launcher[@]}" \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
ninja -C "$build" check-mpt
