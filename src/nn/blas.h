// Row-major matrix products over OpenBLAS's CBLAS, for float and double. Internal.
#pragma once

#include <cstdint>

namespace activa::blas {

enum class Trans : bool { no = false, yes = true };

// C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C, all row-major;
// lda, ldb, ldc are the row strides of A, B, C as stored. With k == 0 the
// product is zero (C = beta * C); with m == 0 or n == 0 nothing happens.
template <class T>
void gemm(Trans trans_a, Trans trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
          const T* a, std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

}  // namespace activa::blas
