#include "bench/accuracy.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "activa/ops/all.h"
#include "bench/support/buffer.h"
#include "bench/support/table.h"
#include "bench/support/workload.h"
#include "tests/float_reference.h"
#include "tests/test_support.h"

namespace activa::bench {
namespace {

// Inputs per call: large enough that creating a baseline's primitive per
// chunk costs nothing against running it.
constexpr std::size_t kChunk = std::size_t{1} << 22;

struct Tally {
  double max_ulp = -1;  // none measured yet
  float x = 0, got = 0;
  double exact = 0;
  std::uint64_t over_one = 0, non_finite = 0;

  void add(float xi, float result, double ref) {
    const double u = test::ulps(result, ref);
    if (std::isinf(u)) {
      ++non_finite;
    } else {
      over_one += u > 1;
      if (u > max_ulp) {
        max_ulp = u;
        x = xi;
        got = result;
        exact = ref;
      }
    }
  }
  std::string worst() const {
    char exact_text[32];
    std::snprintf(exact_text, sizeof exact_text, "%.9g", exact);
    return test::describe(x) + " -> " + test::describe(got) + " (" + exact_text + ")";
  }
};

std::string ulp_text(double u) {
  char buf[32];
  std::snprintf(buf, sizeof buf, u < 1000 ? "%.3f" : "%.3g", u);
  return buf;
}

// One function and direction at input x: what the kernel reads (x itself,
// or for a backward from the output the output rounded to float), the exact
// value it should give, and the row length (softmax: rows [x, 0], whose first
// output is measured).
struct Sweep {
  std::string function;
  Direction direction;
  std::int64_t cols = 0;
  std::function<double(float)> exact;  // the spec's reference in double
  std::function<float(float)> saved = [](float x) { return x; };
};

std::vector<Sweep> sweeps_of(const std::string& function) {
  std::vector<Sweep> out;
  AllOps::visit(function, [&]<class Op>() {
    if constexpr (Op::info.kind == Kind::pointwise) {
      const auto o = options_as<Op, float>({});
      const auto y = [o](float x) { return static_cast<float>(Op::template forward<double>(x, o)); };
      const auto derivative = [o](float x) { return Op::template derivative<double>(x, o); };
      out.push_back({function, Direction::forward, 0, [o](float x) { return Op::template forward<double>(x, o); }});
      if (Op::info.saves == Saves::input) {
        out.push_back({function, Direction::backward, 0, derivative});
      } else {
        out.push_back({function, Direction::backward, 0, derivative, y});  // relu: from its output
      }
      if constexpr (DerivesFromOutput<Op>) {
        // The exact derivative at the rounded output, as kernels::backward_from_output promises.
        out.push_back({function, Direction::backward_y, 0,
                       [o, y](float x) { return Op::template derivative_from_output<double>(y(x), o); }, y});
      }
    } else if constexpr (Op::info.kind == Kind::weighted) {
      const double w = typename Op::Options{}.init;
      out.push_back({function, Direction::forward, 0, [w](float x) { return Op::template forward<double>(x, w); }});
    } else {
      out.push_back({function, Direction::forward, 2, [](float x) {
                       const double in[2] = {x, 0};
                       double y[2];
                       Op::template forward<double>(in, y);
                       return y[0];
                     }});
    }
  });
  return out;
}

}  // namespace

std::string accuracy_table(const std::vector<Baseline>& baselines, const std::vector<std::string>& functions,
                           std::uint64_t stride, int threads) {
  const std::uint64_t total = ((std::uint64_t{1} << 32) + stride - 1) / stride;
  Buffer<float> x(2 * kChunk), dy(2 * kChunk), out(2 * kChunk), w(kPreluChannels), dw(kPreluChannels);
  std::fill_n(dy.data(), dy.size(), 1.0f);
  std::vector<double> exact(kChunk);
  std::vector<float> saved(kChunk);
  const Operands<float> o{x.span(), dy.span(), out.span(), w.span(), dw.span()};

  Table table({"<function", "<direction", "<implementation", "max ULP", "> 1 ULP", "NaN/inf differ",
               "<worst input -> result (exact)"});
  for (const std::string& function : functions) {
    for (const Sweep& s : sweeps_of(function)) {
      // activa first, then the baselines in their order.
      std::vector<std::pair<std::string, std::function<std::function<void()>(std::int64_t)>>> impls;
      impls.emplace_back("activa", [&s, &o, threads](std::int64_t n) {
        return activa_kernel<float>({s.function, s.direction, n, s.cols, threads}, o);
      });
      for (const Baseline& b : baselines) {
        if (b.function != s.function || b.direction != s.direction) continue;
        impls.emplace_back(std::string(b.name), [&b, &s, &o, threads](std::int64_t n) {
          return b.make(o, n, s.cols, b.single_threaded ? 1 : threads);
        });
      }
      std::vector<Tally> tallies(impls.size());
      const std::size_t per_input = s.cols > 0 ? static_cast<std::size_t>(s.cols) : 1;
      for (std::uint64_t first = 0; first < total; first += kChunk) {
        const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, total - first));
        const auto input = [&](std::size_t i) {
          return std::bit_cast<float>(static_cast<std::uint32_t>((first + i) * stride));
        };
#pragma omp parallel for num_threads(threads)
        for (std::size_t i = 0; i < count; ++i) {
          exact[i] = s.exact(input(i));
          saved[i] = s.saved(input(i));
        }
        for (std::size_t k = 0; k < impls.size(); ++k) {
          std::fill_n(x.data(), count * per_input, 0.0f);
          for (std::size_t i = 0; i < count; ++i) x.data()[i * per_input] = saved[i];
          std::fill_n(w.data(), w.size(), 0.25f);
          impls[k].second(static_cast<std::int64_t>(count * per_input))();
          for (std::size_t i = 0; i < count; ++i) tallies[k].add(input(i), out.data()[i * per_input], exact[i]);
        }
      }
      for (std::size_t k = 0; k < impls.size(); ++k) {
        const Tally& t = tallies[k];
        table.add_row({s.function, std::string(direction_name(s.direction)), impls[k].first,
                       ulp_text(t.max_ulp), std::to_string(t.over_one), std::to_string(t.non_finite), t.worst()});
      }
    }
  }
  std::ostringstream os;
  const std::uint64_t tens = stride % 100, units = stride % 10;
  const char* suffix = tens >= 11 && tens <= 13 ? "th" : units == 1 ? "st" : units == 2 ? "nd" : units == 3 ? "rd" : "th";
  os << "float32, " << (stride == 1 ? "every" : "every " + std::to_string(stride) + suffix) << " bit pattern ("
     << total << " inputs), upstream gradient 1; ULPs of the result against the spec's formula in double.\n\n"
     << table.markdown();
  return os.str();
}

}  // namespace activa::bench
