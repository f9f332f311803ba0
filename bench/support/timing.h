// Wall-clock timing for `activa bench`, which must not depend on Google
// Benchmark (the comparison binary times with Google Benchmark and shares the
// rest of bench/support).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

namespace activa::bench {

struct TimingOptions {
  double min_seconds = 0.1;  // keep timing batches until this much has passed...
  int min_batches = 5;       // ...and at least this many batches ran
  double min_batch_seconds = 20e-6;  // a batch this long makes clock overhead (~20 ns) negligible
};

// Best wall-clock seconds per call of f(). Calls are grouped in batches of k,
// k doubled until a batch takes min_batch_seconds; batches repeat until
// min_seconds have passed and min_batches ran. The fastest batch is the one
// least disturbed by other processes on a shared machine, so it is what we
// report. One untimed call first touches caches and page tables.
template <class F>
double best_seconds_per_call(F&& f, const TimingOptions& o = {}) {
  using Clock = std::chrono::steady_clock;
  const auto time_batch = [&](std::int64_t k) {
    const auto t0 = Clock::now();
    for (std::int64_t i = 0; i < k; ++i) f();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  f();
  std::int64_t k = 1;
  double t = time_batch(k);
  while (t < o.min_batch_seconds && k < (std::int64_t{1} << 40)) {
    k *= 2;
    t = time_batch(k);
  }
  double best = t / static_cast<double>(k), total = t;
  for (int batches = 1; batches < o.min_batches || total < o.min_seconds; ++batches) {
    t = time_batch(k);
    total += t;
    best = std::min(best, t / static_cast<double>(k));
  }
  return best;
}

}  // namespace activa::bench
