// The only Highway-dispatch translation unit: compiles the bodies once per
// target, exports one kernel table per target, and implements the public
// kernel API (argument checks, threading) on top of the chosen table.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/dispatch.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "src/kernels/drivers-inl.h"
#include "src/kernels/ops/all-inl.h"
#include "src/kernels/table.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {

// A body's cost per element of T (table.h): kCost, or for double kCost64
// where the body states it (sigmoid's, tanh's and ELU's double paths are an
// exponential in double, where float has piecewise polynomials).
template <class Op, class T>
constexpr detail::Cost CostOf() {
  if constexpr (sizeof(T) == 8 && requires { Body<Op>::kCost64; }) {
    return Body<Op>::kCost64;
  } else {
    return Body<Op>::kCost;
  }
}

template <class Op, class T>
constexpr detail::KernelFns<Op, T> MakeFns() {
  if constexpr (Op::info.kind == Kind::pointwise) {
    decltype(detail::KernelFns<Op, T>::backward_from_output) from_output = nullptr;
    if constexpr (DerivesFromOutput<Op>) from_output = &PointwiseBackwardFromOutput<Op, T>;
    return {&PointwiseForward<Op, T>, &PointwiseBackward<Op, T>, from_output, CostOf<Op, T>()};
  } else if constexpr (Op::info.kind == Kind::weighted) {
    return {&WeightedForward<Op, T>, &WeightedBackward<Op, T>, &WeightedForwardColumns<Op, T>,
            &WeightedBackwardColumns<Op, T>, CostOf<Op, T>()};
  } else {
    return {&AlongDimForward<Op, T>, &AlongDimBackward<Op, T>, CostOf<Op, T>()};
  }
}

template <class... Ops>
constexpr detail::KernelTable MakeTable(OpList<Ops...>) {
  return {{MakeFns<Ops, float>()..., MakeFns<Ops, double>()...}, HWY_TARGET};
}

const detail::KernelTable* GetKernelTable() {
  static constexpr detail::KernelTable kTable = MakeTable(AllOps{});
  return &kTable;
}

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "activa/error.h"

namespace activa::kernels {

HWY_EXPORT(GetKernelTable);

namespace {

// What every call reads besides its arguments, in one cache line: the chosen
// target's kernel table (Highway's dispatch read three lines: its chosen
// target, the address of that, and the table of per-target functions), the
// streaming threshold, the thread count and the parallel threshold. A call's
// other lines are its stack and its op's entry in the table. Where a call's
// arrays fill the L1 (4 Ki floats and three arrays: 48 KiB), each further
// line it reads costs ~10 ns (the L1's sets thrash): see docs/bench.md.
struct alignas(64) DispatchState {
  std::atomic<const detail::KernelTable*> table{nullptr};  // null until the first call
  std::atomic<std::size_t> streaming{kDefaultStreamingThreshold};
  std::atomic<int> threads{0};  // 0: OpenMP's default
  std::atomic<std::int64_t> parallel{kDefaultParallelThreshold};
};
DispatchState g_state;

// The table of the target Highway chooses now, remembered for later calls.
[[gnu::noinline]] const detail::KernelTable& choose_table() {
  const detail::KernelTable* t = HWY_DYNAMIC_DISPATCH(GetKernelTable)();
  g_state.table.store(t, std::memory_order_relaxed);
  return *t;
}

const detail::KernelTable& table() {
  const detail::KernelTable* t = g_state.table.load(std::memory_order_relaxed);
  return HWY_LIKELY(t != nullptr) ? *t : choose_table();
}

// Whether a call over n elements with `arrays` arrays of T (inputs and
// output) writes its output around the caches.
template <class T>
bool streams(std::size_t n, std::size_t arrays) {
  return n * sizeof(T) * arrays >= g_state.streaming.load(std::memory_order_relaxed);
}

// Whether `work` (in units of detail::Cost) runs on the calling thread alone:
// below parallel_threshold() (kDefaultParallelThreshold: the fork and join of
// a parallel region cost ~1.5 us on the 2-core AVX-512 machine, and relu's
// forward, at ~0.15 ns an element, gains from a second thread from 16-32 Ki
// elements on; the others, by their cost, proportionally earlier). Tested
// first: asking OpenMP for its thread count costs ~4 ns, a third of a small
// call's overhead (relu on 16 elements: 13 ns a call).
bool on_one_thread(std::int64_t work) { return work < g_state.parallel.load(std::memory_order_relaxed); }

// Runs f(begin, end) over [0, count) in num_threads() contiguous chunks, or
// on this thread alone where there is one. Out of line, f by value: a call
// below the threshold then stores nothing for OpenMP on the stack.
template <class F>
[[gnu::noinline]] void run_on_threads(std::int64_t count, F f) {
  const int threads = static_cast<int>(std::min<std::int64_t>(num_threads(), count));
  if (threads <= 1) {
    f(std::int64_t{0}, count);
    return;
  }
  const std::int64_t chunk = (count + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    const std::int64_t b = t * chunk, e = std::min(count, b + chunk);
    if (b < e) f(b, e);
  }
}

// Runs f(begin, end) over [0, count) units of `cost` each: on one thread below
// the threshold, else run_on_threads. A lambda that captures by value lets the
// call below the threshold keep its arguments in registers.
template <class F>
void parallel_for(std::int64_t count, std::int64_t cost, const F& f) {
  if (count <= 0) return;
  if (on_one_thread(count * cost)) {
    f(std::int64_t{0}, count);
    return;
  }
  run_on_threads(count, f);
}

// A pointwise kernel over n elements of the arrays p, kernel(p..., n, o,
// stream): below the threshold, called directly as the caller's last act (a
// tail call, which stores nothing on the stack); else in 64-element-aligned
// chunks (any split gives the same bits) on run_on_threads.
template <class Kernel, class O, class... P>
void run_pointwise(Kernel kernel, std::int64_t cost, std::size_t n, O o, bool stream, P... p) {
  constexpr std::int64_t kUnit = 64;
  const auto units = static_cast<std::int64_t>((n + kUnit - 1) / kUnit);
  if (HWY_UNLIKELY(units == 0)) return;
  if (on_one_thread(units * kUnit * cost)) return kernel(p..., n, o, stream);
  run_on_threads(units, [=](std::int64_t b, std::int64_t e) {
    const auto lo = static_cast<std::size_t>(b * kUnit);
    const std::size_t hi = std::min(n, static_cast<std::size_t>(e * kUnit));
    kernel((p + lo)..., hi - lo, o, stream);
  });
}

// The cost of an element of an along-dim op's slices: short contiguous rows
// pay for their masked vectors or transposition (drivers-inl.h).
std::int64_t slice_cost(std::int64_t body_cost, const RowLayout& l) {
  const bool short_rows = l.inner == 1 && static_cast<std::size_t>(l.size) <= detail::kSmallRow;
  return body_cost + (short_rows ? detail::kShortRowCost : 0);
}

// The argument checks compare inline and build their messages out of line:
// a call that passes them reads no op's name.
[[noreturn, gnu::cold, gnu::noinline]] void size_error(std::string_view op, std::string_view what, std::size_t got,
                                                        std::size_t want) {
  throw Error(std::string(op) + ": " + std::string(what) + " has " + std::to_string(got) + " elements, expected " +
              std::to_string(want));
}

[[noreturn, gnu::cold, gnu::noinline]] void overlap_error(std::string_view op, std::string_view out_name,
                                                           std::string_view in_name) {
  throw Error(std::string(op) + ": " + std::string(out_name) + " partially overlaps " + std::string(in_name) +
              " (in place needs the very same buffer)");
}

[[noreturn, gnu::cold, gnu::noinline]] void extent_error(std::string_view op) {
  throw Error(std::string(op) + ": negative layout extent");
}

template <class Op>
void check_size(std::string_view what, std::size_t got, std::size_t want) {
  if (HWY_UNLIKELY(got != want)) size_error(Op::info.name, what, got, want);
}

// An output may be an input itself (in place) or share no element with it:
// a partial overlap would read elements already overwritten, and which ones
// would depend on the thread count.
template <class Op, class T>
void check_overlap(std::string_view out_name, std::span<const T> out, std::string_view in_name, std::span<const T> in) {
  if (out.empty() || in.empty() || (out.data() == in.data() && out.size() == in.size())) return;
  const auto o = reinterpret_cast<std::uintptr_t>(out.data()), i = reinterpret_cast<std::uintptr_t>(in.data());
  if (HWY_UNLIKELY(o < i + in.size_bytes() && i < o + out.size_bytes())) overlap_error(Op::info.name, out_name, in_name);
}

template <class Op>
std::size_t checked_numel(std::int64_t a, std::int64_t b, std::int64_t c) {
  if (HWY_UNLIKELY(a < 0 || b < 0 || c < 0)) extent_error(Op::info.name);
  return static_cast<std::size_t>(a) * static_cast<std::size_t>(b) * static_cast<std::size_t>(c);
}

}  // namespace

template <class Op, class T>
  requires(Op::info.kind == Kind::pointwise)
void forward(std::span<const T> x, std::span<T> y, const typename Op::Options& options) {
  check_size<Op>("output", y.size(), x.size());
  check_overlap<Op, T>("output", y, "input", x);
  const auto o = options_as<Op, T>(options);
  const auto& k = table().template get<Op, T>();
  const bool stream = streams<T>(x.size(), 2);
  run_pointwise(k.forward, k.cost.forward, x.size(), o, stream, x.data(), y.data());
}

template <class Op, class T>
  requires(Op::info.kind == Kind::pointwise)
void backward(std::span<const T> saved, std::span<const T> grad_output, std::span<T> grad_input,
              const typename Op::Options& options) {
  check_size<Op>("grad_output", grad_output.size(), saved.size());
  check_size<Op>("grad_input", grad_input.size(), saved.size());
  check_overlap<Op, T>("grad_input", grad_input, Op::info.saves == Saves::input ? "input" : "output", saved);
  check_overlap<Op, T>("grad_input", grad_input, "grad_output", grad_output);
  const auto o = options_as<Op, T>(options);
  const auto& k = table().template get<Op, T>();
  const bool stream = streams<T>(saved.size(), 3);
  run_pointwise(k.backward, k.cost.backward, saved.size(), o, stream, saved.data(), grad_output.data(),
                grad_input.data());
}

template <class Op, class T>
  requires(Op::info.kind == Kind::pointwise && DerivesFromOutput<Op>)
void backward_from_output(std::span<const T> y, std::span<const T> grad_output, std::span<T> grad_input,
                          const typename Op::Options& options) {
  check_size<Op>("grad_output", grad_output.size(), y.size());
  check_size<Op>("grad_input", grad_input.size(), y.size());
  check_overlap<Op, T>("grad_input", grad_input, "output", y);
  check_overlap<Op, T>("grad_input", grad_input, "grad_output", grad_output);
  const auto o = options_as<Op, T>(options);
  if constexpr (requires { Op::from_output_error(o); }) {
    if (const std::string_view e = Op::from_output_error(o); !e.empty()) throw Error(std::string(e));
  }
  const auto& k = table().template get<Op, T>();
  const bool stream = streams<T>(y.size(), 3);
  run_pointwise(k.backward_from_output, k.cost.from_output, y.size(), o, stream, y.data(), grad_output.data(),
                grad_input.data());
}

// A weighted op's backward over a layout with inner < kColumnInner, as
// columns (table.h, column_plan): narrow slices in segments of slices, each
// summing every column (their sums on this stack, added in segment order);
// wide ones in blocks of channels, each summing its columns over every slice.
// Each channel's gradient is then its columns' sums in column order.
template <class Kernels, class T>
void backward_columns(const Kernels& k, std::span<const T> x, std::span<const T> weight,
                      std::span<const T> grad_output, std::span<T> grad_input, std::span<T> grad_weight,
                      ChannelLayout l) {
  const std::int64_t cols = detail::column_count(l), outer = l.outer;
  if (outer * cols == 0) {
    std::fill(grad_weight.begin(), grad_weight.end(), T(0));
    return;
  }
  const bool stream = streams<T>(static_cast<std::size_t>(outer * cols), 3);
  const auto channel_sum = [&](const double* column_sums, std::int64_t c) {
    double s = column_sums[c * l.inner];
    for (std::int64_t i = 1; i < l.inner; ++i) s += column_sums[c * l.inner + i];
    return static_cast<T>(s);
  };
  const detail::ColumnPlan plan = detail::column_plan(l);
  if (plan.blocks == 1) {
    const std::int64_t segments = plan.segments;
    double sums[detail::kSegmentSums];
    parallel_for(segments, outer / segments * cols * k.cost.backward, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t s = lo; s < hi; ++s) {
        k.backward_columns(x.data(), weight.data(), grad_output.data(), grad_input.data(), sums + s * cols, l,
                           s * outer / segments, (s + 1) * outer / segments, 0, cols, stream);
      }
    });
    for (std::int64_t s = 1; s < segments; ++s) {
      for (std::int64_t j = 0; j < cols; ++j) sums[j] += sums[s * cols + j];
    }
    for (std::int64_t c = 0; c < l.channels; ++c) grad_weight[static_cast<std::size_t>(c)] = channel_sum(sums, c);
    return;
  }
  const std::int64_t blocks = plan.blocks;
  parallel_for(blocks, outer * cols / blocks * k.cost.backward, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t b = lo; b < hi; ++b) {
      const std::int64_t first = b * l.channels / blocks, last = (b + 1) * l.channels / blocks;
      double sums[detail::kColumnBlock];
      k.backward_columns(x.data(), weight.data(), grad_output.data(), grad_input.data(), sums, l, 0, outer,
                         first * l.inner, last * l.inner, stream);
      for (std::int64_t c = first; c < last; ++c) {
        grad_weight[static_cast<std::size_t>(c)] = channel_sum(sums, c - first);
      }
    }
  });
}

template <class Op, class T>
  requires(Op::info.kind == Kind::weighted)
void forward(std::span<const T> x, std::span<const T> weight, std::span<T> y, ChannelLayout l) {
  const std::size_t n = checked_numel<Op>(l.outer, l.channels, l.inner);
  check_size<Op>("input", x.size(), n);
  check_size<Op>("output", y.size(), n);
  check_size<Op>("weight", weight.size(), static_cast<std::size_t>(l.channels));
  check_overlap<Op, T>("output", y, "input", x);
  check_overlap<Op, T>("output", y, "weight", weight);
  const auto& k = table().template get<Op, T>();
  const bool stream = streams<T>(n, 2);
  if (n == 0) return;
  if (l.inner < detail::kColumnInner) {
    // As columns (table.h, forward_column_blocks); any split gives the same bits.
    const auto f = k.forward_columns;
    const std::int64_t blocks = detail::forward_column_blocks(l);
    if (blocks > 1) {  // (block, slice) items
      parallel_for(blocks * l.outer, detail::column_count(l) / blocks * k.cost.forward,
                   [=](std::int64_t b, std::int64_t e) { f(x.data(), weight.data(), y.data(), l, b, e, stream); });
      return;
    }
    constexpr std::int64_t kUnit = 64;  // elements in chunks of 64
    const auto total = static_cast<std::int64_t>(n);
    parallel_for((total + kUnit - 1) / kUnit, kUnit * k.cost.forward, [=](std::int64_t b, std::int64_t e) {
      f(x.data(), weight.data(), y.data(), l, b * kUnit, std::min(total, e * kUnit), stream);
    });
    return;
  }
  parallel_for(l.outer * l.channels, l.inner * k.cost.forward, [=, f = k.forward](std::int64_t b, std::int64_t e) {
    f(x.data(), weight.data(), y.data(), l, b, e, stream);
  });
}

template <class Op, class T>
  requires(Op::info.kind == Kind::weighted)
void backward(std::span<const T> x, std::span<const T> weight, std::span<const T> grad_output,
              std::span<T> grad_input, std::span<T> grad_weight, ChannelLayout l) {
  const std::size_t n = checked_numel<Op>(l.outer, l.channels, l.inner);
  check_size<Op>("input", x.size(), n);
  check_size<Op>("grad_output", grad_output.size(), n);
  check_size<Op>("grad_input", grad_input.size(), n);
  check_size<Op>("weight", weight.size(), static_cast<std::size_t>(l.channels));
  check_size<Op>("grad_weight", grad_weight.size(), static_cast<std::size_t>(l.channels));
  for (const auto& [out_name, out] : {std::pair{"grad_input", grad_input}, std::pair{"grad_weight", grad_weight}}) {
    check_overlap<Op, T>(out_name, out, "input", x);
    check_overlap<Op, T>(out_name, out, "weight", weight);
    check_overlap<Op, T>(out_name, out, "grad_output", grad_output);
  }
  check_overlap<Op, T>("grad_weight", grad_weight, "grad_input", grad_input);
  const auto& k = table().template get<Op, T>();
  if (l.inner < detail::kColumnInner) return backward_columns(k, x, weight, grad_output, grad_input, grad_weight, l);
  const std::int64_t per_row = detail::blocks_per_row(l);
  const std::int64_t units = l.outer * l.channels * per_row;
  const std::int64_t unit_cost = std::min(l.inner, detail::kWeightedBlock) * k.cost.backward;
  const bool stream = streams<T>(n, 3);
  constexpr std::int64_t kChunk = 2048;
  const std::int64_t segments = detail::weight_segments(l);
  if (segments > 0) {
    // Each segment sums its units' partial sums per channel in unit order,
    // on whichever thread runs it (one parallel region, each thread a
    // contiguous run of segments); each channel's weight gradient is then the
    // sum of its segments' sums in segment order. The segments depend on the
    // layout only, so the result does not depend on the thread count. Against
    // a parallel region per 2,048 units, each chunk's partial sums added on
    // the calling thread between regions (`tools/ab`, [n/4096, 64, 64], four
    // runs of 5-7 alternations, AMD Zen 4): two threads 0.83x-1.68x at 64 Ki
    // to 128 Mi elements, the per-row medians 1.21x-1.43x; one thread
    // 0.96x-1.02x at 64 Ki and 256 Ki, 0.87x-1.02x from 16 Mi (rows this
    // guest moves by up to 1.2x from run to run).
    double sums[detail::kSegmentSums];
    const std::int64_t channels = l.channels;
    parallel_for(segments, units / segments * unit_cost, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t s = lo; s < hi; ++s) {
        const std::int64_t first = s * units / segments, last = (s + 1) * units / segments;
        double* const seg = sums + s * channels;
        std::fill_n(seg, channels, 0.0);
        std::int64_t channel = first / per_row % channels, block = first % per_row;  // of the next unit
        // kChunk units at a time, their partial sums on this thread's stack.
        double partial[kChunk];
        for (std::int64_t b = first; b < last; b += kChunk) {
          const std::int64_t m = std::min(kChunk, last - b);
          k.backward(x.data(), weight.data(), grad_output.data(), grad_input.data(), partial, l, b, b + m, stream);
          for (std::int64_t i = 0; i < m; ++i) {
            seg[channel] += partial[i];
            if (++block == per_row) block = 0, channel = channel + 1 == channels ? 0 : channel + 1;
          }
        }
      }
    });
    for (std::int64_t s = 1; s < segments; ++s) {
      for (std::int64_t c = 0; c < channels; ++c) sums[c] += sums[s * channels + c];
    }
    for (std::int64_t c = 0; c < channels; ++c) grad_weight[static_cast<std::size_t>(c)] = static_cast<T>(sums[c]);
    return;
  }
  // More channels than the segments' sums on the stack hold: one channel at
  // a time, row (o, c) by row, its units kChunk at a time across the threads
  // (a parallel region each), their partial sums added in unit order.
  double partial[kChunk];
  for (std::int64_t c = 0; c < l.channels; ++c) {
    double sum = 0;
    for (std::int64_t o = 0; o < l.outer; ++o) {
      const std::int64_t first = (o * l.channels + c) * per_row;
      for (std::int64_t b = 0; b < per_row; b += kChunk) {
        const std::int64_t count = std::min(kChunk, per_row - b);
        parallel_for(count, unit_cost, [&](std::int64_t lo, std::int64_t hi) {
          k.backward(x.data(), weight.data(), grad_output.data(), grad_input.data(), partial + lo, l, first + b + lo,
                     first + b + hi, stream);
        });
        for (std::int64_t i = 0; i < count; ++i) sum += partial[i];
      }
    }
    grad_weight[static_cast<std::size_t>(c)] = static_cast<T>(sum);
  }
}

template <class Op, class T>
  requires(Op::info.kind == Kind::along_dim)
void forward(std::span<const T> x, std::span<T> y, RowLayout l) {
  const std::size_t n = checked_numel<Op>(l.outer, l.size, l.inner);
  check_size<Op>("input", x.size(), n);
  check_size<Op>("output", y.size(), n);
  check_overlap<Op, T>("output", y, "input", x);
  const auto& k = table().template get<Op, T>();
  const bool stream = streams<T>(n, 2);
  parallel_for(l.outer, l.size * l.inner * slice_cost(k.cost.forward, l),
               [=, f = k.forward](std::int64_t b, std::int64_t e) { f(x.data(), y.data(), l, b, e, stream); });
}

template <class Op, class T>
  requires(Op::info.kind == Kind::along_dim)
void backward(std::span<const T> y, std::span<const T> grad_output, std::span<T> grad_input,
              RowLayout l) {
  const std::size_t n = checked_numel<Op>(l.outer, l.size, l.inner);
  check_size<Op>("output", y.size(), n);
  check_size<Op>("grad_output", grad_output.size(), n);
  check_size<Op>("grad_input", grad_input.size(), n);
  check_overlap<Op, T>("grad_input", grad_input, "output", y);
  check_overlap<Op, T>("grad_input", grad_input, "grad_output", grad_output);
  const auto& k = table().template get<Op, T>();
  const bool stream = streams<T>(n, 3);
  parallel_for(l.outer, l.size * l.inner * slice_cost(k.cost.backward, l),
               [=, f = k.backward](std::int64_t b, std::int64_t e) {
                 f(y.data(), grad_output.data(), grad_input.data(), l, b, e, stream);
               });
}

// Instantiates the API for every op of the list and both element types.
namespace {
template <class Op, class T>
constexpr auto entry_points() {
  using O = typename Op::Options;
  using Backward = void (*)(std::span<const T>, std::span<const T>, std::span<T>, const O&);
  if constexpr (Op::info.kind == Kind::pointwise && DerivesFromOutput<Op>) {
    return std::tuple{static_cast<void (*)(std::span<const T>, std::span<T>, const O&)>(&forward<Op, T>),
                      static_cast<Backward>(&backward<Op, T>), static_cast<Backward>(&backward_from_output<Op, T>)};
  } else if constexpr (Op::info.kind == Kind::pointwise) {
    return std::pair{static_cast<void (*)(std::span<const T>, std::span<T>, const O&)>(&forward<Op, T>),
                     static_cast<Backward>(&backward<Op, T>)};
  } else if constexpr (Op::info.kind == Kind::weighted) {
    return std::pair{
        static_cast<void (*)(std::span<const T>, std::span<const T>, std::span<T>, ChannelLayout)>(
            &forward<Op, T>),
        static_cast<void (*)(std::span<const T>, std::span<const T>, std::span<const T>, std::span<T>,
                             std::span<T>, ChannelLayout)>(&backward<Op, T>)};
  } else {
    return std::pair{
        static_cast<void (*)(std::span<const T>, std::span<T>, RowLayout)>(&forward<Op, T>),
        static_cast<void (*)(std::span<const T>, std::span<const T>, std::span<T>, RowLayout)>(
            &backward<Op, T>)};
  }
}
template <class... Ops>
constexpr auto all_entry_points(OpList<Ops...>) {
  return std::tuple{entry_points<Ops, float>()..., entry_points<Ops, double>()...};
}
[[gnu::used]] const auto kEntryPoints = all_entry_points(AllOps{});
}  // namespace

// ---- targets and threads ----

namespace {
// Every target compiled in and supported, best first, with its Highway bit.
const std::vector<std::pair<std::string, std::int64_t>>& all_targets() {
  static const auto kAll = [] {
    hwy::SetSupportedTargetsForTest(0);  // no override is in force before the first query
    std::vector<std::pair<std::string, std::int64_t>> all;
    for (std::int64_t t : hwy::SupportedAndGeneratedTargets()) all.emplace_back(hwy::TargetName(t), t);
    return all;
  }();
  return kAll;
}
}  // namespace

std::vector<std::string> targets() {
  std::vector<std::string> names;
  for (const auto& [name, bit] : all_targets()) names.push_back(name);
  return names;
}

std::string current_target() { return hwy::TargetName(table().target); }

void set_target(std::string_view name) {
  all_targets();
  if (name.empty()) {
    hwy::SetSupportedTargetsForTest(0);
    choose_table();
    return;
  }
  for (const auto& [target_name, bit] : all_targets()) {
    if (name == target_name) {
      hwy::SetSupportedTargetsForTest(bit);
      choose_table();
      return;
    }
  }
  std::string known;
  for (const auto& n : targets()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown SIMD target '" + std::string(name) + "' (available: " + known + ")");
}

int num_threads() {
  const int n = g_state.threads.load();
  return n > 0 ? n : omp_get_max_threads();
}

void set_num_threads(int n) {
  if (n < 0) throw Error("number of threads must be >= 0 (0: default), got " + std::to_string(n));
  g_state.threads.store(n);
}

std::int64_t parallel_threshold() { return g_state.parallel.load(); }

void set_parallel_threshold(std::int64_t work) {
  if (work < 0) throw Error("parallel threshold must be >= 0 (0: threads for any work), got " + std::to_string(work));
  g_state.parallel.store(work);
}

std::size_t streaming_threshold() { return g_state.streaming.load(); }

void set_streaming_threshold(std::size_t bytes) { g_state.streaming.store(bytes); }

}  // namespace activa::kernels

#endif  // HWY_ONCE
