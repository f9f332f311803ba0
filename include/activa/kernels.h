// Raw-buffer kernels: forward and backward of every activation in the list
// (activa/ops/all.h) over contiguous float or double buffers.
//
//   std::vector<float> x = {-5, 0, 5}, y(3), dy(3, 1.f), dx(3);
//   activa::kernels::forward<activa::ops::Sigmoid, float>(x, y);
//   activa::kernels::backward<activa::ops::Sigmoid, float>(x, dy, dx);  // sigmoid saves its input
//
// Contracts, for every function here:
//   - SIMD with runtime dispatch (AVX-512, AVX2, SSE4, SSSE3, scalar): the best
//     target the CPU has, unless set_target() chose another;
//   - OpenMP threads above a work threshold (parallel_threshold()); results
//     are bitwise identical for any thread count and on every target (no
//     FMA-vs-no-FMA or reduction-order differences: sums run in a fixed order
//     in double);
//   - accuracy: within the op's declared error budget (info.forward_ulp,
//     info.backward_ulp) against a correctly rounded reference; NaN propagates
//     and ±inf saturate as in PyTorch; subnormal results are kept;
//   - in place is allowed (an output may be an input itself); an output that
//     partially overlaps an input or another output throws activa::Error;
//   - argument sizes are checked: a mismatch throws activa::Error naming it.
//     Kernels allocate nothing.
//
// Options of type double are rounded to the element type first, as PyTorch does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "activa/ops/all.h"

namespace activa::kernels {

// The input of a `weighted` op seen as [outer, channels, inner]: channel c of
// element (o, c, i) uses weight[c]; a single weight is channels == 1.
struct ChannelLayout {
  std::int64_t outer = 1, channels = 1, inner = 1;
};
// The input of an `along_dim` op seen as [outer, size, inner]: each of the
// outer * inner slices has `size` elements `inner` apart.
struct RowLayout {
  std::int64_t outer = 1, size = 1, inner = 1;
};

// ---- pointwise ops: sigmoid, tanh, relu, leaky_relu, elu ----
// y = f(x). x and y have the same size.
template <class Op, class T>
  requires(Op::info.kind == Kind::pointwise)
void forward(std::span<const T> x, std::span<T> y, const typename Op::Options& options = {});

// grad_input = f'(.) * grad_output, where `saved` is the input x or the output
// y = f(x) as Op::info.saves says. All three have the same size.
template <class Op, class T>
  requires(Op::info.kind == Kind::pointwise)
void backward(std::span<const T> saved, std::span<const T> grad_output, std::span<T> grad_input,
              const typename Op::Options& options = {});

// grad_input = f'(x) * grad_output computed from the output y = f(x), as
// PyTorch's sigmoid_backward and tanh_backward (and elu_backward with
// is_result) do: for ops whose spec has derivative_from_output (sigmoid,
// tanh; elu with alpha >= 0, else activa::Error). It reads what PyTorch's
// autograd keeps and costs no exponential, and it is exact for the y it is
// given (within info.backward_ulp of derivative_from_output(y) times
// grad_output). But y is rounded: where sigmoid's y rounds to 1 (x > 16.6 in
// float32) or tanh's to ±1 (|x| > 9), it gives 0 while the true derivative is
// not. backward above, from the input, keeps full accuracy there.
template <class Op, class T>
  requires(Op::info.kind == Kind::pointwise && DerivesFromOutput<Op>)
void backward_from_output(std::span<const T> y, std::span<const T> grad_output, std::span<T> grad_input,
                          const typename Op::Options& options = {});

// ---- weighted ops: prelu ----
// y = f(x; weight[c]). x and y hold outer * channels * inner elements, weight `channels`.
template <class Op, class T>
  requires(Op::info.kind == Kind::weighted)
void forward(std::span<const T> x, std::span<const T> weight, std::span<T> y, ChannelLayout layout);

// grad_input = df/dx * grad_output; grad_weight[c] = sum over channel c of
// df/dw * grad_output (overwritten, not accumulated), in double, in an order
// fixed by the layout alone: the input falls into up to 16 contiguous
// segments (fewer for small inputs or more than 256 channels), each summed in
// memory order, then the segments in order; threads share out the segments.
template <class Op, class T>
  requires(Op::info.kind == Kind::weighted)
void backward(std::span<const T> x, std::span<const T> weight, std::span<const T> grad_output,
              std::span<T> grad_input, std::span<T> grad_weight, ChannelLayout layout);

// ---- along-dim ops: softmax ----
template <class Op, class T>
  requires(Op::info.kind == Kind::along_dim)
void forward(std::span<const T> x, std::span<T> y, RowLayout layout);

// grad_input from the saved output y and grad_output, slice by slice.
template <class Op, class T>
  requires(Op::info.kind == Kind::along_dim)
void backward(std::span<const T> y, std::span<const T> grad_output, std::span<T> grad_input,
              RowLayout layout);

// ---- SIMD targets and threads ----
// Names of the SIMD targets compiled in and supported by this CPU, best first
// ("AVX3", "AVX2", "SSE4", "SSSE3", "Scalar" on x86 with AVX-512).
std::vector<std::string> targets();
// The target kernels use now.
std::string current_target();
// Restricts dispatch to the named target (for tests and benchmarks); throws
// activa::Error if it is not in targets(). An empty name restores the best.
void set_target(std::string_view name);

// Threads used by kernels (default: OpenMP's default, the number of cores).
int num_threads();
void set_num_threads(int n);
// Work below which a kernel runs on one thread, counted in elements of a
// copy-like op (relu's forward: one thread below 32 Ki elements). Costlier
// ops count each element as several (float sigmoid's as 4: below 8 Ki
// elements; double sigmoid's as 16: below 2 Ki), so their threads start
// earlier. The costs were measured on 2-core machines, where the fork and
// join of two threads cost ~1.5 us; elsewhere the best cut-over differs:
// set_parallel_threshold moves it (0: threads for any work, INT64_MAX:
// never), and `activa bench --parallel-threshold 0 --threads 1,2` measures
// where two threads start to pay. The values are the same either way.
inline constexpr std::int64_t kDefaultParallelThreshold = std::int64_t{1} << 15;
std::int64_t parallel_threshold();
// Throws activa::Error for a negative work.
void set_parallel_threshold(std::int64_t work);

// Calls that read and write at least this many bytes in all store their
// output with streaming stores, around the caches: pointwise ops (sigmoid,
// tanh, relu, leaky_relu, elu: forward, backward, backward_from_output),
// prelu's forward, prelu's backward in blocks of grad_input whose start is
// aligned to the vector width (all of them where grad_input is 64-byte aligned
// and each channel's elements a multiple of 8; 1.17x-1.38x at 4-128 Mi
// elements, 1 and 2 threads), and softmax over contiguous rows longer than 32
// (forward and backward; forward on AVX-512, longer than 64). Such data no
// longer fit a core's L2, and a line written without being read first saves a
// third of a copy's memory traffic (relu from 2 Mi elements: 1.2x-1.8x faster
// on the AVX-512 machine of docs/bench.md, 1 and 2 threads; below 16 MiB, with
// the data in L2 or shared between two L2s, plain stores won). The values are
// the same either way. SIZE_MAX turns streaming off; 0 streams every call.
inline constexpr std::size_t kDefaultStreamingThreshold = std::size_t{16} << 20;
std::size_t streaming_threshold();
void set_streaming_threshold(std::size_t bytes);

}  // namespace activa::kernels
