#include "activa/nn/sequential.h"

#include <string>

namespace activa::nn {

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  if (!module) throw Error("Sequential: cannot add a null module");
  modules_.push_back(std::move(module));
}

Tensor Sequential::forward(const Tensor& x) const {
  Tensor h = x;
  for (const auto& m : modules_) h = m->forward(h);
  return h;
}

std::vector<Tensor> Sequential::parameters() const {
  std::vector<Tensor> all;
  for (const auto& m : modules_) {
    for (Tensor& p : m->parameters()) all.push_back(std::move(p));
  }
  return all;
}

std::vector<std::pair<std::string, Tensor>> Sequential::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> all;
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    for (auto& [name, p] : modules_[i]->named_parameters()) all.emplace_back(std::to_string(i) + "." + name, p);
  }
  return all;
}

// PyTorch's layout: one child per line, "(i): " and its repr, nested reprs indented.
std::string Sequential::repr() const {
  if (modules_.empty()) return "Sequential()";
  std::string s = "Sequential(\n";
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    std::string child = modules_[i]->repr();
    for (std::size_t p = child.find('\n'); p != std::string::npos; p = child.find('\n', p + 1)) {
      child.insert(p + 1, "  ");
    }
    s += "  (" + std::to_string(i) + "): " + child + "\n";
  }
  return s + ")";
}

void Sequential::train(bool on) {
  Module::train(on);
  for (const auto& m : modules_) m->train(on);
}

}  // namespace activa::nn
