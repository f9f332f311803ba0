// Eigen 3.4 array expressions, single-threaded (Eigen does not thread
// coefficient-wise code), compiled for the host CPU (-march=native where the
// compiler has it) so that Eigen's packet math uses the widest vectors.
// Forward uses Eigen's own functions (logistic, tanh, max, select, expm1);
// backward, which Eigen has no function for, is the derivative written as an
// array expression from what PyTorch keeps (the output for sigmoid, tanh,
// relu; the input for leaky_relu, elu), and for elu from the output too.
// prelu and softmax: Eigen has neither.
#include <Eigen/Core>

#include <string>

#include "bench/baselines/baselines.h"

namespace activa::bench {
namespace {

using Array = Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64>;

template <class F>
std::function<void()> over(const Operands<float>& o, std::int64_t n, F f) {
  const Array x(o.x.data(), n), dy(o.grad_output.data(), n);
  Array out(o.out.data(), n);
  return [=]() mutable { f(x, dy, out); };
}

struct SigmoidF { void operator()(const Array& x, const Array&, Array& y) const { y = x.logistic(); } };
struct SigmoidB { void operator()(const Array& y, const Array& dy, Array& dx) const { dx = dy * y * (1.f - y); } };
struct TanhF { void operator()(const Array& x, const Array&, Array& y) const { y = x.tanh(); } };
struct TanhB { void operator()(const Array& y, const Array& dy, Array& dx) const { dx = dy * (1.f - y.square()); } };
struct ReluF { void operator()(const Array& x, const Array&, Array& y) const { y = x.max(0.f); } };
struct ReluB { void operator()(const Array& y, const Array& dy, Array& dx) const { dx = (y > 0.f).select(dy, 0.f); } };
struct LeakyF { void operator()(const Array& x, const Array&, Array& y) const { y = (x > 0.f).select(x, 0.01f * x); } };
struct LeakyB {
  void operator()(const Array& x, const Array& dy, Array& dx) const { dx = (x > 0.f).select(dy, 0.01f * dy); }
};
struct EluF { void operator()(const Array& x, const Array&, Array& y) const { y = (x > 0.f).select(x, x.expm1()); } };
struct EluB {
  void operator()(const Array& x, const Array& dy, Array& dx) const { dx = (x > 0.f).select(dy, dy * x.exp()); }
};
struct EluBY {
  void operator()(const Array& y, const Array& dy, Array& dx) const { dx = (y > 0.f).select(dy, dy * (y + 1.f)); }
};

template <class F>
Baseline entry(std::string_view function, Direction d) {
  return {"eigen", function, d, true,
          [](const Operands<float>& o, std::int64_t n, std::int64_t, int) { return over(o, n, F{}); }};
}

}  // namespace

std::vector<Baseline> eigen_baselines() {
  using D = Direction;
  return {entry<SigmoidF>("sigmoid", D::forward), entry<SigmoidB>("sigmoid", D::backward_y),
          entry<TanhF>("tanh", D::forward),       entry<TanhB>("tanh", D::backward_y),
          entry<ReluF>("relu", D::forward),       entry<ReluB>("relu", D::backward),
          entry<LeakyF>("leaky_relu", D::forward), entry<LeakyB>("leaky_relu", D::backward),
          entry<EluF>("elu", D::forward),         entry<EluB>("elu", D::backward),
          entry<EluBY>("elu", D::backward_y)};
}

std::string_view eigen_description() {
  static const std::string kText = "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
                                   std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) +
                                   " (SIMD: " + Eigen::SimdInstructionSetsInUse() + ")";
  return kText;
}

}  // namespace activa::bench
