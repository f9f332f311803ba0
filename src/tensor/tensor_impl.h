// The state behind a Tensor handle. Internal.
#pragma once

#include <cstddef>
#include <memory>

#include "activa/autograd.h"
#include "activa/tensor.h"

namespace activa {

struct TensorImpl {
  Shape shape;
  DType dtype = DType::float32;
  std::shared_ptr<std::byte> storage;  // 64-byte aligned, shared by detach() and reshape()
  bool requires_grad = false;
  std::shared_ptr<autograd::Node> grad_fn;
  std::shared_ptr<TensorImpl> grad;
};

std::int64_t numel_of(const Shape& shape);
std::size_t element_size(DType dtype);

}  // namespace activa
