// Functional forms of the activations over tensors, with autograd:
//   activa::sigmoid(x), activa::leaky_relu(x, {.negative_slope = 0.3}),
//   activa::prelu(x, weight), activa::softmax(x, /*dim=*/1), activa::relu_(x).
// They are declared with each op's spec (activa/ops/<name>.h) and defined once
// here for each kind of op.
#pragma once

#include <string>

#include "activa/autograd.h"
#include "activa/kernels.h"
#include "activa/ops/all.h"
#include "activa/tensor.h"

namespace activa {
namespace detail {

// Calls f.template operator()<T>() with T the C++ type of `dtype`.
template <class F>
decltype(auto) with_dtype(DType dtype, F&& f) {
  if (dtype == DType::float32) return f.template operator()<float>();
  return f.template operator()<double>();
}

void check_defined(const Tensor& t, std::string_view op, std::string_view what);
void check_grad_shape(const Tensor& grad, const Tensor& like, std::string_view node);
// Wraps a possibly negative dim into [0, max(dim, 1)), or throws PyTorch's message.
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim);
kernels::ChannelLayout channel_layout(const Tensor& x, const Tensor& weight, std::string_view op);
kernels::RowLayout row_layout(const Tensor& x, std::int64_t dim);
// For in-place ops under autograd: a new handle holding x's data and history
// (throws for a leaf that requires grad), and then x taking over the result's
// data and history, so every holder of x sees the op applied, as in PyTorch.
Tensor history_of(const Tensor& x, std::string_view op);
void take_over(Tensor& x, const Tensor& result);

// y = f(x) out of place; under autograd, a node named `node` (the in-place
// form's differs for some ops, OpInfo::inplace_node).
template <class Op>
Tensor pointwise(const Tensor& x, const typename Op::Options& options, std::string_view node) {
  check_defined(x, Op::info.name, "input");
  Tensor y = empty(x.shape(), {.dtype = x.dtype()});
  with_dtype(x.dtype(), [&]<class T>() {
    kernels::forward<Op, T>(x.data<T>(), y.data<T>(), options);
  });
  if (autograd::needs_graph({&x})) {
    const Tensor saved = (Op::info.saves == Saves::input ? x : y).detach();
    autograd::attach(y, std::string(node), {x}, [saved, options, node](const Tensor& g) {
      check_grad_shape(g, saved, node);
      Tensor dx = empty(saved.shape(), {.dtype = saved.dtype()});
      with_dtype(saved.dtype(), [&]<class T>() {
        kernels::backward<Op, T>(saved.data<T>(), g.data<T>(), dx.data<T>(), options);
      });
      return std::vector<Tensor>{dx};
    });
  }
  return y;
}

}  // namespace detail

// With options.inplace (relu, leaky_relu, elu: PyTorch's F.relu(x,
// inplace=True)), x itself is modified and returned, as InPlace below does.
template <class Op>
Tensor Functional<Op>::operator()(const Tensor& x, const typename Op::Options& options) const
  requires(Op::info.kind == Kind::pointwise)
{
  if constexpr (HasInplaceOption<Op>) {
    if (options.inplace) {
      Tensor shared = x;  // the same tensor: a handle
      return InPlace<Op>{}(shared, options);
    }
  }
  return detail::pointwise<Op>(x, options, Op::info.node);
}

template <class Op>
Tensor Functional<Op>::operator()(const Tensor& x, const Tensor& weight) const
  requires(Op::info.kind == Kind::weighted)
{
  const kernels::ChannelLayout layout = detail::channel_layout(x, weight, Op::info.name);
  Tensor y = empty(x.shape(), {.dtype = x.dtype()});
  detail::with_dtype(x.dtype(), [&]<class T>() {
    kernels::forward<Op, T>(x.data<T>(), weight.data<T>(), y.data<T>(), layout);
  });
  if (autograd::needs_graph({&x, &weight})) {
    const Tensor xs = x.detach(), ws = weight.detach();
    autograd::attach(y, std::string(Op::info.node), {x, weight}, [xs, ws, layout](const Tensor& g) {
      detail::check_grad_shape(g, xs, Op::info.node);
      Tensor dx = empty(xs.shape(), {.dtype = xs.dtype()});
      Tensor dw = empty(ws.shape(), {.dtype = ws.dtype()});
      detail::with_dtype(xs.dtype(), [&]<class T>() {
        kernels::backward<Op, T>(xs.data<T>(), ws.data<T>(), g.data<T>(), dx.data<T>(), dw.data<T>(),
                                 layout);
      });
      return std::vector<Tensor>{dx, dw};
    });
  }
  return y;
}

template <class Op>
Tensor Functional<Op>::operator()(const Tensor& x, std::int64_t dim) const
  requires(Op::info.kind == Kind::along_dim)
{
  detail::check_defined(x, Op::info.name, "input");
  const kernels::RowLayout layout = detail::row_layout(x, dim);
  Tensor y = empty(x.shape(), {.dtype = x.dtype()});
  detail::with_dtype(x.dtype(), [&]<class T>() {
    kernels::forward<Op, T>(x.data<T>(), y.data<T>(), layout);
  });
  if (autograd::needs_graph({&x})) {
    const Tensor saved = y.detach();
    autograd::attach(y, std::string(Op::info.node), {x}, [saved, layout](const Tensor& g) {
      detail::check_grad_shape(g, saved, Op::info.node);
      Tensor dx = empty(saved.shape(), {.dtype = saved.dtype()});
      detail::with_dtype(saved.dtype(), [&]<class T>() {
        kernels::backward<Op, T>(saved.data<T>(), g.data<T>(), dx.data<T>(), layout);
      });
      return std::vector<Tensor>{dx};
    });
  }
  return y;
}

// In place: without a graph to record, the kernel overwrites x's buffer and
// allocates nothing. Under autograd (x requires grad and is not a leaf) the
// result and its history replace x's, as in PyTorch, under PyTorch's node
// name for the in-place form (EluBackward1); the input is kept, so the
// gradient is the out-of-place one. A leaf that requires grad cannot be
// modified in place (activa::Error, as PyTorch's RuntimeError).
template <class Op>
Tensor& InPlace<Op>::operator()(Tensor& x, const typename Op::Options& options) const
  requires(Op::info.kind == Kind::pointwise)
{
  detail::check_defined(x, Op::info.name, "input");
  if (autograd::needs_graph({&x})) {
    detail::take_over(x, detail::pointwise<Op>(detail::history_of(x, Op::info.name), options, Op::info.inplace_node));
    return x;
  }
  detail::with_dtype(x.dtype(), [&]<class T>() {
    kernels::forward<Op, T>(std::span<const T>(x.data<T>()), x.data<T>(), options);
  });
  return x;
}

}  // namespace activa
