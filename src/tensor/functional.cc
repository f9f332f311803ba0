#include "activa/functional.h"

#include <charconv>
#include <cmath>

#include "activa/nn/activation.h"
#include "src/tensor/tensor_impl.h"

namespace activa::detail {

void check_defined(const Tensor& t, std::string_view op, std::string_view what) {
  if (!t.defined()) throw Error(std::string(op) + ": " + std::string(what) + " is an undefined tensor");
}

void check_grad_shape(const Tensor& grad, const Tensor& like, std::string_view node) {
  if (grad.shape() != like.shape()) {
    throw Error(std::string(node) + ": grad_output of shape " + shape_string(grad.shape()) +
                " does not match the output's shape " + shape_string(like.shape()));
  }
  if (grad.dtype() != like.dtype()) {
    throw Error(std::string(node) + ": grad_output of dtype " + std::string(dtype_name(grad.dtype())) +
                " does not match the output's dtype " + std::string(dtype_name(like.dtype())));
  }
}

std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim) {
  const std::int64_t n = std::max<std::int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1
  if (dim < -n || dim >= n) {
    throw Error("Dimension out of range (expected to be in range of [" + std::to_string(-n) + ", " +
                std::to_string(n - 1) + "], but got " + std::to_string(dim) + ")");
  }
  return dim < 0 ? dim + n : dim;
}

kernels::ChannelLayout channel_layout(const Tensor& x, const Tensor& weight, std::string_view op) {
  check_defined(x, op, "input");
  check_defined(weight, op, "weight");
  const std::string name(op);
  if (weight.dtype() != x.dtype()) {
    throw Error(name + ": weight dtype " + std::string(dtype_name(weight.dtype())) +
                " does not match input dtype " + std::string(dtype_name(x.dtype())));
  }
  if (weight.dim() > 1) {
    throw Error(name + ": weight must be 0-D or 1-D, got shape " + shape_string(weight.shape()));
  }
  const std::int64_t w = weight.numel();
  if (w == 1) return {.outer = 1, .channels = 1, .inner = x.numel()};
  if (x.dim() < 2) {
    throw Error(name + ": input of shape " + shape_string(x.shape()) +
                " has no channel dim (dim 1), so the weight must hold 1 value, not " + std::to_string(w));
  }
  const std::int64_t channels = x.shape()[1];
  if (w != channels) {
    throw Error(name + ": Mismatch of parameter numbers and input channel size. Found parameter numbers = " +
                std::to_string(w) + " and channel size = " + std::to_string(channels) + ".");
  }
  return {.outer = x.shape()[0], .channels = channels, .inner = x.numel() / std::max<std::int64_t>(1, x.shape()[0] * channels)};
}

kernels::RowLayout row_layout(const Tensor& x, std::int64_t dim) {
  const std::int64_t d = wrap_dim(dim, x.dim());
  kernels::RowLayout l;
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    const std::int64_t s = x.shape()[static_cast<std::size_t>(i)];
    if (i < d) l.outer *= s;
    else if (i == d) l.size = s;
    else l.inner *= s;
  }
  return l;
}

Tensor history_of(const Tensor& x, std::string_view op) {
  if (x.is_leaf()) {
    throw Error(std::string(op) + "_: a leaf tensor that requires grad cannot be modified in place");
  }
  Tensor prev = x.detach();
  prev.impl()->requires_grad = true;
  prev.impl()->grad_fn = x.grad_fn();
  return prev;
}

void take_over(Tensor& x, const Tensor& result) {
  x.impl()->storage = result.impl()->storage;
  x.impl()->grad_fn = result.impl()->grad_fn;
}

}  // namespace activa::detail

namespace activa::nn::detail {

std::string python_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, laid out as Python's float repr: positional
  // for exponents in [-4, 16), else d.ddde±XX.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, end);
  const auto e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  const int exp = std::stoi(sci.substr(e_pos + 1));
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<std::size_t>(exp) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<std::size_t>(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<std::size_t>(exp) + 1) + "." + digits.substr(static_cast<std::size_t>(exp) + 1);
    }
  } else {
    // Appended piece by piece: the same string written as one expression of
    // operator+ set off GCC 12's false -Wrestrict warning.
    out = digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    out.append(exp < 0 ? "e-" : "e+");
    if (std::abs(exp) < 10) out += '0';
    out += std::to_string(std::abs(exp));
  }
  return negative ? "-" + out : out;
}

std::string python_repr(std::int64_t v) { return std::to_string(v); }

std::string python_repr(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "None"; }

std::int64_t implicit_softmax_dim(std::int64_t ndim) { return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1; }

}  // namespace activa::nn::detail
