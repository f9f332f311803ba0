// The base of every nn module: parameters, train/eval mode, printing.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "activa/tensor.h"

namespace activa::nn {

class Module {
 public:
  virtual ~Module() = default;
  // The learnable tensors (leaves with requires_grad), in a fixed order.
  virtual std::vector<Tensor> parameters() const { return {}; }
  // PyTorch's repr of the module, e.g. "LeakyReLU(negative_slope=0.3)".
  virtual std::string repr() const = 0;
  void zero_grad() {
    for (Tensor& p : parameters()) p.zero_grad();
  }
  void train(bool on = true) { training_ = on; }
  void eval() { training_ = false; }
  bool is_training() const { return training_; }

 private:
  bool training_ = true;
};

inline std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

}  // namespace activa::nn
