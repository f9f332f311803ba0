#include "src/nn/blas.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <string>

#include "activa/error.h"
#include "activa/kernels.h"
#include "activa/parallel.h"

namespace activa::blas {
namespace {

CBLAS_TRANSPOSE cblas_trans(Trans t) { return t == Trans::yes ? CblasTrans : CblasNoTrans; }

blasint checked(std::int64_t v) {
  if (v < 0 || v > INT_MAX) throw Error("matrix extent " + std::to_string(v) + " is beyond BLAS's int range");
  return static_cast<blasint>(v);
}

// C = beta * C, row by row (BLAS's rule for k == 0, which not every BLAS follows).
template <class T>
void scale_rows(std::int64_t m, std::int64_t n, T beta, T* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + n, T(0));
    } else {
      for (std::int64_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
}

}  // namespace

// The checks and the k = 0 case around one CBLAS routine (sgemm or dgemm).
template <class T, class Cblas>
void gemm_through(Cblas cblas_gemm, Trans ta, Trans tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
                  const T* a, std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_rows(m, n, beta, c, ldc);
  cblas_gemm(CblasRowMajor, cblas_trans(ta), cblas_trans(tb), checked(m), checked(n), checked(k), alpha, a,
             checked(lda), b, checked(ldb), beta, c, checked(ldc));
}

template <>
void gemm<float>(Trans ta, Trans tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                 const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                 std::int64_t ldc) {
  gemm_through(cblas_sgemm, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <>
void gemm<double>(Trans ta, Trans tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
                  const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
                  std::int64_t ldc) {
  gemm_through(cblas_dgemm, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace activa::blas

namespace activa {

void set_num_threads(int n) { set_num_threads(n, n); }

void set_num_threads(int product_threads, int kernel_threads) {
  if (product_threads < 0 || kernel_threads < 0) {
    throw Error("number of threads must be >= 1 (or 0 for the default), got " +
                std::to_string(std::min(product_threads, kernel_threads)));
  }
  kernels::set_num_threads(kernel_threads);
  openblas_set_num_threads(product_threads > 0 ? product_threads : openblas_get_num_procs());
}

int num_threads() { return openblas_get_num_threads(); }

}  // namespace activa
