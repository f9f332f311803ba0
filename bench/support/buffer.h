// Large aligned buffers for benchmarks, filled in parallel so that their pages
// are first touched (and placed) by the threads that will use them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace activa::bench {

// n uninitialised elements of T, 64-byte aligned; from 2 MiB up, 2 MiB aligned
// and advised as transparent huge pages (fewer TLB misses for every code
// timed on it alike). Throws std::bad_alloc if memory is short.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t n);
  T* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::span<T> span() const { return {data_.get(), size_}; }
  std::span<T> span(std::size_t n) const { return {data_.get(), n}; }

 private:
  struct Free {
    void operator()(T* p) const;
  };
  std::unique_ptr<T, Free> data_;
  std::size_t size_ = 0;
};

// Writes values uniform in [lo, hi) from a counter-based hash of (seed, i), so
// the content is the same for any thread count; runs on `threads` threads.
template <class T>
void fill_uniform(std::span<T> v, double lo, double hi, std::uint64_t seed, int threads);

}  // namespace activa::bench
