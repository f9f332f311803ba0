// A chain of modules applied in order, torch.nn.Sequential.
//
//   activa::nn::Sequential net;
//   net.push_back(activa::nn::Linear(784, 256));
//   net.push_back(activa::nn::ReLU());
//   net.push_back(activa::nn::Linear(256, 10));
//   auto logits = net(x);
//   std::cout << net;      // Sequential(\n  (0): Linear(in_features=784, ...)\n  ...)
//
// Children are held by shared_ptr: copies of a Sequential share its modules,
// as copies of a Tensor share data. Parameter names are "<index>.<name>"
// ("0.weight", "0.bias", "2.weight"), as in PyTorch's state_dict.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "activa/nn/module.h"

namespace activa::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);

  // Appends a module (moved or copied into shared ownership) and returns it.
  template <class M>
    requires std::is_base_of_v<Module, std::remove_cvref_t<M>>
  std::remove_cvref_t<M>& push_back(M&& module) {
    auto p = std::make_shared<std::remove_cvref_t<M>>(std::forward<M>(module));
    push_back(std::shared_ptr<Module>(p));
    return *p;
  }
  void push_back(std::shared_ptr<Module> module);

  // x through every child in order.
  Tensor forward(const Tensor& x) const override;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  std::size_t size() const { return modules_.size(); }
  Module& operator[](std::size_t i) const { return *modules_.at(i); }
  const std::shared_ptr<Module>& ptr(std::size_t i) const { return modules_.at(i); }
  // The child at i as an M, or nullptr if it is not one.
  template <class M>
  M* get(std::size_t i) const {
    return dynamic_cast<M*>(modules_.at(i).get());
  }

  std::vector<Tensor> parameters() const override;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const override;
  std::string repr() const override;
  void train(bool on = true) override;

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace activa::nn
