// A dense, contiguous, row-major N-d tensor of float32 (default) or float64,
// with reverse-mode autograd (activa/autograd.h) and PyTorch's printing.
//
//   auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
//   auto y = activa::sigmoid(x);          // grad_fn=<SigmoidBackward0>
//   y.sum().backward();                   // x.grad() = sigmoid'(x)
//   std::cout << y << '\n';               // tensor([0.0067, 0.5000, 0.9933], grad_fn=<SigmoidBackward0>)
//
// A Tensor is a handle: copies share data and autograd state, as in PyTorch.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "activa/dtype.h"
#include "activa/error.h"

namespace activa {

namespace autograd {
class Node;
}

struct TensorOptions {
  DType dtype = DType::float32;
  bool requires_grad = false;
};

using Shape = std::vector<std::int64_t>;

struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  DType dtype() const;
  const Shape& shape() const;
  std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
  std::int64_t size(std::int64_t d) const;  // negative d counts from the end
  std::int64_t numel() const;

  // Element access; T must match dtype() (else activa::Error).
  template <class T>
  std::span<T> data();
  template <class T>
  std::span<const T> data() const;
  // Element i (row-major) as a double, and the values of a 0-d or 1-element tensor.
  double at(std::int64_t i) const;
  double item() const;
  std::vector<double> to_vector() const;

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& set_requires_grad(bool value = true);  // leaves only
  bool is_leaf() const;
  // The accumulated gradient of a leaf (undefined until a backward reaches it).
  Tensor grad() const;
  void zero_grad();  // drops the accumulated gradient, as PyTorch's set_to_none
  // The node that made this tensor (nullptr for leaves and no-grad results).
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  // Backpropagates from this tensor. Without an argument the tensor must hold
  // one element and the upstream gradient is 1, as in PyTorch.
  void backward(const Tensor& grad_output = Tensor()) const;
  // The same data without autograd history (shares storage).
  Tensor detach() const;

  // ---- a few tensor operations ----
  Tensor sum() const;                  // 0-d; differentiable (SumBackward0)
  Tensor clone() const;                // a copy of the data, no history
  Tensor to(DType dtype) const;        // converted copy (or *this if already dtype)
  Tensor reshape(Shape shape) const;   // same data, new shape (one -1 allowed); no history

  std::string to_string() const;
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- factories ----
Tensor empty(Shape shape, TensorOptions options = {});
Tensor zeros(Shape shape, TensorOptions options = {});
Tensor ones(Shape shape, TensorOptions options = {});
Tensor full(Shape shape, double value, TensorOptions options = {});
// Values (row-major) of the given shape; their count must match.
Tensor from_values(std::span<const double> values, Shape shape, TensorOptions options = {});
// torch.tensor: a 0-d scalar, or nested lists of 1 to 3 levels; ragged lists throw.
Tensor tensor(double value, TensorOptions options = {});
Tensor tensor(std::initializer_list<double> values, TensorOptions options = {});
Tensor tensor(std::initializer_list<std::initializer_list<double>> values, TensorOptions options = {});
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values,
              TensorOptions options = {});

// Element-wise products and sums used by backward formulas (no autograd).
bool same_shape(const Tensor& a, const Tensor& b);
std::string shape_string(const Shape& shape);

}  // namespace activa
