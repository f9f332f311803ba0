// The base of every nn module: forward, parameters, train/eval mode, printing.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "activa/error.h"
#include "activa/tensor.h"

namespace activa::nn {

class Module {
 public:
  virtual ~Module() = default;
  // The module applied to one input. Modules that take other arguments do not
  // override it, and calling it throws, as PyTorch's base Module.forward does.
  virtual Tensor forward(const Tensor& /*input*/) const {
    throw Error("Module [" + repr() + "] is missing the required \"forward\" function");
  }
  // The learnable tensors (leaves with requires_grad), in a fixed order.
  virtual std::vector<Tensor> parameters() const { return {}; }
  // parameters() with PyTorch's state_dict names ("weight", "0.bias", ...).
  // This default names them by position; modules with parameters override it.
  virtual std::vector<std::pair<std::string, Tensor>> named_parameters() const {
    std::vector<std::pair<std::string, Tensor>> named;
    for (const Tensor& p : parameters()) named.emplace_back(std::to_string(named.size()), p);
    return named;
  }
  // PyTorch's repr of the module, e.g. "LeakyReLU(negative_slope=0.3)".
  virtual std::string repr() const = 0;
  void zero_grad() {
    for (Tensor& p : parameters()) p.zero_grad();
  }
  // Containers override train() to set their children's mode too.
  virtual void train(bool on = true) { training_ = on; }
  void eval() { train(false); }
  bool is_training() const { return training_; }

 private:
  bool training_ = true;
};

inline std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

}  // namespace activa::nn
