#include "activa/autograd.h"

#include <algorithm>
#include <unordered_map>

#include "src/tensor/tensor_impl.h"

namespace activa::autograd {

namespace {

thread_local bool g_grad_mode = true;

// acc += g, allocating acc on first use (never aliasing g: callers may keep it).
void accumulate(std::shared_ptr<TensorImpl>& acc, const Tensor& g) {
  if (!acc) {
    acc = g.clone().impl_ptr();
    return;
  }
  Tensor a(acc);
  if (a.dtype() == DType::float32) {
    auto dst = a.data<float>();
    auto src = g.data<float>();
    for (std::size_t i = 0; i < dst.size(); ++i) dst[i] += src[i];
  } else {
    auto dst = a.data<double>();
    auto src = g.data<double>();
    for (std::size_t i = 0; i < dst.size(); ++i) dst[i] += src[i];
  }
}

void check_same(const Tensor& g, const Tensor& t, std::string_view what) {
  if (g.shape() != t.shape()) {
    throw Error(std::string(what) + ": gradient of shape " + shape_string(g.shape()) +
                " does not match tensor of shape " + shape_string(t.shape()));
  }
  if (g.dtype() != t.dtype()) {
    throw Error(std::string(what) + ": gradient of dtype " + std::string(dtype_name(g.dtype())) +
                " does not match tensor of dtype " + std::string(dtype_name(t.dtype())));
  }
}

}  // namespace

bool grad_mode_enabled() { return g_grad_mode; }

NoGradGuard::NoGradGuard() : previous_(g_grad_mode) { g_grad_mode = false; }
NoGradGuard::~NoGradGuard() { g_grad_mode = previous_; }

bool needs_graph(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_mode) return false;
  return std::any_of(inputs.begin(), inputs.end(), [](const Tensor* t) { return t->requires_grad(); });
}

void attach(Tensor& result, std::string name, std::vector<Tensor> inputs, Node::Backward backward) {
  result.impl()->requires_grad = true;
  result.impl()->grad_fn = std::make_shared<Node>(std::move(name), std::move(inputs), std::move(backward));
}

// Runs the graph below `root` in topological order: a node runs once every
// node that feeds it a gradient has run. Explicit stack, no recursion.
void run_backward(const Tensor& root, const Tensor& grad) {
  const Node* start = root.grad_fn().get();
  std::unordered_map<const Node*, int> pending_inputs;  // gradients still to arrive
  std::vector<const Node*> stack{start};
  pending_inputs[start] = 0;
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Tensor& in : n->inputs()) {
      const Node* next = in.grad_fn().get();
      if (!next) continue;
      auto [it, fresh] = pending_inputs.try_emplace(next, 0);
      ++it->second;
      if (fresh) stack.push_back(next);
    }
  }

  std::unordered_map<const Node*, std::shared_ptr<TensorImpl>> grads;
  grads[start] = grad.clone().impl_ptr();
  std::vector<const Node*> ready{start};
  while (!ready.empty()) {
    const Node* n = ready.back();
    ready.pop_back();
    const Tensor g(grads[n]);
    grads.erase(n);
    const std::vector<Tensor> out = n->apply(g);
    for (std::size_t k = 0; k < n->inputs().size() && k < out.size(); ++k) {
      const Tensor& in = n->inputs()[k];
      if (!out[k].defined() || !in.requires_grad()) continue;
      check_same(out[k], in, n->name());
      if (const Node* next = in.grad_fn().get()) {
        accumulate(grads[next], out[k]);
        if (--pending_inputs[next] == 0) ready.push_back(next);
      } else {
        accumulate(in.impl()->grad, out[k]);
      }
    }
  }
}

}  // namespace activa::autograd

namespace activa {

void Tensor::backward(const Tensor& grad_output) const {
  if (!requires_grad()) {
    throw Error("element 0 of tensors does not require grad and does not have a grad_fn");
  }
  Tensor g = grad_output;
  if (!g.defined()) {
    if (numel() != 1) throw Error("grad can be implicitly created only for scalar outputs");
    g = ones(shape(), {.dtype = dtype()});
  } else if (g.shape() != shape() || g.dtype() != dtype()) {
    throw Error("backward: grad_output of shape " + shape_string(g.shape()) + " and dtype " +
                std::string(dtype_name(g.dtype())) + " does not match tensor of shape " +
                shape_string(shape()) + " and dtype " + std::string(dtype_name(dtype())));
  }
  if (!grad_fn()) {
    autograd::accumulate(impl()->grad, g);
    return;
  }
  autograd::run_backward(*this, g);
}

Tensor Tensor::sum() const {
  // Summed in double, in index order: the same result on every machine.
  double s = 0;
  for (std::int64_t i = 0; i < numel(); ++i) s += at(i);
  Tensor r = tensor(s, {.dtype = dtype()});
  if (autograd::needs_graph({this})) {
    const Shape input_shape = shape();
    autograd::attach(r, "SumBackward0", {*this}, [input_shape](const Tensor& g) {
      return std::vector<Tensor>{full(input_shape, g.item(), {.dtype = g.dtype()})};
    });
  }
  return r;
}

}  // namespace activa
