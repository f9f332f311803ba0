// Bandwidth kernels, compiled once per Highway target (dynamic dispatch).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bench/support/bandwidth.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace activa::bench::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <bool kStream, class D, class V>
HWY_INLINE void Put(D d, V v, float* HWY_RESTRICT p) {
  if constexpr (kStream) {
    hn::Stream(v, d, p);
  } else {
    hn::Store(v, d, p);
  }
}

// c[i] = a[i] (kTwo false) or a[i] + b[i], for i in [lo, hi). Scalar until c
// is vector-aligned (Store and Stream need it), then vectors. The loop shape
// that is fastest depends on where the arrays live; on the 2-core Cascade Lake
// here: four vectors a step (four loads, then four stores) is about twice as
// fast while the arrays fit in L2 (1 MiB), one vector a step 10-20% faster
// from L3 and memory, where it matches memcpy. So the shape follows the bytes
// this call touches.
template <bool kTwo, bool kStream>
void Range(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, float* HWY_RESTRICT c, std::size_t lo,
           std::size_t hi) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  constexpr std::size_t kInCacheBytes = std::size_t{1} << 20;
  std::size_t i = lo;
  for (; i < hi && reinterpret_cast<std::uintptr_t>(c + i) % (N * sizeof(float)) != 0; ++i) {
    c[i] = kTwo ? a[i] + b[i] : a[i];
  }
  if ((hi - lo) * sizeof(float) * (kTwo ? 3 : 2) <= kInCacheBytes) {
    for (; i + 4 * N <= hi; i += 4 * N) {
      auto v0 = hn::LoadU(d, a + i), v1 = hn::LoadU(d, a + i + N);
      auto v2 = hn::LoadU(d, a + i + 2 * N), v3 = hn::LoadU(d, a + i + 3 * N);
      if constexpr (kTwo) {
        v0 = hn::Add(v0, hn::LoadU(d, b + i));
        v1 = hn::Add(v1, hn::LoadU(d, b + i + N));
        v2 = hn::Add(v2, hn::LoadU(d, b + i + 2 * N));
        v3 = hn::Add(v3, hn::LoadU(d, b + i + 3 * N));
      }
      Put<kStream>(d, v0, c + i);
      Put<kStream>(d, v1, c + i + N);
      Put<kStream>(d, v2, c + i + 2 * N);
      Put<kStream>(d, v3, c + i + 3 * N);
    }
  }
  for (; i + N <= hi; i += N) {
    auto v = hn::LoadU(d, a + i);
    if constexpr (kTwo) v = hn::Add(v, hn::LoadU(d, b + i));
    Put<kStream>(d, v, c + i);
  }
  for (; i < hi; ++i) c[i] = kTwo ? a[i] + b[i] : a[i];
}

// Index k: 0 copy, 1 copy_nt, 2 add, 3 add_nt (the order of bandwidth_kernels()).
void RunRange(int k, const float* a, const float* b, float* c, std::size_t lo, std::size_t hi) {
  switch (k) {
    case 0: return Range<false, false>(a, b, c, lo, hi);
    case 1: return Range<false, true>(a, b, c, lo, hi);
    case 2: return Range<true, false>(a, b, c, lo, hi);
    default: return Range<true, true>(a, b, c, lo, hi);
  }
}

}  // namespace activa::bench::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include <omp.h>

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "bench/support/bandwidth.h"

namespace activa::bench {

HWY_EXPORT(RunRange);

namespace {
constexpr BandwidthKernel kKernels[] = {
    {"copy", Traffic::read1_write1, false},
    {"copy_nt", Traffic::read1_write1, true},
    {"add", Traffic::read2_write1, false},
    {"add_nt", Traffic::read2_write1, true},
};
}  // namespace

std::span<const BandwidthKernel> bandwidth_kernels() { return kKernels; }

std::string_view traffic_name(Traffic t) {
  return t == Traffic::read1_write1 ? "read-1-write-1" : "read-2-write-1";
}

void run_bandwidth(const BandwidthKernel& kernel, const float* a, const float* b, float* c, std::size_t n,
                   int threads) {
  const int k = static_cast<int>(&kernel - kKernels);
  const auto range = HWY_DYNAMIC_DISPATCH(RunRange);
  const auto fence = [&] {
#if defined(__x86_64__) || defined(__i386__)
    if (kernel.streaming) _mm_sfence();  // non-temporal stores are weakly ordered
#endif
  };
  if (threads <= 1) {
    range(k, a, b, c, 0, n);
    fence();
    return;
  }
  constexpr std::size_t kUnit = 64;  // floats: chunks start 256-byte aligned on an aligned buffer
  const std::size_t units = (n + kUnit - 1) / kUnit;
  const std::size_t per_thread = (units + static_cast<std::size_t>(threads) - 1) / static_cast<std::size_t>(threads);
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t lo = std::min(n, t * per_thread * kUnit), hi = std::min(n, (t + 1) * per_thread * kUnit);
    if (lo < hi) range(k, a, b, c, lo, hi);
    fence();
  }
}

}  // namespace activa::bench

#endif  // HWY_ONCE
