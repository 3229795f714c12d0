// A fake cuBLASLt for checking what the runtime asks of it without a GPU:
// it prints, on stdout, the matrix layouts and the descriptor attributes
// the runtime sets, by name for those it uses, and the pointers and beta
// of each product; it computes nothing. Handles are dummies and every call
// succeeds. The heuristic finds an algorithm, except for the epilogue that
// $FAKE_CUBLASLT_NO_ALGORITHM names (BGRADA, say), as a library without a
// kernel for it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
using Status = int;
constexpr Status kSuccess = 0;
int handles[64];
int nextHandle = 0;
void *newHandle() { return &handles[nextHandle++ % 64]; }
/// The epilogue the last descriptor was given, by name: the runtime makes
/// one plan at a time.
const char *lastEpilogue = "DEFAULT";

/// cublasLtMatmulDescAttributes_t values, from cublasLt.h.
const char *attributeName(int attribute) {
  switch (attribute) {
  case 3:
    return "TRANSA";
  case 4:
    return "TRANSB";
  case 7:
    return "EPILOGUE";
  case 8:
    return "BIAS_POINTER";
  case 11:
    return "EPILOGUE_AUX_POINTER";
  case 12:
    return "EPILOGUE_AUX_LD";
  case 26:
    return "BIAS_DATA_TYPE";
  default:
    return nullptr;
  }
}

/// cublasLtEpilogue_t values, from cublasLt.h.
const char *epilogueName(int epilogue) {
  switch (epilogue) {
  case 1:
    return "DEFAULT";
  case 2:
    return "RELU";
  case 4:
    return "BIAS";
  case 6:
    return "RELU_BIAS";
  case 32:
    return "GELU";
  case 36:
    return "GELU_BIAS";
  case 160:
    return "GELU_AUX";
  case 164:
    return "GELU_AUX_BIAS";
  case 256:
    return "BGRADA";
  case 512:
    return "BGRADB";
  default:
    return "unknown";
  }
}

/// cudaDataType_t values, from library_types.h.
const char *typeName(int type) {
  switch (type) {
  case 0:
    return "f32";
  case 2:
    return "f16";
  case 14:
    return "bf16";
  default:
    return "unknown";
  }
}
} // namespace

extern "C" {
Status cublasLtCreate(void **handle) { return *handle = newHandle(), kSuccess; }
Status cublasLtDestroy(void *) { return kSuccess; }
const char *cublasLtGetStatusString(Status) { return "CUBLAS_STATUS_FAKE"; }
Status cublasLtMatmulDescCreate(void **desc, int, int) {
  return *desc = newHandle(), kSuccess;
}
Status cublasLtMatmulDescDestroy(void *) { return kSuccess; }
Status cublasLtMatmulDescSetAttribute(void *, int attribute, const void *value,
                                      size_t size) {
  const char *name = attributeName(attribute);
  if (!name) {
    std::printf("cublasLt: set attribute %d\n", attribute);
    return kSuccess;
  }
  int32_t word = 0;
  int64_t wide = 0;
  const void *pointer = nullptr;
  if (attribute == 8 || attribute == 11) {
    std::memcpy(&pointer, value, sizeof(pointer));
    std::printf("cublasLt: set %s = %p\n", name, pointer);
  } else if (size == sizeof(int64_t)) {
    std::memcpy(&wide, value, sizeof(wide));
    std::printf("cublasLt: set %s = %lld\n", name, (long long)wide);
  } else {
    std::memcpy(&word, value, sizeof(word));
    if (attribute == 7)
      lastEpilogue = epilogueName(word);
    std::printf("cublasLt: set %s = %s\n", name,
                attribute == 7    ? epilogueName(word)
                : attribute == 26 ? typeName(word)
                : word            ? "T"
                                  : "N");
  }
  return kSuccess;
}
Status cublasLtMatrixLayoutCreate(void **layout, int type, uint64_t rows,
                                  uint64_t cols, int64_t ld) {
  std::printf("cublasLt: layout %s %llux%llu ld %lld\n", typeName(type),
              (unsigned long long)rows, (unsigned long long)cols,
              (long long)ld);
  return *layout = newHandle(), kSuccess;
}
Status cublasLtMatrixLayoutDestroy(void *) { return kSuccess; }
Status cublasLtMatmulPreferenceCreate(void **preference) {
  return *preference = newHandle(), kSuccess;
}
Status cublasLtMatmulPreferenceDestroy(void *) { return kSuccess; }
Status cublasLtMatmulPreferenceSetAttribute(void *, int, const void *, size_t) {
  return kSuccess;
}
/// The result is cublasLtMatmulHeuristicResult_t, whose algorithm the
/// runtime copies and passes back without reading it.
Status cublasLtMatmulAlgoGetHeuristic(void *, void *, void *, void *, void *,
                                      void *, void *, int, void *result,
                                      int *found) {
  std::memset(result, 0, 96);
  const char *missing = std::getenv("FAKE_CUBLASLT_NO_ALGORITHM");
  *found = missing && std::strcmp(missing, lastEpilogue) == 0 ? 0 : 1;
  return kSuccess;
}
Status cublasLtMatmul(void *, void *, const void *, const void *a, void *,
                      const void *b, void *, const void *beta, const void *c,
                      void *, void *d, void *, const void *, void *, size_t,
                      void *) {
  float betaValue;
  std::memcpy(&betaValue, beta, sizeof(betaValue));
  std::printf("cublasLt: matmul A %p B %p C %p D %p beta %g\n", a, b, c, d,
              betaValue);
  return kSuccess;
}
}
