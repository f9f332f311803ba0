// Sweeps every float32 input (all 2^32 bit patterns) through every function's
// forward and backward kernel and measures the error against a correctly
// rounded reference: the spec's own reference formula evaluated in double
// (glibc's exp, expm1, tanh, cosh are within 1 ULP of double, and each formula
// adds a few roundings: < 2^-49 relative in all), which rounds to float
// correctly unless it lies within 2^-46 relative of a rounding boundary (a
// float midpoint); those inputs are recomputed in 256-bit MPFR. Subnormal results
// count. Prints the max-ULP table the README publishes; fails if any function
// exceeds its spec's float32 budget.
//
// softmax is swept as the row [x, 0] (so y0 = sigmoid(x)) with upstream
// gradient [1, 0]; prelu with the weight 0.25. Backward is measured against the
// exact derivative at the same input (softmax: at the same saved output).
//
// Run: build/tests/exhaustive_test            (about 8 minutes on 2 cores, AVX-512)
//      build/tests/exhaustive_test 0x3f000000 0x3f800000   (a sub-range of bit patterns)
#include <omp.h>

#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "tests/mp_real.h"
#include "tests/test_support.h"
#include "tests/float_reference.h"

namespace activa::test {
namespace {

constexpr std::uint64_t kChunk = 1 << 16;

// Whether double `ref` may round to float differently from the exact value:
// it lies within 2^-46 relative of the midpoint between two floats.
bool near_midpoint(double ref) {
  if (!std::isfinite(ref) || ref == 0 || std::abs(ref) > std::numeric_limits<float>::max()) return false;
  const float f = static_cast<float>(ref);
  const double half = float_spacing(f) / 2;
  const double offset = std::abs(ref - static_cast<double>(f));  // <= half
  return half - offset <= std::abs(ref) * 0x1p-46;
}

// The largest error and its input; of inputs that err equally (x and -x,
// often), the one with the smaller bit pattern, so that the threads' order
// (dynamic scheduling) does not change which one the table shows.
struct Worst {
  double ulp = 0;
  float x = 0, actual = 0;
  double ref = 0;
  std::uint64_t midpoints = 0;
  bool beaten_by(double u, float xi) const {
    return u > ulp || (u == ulp && std::bit_cast<std::uint32_t>(xi) < std::bit_cast<std::uint32_t>(x));
  }
  void update(double u, float xi, float a, double r) {
    if (beaten_by(u, xi)) *this = {u, xi, a, r, midpoints};
  }
  void merge(const Worst& o) {
    const std::uint64_t m = midpoints + o.midpoints;
    if (beaten_by(o.ulp, o.x)) *this = o;
    midpoints = m;
  }
};

// The exact value at x as double, or via MPFR where rounding is in doubt.
template <class F, class G>
double reference(float x, Worst& w, F&& in_long_double, G&& in_mpfr) {
  const double r = in_long_double(static_cast<double>(x));
  if (!near_midpoint(r)) return r;
  ++w.midpoints;
  const MpReal m = in_mpfr(MpReal(static_cast<double>(x)));
  // The float that MPFR rounds to, nudged by the remaining difference, keeps the ULP measure exact enough.
  return static_cast<double>(m.to_float()) + (m - MpReal(static_cast<double>(m.to_float()))).to_double();
}

template <class Op>
void sweep(std::uint64_t lo, std::uint64_t hi, Worst& fwd, Worst& bwd) {
  const typename Op::Options options = options_as<Op, float>({});
  const std::int64_t chunks = static_cast<std::int64_t>((hi - lo + kChunk - 1) / kChunk);
#pragma omp parallel
  {
    Worst f_local, b_local;
    std::vector<float> x(kChunk), y(kChunk), dy(kChunk, 1.0f), dx(kChunk), x2, y2, dy2, dx2;
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::uint64_t b = lo + static_cast<std::uint64_t>(c) * kChunk, n = std::min(kChunk, hi - b);
      for (std::uint64_t i = 0; i < n; ++i) x[i] = std::bit_cast<float>(static_cast<std::uint32_t>(b + i));
      const std::span<const float> xs(x.data(), n);
      const std::span<float> ys(y.data(), n), dxs(dx.data(), n);
      if constexpr (Op::info.kind == Kind::pointwise) {
        kernels::forward<Op, float>(xs, ys, options);
        kernels::backward<Op, float>(Op::info.saves == Saves::input ? xs : std::span<const float>(ys), std::span<const float>(dy.data(), n), dxs, options);
        for (std::uint64_t i = 0; i < n; ++i) {
          const double rf = reference(x[i], f_local, [&](double v) { return Op::template forward<double>(v, options); },
                                            [&](const MpReal& v) { return Op::template forward<MpReal>(v, options); });
          f_local.update(ulps(y[i], rf), x[i], y[i], rf);
          const double rb = reference(x[i], b_local, [&](double v) { return Op::template derivative<double>(v, options); },
                                            [&](const MpReal& v) { return Op::template derivative<MpReal>(v, options); });
          b_local.update(ulps(dx[i], rb), x[i], dx[i], rb);
        }
      } else if constexpr (Op::info.kind == Kind::weighted) {
        const float w = 0.25f, dwv = 0;
        (void)dwv;
        std::vector<float> dw(1);
        kernels::forward<Op, float>(xs, {&w, 1}, ys, {.outer = 1, .channels = 1, .inner = static_cast<std::int64_t>(n)});
        kernels::backward<Op, float>(xs, {&w, 1}, std::span<const float>(dy.data(), n), dxs, dw, {.outer = 1, .channels = 1, .inner = static_cast<std::int64_t>(n)});
        for (std::uint64_t i = 0; i < n; ++i) {
          const double rf = Op::template forward<double>(x[i], w);
          f_local.update(ulps(y[i], rf), x[i], y[i], rf);
          const double rb = Op::template derivative<double>(x[i], w);
          b_local.update(ulps(dx[i], rb), x[i], dx[i], rb);
        }
      } else {
        // Rows [x, 0]: y0 = sigmoid(x); upstream [1, 0].
        x2.assign(2 * n, 0.0f);
        y2.resize(2 * n);
        dy2.assign(2 * n, 0.0f);
        dx2.resize(2 * n);
        for (std::uint64_t i = 0; i < n; ++i) x2[2 * i] = x[i], dy2[2 * i] = 1.0f;
        const kernels::RowLayout l{.outer = static_cast<std::int64_t>(n), .size = 2, .inner = 1};
        kernels::forward<Op, float>(x2, y2, l);
        kernels::backward<Op, float>(y2, dy2, dx2, l);
        for (std::uint64_t i = 0; i < n; ++i) {
          const double in[2] = {x[i], 0}, g[2] = {1, 0}, saved[2] = {y2[2 * i], y2[2 * i + 1]};
          double out[2], grad[2];
          Op::template forward<double>(in, out);
          if (near_midpoint(out[0])) {
            ++f_local.midpoints;
            const MpReal xm[2] = {MpReal(double(x[i])), MpReal(0.0)};
            MpReal ym[2];
            Op::template forward<MpReal>(xm, ym);
            out[0] = static_cast<double>(ym[0].to_float()) + (ym[0] - MpReal(double(ym[0].to_float()))).to_double();
          }
          f_local.update(ulps(y2[2 * i], out[0]), x[i], y2[2 * i], out[0]);
          Op::template backward<double>(saved, g, grad);
          b_local.update(ulps(dx2[2 * i], grad[0]), x[i], dx2[2 * i], grad[0]);
        }
      }
    }
#pragma omp critical
    {
      fwd.merge(f_local);
      bwd.merge(b_local);
    }
  }
}

}  // namespace
}  // namespace activa::test

int main(int argc, char** argv) {
  using namespace activa;
  using namespace activa::test;
  const std::uint64_t lo = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : 0;
  const std::uint64_t hi = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : (std::uint64_t{1} << 32);
  kernels::set_num_threads(1);  // threads run across chunks instead
  std::printf("float32, every input in [0x%08" PRIx64 ", 0x%08" PRIx64 "), target %s\n", lo, hi, kernels::current_target().c_str());
  std::printf("| function | forward max ULP | budget | backward max ULP | budget | worst forward input |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  bool ok = true;
  AllOps::for_each([&]<class Op>() {
    Worst fwd, bwd;
    sweep<Op>(lo, hi, fwd, bwd);
    const bool pass = fwd.ulp <= Op::info.forward_ulp.float32 && bwd.ulp <= Op::info.backward_ulp.float32;
    ok = ok && pass;
    std::printf("| %s | %.4f | %g | %.4f | %g | %s -> %s, exact %.9g |%s\n", Op::info.name.data(), fwd.ulp,
                Op::info.forward_ulp.float32, bwd.ulp, Op::info.backward_ulp.float32, describe(fwd.x).c_str(),
                describe(fwd.actual).c_str(), fwd.ref, pass ? "" : "  EXCEEDS BUDGET");
    std::fflush(stdout);
  });
  std::printf("%s\n", ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
  return ok ? 0 : 1;
}
