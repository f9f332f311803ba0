// Losses and log-softmax, PyTorch's names, formulas and defaults:
//   activa::log_softmax(x, dim)                       nn::LogSoftmax({.dim = 1})
//   activa::cross_entropy(logits, target)             nn::CrossEntropyLoss()
//   activa::binary_cross_entropy_with_logits(x, t)    nn::BCEWithLogitsLoss()
//   activa::mse_loss(x, t)                            nn::MSELoss()
//
//   activa::nn::CrossEntropyLoss criterion;
//   std::vector<std::int64_t> labels = {3, 0, 9};
//   auto loss = criterion(net(x), labels);            // grad_fn=<NllLossBackward0>
//   loss.backward();
//
// Each is one node, computed with stable formulas (a max-shifted log-sum-exp;
// log1p(exp(-|x|))), sums accumulated in double. Class targets are indices in
// a span, as the tensors here hold floating types only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "activa/nn/module.h"
#include "activa/tensor.h"

namespace activa {

enum class Reduction : std::uint8_t { none, mean, sum };

// log(softmax(x)) along dim, as x - max - log(sum(exp(x - max))): no overflow,
// no log(0) for a tiny probability. Backward from the output y:
// grad_x = g - exp(y) * sum(g) per slice. Node: LogSoftmaxBackward0.
Tensor log_softmax(const Tensor& x, std::int64_t dim);

struct CrossEntropyOptions {
  Reduction reduction = Reduction::mean;
  std::int64_t ignore_index = -100;  // targets equal to it add nothing and are not counted
};

// input: [N, C] logits (or [C] with one target); target: N class indices in
// [0, C). loss_n = logsumexp(input[n]) - input[n, target[n]], the fused
// log_softmax + nll_loss of torch.nn.functional.cross_entropy; `mean` divides
// by the number of targets not ignored. Backward: (softmax(input[n]) -
// onehot(target[n])) times the upstream gradient (over the count for mean).
// Node: NllLossBackward0 (the one node for both steps).
Tensor cross_entropy(const Tensor& input, std::span<const std::int64_t> target,
                     const CrossEntropyOptions& options = {});

struct LossOptions {
  Reduction reduction = Reduction::mean;
};

// input, target: same shape and dtype; target in [0, 1]. loss = max(x, 0) -
// x t + log1p(exp(-|x|)), = -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]
// without overflow. Backward: (sigmoid(x) - t) g for input, -x g for target.
// Node: BinaryCrossEntropyWithLogitsBackward0.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const LossOptions& options = {});

// (input - target)^2, reduced. Backward: 2 (x - t) g, and its negative for the
// target. Node: MseLossBackward0.
Tensor mse_loss(const Tensor& input, const Tensor& target, const LossOptions& options = {});

namespace nn {

struct LogSoftmaxOptions {
  std::optional<std::int64_t> dim;  // None: PyTorch's legacy implicit dim, as nn::Softmax
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(const LogSoftmaxOptions& options = {}) : options_(options) {}
  Tensor forward(const Tensor& x) const override;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string repr() const override;

 private:
  LogSoftmaxOptions options_;
};

// The loss modules: no parameters; call them with (input, target).
class CrossEntropyLoss : public Module {
 public:
  explicit CrossEntropyLoss(const CrossEntropyOptions& options = {}) : options_(options) {}
  Tensor operator()(const Tensor& input, std::span<const std::int64_t> target) const {
    return cross_entropy(input, target, options_);
  }
  std::string repr() const override { return "CrossEntropyLoss()"; }

 private:
  CrossEntropyOptions options_;
};

class BCEWithLogitsLoss : public Module {
 public:
  explicit BCEWithLogitsLoss(const LossOptions& options = {}) : options_(options) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return binary_cross_entropy_with_logits(input, target, options_);
  }
  std::string repr() const override { return "BCEWithLogitsLoss()"; }

 private:
  LossOptions options_;
};

class MSELoss : public Module {
 public:
  explicit MSELoss(const LossOptions& options = {}) : options_(options) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return mse_loss(input, target, options_);
  }
  std::string repr() const override { return "MSELoss()"; }

 private:
  LossOptions options_;
};

}  // namespace nn
}  // namespace activa
