#include "activa/nn/linear.h"

#include <cmath>
#include <string>
#include <vector>

#include "activa/autograd.h"
#include "activa/functional.h"
#include "activa/nn/init.h"
#include "src/nn/blas.h"

namespace activa {
namespace {

void check_linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  detail::check_defined(x, "linear", "input");
  detail::check_defined(weight, "linear", "weight");
  if (weight.dim() != 2) throw Error("linear: weight must be 2-D [out, in], got shape " + shape_string(weight.shape()));
  if (x.dim() < 1) throw Error("linear: input must have at least 1 dim, got a 0-d tensor");
  if (x.size(-1) != weight.size(1)) {
    throw Error("linear: mat1 and mat2 shapes cannot be multiplied (input " + shape_string(x.shape()) +
                ", weight " + shape_string(weight.shape()) + ": input's last dim must equal weight's dim 1)");
  }
  if (x.dtype() != weight.dtype()) {
    throw Error("linear: input dtype " + std::string(dtype_name(x.dtype())) + " does not match weight dtype " +
                std::string(dtype_name(weight.dtype())));
  }
  if (bias.defined()) {
    if (bias.dim() != 1 || bias.size(0) != weight.size(0)) {
      throw Error("linear: bias must be 1-D with " + std::to_string(weight.size(0)) + " elements, got shape " +
                  shape_string(bias.shape()));
    }
    if (bias.dtype() != x.dtype()) {
      throw Error("linear: bias dtype " + std::string(dtype_name(bias.dtype())) + " does not match input dtype " +
                  std::string(dtype_name(x.dtype())));
    }
  }
}

// grad_bias[j] = sum over rows of g[r, j], accumulated in double in row order
// and rounded once; `add` adds it to out[j] (one more rounding) instead.
template <class T>
void column_sums(const T* g, std::int64_t rows, std::int64_t cols, T* out, bool add) {
  thread_local std::vector<double> acc;
  acc.assign(static_cast<std::size_t>(cols), 0.0);
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* row = g + r * cols;
    for (std::int64_t j = 0; j < cols; ++j) acc[static_cast<std::size_t>(j)] += row[j];
  }
  for (std::int64_t j = 0; j < cols; ++j) {
    const T sum = static_cast<T>(acc[static_cast<std::size_t>(j)]);
    out[j] = add ? out[j] + sum : sum;
  }
}

// The .grad of a leaf parameter that already has one, of its shape and dtype;
// undefined otherwise (then the engine accumulates what backward returns).
Tensor leaf_grad(const Tensor& t) {
  if (!t.is_leaf()) return Tensor();
  Tensor g = t.grad();
  if (!g.defined() || g.shape() != t.shape() || g.dtype() != t.dtype()) return Tensor();
  return g;
}

// Backward of y = x w^T + b for g = dL/dy, with x and w seen as [rows, in]
// and [out, in]: dx = g w, dw = g^T x, db = column sums of g.
struct LinearBackward {
  Tensor x, w;          // detached: the values the forward used
  Tensor weight, bias;  // the parameters themselves, for direct accumulation
  bool gx, gw, gb;      // which gradients are wanted, in this order
  std::int64_t rows, in, out;
  Shape out_shape;

  std::vector<Tensor> operator()(const Tensor& g) const {
    if (g.shape() != out_shape || g.dtype() != x.dtype()) {
      throw Error("AddmmBackward0: grad_output of shape " + shape_string(g.shape()) + " and dtype " +
                  std::string(dtype_name(g.dtype())) + " does not match the output's " + shape_string(out_shape) +
                  " and " + std::string(dtype_name(x.dtype())));
    }
    std::vector<Tensor> grads;
    detail::with_dtype(x.dtype(), [&]<class T>() {
      const T* gp = g.data<T>().data();
      if (gx) {
        Tensor dx = empty(x.shape(), {.dtype = x.dtype()});
        blas::gemm<T>(blas::Trans::no, blas::Trans::no, rows, in, out, T(1), gp, out, w.data<T>().data(), in, T(0),
                      dx.data<T>().data(), in);
        grads.push_back(dx);
      }
      // A leaf parameter that already has a .grad gets g^T x added straight
      // into it (beta = 1), which is what the engine's accumulation would do,
      // without a temporary; then the engine is handed no tensor for it.
      if (gw) {
        const Tensor acc = leaf_grad(weight);
        const bool direct = acc.defined();
        Tensor dw = direct ? acc : empty(w.shape(), {.dtype = w.dtype()});
        blas::gemm<T>(blas::Trans::yes, blas::Trans::no, out, in, rows, T(1), gp, out, x.data<T>().data(), in,
                      direct ? T(1) : T(0), dw.data<T>().data(), in);
        grads.push_back(direct ? Tensor() : dw);
      }
      if (gb) {
        const Tensor acc = leaf_grad(bias);
        const bool direct = acc.defined();
        Tensor db = direct ? acc : empty({out}, {.dtype = x.dtype()});
        column_sums(gp, rows, out, db.data<T>().data(), direct);
        grads.push_back(direct ? Tensor() : db);
      }
    });
    return grads;
  }
};

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_linear(x, weight, bias);
  const std::int64_t in = weight.size(1), out = weight.size(0);
  std::int64_t rows = 1;  // every dim but the last, flattened
  for (std::int64_t d = 0; d + 1 < x.dim(); ++d) rows *= x.size(d);
  Shape out_shape = x.shape();
  out_shape.back() = out;
  Tensor y = empty(out_shape, {.dtype = x.dtype()});
  detail::with_dtype(x.dtype(), [&]<class T>() {
    T* yp = y.data<T>().data();
    if (bias.defined()) {
      const T* b = bias.data<T>().data();
      for (std::int64_t r = 0; r < rows; ++r) std::copy(b, b + out, yp + r * out);
    }
    blas::gemm<T>(blas::Trans::no, blas::Trans::yes, rows, out, in, T(1), x.data<T>().data(), in,
                  weight.data<T>().data(), in, bias.defined() ? T(1) : T(0), yp, out);
  });

  if (bias.defined() ? autograd::needs_graph({&x, &weight, &bias}) : autograd::needs_graph({&x, &weight})) {
    LinearBackward node{.x = x.detach(), .w = weight.detach(), .weight = weight, .bias = bias,
                        .gx = x.requires_grad(), .gw = weight.requires_grad(),
                        .gb = bias.defined() && bias.requires_grad(), .rows = rows, .in = in, .out = out,
                        .out_shape = out_shape};
    std::vector<Tensor> inputs;
    if (node.gx) inputs.push_back(x);
    if (node.gw) inputs.push_back(weight);
    if (node.gb) inputs.push_back(bias);
    autograd::attach(y, bias.defined() ? "AddmmBackward0" : "MmBackward0", std::move(inputs), std::move(node));
  }
  return y;
}

namespace nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, const LinearOptions& options)
    : in_features_(in_features), out_features_(out_features) {
  if (in_features < 0 || out_features < 0) {
    throw Error("Linear: in_features and out_features must be >= 0, got " + std::to_string(in_features) +
                " and " + std::to_string(out_features));
  }
  weight_ = empty({out_features, in_features}, {.dtype = options.dtype, .requires_grad = true});
  if (options.bias) bias_ = empty({out_features}, {.dtype = options.dtype, .requires_grad = true});
  reset_parameters(options.generator ? *options.generator : default_generator());
}

void Linear::reset_parameters(Generator& gen) {
  init::kaiming_uniform_(weight_, std::sqrt(5.0), gen);
  if (bias_.defined()) {
    const double bound = in_features_ > 0 ? 1 / std::sqrt(static_cast<double>(in_features_)) : 0;
    init::uniform_(bias_, -bound, bound, gen);
  }
}

std::vector<Tensor> Linear::parameters() const {
  if (bias_.defined()) return {weight_, bias_};
  return {weight_};
}

std::vector<std::pair<std::string, Tensor>> Linear::named_parameters() const {
  if (bias_.defined()) return {{"weight", weight_}, {"bias", bias_}};
  return {{"weight", weight_}};
}

std::string Linear::repr() const {
  return "Linear(in_features=" + std::to_string(in_features_) + ", out_features=" + std::to_string(out_features_) +
         ", bias=" + (bias_.defined() ? "True" : "False") + ")";
}

}  // namespace nn
}  // namespace activa
