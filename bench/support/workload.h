// What a benchmark case is and how activa's kernel for it is called: shared by
// the comparison binary (bench/compare.cc) and `activa bench` (cli/bench.cc),
// so both time the same calls on the same shapes. Functions come from the one
// list (activa/ops/all.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "activa/kernels.h"

namespace activa::bench {

// backward_y: backward from the saved output y (kernels::backward_from_output,
// ATen's sigmoid_backward, oneDNN's *_use_dst_for_bwd), for the functions
// that have one; backward: what info.saves names (the input, or the output
// for relu and softmax). Both backwards read two arrays and write one.
enum class Direction : unsigned char { forward, backward, backward_y };
std::string_view direction_name(Direction d);

// The shapes the benchmarks give n elements:
//   - pointwise: a flat array;
//   - prelu: [n / 4096, 64, 64], a batch of 64-channel 8x8 maps with one
//     weight per channel (PReLU(num_parameters=64)); [1, 1, n] with a single
//     weight when 4096 does not divide n. set_prelu_inner(i) (the benchmarks'
//     --prelu-inner) makes it [n / (64 i), 64, i]: with 1, a batch of 64
//     features, as after a linear layer;
//   - softmax: n / cols rows of `cols` (dim 1); n / cols * cols elements in all.
constexpr std::int64_t kPreluChannels = 64, kPreluInner = 64;
kernels::ChannelLayout prelu_layout(std::int64_t n);
void set_prelu_inner(std::int64_t inner);  // >= 1
// --prelu-inner's value: an element count (parse_size) from 1 to 1Gi.
std::optional<std::int64_t> parse_prelu_inner(std::string_view text);
// "[n/4096, 64, 64]": prelu's layout as the benchmarks' texts name it.
std::string prelu_layout_text();
kernels::RowLayout softmax_layout(std::int64_t n, std::int64_t cols);

// Whether `function` runs along a dim (rows of `cols`), from its spec.
bool is_row_wise(std::string_view function);
// Whether `function` has a backward from the output (DerivesFromOutput).
bool has_backward_from_output(std::string_view function);
// The function names in list order.
std::vector<std::string> function_names();

// One timed case. cols is 0 for functions that are not row-wise.
struct Case {
  std::string function;
  Direction direction = Direction::forward;
  std::int64_t n = 0;     // nominal size: 4Ki, 256Ki, ...
  std::int64_t cols = 0;
  int threads = 1;
};
// The cases of one function at one size and thread count: forward, backward,
// backward_y where the function has it; once per row length in `cols` that
// fits in n for row-wise functions.
std::vector<Case> cases_of(const std::string& function, std::int64_t n, int threads,
                           std::span<const std::int64_t> cols);
// Elements a case processes: n, or whole rows of cols for row-wise functions
// (0 when a row does not fit in n).
std::int64_t elements(const Case& c);
// Threads a kernel of n elements really uses: one below
// kernels::parallel_threshold(), as activa's kernels do; the bandwidth limit
// of the same size follows the same rule.
int effective_threads(std::int64_t n, int threads);

// The buffers a case reads and writes, at least elements() long: x is the
// input (forward) or the saved tensor (backward, whatever info.saves names:
// speed does not depend on the values), grad_output the upstream gradient,
// out the output or grad_input. weight and grad_weight hold kPreluChannels.
template <class T>
struct Operands {
  std::span<T> x, grad_output, out, weight, grad_weight;
};

// The call timed for activa: kernels::forward/backward<Op, T> with the op's
// default options (leaky_relu 0.01, elu alpha 1, prelu weight 0.25).
// Arguments are checked here, once, so the call itself is the kernel.
template <class T>
std::function<void()> activa_kernel(const Case& c, const Operands<T>& operands);

// Sizes as the options spell them: 4096 -> "4Ki", 16777216 -> "16Mi", 1000 -> "1000".
std::string size_text(std::int64_t n);
// Reads "4Ki", "16Mi", "1Gi" or a plain count (> 0); nullopt if it is not one.
std::optional<std::int64_t> parse_size(std::string_view text);

}  // namespace activa::bench
