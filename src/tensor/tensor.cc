#include "activa/tensor.h"

#include <algorithm>
#include <new>
#include <ostream>
#include <sstream>

#include "activa/print.h"
#include "src/tensor/tensor_impl.h"

namespace activa {

std::int64_t numel_of(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

std::size_t element_size(DType dtype) { return dtype == DType::float32 ? 4 : 8; }

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool same_shape(const Tensor& a, const Tensor& b) { return a.shape() == b.shape(); }

namespace {

constexpr std::align_val_t kAlign{64};

std::shared_ptr<std::byte> allocate(std::size_t bytes) {
  auto* p = static_cast<std::byte*>(::operator new(std::max<std::size_t>(bytes, 1), kAlign));
  return {p, [](std::byte* q) { ::operator delete(q, kAlign); }};
}

TensorImpl& impl_of(const Tensor& t) {
  if (!t.defined()) throw Error("operation on an undefined tensor");
  return *t.impl();
}

}  // namespace

DType Tensor::dtype() const { return impl_of(*this).dtype; }
const Shape& Tensor::shape() const { return impl_of(*this).shape; }
std::int64_t Tensor::numel() const { return numel_of(shape()); }

std::int64_t Tensor::size(std::int64_t d) const {
  const std::int64_t n = dim();
  if (d < -n || d >= n) {
    throw Error("Dimension out of range (expected to be in range of [" + std::to_string(-n) + ", " +
                std::to_string(n - 1) + "], but got " + std::to_string(d) + ")");
  }
  return shape()[static_cast<std::size_t>(d < 0 ? d + n : d)];
}

template <class T>
std::span<T> Tensor::data() {
  const TensorImpl& i = impl_of(*this);
  if (i.dtype != dtype_of<std::remove_const_t<T>>()) {
    throw Error("tensor holds " + std::string(dtype_name(i.dtype)) + ", accessed as " +
                std::string(dtype_name(dtype_of<std::remove_const_t<T>>())));
  }
  return {reinterpret_cast<T*>(i.storage.get()), static_cast<std::size_t>(numel())};
}

template <class T>
std::span<const T> Tensor::data() const {
  return const_cast<Tensor*>(this)->data<const T>();
}

template std::span<float> Tensor::data<float>();
template std::span<double> Tensor::data<double>();
template std::span<const float> Tensor::data<const float>();
template std::span<const double> Tensor::data<const double>();
template std::span<const float> Tensor::data<float>() const;
template std::span<const double> Tensor::data<double>() const;

double Tensor::at(std::int64_t i) const {
  if (i < 0 || i >= numel()) throw Error("index " + std::to_string(i) + " out of range for " + std::to_string(numel()) + " elements");
  return dtype() == DType::float32 ? data<float>()[static_cast<std::size_t>(i)]
                                   : data<double>()[static_cast<std::size_t>(i)];
}

double Tensor::item() const {
  if (numel() != 1) {
    throw Error("a Tensor with " + std::to_string(numel()) + " elements cannot be converted to Scalar");
  }
  return at(0);
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> v(static_cast<std::size_t>(numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = at(static_cast<std::int64_t>(i));
  return v;
}

bool Tensor::requires_grad() const { return impl_of(*this).requires_grad; }

Tensor& Tensor::set_requires_grad(bool value) {
  TensorImpl& i = impl_of(*this);
  if (i.grad_fn && !value) {
    throw Error("you can only change requires_grad flags of leaf variables; use detach() instead");
  }
  if (!i.grad_fn) i.requires_grad = value;
  return *this;
}

bool Tensor::is_leaf() const { return impl_of(*this).grad_fn == nullptr; }

Tensor Tensor::grad() const {
  const auto& g = impl_of(*this).grad;
  return g ? Tensor(g) : Tensor();
}

void Tensor::zero_grad() { impl_of(*this).grad.reset(); }

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const { return impl_of(*this).grad_fn; }

Tensor Tensor::detach() const {
  const TensorImpl& i = impl_of(*this);
  auto d = std::make_shared<TensorImpl>();
  d->shape = i.shape;
  d->dtype = i.dtype;
  d->storage = i.storage;
  return Tensor(d);
}

Tensor Tensor::clone() const {
  Tensor c = empty(shape(), {.dtype = dtype()});
  std::copy_n(impl()->storage.get(), static_cast<std::size_t>(numel()) * element_size(dtype()),
              c.impl()->storage.get());
  return c;
}

Tensor Tensor::to(DType target) const {
  if (dtype() == target) return *this;
  Tensor c = empty(shape(), {.dtype = target});
  for (std::int64_t i = 0; i < numel(); ++i) {
    if (target == DType::float32) {
      c.data<float>()[static_cast<std::size_t>(i)] = static_cast<float>(at(i));
    } else {
      c.data<double>()[static_cast<std::size_t>(i)] = at(i);
    }
  }
  return c;
}

Tensor Tensor::reshape(Shape new_shape) const {
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < new_shape.size(); ++i) {
    if (new_shape[i] == -1) {
      if (infer >= 0) throw Error("reshape: only one dimension can be inferred");
      infer = static_cast<std::int64_t>(i);
    } else if (new_shape[i] < 0) {
      throw Error("reshape: invalid shape dimension " + std::to_string(new_shape[i]));
    } else {
      known *= new_shape[i];
    }
  }
  if (infer >= 0 && known > 0 && numel() % known == 0) new_shape[static_cast<std::size_t>(infer)] = numel() / known;
  if (numel_of(new_shape) != numel() || (infer >= 0 && known == 0)) {
    throw Error("shape '" + shape_string(new_shape) + "' is invalid for input of size " + std::to_string(numel()));
  }
  Tensor r = detach();
  r.impl()->shape = std::move(new_shape);
  return r;
}

std::string Tensor::to_string() const {
  std::vector<std::string> suffixes;
  if (grad_fn()) {
    suffixes.push_back("grad_fn=<" + std::string(grad_fn()->name()) + ">");
  } else if (requires_grad()) {
    suffixes.emplace_back("requires_grad=True");
  }
  const std::vector<double> values = to_vector();
  return format_tensor(values, shape(), dtype(), suffixes);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << (t.defined() ? t.to_string() : std::string("[ Tensor (undefined) ]"));
}

// ---- factories ----

Tensor empty(Shape shape, TensorOptions options) {
  for (std::int64_t d : shape) {
    if (d < 0) throw Error("negative dimension " + std::to_string(d) + " in shape " + shape_string(shape));
  }
  auto i = std::make_shared<TensorImpl>();
  i->dtype = options.dtype;
  i->storage = allocate(static_cast<std::size_t>(numel_of(shape)) * element_size(options.dtype));
  i->shape = std::move(shape);
  i->requires_grad = options.requires_grad;
  return Tensor(i);
}

Tensor full(Shape shape, double value, TensorOptions options) {
  Tensor t = empty(std::move(shape), options);
  if (t.dtype() == DType::float32) {
    std::fill(t.data<float>().begin(), t.data<float>().end(), static_cast<float>(value));
  } else {
    std::fill(t.data<double>().begin(), t.data<double>().end(), value);
  }
  return t;
}

Tensor zeros(Shape shape, TensorOptions options) { return full(std::move(shape), 0.0, options); }
Tensor ones(Shape shape, TensorOptions options) { return full(std::move(shape), 1.0, options); }

Tensor from_values(std::span<const double> values, Shape shape, TensorOptions options) {
  if (static_cast<std::int64_t>(values.size()) != numel_of(shape)) {
    throw Error(std::to_string(values.size()) + " values do not fill shape " + shape_string(shape));
  }
  Tensor t = empty(std::move(shape), options);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (t.dtype() == DType::float32) {
      t.data<float>()[i] = static_cast<float>(values[i]);
    } else {
      t.data<double>()[i] = values[i];
    }
  }
  return t;
}

Tensor tensor(double value, TensorOptions options) { return from_values({&value, 1}, {}, options); }

Tensor tensor(std::initializer_list<double> values, TensorOptions options) {
  return from_values(std::vector<double>(values), {static_cast<std::int64_t>(values.size())}, options);
}

Tensor tensor(std::initializer_list<std::initializer_list<double>> values, TensorOptions options) {
  std::vector<double> flat;
  const std::size_t cols = values.size() ? values.begin()->size() : 0;
  for (const auto& row : values) {
    if (row.size() != cols) {
      throw Error("expected sequence of length " + std::to_string(cols) + " at dim 1 (got " +
                  std::to_string(row.size()) + ")");
    }
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return from_values(flat, {static_cast<std::int64_t>(values.size()), static_cast<std::int64_t>(cols)},
                     options);
}

Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values,
              TensorOptions options) {
  std::vector<double> flat;
  const std::size_t rows = values.size() ? values.begin()->size() : 0;
  const std::size_t cols = rows ? values.begin()->begin()->size() : 0;
  for (const auto& plane : values) {
    if (plane.size() != rows) {
      throw Error("expected sequence of length " + std::to_string(rows) + " at dim 1 (got " +
                  std::to_string(plane.size()) + ")");
    }
    for (const auto& row : plane) {
      if (row.size() != cols) {
        throw Error("expected sequence of length " + std::to_string(cols) + " at dim 2 (got " +
                    std::to_string(row.size()) + ")");
      }
      flat.insert(flat.end(), row.begin(), row.end());
    }
  }
  return from_values(flat,
                     {static_cast<std::int64_t>(values.size()), static_cast<std::int64_t>(rows),
                      static_cast<std::int64_t>(cols)},
                     options);
}

}  // namespace activa
