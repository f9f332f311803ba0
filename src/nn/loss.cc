#include "activa/nn/loss.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "activa/autograd.h"
#include "activa/functional.h"
#include "activa/nn/activation.h"

namespace activa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The largest element of n values `stride` apart; NaN if any is NaN.
template <class T>
double slice_max(const T* p, std::int64_t n, std::int64_t stride) {
  double m = -std::numeric_limits<double>::infinity();
  for (std::int64_t k = 0; k < n; ++k) {
    const double v = p[k * stride];
    if (std::isnan(v)) return v;
    if (v > m) m = v;
  }
  return m;
}

// log(sum(exp(p[k]))) over a slice, shifted by its max: exact for huge values,
// no log(0) unless every element is -inf.
template <class T>
double log_sum_exp(const T* p, std::int64_t n, std::int64_t stride) {
  const double m = slice_max(p, n, stride);
  if (!std::isfinite(m)) return m == -std::numeric_limits<double>::infinity() ? m : kNaN + m;
  double s = 0;
  for (std::int64_t k = 0; k < n; ++k) s += std::exp(static_cast<double>(p[k * stride]) - m);
  return m + std::log(s);
}

void check_same_shape(const Tensor& input, const Tensor& target, std::string_view op) {
  detail::check_defined(input, op, "input");
  detail::check_defined(target, op, "target");
  if (input.shape() != target.shape()) {
    throw Error(std::string(op) + ": Target size (" + shape_string(target.shape()) +
                ") must be the same as input size (" + shape_string(input.shape()) + ")");
  }
  if (input.dtype() != target.dtype()) {
    throw Error(std::string(op) + ": target dtype " + std::string(dtype_name(target.dtype())) +
                " does not match input dtype " + std::string(dtype_name(input.dtype())));
  }
}

// The upstream gradient's factor for element i: g[i] (none), g (sum), g / count (mean).
struct GradScale {
  Reduction reduction;
  double count;
  template <class T>
  double at(const T* g, std::int64_t i) const {
    if (reduction == Reduction::none) return g[i];
    return reduction == Reduction::mean ? g[0] / count : g[0];
  }
};

void check_loss_grad(const Tensor& g, Reduction reduction, const Shape& none_shape, DType dtype,
                     std::string_view node) {
  const Shape want = reduction == Reduction::none ? none_shape : Shape{};
  if (g.shape() != want || g.dtype() != dtype) {
    throw Error(std::string(node) + ": grad_output of shape " + shape_string(g.shape()) + " and dtype " +
                std::string(dtype_name(g.dtype())) + " does not match the loss's " + shape_string(want) + " and " +
                std::string(dtype_name(dtype)));
  }
}

// A pointwise loss l(x_i, t_i) reduced; its gradient with respect to input and
// target is (dl/dx, dl/dt)(x_i, t_i) times the upstream factor.
template <class Loss, class Grad>
Tensor pointwise_loss(const Tensor& input, const Tensor& target, Reduction reduction, const char* node,
                      Loss loss, Grad grad) {
  const std::int64_t n = input.numel();
  Tensor out = empty(reduction == Reduction::none ? input.shape() : Shape{}, {.dtype = input.dtype()});
  detail::with_dtype(input.dtype(), [&]<class T>() {
    const T* x = input.data<T>().data();
    const T* t = target.data<T>().data();
    T* o = out.data<T>().data();
    if (reduction == Reduction::none) {
      for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(loss(double(x[i]), double(t[i])));
      return;
    }
    double s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += loss(double(x[i]), double(t[i]));
    o[0] = static_cast<T>(reduction == Reduction::mean ? (n > 0 ? s / double(n) : kNaN) : s);
  });
  if (autograd::needs_graph({&input, &target})) {
    const bool gx = input.requires_grad(), gt = target.requires_grad();
    std::vector<Tensor> inputs;
    if (gx) inputs.push_back(input);
    if (gt) inputs.push_back(target);
    const Tensor xs = input.detach(), ts = target.detach();
    autograd::attach(out, node, std::move(inputs), [xs, ts, gx, gt, reduction, node, grad](const Tensor& g) {
      check_loss_grad(g, reduction, xs.shape(), xs.dtype(), node);
      Tensor dx = gx ? empty(xs.shape(), {.dtype = xs.dtype()}) : Tensor();
      Tensor dt = gt ? empty(xs.shape(), {.dtype = xs.dtype()}) : Tensor();
      detail::with_dtype(xs.dtype(), [&]<class T>() {
        const T* x = xs.data<T>().data();
        const T* t = ts.data<T>().data();
        const T* gp = g.data<T>().data();
        const GradScale scale{reduction, static_cast<double>(xs.numel())};
        for (std::int64_t i = 0; i < xs.numel(); ++i) {
          const auto [lx, lt] = grad(double(x[i]), double(t[i]));
          const double w = scale.at(gp, i);
          if (gx) dx.data<T>()[static_cast<std::size_t>(i)] = static_cast<T>(lx * w);
          if (gt) dt.data<T>()[static_cast<std::size_t>(i)] = static_cast<T>(lt * w);
        }
      });
      std::vector<Tensor> grads;
      if (gx) grads.push_back(dx);
      if (gt) grads.push_back(dt);
      return grads;
    });
  }
  return out;
}

}  // namespace

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  detail::check_defined(x, "log_softmax", "input");
  const kernels::RowLayout l = detail::row_layout(x, dim);
  Tensor y = empty(x.shape(), {.dtype = x.dtype()});
  detail::with_dtype(x.dtype(), [&]<class T>() {
    const T* xp = x.data<T>().data();
    T* yp = y.data<T>().data();
    for (std::int64_t o = 0; o < l.outer; ++o) {
      for (std::int64_t i = 0; i < l.inner; ++i) {
        const std::int64_t base = o * l.size * l.inner + i;
        const double lse = log_sum_exp(xp + base, l.size, l.inner);
        for (std::int64_t k = 0; k < l.size; ++k) {
          yp[base + k * l.inner] = static_cast<T>(double(xp[base + k * l.inner]) - lse);
        }
      }
    }
  });
  if (autograd::needs_graph({&x})) {
    const Tensor ys = y.detach();
    autograd::attach(y, "LogSoftmaxBackward0", {x}, [ys, l](const Tensor& g) {
      detail::check_grad_shape(g, ys, "LogSoftmaxBackward0");
      Tensor dx = empty(ys.shape(), {.dtype = ys.dtype()});
      detail::with_dtype(ys.dtype(), [&]<class T>() {
        const T* yp = ys.data<T>().data();
        const T* gp = g.data<T>().data();
        T* dp = dx.data<T>().data();
        for (std::int64_t o = 0; o < l.outer; ++o) {
          for (std::int64_t i = 0; i < l.inner; ++i) {
            const std::int64_t base = o * l.size * l.inner + i;
            double gsum = 0;
            for (std::int64_t k = 0; k < l.size; ++k) gsum += gp[base + k * l.inner];
            for (std::int64_t k = 0; k < l.size; ++k) {
              const std::int64_t j = base + k * l.inner;
              dp[j] = static_cast<T>(double(gp[j]) - std::exp(double(yp[j])) * gsum);
            }
          }
        }
      });
      return std::vector<Tensor>{dx};
    });
  }
  return y;
}

Tensor cross_entropy(const Tensor& input, std::span<const std::int64_t> target, const CrossEntropyOptions& options) {
  detail::check_defined(input, "cross_entropy", "input");
  if (input.dim() != 1 && input.dim() != 2) {
    throw Error("cross_entropy: input must be [N, C] logits or [C] for one target, got shape " +
                shape_string(input.shape()));
  }
  const bool batched = input.dim() == 2;
  const std::int64_t n = batched ? input.size(0) : 1, c = input.size(-1);
  if (static_cast<std::int64_t>(target.size()) != n) {
    throw Error("cross_entropy: Expected input batch_size (" + std::to_string(n) + ") to match target batch_size (" +
                std::to_string(target.size()) + ").");
  }
  std::vector<std::int64_t> labels(target.begin(), target.end());
  double count = 0;
  for (std::int64_t t : labels) {
    if (t == options.ignore_index) continue;
    if (t < 0 || t >= c) {
      throw Error("cross_entropy: Target " + std::to_string(t) + " is out of bounds (" + std::to_string(c) +
                  " classes).");
    }
    ++count;
  }
  const Reduction reduction = options.reduction;
  const std::int64_t ignore = options.ignore_index;
  const Shape none_shape = batched ? Shape{n} : Shape{};
  Tensor out = empty(reduction == Reduction::none ? none_shape : Shape{}, {.dtype = input.dtype()});
  std::vector<double> lse(static_cast<std::size_t>(n));
  detail::with_dtype(input.dtype(), [&]<class T>() {
    const T* x = input.data<T>().data();
    T* o = out.data<T>().data();
    double total = 0;
    for (std::int64_t r = 0; r < n; ++r) {
      const std::int64_t t = labels[static_cast<std::size_t>(r)];
      lse[static_cast<std::size_t>(r)] = log_sum_exp(x + r * c, c, 1);
      const double l = t == ignore ? 0.0 : lse[static_cast<std::size_t>(r)] - double(x[r * c + t]);
      if (reduction == Reduction::none) o[r] = static_cast<T>(l);
      total += l;
    }
    if (reduction == Reduction::sum) o[0] = static_cast<T>(total);
    if (reduction == Reduction::mean) o[0] = static_cast<T>(total / count);  // 0 / 0 = NaN, as PyTorch
  });
  if (autograd::needs_graph({&input})) {
    const Tensor xs = input.detach();
    autograd::attach(out, "NllLossBackward0", {input},
                     [xs, labels = std::move(labels), lse = std::move(lse), n, c, count, reduction, ignore,
                      none_shape](const Tensor& g) {
                       check_loss_grad(g, reduction, none_shape, xs.dtype(), "NllLossBackward0");
                       Tensor dx = empty(xs.shape(), {.dtype = xs.dtype()});
                       detail::with_dtype(xs.dtype(), [&]<class T>() {
                         const T* x = xs.data<T>().data();
                         const T* gp = g.data<T>().data();
                         T* d = dx.data<T>().data();
                         const GradScale scale{reduction, count};
                         for (std::int64_t r = 0; r < n; ++r) {
                           const std::int64_t t = labels[static_cast<std::size_t>(r)];
                           T* row = d + r * c;
                           if (t == ignore) {
                             std::fill(row, row + c, T(0));
                             continue;
                           }
                           const double w = scale.at(gp, r), m = lse[static_cast<std::size_t>(r)];
                           for (std::int64_t j = 0; j < c; ++j) {
                             const double p = std::exp(double(x[r * c + j]) - m);
                             row[j] = static_cast<T>((p - (j == t ? 1.0 : 0.0)) * w);
                           }
                         }
                       });
                       return std::vector<Tensor>{dx};
                     });
  }
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const LossOptions& options) {
  check_same_shape(input, target, "binary_cross_entropy_with_logits");
  return pointwise_loss(
      input, target, options.reduction, "BinaryCrossEntropyWithLogitsBackward0",
      [](double x, double t) { return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x))); },
      [](double x, double t) {
        const double s = x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
        return std::pair{s - t, -x};
      });
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const LossOptions& options) {
  check_same_shape(input, target, "mse_loss");
  return pointwise_loss(
      input, target, options.reduction, "MseLossBackward0", [](double x, double t) { return (x - t) * (x - t); },
      [](double x, double t) { return std::pair{2 * (x - t), -2 * (x - t)}; });
}

namespace nn {

Tensor LogSoftmax::forward(const Tensor& x) const {
  activa::detail::check_defined(x, "log_softmax", "input");
  return log_softmax(x, options_.dim ? *options_.dim : detail::implicit_softmax_dim(x.dim()));
}

std::string LogSoftmax::repr() const {
  return "LogSoftmax(dim=" + (options_.dim ? std::to_string(*options_.dim) : std::string("None")) + ")";
}

}  // namespace nn
}  // namespace activa
