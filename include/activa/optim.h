// Optimizers, torch.optim's names, defaults and update rules (PyTorch 1.13,
// the single-tensor path), applied in place to the parameters' data:
//
//   activa::optim::Adam opt(net.parameters(), {.lr = 1e-3});
//   for (...) {
//     opt.zero_grad();
//     criterion(net(x), labels).backward();
//     opt.step();
//   }
//
// A parameter without a gradient (none reached it since set_to_none) is left
// as it is, and its state does not advance, as in PyTorch. State buffers are
// allocated on a parameter's first step and reused: step() allocates nothing
// afterwards, and zero_grad() keeps the gradient buffers that nn::Linear's
// backward accumulates into.
#pragma once

#include <cstdint>
#include <vector>

#include "activa/tensor.h"

namespace activa::optim {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;

  virtual void step() = 0;
  // Zeroes every parameter's gradient in place, keeping its buffer for the
  // next backward to accumulate into (PyTorch 1.13's default); with
  // set_to_none, drops the gradients instead (later PyTorch's default).
  void zero_grad(bool set_to_none = false);

  const std::vector<Tensor>& params() const { return params_; }
  virtual double lr() const = 0;
  virtual void set_lr(double lr) = 0;

 protected:
  std::vector<Tensor> params_;
};

struct SGDOptions {
  double lr = 0.01;  // PyTorch has no default (a required argument); give it
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

// g = grad + weight_decay * p
// with momentum: buf = g on the first step, else momentum * buf + (1 - dampening) * g;
//                g = g + momentum * buf (nesterov) or buf
// p = p - lr * g
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  void step() override;
  double lr() const override { return options_.lr; }
  void set_lr(double lr) override { options_.lr = lr; }
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
  std::vector<Tensor> momentum_;  // one per parameter, undefined until its first step
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

// t = t + 1; g = grad + weight_decay * p
// m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2  (v_max = max(v_max, v) with amsgrad)
// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  void step() override;
  double lr() const override { return options_.lr; }
  void set_lr(double lr) override { options_.lr = lr; }
  const AdamOptions& options() const { return options_; }

 private:
  struct State {
    std::int64_t step = 0;
    Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  AdamOptions options_;
  std::vector<State> state_;
};

}  // namespace activa::optim
