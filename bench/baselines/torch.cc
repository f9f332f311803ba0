// PyTorch's ATen kernels, as autograd calls them: the *_out forms and the
// *_backward_out formulas on tensors wrapping the raw buffers (at::from_blob),
// outputs preallocated, in inference mode (no version-counter bumps).
// Backward gets what PyTorch's autograd saves: the output for sigmoid, tanh
// (backward_y rows), relu, softmax; the input for leaky_relu, elu, prelu. elu
// also from its output (elu_backward with is_result, as after in-place elu_).
//
// prelu has no out= kernel: 1.13's at::prelu / at::prelu_backward and 2.x's
// at::_prelu_kernel / at::_prelu_kernel_backward allocate their outputs, and
// 2.x's backward returns the elementwise weight gradient that autograd then
// sums per channel (done here too). That allocation is part of what PyTorch
// costs and is timed.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <string>

#include "bench/baselines/baselines.h"

namespace activa::bench {
namespace {

#define ACTIVA_STR2(x) #x
#define ACTIVA_STR(x) ACTIVA_STR2(x)
constexpr std::string_view kName = "torch" ACTIVA_STR(TORCH_VERSION_MAJOR) "." ACTIVA_STR(TORCH_VERSION_MINOR);

at::Tensor wrap(std::span<float> s, at::IntArrayRef shape) {
  return at::from_blob(s.data(), shape, at::TensorOptions().dtype(at::kFloat));
}

// x, grad_output, out as tensors of `shape`, threads set; f(x, dy, out) timed.
template <class F>
std::function<void()> over(const Operands<float>& o, std::vector<std::int64_t> shape, int threads, F f) {
  at::set_num_threads(threads);
  std::int64_t n = 1;
  for (std::int64_t s : shape) n *= s;
  const auto size = static_cast<std::size_t>(n);
  at::Tensor x = wrap(o.x.first(size), shape), dy = wrap(o.grad_output.first(size), shape),
             out = wrap(o.out.first(size), shape);
  return [=]() mutable {
    c10::InferenceMode guard;
    f(x, dy, out);
  };
}

template <class F>
Baseline pointwise(std::string_view function, Direction d, F) {
  return {kName, function, d, false,
          [](const Operands<float>& o, std::int64_t n, std::int64_t, int threads) {
            return over(o, {n}, threads, F{});
          }};
}

// prelu on [outer, channels, inner] with weight[channels]; x is the input.
std::function<void()> prelu(const Operands<float>& o, std::int64_t n, bool backward, int threads) {
  const kernels::ChannelLayout l = prelu_layout(n);
  at::Tensor w = wrap(o.weight.first(static_cast<std::size_t>(l.channels)), {l.channels});
  w.fill_(0.25);
  return over(o, {l.outer, l.channels, l.inner}, threads,
              [w, backward](at::Tensor& x, at::Tensor& dy, at::Tensor& out) {
                (void)out;
#if TORCH_VERSION_MAJOR >= 2
                const at::Tensor wb = w.view({1, w.numel(), 1});
                if (!backward) {
                  at::Tensor y = at::_prelu_kernel(x, wb);
                } else {
                  auto [dx, dw] = at::_prelu_kernel_backward(dy, x, wb);
                  at::Tensor dw_sum = dw.sum({0, 2});
                }
#else
                if (!backward) {
                  at::Tensor y = at::prelu(x, w);
                } else {
                  auto [dx, dw] = at::prelu_backward(dy, x, w);
                }
#endif
              });
}

// softmax over rows of `cols` (dim 1); backward from the output (x).
std::function<void()> softmax(const Operands<float>& o, std::int64_t n, std::int64_t cols, bool backward,
                              int threads) {
  const kernels::RowLayout l = softmax_layout(n, cols);
  return over(o, {l.outer, l.size}, threads, [backward](at::Tensor& x, at::Tensor& dy, at::Tensor& out) {
    if (!backward) {
      at::_softmax_out(out, x, 1, false);
    } else {
      at::_softmax_backward_data_out(out, dy, x, 1, at::kFloat);
    }
  });
}

// Capture-less functors, so pointwise() can default-construct them in a plain function.
struct SigmoidF { void operator()(at::Tensor& x, at::Tensor&, at::Tensor& y) const { at::sigmoid_out(y, x); } };
struct SigmoidB { void operator()(at::Tensor& y, at::Tensor& dy, at::Tensor& dx) const { at::sigmoid_backward_out(dx, dy, y); } };
struct TanhF { void operator()(at::Tensor& x, at::Tensor&, at::Tensor& y) const { at::tanh_out(y, x); } };
struct TanhB { void operator()(at::Tensor& y, at::Tensor& dy, at::Tensor& dx) const { at::tanh_backward_out(dx, dy, y); } };
struct ReluF { void operator()(at::Tensor& x, at::Tensor&, at::Tensor& y) const { at::clamp_min_out(y, x, 0); } };
struct ReluB { void operator()(at::Tensor& y, at::Tensor& dy, at::Tensor& dx) const { at::threshold_backward_out(dx, dy, y, 0); } };
struct LeakyF { void operator()(at::Tensor& x, at::Tensor&, at::Tensor& y) const { at::leaky_relu_out(y, x, 0.01); } };
struct LeakyB {
  void operator()(at::Tensor& x, at::Tensor& dy, at::Tensor& dx) const {
    at::leaky_relu_backward_out(dx, dy, x, 0.01, /*self_is_result=*/false);
  }
};
struct EluF { void operator()(at::Tensor& x, at::Tensor&, at::Tensor& y) const { at::elu_out(y, x, 1, 1, 1); } };
struct EluB {
  void operator()(at::Tensor& x, at::Tensor& dy, at::Tensor& dx) const {
    at::elu_backward_out(dx, dy, 1, 1, 1, /*is_result=*/false, x);
  }
};
struct EluBY {
  void operator()(at::Tensor& y, at::Tensor& dy, at::Tensor& dx) const {
    at::elu_backward_out(dx, dy, 1, 1, 1, /*is_result=*/true, y);
  }
};

}  // namespace

std::vector<Baseline> torch_baselines() {
  using D = Direction;
  return {
      pointwise("sigmoid", D::forward, SigmoidF{}),
      pointwise("sigmoid", D::backward_y, SigmoidB{}),
      pointwise("tanh", D::forward, TanhF{}),
      pointwise("tanh", D::backward_y, TanhB{}),
      pointwise("relu", D::forward, ReluF{}),
      pointwise("relu", D::backward, ReluB{}),
      pointwise("leaky_relu", D::forward, LeakyF{}),
      pointwise("leaky_relu", D::backward, LeakyB{}),
      pointwise("elu", D::forward, EluF{}),
      pointwise("elu", D::backward, EluB{}),
      pointwise("elu", D::backward_y, EluBY{}),
      {kName, "prelu", D::forward, false,
       [](const Operands<float>& o, std::int64_t n, std::int64_t, int t) { return prelu(o, n, false, t); }},
      {kName, "prelu", D::backward, false,
       [](const Operands<float>& o, std::int64_t n, std::int64_t, int t) { return prelu(o, n, true, t); }},
      {kName, "softmax", D::forward, false,
       [](const Operands<float>& o, std::int64_t n, std::int64_t c, int t) { return softmax(o, n, c, false, t); }},
      {kName, "softmax", D::backward, false,
       [](const Operands<float>& o, std::int64_t n, std::int64_t c, int t) { return softmax(o, n, c, true, t); }},
  };
}

std::string_view torch_description() {
  static const std::string kText = [] {
    // show_config() has a line "CPU capability usage: AVX2" (the kernels ATen dispatches to).
    const std::string config = at::show_config(), key = "CPU capability usage: ";
    const std::size_t at = config.find(key);
    const std::string capability =
        at == std::string::npos ? "?" : config.substr(at + key.size(), config.find('\n', at) - at - key.size());
    return std::string("libtorch ") + TORCH_VERSION + " (ATen CPU capability " + capability + ")";
  }();
  return kText;
}

}  // namespace activa::bench
