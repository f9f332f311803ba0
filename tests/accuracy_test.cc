// Forward and backward of every op in the list, float32 and float64, against
// correctly rounded MPFR references within the error budget each spec declares,
// and against central finite differences in float64.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <span>

#include "src/kernels/exp2_table.h"
#include "src/kernels/pieces.h"
#include "src/kernels/taylor.h"
#include "tests/mp_real.h"
#include "tests/test_support.h"

namespace activa::test {
namespace {

constexpr std::size_t kRandom = 20000;

// Non-default options too, so parameters are exercised.
template <class Op>
std::vector<typename Op::Options> option_cases() {
  std::vector<typename Op::Options> cases{typename Op::Options{}};
  if constexpr (requires { Op::Options::negative_slope; }) {
    // 0.3 and 1 take leaky_relu's max(x, x * slope) on x86, 0 and -0.5 its
    // select (slopes over 1 overflow to -inf, which the ULP measure cannot take).
    for (const double slope : {0.3, 1.0, 0.0, -0.5}) cases.push_back({.negative_slope = slope});
  }
  if constexpr (requires { Op::Options::alpha; }) cases.push_back({.alpha = 0.5});
  return cases;
}

// The ULP error of `actual` against `ref`, folded into `worst`; past `budget`,
// a failure that names the case (what(): op, direction, dtype, inputs).
template <class T, class What>
void expect_within(T actual, const MpReal& ref, double budget, const What& what, double& worst, int& failures) {
  const double e = ulp_error(actual, ref);
  worst = std::max(worst, e);
  if (e > budget) {
    ++failures;
    ADD_FAILURE() << what() << " target " << kernels::current_target() << " expected " << describe(ref.to<T>())
                  << " actual " << describe(actual) << " error " << e << " ULP > budget " << budget;
  }
}

// Backward from the output: against the exact derivative_from_output at the
// same (rounded) output y times dy, within the backward budget.
template <class Op, class T>
void check_from_output(const std::vector<T>& y, const std::vector<T>& dy, const typename Op::Options& o,
                       double budget) {
  std::vector<T> dx(y.size());
  kernels::backward_from_output<Op, T>(y, dy, dx, o);
  double worst = 0;
  int failures = 0;
  for (std::size_t i = 0; i < y.size() && failures < 10; ++i) {
    if (std::isnan(y[i])) {
      // NaN passes through, except where the spec's test (elu: y <= 0) sends it to dy.
      const bool nan_ref = std::isnan(Op::template derivative_from_output<double>(double(y[i]), o));
      EXPECT_EQ(std::isnan(dx[i]), nan_ref || std::isnan(dy[i])) << Op::info.name << " from output (nan)";
      continue;
    }
    const MpReal ref = Op::template derivative_from_output<MpReal>(MpReal(double(y[i])), o) * MpReal(double(dy[i]));
    expect_within(dx[i], ref, budget, [&] {
      return std::string(Op::info.name) + " backward from output " + std::string(dtype_name(dtype_of<T>())) +
             " y=" + describe(y[i]) + " dy=" + describe(dy[i]);
    }, worst, failures);
  }
  std::printf("max error %-10s %-7s %-6s backward from output %.3f ULP\n", Op::info.name.data(),
              std::string(dtype_name(dtype_of<T>())).c_str(), kernels::current_target().c_str(), worst);
}

template <class Op, class T>
void check_pointwise(const std::vector<T>& x = sample_inputs<T>(kRandom)) {
  for (const auto& opts : option_cases<Op>()) {
    const auto o = options_as<Op, T>(opts);
    std::vector<T> y(x.size()), dy(x.size()), dx(x.size());
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> g(-2, 2);
    for (auto& v : dy) v = static_cast<T>(g(rng));
    kernels::forward<Op, T>(x, y, o);
    const std::vector<T>& saved = Op::info.saves == Saves::input ? x : y;
    kernels::backward<Op, T>(saved, dy, dx, o);
    const double fwd_budget = sizeof(T) == 4 ? Op::info.forward_ulp.float32 : Op::info.forward_ulp.float64;
    const double bwd_budget = sizeof(T) == 4 ? Op::info.backward_ulp.float32 : Op::info.backward_ulp.float64;
    double worst_fwd = 0, worst_bwd = 0;
    int failures = 0;
    for (std::size_t i = 0; i < x.size() && failures < 10; ++i) {
      if (std::isnan(x[i])) {
        EXPECT_TRUE(std::isnan(y[i])) << Op::info.name << "(nan)";
        continue;
      }
      const MpReal ref = Op::template forward<MpReal>(MpReal(double(x[i])), o);
      expect_within(y[i], ref, fwd_budget, [&] {
        return std::string(Op::info.name) + " forward " + std::string(dtype_name(dtype_of<T>())) +
               " x=" + describe(x[i]);
      }, worst_fwd, failures);
      // The exact derivative at x times dy, rounded once.
      const MpReal dref = Op::template derivative<MpReal>(MpReal(double(x[i])), o) * MpReal(double(dy[i]));
      expect_within(dx[i], dref, bwd_budget, [&] {
        return std::string(Op::info.name) + " backward " + std::string(dtype_name(dtype_of<T>())) +
               " x=" + describe(x[i]) + " dy=" + describe(dy[i]);
      }, worst_bwd, failures);
    }
    std::printf("max error %-10s %-7s %-6s forward %.3f ULP, backward %.3f ULP\n", Op::info.name.data(),
                std::string(dtype_name(dtype_of<T>())).c_str(), kernels::current_target().c_str(), worst_fwd,
                worst_bwd);
    if constexpr (DerivesFromOutput<Op>) check_from_output<Op, T>(y, dy, o, bwd_budget);
  }
}

// How far a weight gradient, a sum of n terms, may be from the exact sum
// `ref`: one rounding of the result plus the double accumulation's n * 2^-53
// of the absolute sum `abs_sum`.
template <class T>
double weight_gradient_tolerance(double ref, double abs_sum, std::size_t n) {
  return std::abs(ref) * std::numeric_limits<T>::epsilon() + abs_sum * static_cast<double>(n) * 0x1p-53;
}

template <class Op, class T>
void check_weighted() {
  // [outer=3, channels=4, inner=257]: per-channel slopes, one of them > 1 and one negative.
  const kernels::ChannelLayout l{.outer = 3, .channels = 4, .inner = 257};
  const std::size_t n = 3 * 4 * 257;
  std::vector<T> x = sample_inputs<T>(kRandom);
  x.resize(n);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> g(-2, 2);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]) || std::abs(x[i]) > T(1e30)) x[i] = static_cast<T>(g(rng) * 10);
  }
  const std::vector<T> w = {T(0.25), T(-0.5), T(1.5), T(0.01)};
  std::vector<T> y(n), dy(n), dx(n), dw(4);
  for (auto& v : dy) v = static_cast<T>(g(rng));
  kernels::forward<Op, T>(x, w, y, l);
  kernels::backward<Op, T>(x, w, dy, dx, dw, l);
  std::vector<MpReal> dw_ref(4);
  std::vector<double> dw_abs(4, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = (i / 257) % 4;
    const MpReal xi(double(x[i])), wc(double(w[c]));
    EXPECT_LE(ulp_error(y[i], Op::template forward<MpReal>(xi, wc)), Op::info.forward_ulp.float32)
        << "prelu forward x=" << describe(x[i]);
    EXPECT_LE(ulp_error(dx[i], Op::template derivative<MpReal>(xi, wc) * MpReal(double(dy[i]))),
              Op::info.backward_ulp.float32)
        << "prelu backward x=" << describe(x[i]);
    const MpReal term = Op::template weight_derivative<MpReal>(xi, wc) * MpReal(double(dy[i]));
    dw_ref[c] = dw_ref[c] + term;
    dw_abs[c] += std::abs(term.to_double());
  }
  for (std::size_t c = 0; c < 4; ++c) {
    const double err = std::abs(double(dw[c]) - dw_ref[c].to_double());
    EXPECT_LE(err, weight_gradient_tolerance<T>(dw_ref[c].to_double(), dw_abs[c], n))
        << "prelu weight gradient channel " << c;
  }
}

template <class Op, class T>
void check_along_dim() {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> g(-1, 1);
  // The largest errors, printed as the pointwise ops' are; float32 backward's
  // where dy and dot do not cancel (exact |dx| above 2^20 times the
  // cancellation tolerance: the double dot product's error is then below
  // 2^-21 of it). Float64's backward error is the dot product's wherever dx
  // is much smaller than y |dy|, so it is not summed up in ULPs.
  double worst_fwd = 0, worst_bwd = 0;
  for (std::int64_t size : {1, 2, 3, 4, 5, 7, 8, 9, 10, 16, 17, 24, 31, 32, 33, 100, 1000, 4099}) {
    for (double scale : {1.0, 30.0, 1e4}) {
      // Short rows: 45 of them, so that every block a short row can go in
      // is used: 32 rows of 1 to 4 (interleaved loads) or float rows of 5 to
      // 16 on AVX-512 (two transposed blocks), then 8, then 5 left.
      const std::int64_t rows = size <= 32 ? 45 : 5;
      std::vector<T> x(static_cast<std::size_t>(rows * size)), y(x.size()), dy(x.size()), dx(x.size());
      for (auto& v : x) v = static_cast<T>(g(rng) * scale);
      for (auto& v : dy) v = static_cast<T>(g(rng));
      const kernels::RowLayout l{.outer = rows, .size = size, .inner = 1};
      kernels::forward<Op, T>(x, y, l);
      kernels::backward<Op, T>(y, dy, dx, l);
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::size_t b = static_cast<std::size_t>(r * size), s = static_cast<std::size_t>(size);
        std::vector<MpReal> xr(s), yr(s), yo(s), dyr(s), dxr(s);
        for (std::size_t i = 0; i < s; ++i) {
          xr[i] = double(x[b + i]);
          yo[i] = double(y[b + i]);
          dyr[i] = double(dy[b + i]);
        }
        Op::template forward<MpReal>(xr, yr);
        // Backward against the exact formula on the same (rounded) saved output.
        Op::template backward<MpReal>(yo, dyr, dxr);
        double dot_abs = 0;
        for (std::size_t i = 0; i < s; ++i) dot_abs += std::abs(double(dy[b + i]) * double(y[b + i]));
        for (std::size_t i = 0; i < s; ++i) {
          const double budget = sizeof(T) == 4 ? Op::info.forward_ulp.float32 : Op::info.forward_ulp.float64;
          const double fwd_ulp = ulp_error(y[b + i], yr[i]);
          worst_fwd = std::max(worst_fwd, fwd_ulp);
          EXPECT_LE(fwd_ulp, budget)
              << Op::info.name << " size " << size << " scale " << scale << " x=" << describe(x[b + i]);
          const double bb = sizeof(T) == 4 ? Op::info.backward_ulp.float32 : Op::info.backward_ulp.float64;
          // dy - dot cancels when they are close: there the error is bounded by
          // the dot product's accumulated rounding, not by ULPs of the result.
          const double abs_err = std::abs(double(dx[b + i]) - dxr[i].to_double());
          const double cancel_tol = double(y[b + i]) * dot_abs * s * 0x1p-52;
          const double bwd_ulp = ulp_error(dx[b + i], dxr[i]);
          if (sizeof(T) == 4 && std::abs(dxr[i].to_double()) > cancel_tol * 0x1p20) {
            worst_bwd = std::max(worst_bwd, bwd_ulp);
          }
          EXPECT_TRUE(bwd_ulp <= bb || abs_err <= cancel_tol)
              << Op::info.name << " backward size " << size << " i " << i << " expected "
              << dxr[i].to_double() << " actual " << dx[b + i];
        }
      }
    }
  }
  std::printf("max error %-10s %-7s %-6s forward %.3f ULP", Op::info.name.data(),
              std::string(dtype_name(dtype_of<T>())).c_str(), kernels::current_target().c_str(), worst_fwd);
  if (sizeof(T) == 4) {
    std::printf(", backward %.3f ULP (where dy and dot do not cancel)", worst_bwd);
    // What the README states for float32 rows (two roundings over 32
    // elements, one below), tighter than the spec's budget of 2.
    EXPECT_LE(worst_bwd, 1.0) << Op::info.name << " float32 backward where dy and dot do not cancel";
  }
  std::printf("\n");
}

template <class T>
void check_all_ops() {
  for_each_op([]<class Op>() {
    if constexpr (Op::info.kind == Kind::pointwise) check_pointwise<Op, T>();
    else if constexpr (Op::info.kind == Kind::weighted) check_weighted<Op, T>();
    else check_along_dim<Op, T>();
  });
}

TEST(Accuracy, Float32AgainstMpfr) { check_all_ops<float>(); }

// Rows of every path (vectors of rows, short rows in vectors of their own,
// numerators on the stack, max first, float's one pass for max and sum): infinities and NaN as
// PyTorch gives them, in float32 and float64. A -inf element gives 0 and leaves the others
// as if it were absent; +inf or NaN anywhere, or a row of only -inf, gives NaN.
template <class T>
void check_long_row_specials(std::size_t n) {
  constexpr T inf = std::numeric_limits<T>::infinity();
  std::vector<T> base(n);
  for (std::size_t i = 0; i < n; ++i) base[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 20);
  const auto run = [&](const std::vector<T>& x) {
    std::vector<T> y(x.size());
    kernels::forward<ops::Softmax, T>(x, y, {.outer = 1, .size = static_cast<std::int64_t>(x.size()), .inner = 1});
    return y;
  };
  const std::size_t cut = n / 2, special_at = 3 * n / 4;
  std::vector<T> with = base;
  with[cut] = -inf;
  std::vector<T> without = base;
  without.erase(without.begin() + static_cast<std::ptrdiff_t>(cut));
  const std::vector<T> y = run(with), ref = run(without);
  EXPECT_EQ(y[cut], T(0));
  std::vector<MpReal> xr(without.size()), yr(without.size());
  for (std::size_t i = 0; i < without.size(); ++i) xr[i] = double(without[i]);
  ops::Softmax::forward<MpReal>(xr, yr);
  for (std::size_t i = 0, j = 0; i < n; ++i) {
    if (i == cut) continue;
    EXPECT_LE(ulp_error(y[i], yr[j]), sizeof(T) == 4 ? 1.0 : 4.0) << "n " << n << " i " << i;
    ++j;
  }
  for (const T special : {inf, std::numeric_limits<T>::quiet_NaN()}) {
    std::vector<T> x = base;
    x[special_at] = special;
    for (const T v : run(x)) EXPECT_TRUE(std::isnan(v)) << "n " << n << " " << special;
  }
  for (const T v : run(std::vector<T>(n, -inf))) EXPECT_TRUE(std::isnan(v)) << "n " << n;
}

TEST(Accuracy, SoftmaxRowSpecialValues) {
  for (const std::size_t n : {3, 4, 10, 17, 32, 1001, 5001, 270001}) {
    check_long_row_specials<float>(n);
    check_long_row_specials<double>(n);
  }
}

// +inf, NaN or all -inf in one slice among ordinary ones, in every layout a
// slice can take (vectors of rows, groups of short rows, long rows with and
// without their numerators kept, slices `inner` apart): that slice alone is
// NaN, and every other slice has the bits it has without the special.
template <class T>
void check_special_among_slices(std::int64_t size, std::int64_t inner) {
  constexpr T inf = std::numeric_limits<T>::infinity();
  const kernels::RowLayout l{.outer = 11, .size = size, .inner = inner};
  const std::size_t n = static_cast<std::size_t>(l.outer * size * inner);
  std::vector<T> base(n);
  for (std::size_t i = 0; i < n; ++i) base[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 20);
  const auto run = [&](const std::vector<T>& x) {
    std::vector<T> y(n);
    kernels::forward<ops::Softmax, T>(x, y, l);
    return y;
  };
  const std::vector<T> ref = run(base);
  // Slice (outer 5, inner `inner / 2`): element s at at(s).
  const auto at = [&](std::int64_t s) { return static_cast<std::size_t>((5 * size + s) * inner + inner / 2); };
  const auto check = [&](const std::vector<T>& x, const char* what) {
    const std::vector<T> y = run(x);
    std::vector<bool> in_slice(n);
    for (std::int64_t s = 0; s < size; ++s) in_slice[at(s)] = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (in_slice[i]) {
        EXPECT_TRUE(std::isnan(y[i])) << what << " size " << size << " inner " << inner << " at " << i;
      } else {
        EXPECT_EQ(hex_bits(y[i]), hex_bits(ref[i])) << what << " size " << size << " inner " << inner << " at " << i;
      }
    }
  };
  for (const T special : {inf, std::numeric_limits<T>::quiet_NaN()}) {
    std::vector<T> x = base;
    x[at(size / 2)] = special;
    check(x, std::isnan(special) ? "NaN" : "+inf");
  }
  std::vector<T> x = base;
  for (std::int64_t s = 0; s < size; ++s) x[at(s)] = -inf;
  check(x, "all -inf");
}

TEST(Accuracy, SoftmaxSpecialSliceAmongOthers) {
  for (const std::string& t : kernels::targets()) {
    kernels::set_target(t);
    SCOPED_TRACE("target " + t);
    for (const auto& [size, inner] : {std::pair<std::int64_t, std::int64_t>{3, 1}, {10, 1}, {17, 1}, {1001, 1},
                                      {5001, 1}, {7, 5}, {40, 37}}) {
      check_special_among_slices<float>(size, inner);
      check_special_among_slices<double>(size, inner);
    }
  }
  kernels::set_target("");
}

// Long rows' gradients with infinities and NaN, as PyTorch gives them: dx_i =
// y_i (dy_i - dot), dot = sum(dy * y), with an infinite or NaN dot making
// every output infinite or NaN (0 where y_i = 0 times an infinity is NaN).
// Float rows with a finite dot take float lanes, the others double lanes.
template <class T>
void check_backward_specials(std::size_t n) {
  constexpr T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  const kernels::RowLayout l{.outer = 1, .size = static_cast<std::int64_t>(n), .inner = 1};
  std::vector<T> x(n), base(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 5);
    base[i] = static_cast<T>(std::cos(0.11 * static_cast<double>(i)));
  }
  x[n / 3] = -inf;  // y = 0 there
  std::vector<T> y(n);
  kernels::forward<ops::Softmax, T>(x, y, l);
  ASSERT_EQ(y[n / 3], T(0));
  const std::size_t k = n / 2;
  const std::vector<std::vector<std::pair<std::size_t, T>>> cases = {
      {{k, inf}}, {{k, -inf}}, {{k, nan}}, {{k, inf}, {k + 1, -inf}}, {{n / 3, inf}}, {{n - 1, inf}, {n / 3, 1}}};
  for (const auto& specials : cases) {
    std::vector<T> dy = base, dx(n);
    for (const auto& [at, v] : specials) dy[at] = v;
    kernels::backward<ops::Softmax, T>(y, dy, dx, l);
    double dot = 0;
    for (std::size_t i = 0; i < n; ++i) dot += double(y[i]) * double(dy[i]);
    for (std::size_t i = 0; i < n; ++i) {
      const double want = double(y[i]) * (double(dy[i]) - dot);
      ASSERT_FALSE(std::isfinite(want));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(dx[i])) << "n " << n << " i " << i << " dx " << dx[i];
      } else {
        EXPECT_EQ(double(dx[i]), want) << "n " << n << " i " << i;
      }
    }
  }
}

TEST(Accuracy, SoftmaxBackwardSpecialGradients) {
  for (const std::string& t : kernels::targets()) {
    kernels::set_target(t);
    SCOPED_TRACE("target " + t);
    for (const std::size_t n : {33, 1001, 5001}) {
      check_backward_specials<float>(n);
      check_backward_specials<double>(n);
    }
  }
  kernels::set_target("");
}

TEST(Accuracy, Float64AgainstMpfr) { check_all_ops<double>(); }

// PReLU's weight gradient over layouts whose sums fall into several segments
// (src/kernels/table.h, weight_segments: 16 of 16 units, 13 over 900 units,
// blocks of one row split between segments), over the path for more than
// 1,024 channels, and over rows shorter than kColumnInner, as columns
// (column_plan: 5 segments of slices of 64 columns, pieces of 9 slices of 30,
// blocks of channels of 3,000 and 90,000 columns and of 700 channels of 5),
// on 1, 2 and 3 threads from any size: each channel's sum against one in long
// double in element order (weight_gradient_tolerance), and the input gradient
// and the forward against their one product.
template <class T>
void check_weight_segments() {
  const kernels::ChannelLayout layouts[] = {{.outer = 4, .channels = 64, .inner = 1024},
                                            {.outer = 3, .channels = 300, .inner = 300},
                                            {.outer = 1, .channels = 2, .inner = 40000},
                                            {.outer = 2, .channels = 1100, .inner = 20},
                                            {.outer = 1400, .channels = 64, .inner = 1},
                                            {.outer = 3000, .channels = 10, .inner = 3},
                                            {.outer = 7, .channels = 3000, .inner = 1},
                                            {.outer = 1, .channels = 90000, .inner = 1},
                                            {.outer = 9, .channels = 700, .inner = 5}};
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> g(-2, 2);
  for (const auto& l : layouts) {
    const auto n = static_cast<std::size_t>(l.outer * l.channels * l.inner);
    std::vector<T> x(n), dy(n), w(static_cast<std::size_t>(l.channels));
    for (auto& v : x) v = static_cast<T>(g(rng));
    for (auto& v : dy) v = static_cast<T>(g(rng));
    for (auto& v : w) v = static_cast<T>(g(rng));
    std::vector<std::size_t> channel(n);
    std::vector<long double> ref(w.size(), 0.0L), abs(w.size(), 0.0L);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = channel[i] = i / static_cast<std::size_t>(l.inner) % w.size();
      const long double term = ops::Prelu::weight_derivative<long double>(x[i], w[c]) * dy[i];
      ref[c] += term;
      abs[c] += std::abs(term);
    }
    kernels::set_parallel_threshold(0);
    for (const int threads : {1, 2, 3}) {
      kernels::set_num_threads(threads);
      std::vector<T> dx(n), dw(w.size());
      kernels::backward<ops::Prelu, T>(x, w, dy, dx, dw, l);
      const std::string where = "layout [" + std::to_string(l.outer) + ", " + std::to_string(l.channels) + ", " +
                                std::to_string(l.inner) + "], " + std::to_string(threads) + " threads";
      for (std::size_t c = 0; c < w.size(); ++c) {
        const auto r = static_cast<double>(ref[c]);
        ASSERT_LE(std::abs(static_cast<double>(dw[c]) - r),
                  weight_gradient_tolerance<T>(r, static_cast<double>(abs[c]), n))
            << "weight gradient channel " << c << ", " << where;
      }
      std::vector<T> y(n);
      kernels::forward<ops::Prelu, T>(x, w, y, l);
      for (std::size_t i = 0; i < n; ++i) {
        const T expected = x[i] > T(0) ? dy[i] : static_cast<T>(w[channel[i]] * dy[i]);
        ASSERT_EQ(dx[i], expected) << "input gradient " << i << ", " << where;
        ASSERT_EQ(y[i], x[i] > T(0) ? x[i] : static_cast<T>(w[channel[i]] * x[i])) << "forward " << i << ", " << where;
      }
    }
  }
}

TEST(Accuracy, PreluWeightGradientSegments) {
  // The defaults back however the checks end (an ASSERT returns early).
  struct Restore {
    ~Restore() {
      kernels::set_parallel_threshold(kernels::kDefaultParallelThreshold);
      kernels::set_num_threads(0);
    }
  } restore;
  check_weight_segments<float>();
  check_weight_segments<double>();
}

// The double exponentials' whole range (simd_math-inl.h): results from
// overflow down through the subnormals (|x| up to 750), and small arguments,
// where e^x - 1 keeps its relative accuracy through 0.
TEST(Accuracy, Float64ExponentRange) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> wide(-750, 750), small(-1, 1), tiny_exponent(-60, 0);
  std::vector<double> x;
  for (int i = 0; i < 20000; ++i) {
    x.push_back(wide(rng));
    x.push_back(small(rng));
    x.push_back(std::copysign(std::exp2(tiny_exponent(rng)), small(rng)));
  }
  for_each_op([&]<class Op>() {
    if constexpr (Op::info.kind == Kind::pointwise) check_pointwise<Op, double>(x);
  });
}

// The float exponential's table (src/kernels/exp2_table.h): hi is the float
// nearest 2^(j/16), and hi + lo is within 2^-48 relative of it.
TEST(Accuracy, Exp2TableAgainstMpfr) {
  const MpReal ln2 = log1p(MpReal(1));
  for (int j = 0; j < 16; ++j) {
    const MpReal exact = exp(MpReal(j) / MpReal(16) * ln2);
    const float hi = kernels::detail::kExp2Hi[j], lo = kernels::detail::kExp2Lo[j];
    EXPECT_EQ(hi, exact.to_float()) << "j = " << j;
    const double rel = (abs(MpReal(double(hi)) + MpReal(double(lo)) - exact) / exact).to_double();
    EXPECT_LE(rel, 0x1p-48) << "j = " << j;
  }
}

// Taylor jets through the spec's own formula: sigmoid(x) = 1/2 + x/4 - x^3/48
// + x^5/480 - 17 x^7/80640 + ..., the textbook series.
TEST(Accuracy, JetSeriesOfSigmoid) {
  using J = kernels::detail::Jet<7>;
  const J y = ops::Sigmoid::forward(J::Variable(0));
  const long double expected[8] = {0.5L, 0.25L, 0, -1.0L / 48, 0, 1.0L / 480, 0, -17.0L / 80640};
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(static_cast<double>(y.c[k]), static_cast<double>(expected[k]), 1e-18) << "k = " << k;
}

// The piecewise polynomials that float32 sigmoid, tanh, ELU and their
// derivatives take for |x| < 7.875 (src/kernels/pieces.h, the kernels' own
// constexpr tables): on every piece, at 129 points (65 on piece 0: u >= 0), within
// `bound` of the function relative (the tables' float coefficients included;
// measured 2^-27.3 for sigmoid and its derivative, 2^-28.6 for tanh's,
// 2^-27.4 for tanh(u) / u, 2^-28.7 for (1 - e^-u) / u), against MPFR; hi a
// multiple of 2^-24 and |lo| <= 2^-25.
template <std::size_t Degree, bool PairedSlope, bool Mirrored, class F, class G>
void check_pieces(const kernels::detail::PieceTable<Degree, PairedSlope, Mirrored>& table, double bound,
                  const F& exact, const G& name) {
  using namespace kernels::detail;
  for (std::size_t i = 0; i < kPieces; ++i) {
    const float hi = table.c[0][i], lo = table.c[1][i];
    EXPECT_EQ(std::ldexp(hi, 24), std::round(std::ldexp(hi, 24))) << name() << " piece " << i;
    EXPECT_LE(std::abs(lo), 0x1p-25f) << name() << " piece " << i;
    for (int s = i == 0 ? 0 : -64; s <= 64; ++s) {  // the kernels take u >= 0
      const MpReal t = MpReal(s) / MpReal(128);
      MpReal p(0.0);
      // The tables hold the coefficients of t scaled by 4^k, for s = t / 4 (taylor.h);
      // a mirrored table's, for -s (its argument is -u).
      const MpReal offset = MpReal(double(table.kDirection)) * t / MpReal(4);
      for (std::size_t k = Degree; k >= 1; --k) p = (p + MpReal(double(table.c[k + 1][i]))) * offset;
      if constexpr (PairedSlope) p = p + MpReal(double(table.c[Degree + 2][i])) * offset;
      p = p + MpReal(double(hi)) + MpReal(double(lo));
      const MpReal f = exact(MpReal(double(i)) / MpReal(4) + t / MpReal(4));
      EXPECT_LE((abs(p - f) / f).to_double(), bound) << name() << " piece " << i << " t " << s << "/128";
    }
  }
}

TEST(Accuracy, SigmoidPiecesAgainstMpfr) {
  check_pieces(kernels::detail::kSigmoidPieces, 0x1p-27, [](const MpReal& u) { return ops::Sigmoid::forward(MpReal(0.0) - u); }, [] { return "sigmoid(-u)"; });
  check_pieces(kernels::detail::kSigmoidDerivativePieces, 0x1p-27, [](const MpReal& u) { return ops::Sigmoid::derivative(u); }, [] { return "sigmoid'(u)"; });
}

TEST(Accuracy, TanhDerivativePiecesAgainstMpfr) {
  check_pieces(kernels::detail::kTanhDerivativePieces, 0x1p-27, [](const MpReal& u) { return ops::Tanh::derivative(u); }, [] { return "tanh'(u)"; });
}

// tanh's and ELU's pieces are of f(u) / u (1 at 0): MPFR's value at u = 0 is that limit.
TEST(Accuracy, TanhAndEluPiecesAgainstMpfr) {
  const auto over_u = [](const auto& f) {
    return [f](const MpReal& u) { return u.to_double() == 0 ? MpReal(1.0) : f(u) / u; };
  };
  check_pieces(kernels::detail::kTanhPieces, 0x1p-27, over_u([](const MpReal& u) { return ops::Tanh::forward(u); }),
               [] { return "tanh(u) / u"; });
  const auto minus_elu_of_minus = [](const MpReal& u) { return MpReal(0.0) - ops::Elu::forward(MpReal(0.0) - u); };
  check_pieces(kernels::detail::kEluPieces, 0x1p-27, over_u(minus_elu_of_minus), [] { return "(1 - e^-u) / u"; });
}

// Every target compiled in, not just the best one.
TEST(Accuracy, EveryTargetFloat32) {
  for (const std::string& t : kernels::targets()) {
    kernels::set_target(t);
    SCOPED_TRACE("target " + t);
    for_each_op([]<class Op>() {
      if constexpr (Op::info.kind == Kind::pointwise) check_pointwise<Op, float>();
    });
  }
  kernels::set_target("");
}

// ---- central finite differences in float64 ----

template <class Op>
void check_finite_differences() {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> g(-6, 6);
  const double h = 1e-6;
  if constexpr (Op::info.kind == Kind::pointwise) {
    for (const auto& o : option_cases<Op>()) {
      for (int k = 0; k < 500; ++k) {
        const double x0 = g(rng);
        if (std::any_of(Op::info.kinks.begin(), Op::info.kinks.end(),
                        [&](double kink) { return std::abs(x0 - kink) < 1e-3; }))
          continue;  // finite differences straddle a kink
        std::vector<double> x = {x0 - h, x0 + h, x0}, y(3), dy = {1, 1, 1}, dx(3);
        kernels::forward<Op, double>(x, y, o);
        const std::vector<double>& saved = Op::info.saves == Saves::input ? x : y;
        kernels::backward<Op, double>(saved, dy, dx, o);
        const double fd = (y[1] - y[0]) / (2 * h);
        EXPECT_NEAR(dx[2], fd, 1e-6 * std::max(1.0, std::abs(fd))) << Op::info.name << " at " << x0;
        if constexpr (DerivesFromOutput<Op>) {
          kernels::backward_from_output<Op, double>(y, dy, dx, o);
          EXPECT_NEAR(dx[2], fd, 1e-6 * std::max(1.0, std::abs(fd))) << Op::info.name << " from output at " << x0;
        }
      }
    }
  } else if constexpr (Op::info.kind == Kind::weighted) {
    const kernels::ChannelLayout l{.outer = 2, .channels = 3, .inner = 5};
    std::vector<double> x(30), w = {0.25, -0.3, 1.2}, dy(30), dx(30), dw(3), y(30);
    for (auto& v : x) v = g(rng);
    for (auto& v : dy) v = g(rng);
    kernels::backward<Op, double>(x, w, dy, dx, dw, l);
    // L(x, w) = <dy, prelu(x, w)>: dL/dx = dx, dL/dw = dw.
    const auto loss = [&](const std::vector<double>& xs, const std::vector<double>& ws) {
      kernels::forward<Op, double>(xs, ws, y, l);
      double s = 0;
      for (std::size_t i = 0; i < y.size(); ++i) s += dy[i] * y[i];
      return s;
    };
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::abs(x[i]) < 1e-3) continue;
      auto xp = x, xm = x;
      xp[i] += h;
      xm[i] -= h;
      EXPECT_NEAR(dx[i], (loss(xp, w) - loss(xm, w)) / (2 * h), 1e-6) << "prelu dx " << i;
    }
    for (std::size_t c = 0; c < w.size(); ++c) {
      auto wp = w, wm = w;
      wp[c] += h;
      wm[c] -= h;
      EXPECT_NEAR(dw[c], (loss(x, wp) - loss(x, wm)) / (2 * h), 1e-6) << "prelu dw " << c;
    }
  } else {
    // Softmax over a [2, 4, 3] tensor along each dim: L = <dy, softmax(x)>.
    const std::vector<std::int64_t> shape = {2, 4, 3};
    std::vector<double> x(24), dy(24), y(24), dx(24);
    for (auto& v : x) v = g(rng);
    for (auto& v : dy) v = g(rng);
    for (std::int64_t d = 0; d < 3; ++d) {
      kernels::RowLayout l;
      for (std::int64_t i = 0; i < 3; ++i) (i < d ? l.outer : i == d ? l.size : l.inner) *= shape[i];
      kernels::forward<Op, double>(x, y, l);
      kernels::backward<Op, double>(y, dy, dx, l);
      const auto loss = [&](const std::vector<double>& xs) {
        std::vector<double> ys(24);
        kernels::forward<Op, double>(xs, ys, l);
        double s = 0;
        for (std::size_t i = 0; i < ys.size(); ++i) s += dy[i] * ys[i];
        return s;
      };
      for (std::size_t i = 0; i < x.size(); ++i) {
        auto xp = x, xm = x;
        xp[i] += h;
        xm[i] -= h;
        EXPECT_NEAR(dx[i], (loss(xp) - loss(xm)) / (2 * h), 1e-7) << "softmax dim " << d << " i " << i;
      }
    }
  }
}

TEST(Gradients, CentralFiniteDifferencesFloat64) {
  for_each_op([]<class Op>() { check_finite_differences<Op>(); });
}

}  // namespace
}  // namespace activa::test
