// The per-target kernel table: one entry per op and element type, derived from
// the list. Each Highway target fills one (dispatch.cc); the public API picks the
// table of the chosen target and splits work across threads. Target-independent.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <tuple>

#include "activa/kernels.h"

namespace activa::kernels::detail {

// Work for a weighted op's backward is cut into units of at most
// kWeightedBlock elements of one (outer, channel) row; each unit writes one
// partial weight-gradient sum. The units fall into weight_segments(l)
// contiguous segments; a segment sums its units' partial sums per channel in
// unit order, and each channel's gradient is its segments' sums added in
// segment order (dispatch.cc). Nothing there depends on the thread count, so
// neither does the result.
inline constexpr std::int64_t kWeightedBlock = 1 << 14;

inline std::int64_t blocks_per_row(const ChannelLayout& l) {
  return l.inner == 0 ? 0 : (l.inner + kWeightedBlock - 1) / kWeightedBlock;
}

// Segments are what the threads share out: one parallel region a call, each
// thread a contiguous run of them. Their per-channel sums sit on the caller's
// stack, at most kSegmentSums doubles (32 KiB). There are at most kMaxSegments
// segments, as many as those sums allow, each of at least kSegmentElements
// elements where the layout has that many (and of at least one unit). 0 where
// fewer than kMinSegments segments' sums would fit (more than 1,024 channels;
// dispatch.cc then takes one channel at a time) or there is no unit.
inline constexpr std::int64_t kSegmentSums = 4096, kMaxSegments = 16, kMinSegments = 4, kSegmentElements = 16384;

inline std::int64_t weight_segments(const ChannelLayout& l) {
  const std::int64_t units = l.outer * l.channels * blocks_per_row(l);
  if (units == 0 || l.channels > kSegmentSums / kMinSegments) return 0;
  const std::int64_t by_size = std::max<std::int64_t>(1, l.outer * l.channels * l.inner / kSegmentElements);
  return std::min({kMaxSegments, kSegmentSums / l.channels, by_size, units});
}

// What an element costs a body, in units of relu's forward (a load, a
// compare, a store): the threads start where the work pays for their fork and
// join (dispatch.cc). Measured with 1 and 2 threads at 2-64 Ki elements on the
// 2-core AVX-512 machine; each body states its own, kCost for float and
// double alike, and kCost64 for double where its double path computes
// otherwise (dispatch.cc, CostOf).
struct Cost {
  std::int64_t forward = 1, backward = 1;
  // Backward from the output (DerivesFromOutput ops): a fused multiply-add
  // and a multiply.
  std::int64_t from_output = 2;
};

// Double sigmoid, tanh and ELU, both directions: an exponential in double,
// ~3-4x float's pieces per element (simd_math-inl.h). They break even on two
// threads at ~1.7 Ki elements (AMD Zen 4, 2 cores, 2026-12-02: `activa bench
// --dtype float64 --threads 1,2 --parallel-threshold 0 --sizes 1Ki,2Ki,4Ki`,
// best of three runs: 0.81x-0.83x one thread's rate at 1 Ki, 1.09x-1.14x at
// 2 Ki). With 32, set for the Taylor-series exponential before 2026-12-02
// (break-even ~1 Ki on Zen 5), two threads ran from 1 Ki.
inline constexpr Cost kDoubleExpCost{.forward = 16, .backward = 16};

// From this cost up, a body is one long dependency chain per vector (an
// exponential, a polynomial): its drivers interleave four vectors
// (twin-inl.h). Cheaper bodies are bound by loads and stores and keep one
// vector after another.
inline constexpr std::int64_t kChainCost = 4;
constexpr bool interleaves(std::int64_t cost) { return cost >= kChainCost; }

// Contiguous rows up to this length run in vectors of their own (one row
// at a time, masked) or, forward below kVectorRow (drivers-inl.h), a vector
// of rows at a time, transposed through a stack buffer; longer ones one row
// at a time with full vectors along the row. Either costs about as much per
// element as kShortRowCost copies more than the body: softmax over float rows
// of 10 breaks even on two threads at ~2 Ki elements forward and ~3 Ki
// backward (Zen 5; with 24, 0.72x and 0.52x one thread's at 1,000 elements).
inline constexpr std::size_t kSmallRow = 32;
inline constexpr std::int64_t kShortRowCost = 8;

template <class Op, class T, Kind = Op::info.kind>
struct KernelFns;

template <class Op, class T>
struct KernelFns<Op, T, Kind::pointwise> {
  using Options = typename Op::Options;
  // stream: store the output around the caches (drivers-inl.h, ForEachOutput).
  // The options by value: behind a reference, the compiler must assume every
  // store through the output may change them, and reloads them each vector
  // (leaky_relu reconverted its slope: forward 1.76x faster at 4 Ki without).
  void (*forward)(const T* x, T* y, std::size_t n, Options o, bool stream);
  void (*backward)(const T* saved, const T* dy, T* dx, std::size_t n, Options o, bool stream);
  // nullptr unless DerivesFromOutput<Op>.
  void (*backward_from_output)(const T* y, const T* dy, T* dx, std::size_t n, Options o, bool stream);
  Cost cost;
};

template <class Op, class T>
struct KernelFns<Op, T, Kind::weighted> {
  // Rows [row_begin, row_end) of the outer * channels rows.
  void (*forward)(const T* x, const T* w, T* y, ChannelLayout l, std::int64_t row_begin,
                  std::int64_t row_end, bool stream);
  // Units [unit_begin, unit_end) of rows * blocks_per_row units;
  // partial[u - unit_begin] gets unit u's sum.
  void (*backward)(const T* x, const T* w, const T* dy, T* dx, double* partial, ChannelLayout l,
                   std::int64_t unit_begin, std::int64_t unit_end, bool stream);
  Cost cost;
};

template <class Op, class T>
struct KernelFns<Op, T, Kind::along_dim> {
  // Outer indices [outer_begin, outer_end), each holding `inner` slices.
  // stream: contiguous rows longer than kSmallRow (forward: kForwardVectorRow, drivers-inl.h)
  // store their outputs around the caches.
  void (*forward)(const T* x, T* y, RowLayout l, std::int64_t outer_begin, std::int64_t outer_end, bool stream);
  void (*backward)(const T* y, const T* dy, T* dx, RowLayout l, std::int64_t outer_begin,
                   std::int64_t outer_end, bool stream);
  Cost cost;
};

template <class List>
struct TableOf;
template <class... Ops>
struct TableOf<OpList<Ops...>> {
  std::tuple<KernelFns<Ops, float>..., KernelFns<Ops, double>...> fns;
  std::int64_t target;  // the Highway target whose bodies these are (HWY_TARGET)

  template <class Op, class T>
  const KernelFns<Op, T>& get() const {
    return std::get<KernelFns<Op, T>>(fns);
  }
};

using KernelTable = TableOf<AllOps>;

}  // namespace activa::kernels::detail
