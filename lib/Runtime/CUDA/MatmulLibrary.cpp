//===- MatmulLibrary.cpp - Matrix products through cuBLASLt ---------------===//
//
// Steps compiled with `--mpt-lower-to-nvvm{gemm=cublaslt}` call
// mptCublasLtMatmul for the matrix products cuBLASLt can do. The library is
// opened with dlopen by prepareMatmulPlans (or loadMatmulLibrary, or the
// first product), so that programs not using it, and the ones that do until
// they need it, run where only the driver is installed. Its headers are
// used for types and constants only; nothing links against it.
//
// A trainer gives prepareMatmulPlans the table of its step's products at
// start-up, which makes every plan (descriptors, layouts, algorithm) before
// the first step: a product cuBLASLt cannot compute is known then, and the
// trainer runs the step's generated variant instead.
//
// Row-major matrices are column-major transposed: out = L R in row-major
// is out^T = R^T L^T in column-major, so cuBLASLt's A is the right operand
// and its B the left one, with the same transposition flags. So the bias
// gradient of the right operand, a sum over k, is cuBLASLt's BGRADA, which
// takes a non-transposed A, and that of the left one BGRADB, which takes
// a transposed B; the GELU input stored aside is n x m column-major, with
// n as its leading dimension.
//
// Epilogues come as MptMatmulEpilogue codes, not cuBLASLt's, so that
// compiled steps do not depend on cuBLASLt's headers; mptCublasLtMatmul,
// the entry point of steps compiled before epilogues other than the bias
// existed, is the one without.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include "mpt/Runtime/CUDA.h"

#include <cublasLt.h>
#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <tuple>

using namespace mpt::runtime;
using namespace mpt::runtime::cuda::detail;

namespace {

/// The cuBLASLt functions the runtime calls, resolved with dlsym.
struct CublasLtFunctions {
  decltype(&cublasLtCreate) create;
  decltype(&cublasLtDestroy) destroy;
  decltype(&cublasLtGetStatusString) statusString;
  decltype(&cublasLtMatmulDescCreate) descCreate;
  decltype(&cublasLtMatmulDescDestroy) descDestroy;
  decltype(&cublasLtMatmulDescSetAttribute) descSetAttribute;
  decltype(&cublasLtMatrixLayoutCreate) layoutCreate;
  decltype(&cublasLtMatrixLayoutDestroy) layoutDestroy;
  decltype(&cublasLtMatmulPreferenceCreate) preferenceCreate;
  decltype(&cublasLtMatmulPreferenceDestroy) preferenceDestroy;
  decltype(&cublasLtMatmulPreferenceSetAttribute) preferenceSetAttribute;
  decltype(&cublasLtMatmulAlgoGetHeuristic) algoGetHeuristic;
  decltype(&cublasLtMatmul) matmul;
};

/// What the descriptors and algorithm of a product depend on: element
/// types, transpositions, m, n, k, whether it adds a bias and its epilogue
/// (beta is an argument of each product).
using ShapeKey = std::tuple<int32_t, int32_t, int32_t, int32_t, int64_t,
                            int64_t, int64_t, bool, int32_t>;

/// A product's descriptors and algorithm, made on its first call.
struct MatmulPlan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo;
};

/// cuBLASLt's workspace: 32 MiB, as its documentation recommends for Hopper.
constexpr size_t kWorkspaceBytes = size_t(32) << 20;

struct MatmulLibrary {
  std::mutex mutex;
  void *library = nullptr;
  CublasLtFunctions functions;
  cublasLtHandle_t handle = nullptr;
  void *workspace = nullptr;
  std::map<ShapeKey, MatmulPlan> plans;
};

MatmulLibrary &matmulLibrary() {
  static MatmulLibrary *library = new MatmulLibrary;
  return *library;
}

/// The library names to try, in order.
std::vector<std::string> candidateNames(const std::string &library) {
  if (!library.empty())
    return {library};
  if (const char *path = std::getenv("MPT_CUBLASLT_LIBRARY"); path && *path)
    return {path};
  return {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"};
}

/// Opens the library and resolves its functions; called with the mutex
/// held. Returns the error message, empty on success.
std::string openLibrary(MatmulLibrary &lt, const std::string &library) {
  if (lt.library)
    return "";
  std::vector<std::string> names = candidateNames(library);
  std::string failures;
  void *opened = nullptr;
  for (const std::string &name : names) {
    opened = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (opened)
      break;
    const char *why = dlerror();
    failures += "\n  " + (why ? std::string(why) : name);
  }
  if (!opened)
    return "cannot load the cuBLASLt library, which the products of steps "
           "compiled with gemm=cublaslt call:" +
           failures;
  CublasLtFunctions &f = lt.functions;
  const char *missing = nullptr;
  auto resolve = [&](auto &function, const char *name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(
        dlsym(opened, name));
    if (!function && !missing)
      missing = name;
  };
  resolve(f.create, "cublasLtCreate");
  resolve(f.destroy, "cublasLtDestroy");
  resolve(f.statusString, "cublasLtGetStatusString");
  resolve(f.descCreate, "cublasLtMatmulDescCreate");
  resolve(f.descDestroy, "cublasLtMatmulDescDestroy");
  resolve(f.descSetAttribute, "cublasLtMatmulDescSetAttribute");
  resolve(f.layoutCreate, "cublasLtMatrixLayoutCreate");
  resolve(f.layoutDestroy, "cublasLtMatrixLayoutDestroy");
  resolve(f.preferenceCreate, "cublasLtMatmulPreferenceCreate");
  resolve(f.preferenceDestroy, "cublasLtMatmulPreferenceDestroy");
  resolve(f.preferenceSetAttribute, "cublasLtMatmulPreferenceSetAttribute");
  resolve(f.algoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic");
  resolve(f.matmul, "cublasLtMatmul");
  if (missing) {
    dlclose(opened);
    return "the cuBLASLt library loaded does not define " +
           std::string(missing);
  }
  lt.library = opened;
  return "";
}

/// Whether `status` is success; otherwise sets `error` to the failure of
/// `call`.
bool succeededLt(MatmulLibrary &lt, cublasStatus_t status, const char *call,
                 std::string &error) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return true;
  error = std::string(call) + " failed: " + lt.functions.statusString(status) +
          " (cublasStatus_t " + std::to_string(status) + ")";
  return false;
}

cudaDataType_t dataType(int32_t element) {
  switch (element) {
  case MptMatmulF16:
    return CUDA_R_16F;
  case MptMatmulBF16:
    return CUDA_R_16BF;
  default:
    return CUDA_R_32F;
  }
}

/// cuBLASLt's epilogue for `epilogue`, with the bias when `hasBias`.
cublasLtEpilogue_t libraryEpilogue(int32_t epilogue, bool hasBias) {
  switch (epilogue) {
  case MptMatmulEpilogueRelu:
    return hasBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
  case MptMatmulEpilogueGelu:
    return hasBias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
  case MptMatmulEpilogueGeluAux:
    return hasBias ? CUBLASLT_EPILOGUE_GELU_AUX_BIAS
                   : CUBLASLT_EPILOGUE_GELU_AUX;
  case MptMatmulEpilogueBiasGradRhs:
    return CUBLASLT_EPILOGUE_BGRADA;
  case MptMatmulEpilogueBiasGradLhs:
    return CUBLASLT_EPILOGUE_BGRADB;
  default:
    return hasBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
  }
}

bool isBiasGradient(int32_t epilogue) {
  return epilogue == MptMatmulEpilogueBiasGradRhs ||
         epilogue == MptMatmulEpilogueBiasGradLhs;
}

/// Why the arguments of a product with `epilogue` are not ones it can
/// take; empty when they are.
std::string epilogueMismatch(int32_t epilogue, int32_t transposeLhs,
                             int32_t transposeRhs, int64_t n, const void *bias,
                             const void *epilogueOutput) {
  switch (epilogue) {
  case MptMatmulEpilogueNone:
  case MptMatmulEpilogueRelu:
  case MptMatmulEpilogueGelu:
    if (epilogueOutput)
      return "epilogue " + std::to_string(epilogue) +
             " stores no second result, but an epilogue output was given";
    return "";
  case MptMatmulEpilogueGeluAux:
    if (!epilogueOutput)
      return "epilogue 3 (gelu, keeping its input) needs an epilogue output";
    if (n % 8 != 0)
      return "epilogue 3 (gelu, keeping its input) needs n to be a multiple "
             "of 8, but n is " +
             std::to_string(n);
    return "";
  case MptMatmulEpilogueBiasGradRhs:
  case MptMatmulEpilogueBiasGradLhs: {
    bool ofRhs = epilogue == MptMatmulEpilogueBiasGradRhs;
    std::string name =
        "epilogue " + std::to_string(epilogue) +
        (ofRhs ? " (bias gradient of rhs)" : " (bias gradient of lhs)");
    if (!epilogueOutput)
      return name + " needs an epilogue output";
    if (bias)
      return name + " takes no bias";
    if (ofRhs && transposeRhs)
      return name + " needs rhs not transposed";
    if (!ofRhs && !transposeLhs)
      return name + " needs lhs transposed";
    return "";
  }
  default:
    return "unknown epilogue " + std::to_string(epilogue) +
           "; expected 0 (none), 1 (relu), 2 (gelu), 3 (gelu, keeping its "
           "input), 4 (bias gradient of rhs) or 5 (bias gradient of lhs)";
  }
}

/// Whether the product of `epilogue` stores a second result.
bool storesSecondResult(int32_t epilogue) {
  return epilogue == MptMatmulEpilogueGeluAux || isBiasGradient(epilogue);
}

/// Why `key` is not a product the runtime can plan; empty when it is.
std::string shapeMismatch(const ShapeKey &key) {
  auto [operandElement, outElement, transposeLhs, transposeRhs, m, n, k,
        hasBias, epilogue] = key;
  for (int32_t element : {operandElement, outElement})
    if (element != MptMatmulF32 && element != MptMatmulF16 &&
        element != MptMatmulBF16)
      return "mptCublasLtMatmul: unknown element type " +
             std::to_string(element) +
             "; expected 0 (f32), 1 (f16) or 2 (bf16)";
  if (m <= 0 || n <= 0 || k <= 0)
    return "mptCublasLtMatmul: a " + std::to_string(m) + "x" +
           std::to_string(n) + "x" + std::to_string(k) +
           " product; expected positive sizes";
  // The pointers a product of this shape passes.
  static const char present = 0;
  if (std::string mismatch = epilogueMismatch(
          epilogue, transposeLhs, transposeRhs, n, hasBias ? &present : nullptr,
          storesSecondResult(epilogue) ? &present : nullptr);
      !mismatch.empty())
    return "mptCublasLtMatmulEpilogue: " + mismatch;
  return "";
}

const char *elementName(int32_t element) {
  switch (element) {
  case MptMatmulF16:
    return "f16";
  case MptMatmulBF16:
    return "bf16";
  default:
    return "f32";
  }
}

const char *epilogueName(int32_t epilogue) {
  switch (epilogue) {
  case MptMatmulEpilogueRelu:
    return "relu";
  case MptMatmulEpilogueGelu:
    return "gelu";
  case MptMatmulEpilogueGeluAux:
    return "gelu, keeping its input";
  case MptMatmulEpilogueBiasGradRhs:
    return "bias gradient of rhs";
  case MptMatmulEpilogueBiasGradLhs:
    return "bias gradient of lhs";
  default:
    return "none";
  }
}

/// "the 64x32x16 product of f16 into f16 (lhs transposed) with epilogue 4".
std::string describeShape(const ShapeKey &key) {
  auto [operandElement, outElement, transposeLhs, transposeRhs, m, n, k,
        hasBias, epilogue] = key;
  std::string text = "the " + std::to_string(m) + "x" + std::to_string(n) +
                     "x" + std::to_string(k) + " product of " +
                     elementName(operandElement) + " into " +
                     elementName(outElement);
  if (transposeLhs || transposeRhs)
    text += transposeLhs && transposeRhs ? " (both transposed)"
            : transposeLhs               ? " (lhs transposed)"
                                         : " (rhs transposed)";
  if (hasBias)
    text += " with a bias";
  if (epilogue != MptMatmulEpilogueNone)
    text += (hasBias ? " and epilogue " : " with epilogue ") +
            std::to_string(epilogue) + " (" + epilogueName(epilogue) + ")";
  return text;
}

/// Destroys what of `plan` was created.
void destroyPlan(MatmulLibrary &lt, MatmulPlan &plan) {
  CublasLtFunctions &f = lt.functions;
  for (cublasLtMatrixLayout_t layout : {plan.a, plan.b, plan.d})
    if (layout)
      f.layoutDestroy(layout);
  if (plan.desc)
    f.descDestroy(plan.desc);
}

/// The descriptors and algorithm of the product `key`, made on its first
/// request; null after setting `error` to what failed. Called with the
/// mutex held.
MatmulPlan *planFor(MatmulLibrary &lt, const ShapeKey &key,
                    std::string &error) {
  if (auto it = lt.plans.find(key); it != lt.plans.end())
    return &it->second;
  auto [operandElement, outElement, transposeLhs, transposeRhs, m, n, k,
        hasBias, epilogueCode] = key;
  CublasLtFunctions &f = lt.functions;
  MatmulPlan plan;
  cudaDataType_t operandType = dataType(operandElement);
  cudaDataType_t outType = dataType(outElement);
  cublasOperation_t opA = transposeRhs ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opB = transposeLhs ? CUBLAS_OP_T : CUBLAS_OP_N;
  // Column-major: A (the right operand) is n x k, B (the left) k x m, D
  // n x m; a transposed operand is stored the other way round.
  uint64_t aRows = transposeRhs ? k : n, aCols = transposeRhs ? n : k;
  uint64_t bRows = transposeLhs ? m : k, bCols = transposeLhs ? k : m;
  cublasLtEpilogue_t epilogue = libraryEpilogue(epilogueCode, hasBias);
  // A bias gradient has out's type, as a bias.
  bool hasVector = hasBias || isBiasGradient(epilogueCode);
  int64_t auxRows = n;
  auto setAttribute = [&](cublasLtMatmulDescAttributes_t attribute,
                          const void *value, size_t size) {
    return succeededLt(lt,
                       f.descSetAttribute(plan.desc, attribute, value, size),
                       "cublasLtMatmulDescSetAttribute", error);
  };
  if (!succeededLt(lt, f.descCreate(&plan.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F),
                   "cublasLtMatmulDescCreate", error) ||
      !setAttribute(CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof(opA)) ||
      !setAttribute(CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof(opB)) ||
      !setAttribute(CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                    sizeof(epilogue)) ||
      (hasVector && !setAttribute(CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &outType,
                                  sizeof(outType))) ||
      (epilogueCode == MptMatmulEpilogueGeluAux &&
       !setAttribute(CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, &auxRows,
                     sizeof(auxRows))) ||
      !succeededLt(lt,
                   f.layoutCreate(&plan.a, operandType, aRows, aCols, aRows),
                   "cublasLtMatrixLayoutCreate", error) ||
      !succeededLt(lt,
                   f.layoutCreate(&plan.b, operandType, bRows, bCols, bRows),
                   "cublasLtMatrixLayoutCreate", error) ||
      !succeededLt(lt, f.layoutCreate(&plan.d, outType, n, m, n),
                   "cublasLtMatrixLayoutCreate", error)) {
    destroyPlan(lt, plan);
    return nullptr;
  }
  cublasLtMatmulPreference_t preference = nullptr;
  uint64_t workspaceBytes = kWorkspaceBytes;
  cublasLtMatmulHeuristicResult_t heuristic;
  int found = 0;
  bool ok =
      succeededLt(lt, f.preferenceCreate(&preference),
                  "cublasLtMatmulPreferenceCreate", error) &&
      succeededLt(lt,
                  f.preferenceSetAttribute(
                      preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                      &workspaceBytes, sizeof(workspaceBytes)),
                  "cublasLtMatmulPreferenceSetAttribute", error) &&
      succeededLt(lt,
                  f.algoGetHeuristic(lt.handle, plan.desc, plan.a, plan.b,
                                     plan.d, plan.d, preference, 1, &heuristic,
                                     &found),
                  "cublasLtMatmulAlgoGetHeuristic", error);
  if (preference)
    f.preferenceDestroy(preference);
  if (ok && found == 0) {
    error = "cublasLtMatmulAlgoGetHeuristic found no algorithm";
    ok = false;
  }
  if (!ok) {
    destroyPlan(lt, plan);
    return nullptr;
  }
  plan.algo = heuristic.algo;
  return &lt.plans.emplace(key, plan).first->second;
}

/// Opens the library and makes its handle and workspace, once; called with
/// the mutex held. Returns the error message, empty on success.
std::string startLibrary(MatmulLibrary &lt, const std::string &library) {
  if (std::string error = openLibrary(lt, library); !error.empty())
    return error;
  std::string error;
  if (!lt.handle && !succeededLt(lt, lt.functions.create(&lt.handle),
                                 "cublasLtCreate", error))
    return error;
  if (!lt.workspace) {
    lt.workspace = mgpuMemAlloc(kWorkspaceBytes, nullptr, false);
    if (!lt.workspace)
      return "cannot allocate cuBLASLt's workspace of " +
             std::to_string(kWorkspaceBytes >> 20) + " MiB";
  }
  return "";
}

} // namespace

Status cuda::loadMatmulLibrary(const std::string &library) {
  MatmulLibrary &lt = matmulLibrary();
  std::lock_guard<std::mutex> lock(lt.mutex);
  std::string error = openLibrary(lt, library);
  if (!error.empty())
    return Status::error(error);
  return Status::success();
}

Status cuda::prepareMatmulPlans(const int64_t *shapes, size_t count) {
  if (count == 0)
    return Status::success();
  if (!ready())
    return takeError();
  MatmulLibrary &lt = matmulLibrary();
  std::lock_guard<std::mutex> lock(lt.mutex);
  if (std::string error = startLibrary(lt, ""); !error.empty()) {
    // The workspace's allocation records its own error, which this one
    // replaces.
    (void)takeError();
    return Status::error(error);
  }
  for (size_t i = 0; i < count; ++i) {
    const int64_t *row = shapes + i * MptMatmulShapeFields;
    auto narrow = [](int64_t value) {
      return value >= INT32_MIN && value <= INT32_MAX
                 ? static_cast<int32_t>(value)
                 : INT32_MIN;
    };
    ShapeKey key{narrow(row[0]), narrow(row[1]), narrow(row[2]),
                 narrow(row[3]), row[4],         row[5],
                 row[6],         row[7] != 0,    narrow(row[8])};
    if (std::string mismatch = shapeMismatch(key); !mismatch.empty())
      return Status::error("product " + std::to_string(i) +
                           " of the step: " + mismatch);
    std::string error;
    if (!planFor(lt, key, error))
      return Status::error("cuBLASLt cannot compute " + describeShape(key) +
                           ": " + error);
  }
  return Status::success();
}

void mpt::runtime::cuda::detail::releaseMatmulLibrary() {
  MatmulLibrary &lt = matmulLibrary();
  std::lock_guard<std::mutex> lock(lt.mutex);
  if (!lt.library)
    return;
  CublasLtFunctions &f = lt.functions;
  for (auto &[key, plan] : lt.plans)
    destroyPlan(lt, plan);
  lt.plans.clear();
  if (lt.handle)
    f.destroy(lt.handle);
  lt.handle = nullptr;
  if (lt.workspace)
    mgpuMemFree(lt.workspace, nullptr);
  lt.workspace = nullptr;
}

extern "C" void mptCublasLtMatmul(void *stream, int32_t operandElement,
                                  int32_t outElement, int32_t transposeLhs,
                                  int32_t transposeRhs, int64_t m, int64_t n,
                                  int64_t k, const void *lhs, const void *rhs,
                                  void *out, const void *bias,
                                  int32_t accumulate) {
  mptCublasLtMatmulEpilogue(stream, operandElement, outElement, transposeLhs,
                            transposeRhs, m, n, k, lhs, rhs, out, bias,
                            accumulate, MptMatmulEpilogueNone, nullptr);
}

extern "C" void mptCublasLtMatmulEpilogue(
    void *stream, int32_t operandElement, int32_t outElement,
    int32_t transposeLhs, int32_t transposeRhs, int64_t m, int64_t n, int64_t k,
    const void *lhs, const void *rhs, void *out, const void *bias,
    int32_t accumulate, int32_t epilogue, void *epilogueOutput) {
  // The driver first: without one, its error is the one to report.
  if (!ready())
    return;
  for (int32_t element : {operandElement, outElement})
    if (element != MptMatmulF32 && element != MptMatmulF16 &&
        element != MptMatmulBF16) {
      recordError("mptCublasLtMatmul: unknown element type " +
                  std::to_string(element) +
                  "; expected 0 (f32), 1 (f16) or 2 (bf16)");
      return;
    }
  if (std::string mismatch = epilogueMismatch(
          epilogue, transposeLhs, transposeRhs, n, bias, epilogueOutput);
      !mismatch.empty()) {
    recordError("mptCublasLtMatmulEpilogue: " + mismatch);
    return;
  }
  MatmulLibrary &lt = matmulLibrary();
  std::lock_guard<std::mutex> lock(lt.mutex);
  if (std::string error = startLibrary(lt, ""); !error.empty()) {
    if (!hasPendingError())
      recordError(error);
    return;
  }
  CublasLtFunctions &f = lt.functions;
  ShapeKey key{operandElement,  outElement, transposeLhs, transposeRhs, m, n, k,
               bias != nullptr, epilogue};
  std::string error;
  MatmulPlan *plan = planFor(lt, key, error);
  if (!plan)
    return recordError("cuBLASLt cannot compute " + describeShape(key) + ": " +
                       error);
  // The bias pointer is the bias gradient's for a bias-gradient epilogue.
  const void *vector = isBiasGradient(epilogue) ? epilogueOutput : bias;
  if (vector && !succeededLt(lt,
                             f.descSetAttribute(
                                 plan->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                 &vector, sizeof(vector)),
                             "cublasLtMatmulDescSetAttribute", error))
    return recordError(error);
  if (epilogue == MptMatmulEpilogueGeluAux &&
      !succeededLt(lt,
                   f.descSetAttribute(plan->desc,
                                      CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER,
                                      &epilogueOutput, sizeof(epilogueOutput)),
                   "cublasLtMatmulDescSetAttribute", error))
    return recordError(error);
  float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  if (!succeededLt(lt,
                   f.matmul(lt.handle, plan->desc, &alpha, rhs, plan->a, lhs,
                            plan->b, &beta, out, plan->d, out, plan->d,
                            &plan->algo, lt.workspace, kWorkspaceBytes,
                            static_cast<CUstream>(stream)),
                   "cublasLtMatmul", error))
    recordError(error);
}
