#include "bench/support/buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace activa::bench {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;

// splitmix64: a full-period 64-bit mix, good enough for benchmark data.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

template <class T>
Buffer<T>::Buffer(std::size_t n) : size_(n) {
  const std::size_t bytes = std::max<std::size_t>(n * sizeof(T), 1);
  const std::size_t align = bytes >= kHugePage ? kHugePage : 64;
  const std::size_t rounded = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded);
  if (p == nullptr) throw std::bad_alloc();
  if (align == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
  data_.reset(static_cast<T*>(p));
}

template <class T>
void Buffer<T>::Free::operator()(T* p) const {
  std::free(p);
}

template <class T>
void fill_uniform(std::span<T> v, double lo, double hi, std::uint64_t seed, int threads) {
  const auto n = static_cast<std::int64_t>(v.size());
  const double scale = (hi - lo) / 18446744073709551616.0;  // 2^64
  const std::uint64_t base = mix(seed);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    v[static_cast<std::size_t>(i)] =
        static_cast<T>(lo + scale * static_cast<double>(mix(base + static_cast<std::uint64_t>(i))));
  }
}

template class Buffer<float>;
template class Buffer<double>;
template void fill_uniform<float>(std::span<float>, double, double, std::uint64_t, int);
template void fill_uniform<double>(std::span<double>, double, double, std::uint64_t, int);

}  // namespace activa::bench
