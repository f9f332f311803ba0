// Reverse-mode autograd: a graph of nodes, each with a backward closure, run in
// topological order with an explicit stack (no recursion), gradients summed
// with += into each node's pending gradient and into the .grad() of leaves.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "activa/tensor.h"

namespace activa::autograd {

// One operation's backward: grads of its differentiable inputs from the
// gradient of its output. `inputs` are the tensors that gradients flow to.
class Node {
 public:
  using Backward = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

  Node(std::string name, std::vector<Tensor> inputs, Backward backward)
      : name_(std::move(name)), inputs_(std::move(inputs)), backward_(std::move(backward)) {}

  std::string_view name() const { return name_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }
  // Gradients for inputs() in order; an undefined Tensor means "no gradient".
  std::vector<Tensor> apply(const Tensor& grad_output) const { return backward_(grad_output); }

 private:
  std::string name_;
  std::vector<Tensor> inputs_;
  Backward backward_;
};

// Whether operations record graphs now (false inside a NoGradGuard).
bool grad_mode_enabled();

// Disables graph recording for its lifetime (torch.no_grad()). Nestable.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when any input requires grad and grad mode is on: the result gets a node.
bool needs_graph(std::initializer_list<const Tensor*> inputs);

// Attaches a node to `result` (marks it requires_grad). `inputs` are those of
// the operation's inputs that require grad, in the order backward returns.
void attach(Tensor& result, std::string name, std::vector<Tensor> inputs, Node::Backward backward);

}  // namespace activa::autograd

namespace activa {
using autograd::NoGradGuard;
}
