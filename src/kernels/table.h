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

// Layouts whose channel rows are shorter than kColumnInner elements (PReLU
// after a linear layer: [batch, features], inner 1) run as columns instead of
// rows: each outer slice is one row of channels * inner columns, and column j
// takes the weight w[j / inner] (w itself where inner is 1, else a copy
// spread out on the stack). Row by row, such layouts paid a loop's set-up per
// row of a few elements: [4096, 64, 1] ran at 0.29 Gelem/s forward and 0.18
// backward, [1024, 4096, 1] backward at 0.035 (one element a unit), where
// [64, 64, 64] ran at 10.6 and 5.2. The weight gradient sums each column over
// the slices in slice order, in double, and each channel's gradient is its
// columns' sums added in column order: fixed by the layout, so the same bits
// on every target and thread count.
inline constexpr std::int64_t kColumnInner = 32;
// Columns one call takes at a time: its spread weights and its columns' sums
// (16 KiB of doubles, within L1) on the stack.
inline constexpr std::int64_t kColumnBlock = 2048;
// The narrowest block the backward cuts wide slices into for more threads:
// [1024, 4096, 1] on one thread ran 1.1 Gelem/s in 16 blocks of 256 columns,
// 1.3-1.4 in 2 of 2,048 (each block reads a piece of every slice).
inline constexpr std::int64_t kColumnBlockMin = 1024;
// Rows shorter than this many elements go k at a time, as one piece of at
// least this length (the columns' sums then hold k copies of the row, added
// up in copy order at the end): a loop's set-up per row of 10 cost more than
// the row.
inline constexpr std::int64_t kColumnPiece = 256;

// The columns of a slice, and the period of the pieces: k whole rows.
inline std::int64_t column_count(const ChannelLayout& l) { return l.channels * l.inner; }
inline std::int64_t column_period(const ChannelLayout& l) {
  const std::int64_t cols = column_count(l);
  return cols >= kColumnPiece ? cols : cols * ((kColumnPiece + cols - 1) / cols);
}

// The forward's blocks (forward_columns): 1 where the weights of a period
// fit kColumnBlock or need no spreading (inner 1), and [begin, end) counts
// elements; else the slices' blocks of kColumnBlock columns, and [begin, end)
// counts (block, slice) items, block after block, so that a call spreads a
// block's weights once for all its slices.
inline std::int64_t forward_column_blocks(const ChannelLayout& l) {
  const std::int64_t cols = column_count(l);
  return l.inner == 1 || column_period(l) <= kColumnBlock ? 1 : (cols + kColumnBlock - 1) / kColumnBlock;
}

// How the backward shares out a column layout (dispatch.cc): slices of up to
// kColumnBlock columns fall into `segments` contiguous runs of slices, each
// summing all columns, their sums (segments * columns doubles, at most
// kSegmentSums) added in segment order; wider slices into `blocks` of whole
// channels, each summing its columns over all slices. Fixed by the layout.
struct ColumnPlan {
  std::int64_t segments = 1, blocks = 1;
};
inline ColumnPlan column_plan(const ChannelLayout& l) {
  const std::int64_t cols = column_count(l);
  const std::int64_t by_size = std::max<std::int64_t>(1, l.outer * cols / kSegmentElements);
  if (cols <= kColumnBlock) return {.segments = std::min({kMaxSegments, kSegmentSums / cols, by_size, l.outer})};
  const std::int64_t per_block = kColumnBlock / l.inner;  // channels a block holds at most
  const std::int64_t fit = (l.channels + per_block - 1) / per_block;
  return {.blocks = std::max(fit, std::min({kMaxSegments, by_size, cols / kColumnBlockMin}))};
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
  // Layouts with inner < kColumnInner, as columns: the forward over
  // [begin, end), elements or items (forward_column_blocks); the backward over slices [o_begin, o_end) and columns
  // [col_begin, col_end) (whole channels, at most kColumnBlock of them unless
  // they are all the columns), sums[j - col_begin] getting column j's weight
  // terms summed from +0.
  void (*forward_columns)(const T* x, const T* w, T* y, ChannelLayout l, std::int64_t begin, std::int64_t end,
                          bool stream);
  void (*backward_columns)(const T* x, const T* w, const T* dy, T* dx, double* sums, ChannelLayout l,
                           std::int64_t o_begin, std::int64_t o_end, std::int64_t col_begin, std::int64_t col_end,
                           bool stream);
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
