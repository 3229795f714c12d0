# -*- Python -*-
"""lit configuration of the MPT regression suite."""

import os

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MPT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mpt_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mpt_src_root", config.mpt_src_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.mpt_tools_dir, config.llvm_tools_dir]
tools = ["mpt-opt", "mpt-run", "mpt-runtime-test", "mpt-import", "mpt-fuzz-compile",
         "mpt-fuzz-readers", "mpt-fuzz-import"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Debian's Python, which has NumPy and (when installed) PyTorch, scikit-learn
# and ONNX; the `python3` first on PATH may be another interpreter. `torch`:
# the end-to-end tests that export models with PyTorch can run.
import subprocess

debian_python = "/usr/bin/python3"
config.substitutions.append(("%debian_python", debian_python))
if (
    os.path.exists(debian_python)
    and subprocess.run(
        [debian_python, "-c", "import torch, onnx, sklearn"],
        capture_output=True,
    ).returncode
    == 0
):
    config.available_features.add("torch")
if (
    os.path.exists(debian_python)
    and subprocess.run(
        [debian_python, "-c", "import matplotlib"], capture_output=True
    ).returncode
    == 0
):
    config.available_features.add("matplotlib")

# mpt-run keeps compiled steps in a compile cache. The suite uses one of its
# own, emptied when the suite starts, and never writes into the user's.
import shutil

mpt_cache_dir = os.path.join(config.test_exec_root, "mpt-cache")
shutil.rmtree(mpt_cache_dir, ignore_errors=True)
config.environment["MPT_CACHE_DIR"] = mpt_cache_dir
config.environment.pop("MPT_CACHE_MAX_SIZE", None)

# `not`, `count` and `split-file` come from LLVM's tools directory.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# The NVIDIA GPU back end. `ptxas`: the CUDA toolkit's PTX assembler is
# installed, so the tests assemble the generated kernels for real;
# `cuda-runtime`: MPT's CUDA runtime was built and a C++ compiler is at hand,
# so compiled steps can be linked into programs; `cuda-device`: a GPU is
# present, so those programs run.
import shutil
import subprocess

cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
ptxas = shutil.which("ptxas") or shutil.which(
    "ptxas", path=os.path.join(cuda_home, "bin")
)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
cuda_runtime = os.path.join(config.mpt_obj_root, "lib", "libMPTCUDARuntime.a")
host_cxx = shutil.which("clang++") or shutil.which("c++")
if os.path.exists(cuda_runtime) and host_cxx:
    config.available_features.add("cuda-runtime")
    config.substitutions.append(("%host_cxx", host_cxx))
    config.substitutions.append(("%mpt_lib", os.path.dirname(cuda_runtime)))
    config.substitutions.append(
        ("%cuda_stubs", os.path.join(cuda_home, "lib64", "stubs"))
    )

# `cuobjdump`: the CUDA binary disassembler, to test the SASS that ptxas
# makes of the kernels. The toolkit has it, or the PyPI package
# nvidia-cuda-cuobjdump, which utils/setup.sh installs into .cache/ (or
# into the site-packages of the python3 first on PATH).
def find_cuda_tool(name):
    candidates = [
        shutil.which(name),
        shutil.which(name, path=os.path.join(cuda_home, "bin")),
    ]
    package_roots = [os.path.join(config.mpt_src_root, ".cache", "cuda-tools")]
    python = shutil.which("python3")
    if python:
        probe = subprocess.run(
            [python, "-c", "import nvidia; print(*nvidia.__path__, sep='\\n')"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0:
            package_roots += [os.path.dirname(p) for p in probe.stdout.split()]
    for root in package_roots:
        nvidia = os.path.join(root, "nvidia")
        if os.path.isdir(nvidia):
            for release in sorted(os.listdir(nvidia)):
                candidates.append(os.path.join(nvidia, release, "bin", name))
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


cuobjdump = find_cuda_tool("cuobjdump")
if cuobjdump:
    config.available_features.add("cuobjdump")
    config.substitutions.append(("%cuobjdump", cuobjdump))

nvidia_smi = shutil.which("nvidia-smi")
if nvidia_smi:
    probe = subprocess.run([nvidia_smi, "-L"], capture_output=True, text=True)
    if probe.returncode == 0 and "GPU" in probe.stdout:
        config.available_features.add("cuda-device")

# `asan`: the tools are built with AddressSanitizer and
# UndefinedBehaviorSanitizer (utils/test.sh --sanitize). A test that cannot
# run so says `UNSUPPORTED: asan`, with the reason.
# LLVM's headers poison BumpPtrAllocator slabs by hand in instrumented code,
# which libMLIR is not: reads through libMLIR's inline fast paths would be
# reported falsely, so manual poisoning is off.
if lit.util.pythonize_bool(config.mpt_sanitizers):
    config.available_features.add("asan")
    config.environment["ASAN_OPTIONS"] = ":".join(
        filter(None, [os.environ.get("ASAN_OPTIONS"), "allow_user_poisoning=0"])
    )
    config.environment["UBSAN_OPTIONS"] = ":".join(
        filter(None, [os.environ.get("UBSAN_OPTIONS"), "print_stacktrace=1"])
    )

# `amx`: the CPU has AMX with bf16 and the kernel grants a process the tile
# registers, so steps compiled for AMX run here.
def amx_available():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            if "amx_bf16" not in cpuinfo.read().split():
                return False
        import ctypes

        arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata = 158, 0x1023, 18
        libc = ctypes.CDLL(None, use_errno=True)
        return (
            libc.syscall(arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata) == 0
        )
    except OSError:
        return False


if amx_available():
    config.available_features.add("amx")

# `mpi`: Open MPI's launcher and MPT's MPI backend are there, so tests run
# data-parallel jobs: `%mpirun -n 2 mpt-run ...` (oversubscribed, so two
# ranks run on any machine, and allowed as root, which containers often are).
mpi_backend = os.path.join(config.mpt_obj_root, "lib", "libMPTCommMPI.so")
mpirun = shutil.which("mpirun")
if mpirun and os.path.exists(mpi_backend):
    config.available_features.add("mpi")
    launch = mpirun + " --oversubscribe --allow-run-as-root"
    # Open MPI's components leak at MPI_Finalize, from libraries it has
    # unloaded by then, so no suppression can name them: the ranks of a
    # sanitized job check everything but leaks (one process still does).
    if "ASAN_OPTIONS" in config.environment:
        launch += " -x ASAN_OPTIONS=" + config.environment["ASAN_OPTIONS"]
        launch += ":detect_leaks=0"
    config.substitutions.append(("%mpirun", launch))

# `avx512-bf16`: the CPU has the AVX512-BF16 dot product (vdpbf16ps), which
# mpt-run then uses for bf16 GEMMs.
def cpu_flags():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return set(cpuinfo.read().split())
    except OSError:
        return set()


if "avx512_bf16" in cpu_flags():
    config.available_features.add("avx512-bf16")
