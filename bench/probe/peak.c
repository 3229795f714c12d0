// Peak arithmetic throughput of this CPU, per thread count: the ceiling the
// GEMM kernels are measured against (bench/cpu/run.sh).
//
//   peak [--threads N] [--seconds S]
//
// Each thread runs a register-only loop of independent multiply-adds, 24
// accumulators deep so that latency never limits it, for S seconds of wall
// time; the sums of all threads give GFLOP/s. Kernels:
//   fma512    vfmadd231ps zmm   (32 flops: 16 lanes x multiply-add)
//   fma256    vfmadd231ps ymm   (16 flops)
//   dpbf16    vdpbf16ps zmm     (64 flops: 16 lanes x 2 products, added)
//   amx-bf16  tdpbf16ps         (16 x 16 x 32 x 2 = 16384 flops)
// A kernel this CPU lacks (by CPUID, and for AMX by the kernel's grant of
// the tile registers) is reported as null. Prints one JSON object.
//
// Built by bench/cpu/run.sh with
//   cc -O2 -pthread bench/probe/peak.c -o peak
// (each kernel is compiled for its own target with function attributes).

#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef double (*KernelFn)(long iterations);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Each kernel returns a value derived from its accumulators so that the
// compiler cannot drop the loop, and the flops it did.
#define DEPTH 24

__attribute__((target("avx512f"))) static double fma512(long iterations) {
  __m512 acc[DEPTH];
  __m512 a = _mm512_set1_ps(1.0001f), b = _mm512_set1_ps(0.9999f);
  for (int i = 0; i < DEPTH; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 24
    for (int i = 0; i < DEPTH; ++i)
      acc[i] = _mm512_fmadd_ps(a, acc[i], b);
  float sum = 0;
  for (int i = 0; i < DEPTH; ++i)
    sum += _mm512_reduce_add_ps(acc[i]);
  return sum;
}

__attribute__((target("avx2,fma"))) static double fma256(long iterations) {
  __m256 acc[DEPTH];
  __m256 a = _mm256_set1_ps(1.0001f), b = _mm256_set1_ps(0.9999f);
  for (int i = 0; i < DEPTH; ++i)
    acc[i] = _mm256_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 24
    for (int i = 0; i < DEPTH; ++i)
      acc[i] = _mm256_fmadd_ps(a, acc[i], b);
  float lanes[8], sum = 0;
  for (int i = 0; i < DEPTH; ++i) {
    _mm256_storeu_ps(lanes, acc[i]);
    for (int l = 0; l < 8; ++l)
      sum += lanes[l];
  }
  return sum;
}

__attribute__((target("avx512f,avx512bf16"))) static double
dpbf16(long iterations) {
  __m512 acc[DEPTH];
  __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80); // bf16 1.0
  __m512bh b = (__m512bh)_mm512_set1_epi16(0x3c00); // bf16 2^-7
  for (int i = 0; i < DEPTH; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 24
    for (int i = 0; i < DEPTH; ++i)
      acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
  float sum = 0;
  for (int i = 0; i < DEPTH; ++i)
    sum += _mm512_reduce_add_ps(acc[i]);
  return sum;
}

#if defined(__clang__) && __clang_major__ >= 14 ||                             \
    defined(__GNUC__) && __GNUC__ >= 11
#define HAVE_AMX_INTRINSICS 1
struct TileConfig {
  unsigned char palette, startRow, reserved[14];
  unsigned short colsb[16];
  unsigned char rows[16];
};

__attribute__((target("amx-tile,amx-bf16"))) static double
amxbf16(long iterations) {
  struct TileConfig config;
  memset(&config, 0, sizeof config);
  config.palette = 1;
  for (int t = 0; t < 8; ++t) {
    config.rows[t] = 16;
    config.colsb[t] = 64;
  }
  _tile_loadconfig(&config);
  static __attribute__((aligned(64))) unsigned short ones[16 * 32];
  for (int i = 0; i < 16 * 32; ++i)
    ones[i] = 0x3c00;
  _tile_loadd(4, ones, 64);
  _tile_loadd(5, ones, 64);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  // Four independent accumulators, as the AMX kernel keeps.
  for (long it = 0; it < iterations; ++it) {
    _tile_dpbf16ps(0, 4, 5);
    _tile_dpbf16ps(1, 4, 5);
    _tile_dpbf16ps(2, 4, 5);
    _tile_dpbf16ps(3, 4, 5);
  }
  static __attribute__((aligned(64))) float out[16 * 16];
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}
#endif

struct Kernel {
  const char *name;
  KernelFn run;
  double flopsPerIteration;
  int available;
};

static int amxGranted(void) {
#if defined(HAVE_AMX_INTRINSICS)
  if (!__builtin_cpu_supports("amx-bf16"))
    return 0;
  // ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA.
  return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#else
  return 0;
#endif
}

struct Job {
  KernelFn run;
  long iterations;
  double sink;
};

static void *runJob(void *arg) {
  struct Job *job = arg;
  job->sink = job->run(job->iterations);
  return NULL;
}

// Flops per second of `threads` threads each running `iterations`.
static double measure(struct Kernel *kernel, int threads, long iterations) {
  pthread_t ids[256];
  struct Job jobs[256];
  double start = now();
  for (int t = 0; t < threads; ++t) {
    jobs[t] = (struct Job){kernel->run, iterations, 0};
    pthread_create(&ids[t], NULL, runJob, &jobs[t]);
  }
  for (int t = 0; t < threads; ++t)
    pthread_join(ids[t], NULL);
  double seconds = now() - start;
  return threads * iterations * kernel->flopsPerIteration / seconds;
}

int main(int argc, char **argv) {
  int threads = 1;
  double seconds = 0.5;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
      seconds = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--threads N] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  if (threads < 1 || threads > 256 || !(seconds > 0)) {
    fprintf(stderr, "peak: --threads must be 1 to 256 and --seconds > 0\n");
    return 2;
  }
  __builtin_cpu_init();
  struct Kernel kernels[] = {
    {"fma512", fma512, DEPTH * 32.0, __builtin_cpu_supports("avx512f")},
    {"fma256", fma256, DEPTH * 16.0,
     __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")},
    {"dpbf16", dpbf16, DEPTH * 64.0,
     __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16")},
#if defined(HAVE_AMX_INTRINSICS)
    {"amx-bf16", amxbf16, 4 * 16384.0, amxGranted()},
#endif
  };
  int count = sizeof kernels / sizeof kernels[0];
  printf("{\"threads\": %d", threads);
  for (int k = 0; k < count; ++k) {
    printf(", \"%s\": ", kernels[k].name);
    if (!kernels[k].available) {
      printf("null");
      continue;
    }
    // Calibrate the iterations to a tenth of the time, then measure the
    // best of three runs (other processes only ever slow a run down).
    long iterations = 1000;
    while (1) {
      double start = now();
      kernels[k].run(iterations);
      if (now() - start > seconds / 30 || iterations > (1L << 40))
        break;
      iterations *= 2;
    }
    double best = 0;
    for (int run = 0; run < 3; ++run) {
      double rate = measure(&kernels[k], threads, iterations);
      if (rate > best)
        best = rate;
    }
    printf("%.1f", best / 1e9);
  }
  printf("}\n");
  return 0;
}
