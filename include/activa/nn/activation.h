// nn modules of the activations: nn::Sigmoid, nn::LeakyReLU({.negative_slope = 0.3}),
// nn::PReLU({.num_parameters = 1, .init = 0.25}), nn::Softmax({.dim = 1}), ...
// One class template for all, derived from each op's spec; PReLU's module owns
// its learnable weight.
#pragma once

#include <string>
#include <vector>

#include "activa/functional.h"
#include "activa/nn/module.h"
#include "activa/ops/all.h"

namespace activa::nn {

namespace detail {
// Python's repr of a float ("0.01", "1.0", "1e-05") and of an optional int.
std::string python_repr(double v);
std::string python_repr(std::int64_t v);
std::string python_repr(const std::optional<std::int64_t>& v);
// The dim softmax uses when none is given: PyTorch's legacy _get_softmax_dim.
std::int64_t implicit_softmax_dim(std::int64_t ndim);
}  // namespace detail

template <class Op>
class Activation : public Module {
 public:
  using Options = typename Op::Options;

  explicit Activation(const Options& options = {}) : options_(options) {
    if constexpr (Op::info.kind == Kind::weighted) {
      if (options.num_parameters < 1) {
        throw Error(std::string(Op::info.module) + ": num_parameters must be >= 1, got " +
                    std::to_string(options.num_parameters));
      }
      weight_ = full({options.num_parameters}, options.init, {.requires_grad = true});
    }
  }

  Tensor operator()(const Tensor& x) const { return forward(x); }
  Tensor forward(const Tensor& x) const override {
    if constexpr (Op::info.kind == Kind::pointwise) {
      return Functional<Op>{}(x, options_);
    } else if constexpr (Op::info.kind == Kind::weighted) {
      return Functional<Op>{}(x, weight_);
    } else {
      activa::detail::check_defined(x, Op::info.name, "input");
      return Functional<Op>{}(x, options_.dim ? *options_.dim : detail::implicit_softmax_dim(x.dim()));
    }
  }

  const Options& options() const { return options_; }
  // The learnable weight (PReLU): shape [num_parameters].
  const Tensor& weight() const
    requires(Op::info.kind == Kind::weighted)
  {
    return weight_;
  }

  std::vector<Tensor> parameters() const override {
    if constexpr (Op::info.kind == Kind::weighted) return {weight_};
    return {};
  }
  std::vector<std::pair<std::string, Tensor>> named_parameters() const override {
    if constexpr (Op::info.kind == Kind::weighted) return {{"weight", weight_}};
    return {};
  }

  std::string repr() const override {
    std::string s = std::string(Op::info.module) + "(";
    bool first = true;
    const auto show = [&](const auto& p) {
      if (!p.in_repr) return;
      s += (first ? "" : ", ") + std::string(p.name) + "=" + detail::python_repr(options_.*(p.member));
      first = false;
    };
    std::apply([&](const auto&... p) { (show(p), ...); }, Op::params);
    if constexpr (HasInplaceOption<Op>) {
      if (options_.inplace) s += first ? "inplace=True" : ", inplace=True";  // PyTorch shows it only when set
    }
    return s + ")";
  }

 private:
  Options options_;
  Tensor weight_;
};

}  // namespace activa::nn
