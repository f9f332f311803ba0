// Fully connected layers: the functional form activa::linear (torch.nn.functional.linear)
// and the module nn::Linear (torch.nn.Linear), with PyTorch's layout and initialisation.
//
//   activa::manual_seed(0);
//   activa::nn::Linear fc(784, 256);       // weight [256, 784], bias [256]
//   auto y = fc(x);                         // x [N, 784] -> y [N, 256], grad_fn=<AddmmBackward0>
//
// Products run through OpenBLAS (cblas_sgemm / cblas_dgemm), with the bias
// folded into the product: y's rows start as the bias and the product is
// added with beta = 1. Threads: activa::set_num_threads (activa/parallel.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "activa/nn/module.h"
#include "activa/random.h"
#include "activa/tensor.h"

namespace activa {

// y = x weight^T + bias. x: [..., in] (1-D or more), weight: [out, in], bias:
// [out] or undefined; y: [..., out]. All of one dtype. Backward: grad_x =
// g weight, grad_weight = g^T x, grad_bias = g summed over rows (in double).
// Node: AddmmBackward0 (MmBackward0 without bias).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

namespace nn {

struct LinearOptions {
  bool bias = true;
  DType dtype = DType::float32;
  Generator* generator = nullptr;  // nullptr: activa::default_generator()
};

class Linear : public Module {
 public:
  // weight ~ kaiming_uniform(a = sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)) and
  // bias ~ U(-1/sqrt(in), 1/sqrt(in)), drawn in that order, as PyTorch does.
  Linear(std::int64_t in_features, std::int64_t out_features, const LinearOptions& options = {});

  Tensor forward(const Tensor& x) const override { return linear(x, weight_, bias_); }
  Tensor operator()(const Tensor& x) const { return forward(x); }

  // Draws weight and bias again from `gen` (torch's reset_parameters).
  void reset_parameters(Generator& gen = default_generator());

  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  // undefined when bias = false

  std::vector<Tensor> parameters() const override;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const override;
  std::string repr() const override;

 private:
  std::int64_t in_features_, out_features_;
  Tensor weight_, bias_;
};

}  // namespace nn
}  // namespace activa
