// activa against libtorch in the same process, on identical weights and
// batches: a 3-layer network's loss and every parameter gradient for every
// activation in the list, the losses and log_softmax forward and backward,
// and a few steps of SGD and Adam. Built only with libtorch
// (ACTIVA_WITH_LIBTORCH, cmake/activa_torch.cmake).
//
// Tolerance: max |activa - torch| over a tensor, relative to max |torch|:
// 1e-5 in float32, 1e-10 in float64. Element-wise relative error is no measure
// here: a gradient element that is a sum of terms cancelling to near zero has
// no accurate digits in either library.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "activa/activa.h"
#include "activa/kernels.h"
#include "activa/nn/init.h"
#include "activa/nn/linear.h"
#include "activa/nn/loss.h"
#include "activa/nn/sequential.h"
#include "activa/optim.h"

namespace activa::test {
namespace {

template <class T>
torch::Tensor to_torch(const Tensor& t, bool requires_grad = false) {
  std::vector<std::int64_t> shape(t.shape().begin(), t.shape().end());
  auto out = torch::from_blob(const_cast<T*>(t.data<T>().data()), shape, torch::dtype<T>()).clone();
  return out.set_requires_grad(requires_grad);
}

// max |a - b| / max |b|, or max |a - b| when b is all zero.
template <class T>
double relative_error(const Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.numel(), b.numel());
  const torch::Tensor bc = b.detach().contiguous().to(torch::dtype<T>());
  const T* bp = bc.data_ptr<T>();
  double diff = 0, scale = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    diff = std::max(diff, std::abs(double(a.data<T>()[static_cast<std::size_t>(i)]) - double(bp[i])));
    scale = std::max(scale, std::abs(double(bp[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

template <class T>
constexpr double kTolerance = std::is_same_v<T, float> ? 1e-5 : 1e-10;

template <class T>
Tensor random_tensor(Shape shape, Generator& gen, double lo = -1, double hi = 1) {
  Tensor t = empty(std::move(shape), {.dtype = dtype_of<T>()});
  nn::init::uniform_(t, lo, hi, gen);
  return t;
}

// The torch function of each activation in the list, with the options activa's module uses.
using TorchActivation = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& weight)>;
const std::map<std::string, TorchActivation>& torch_activations() {
  static const std::map<std::string, TorchActivation> m = {
      {"sigmoid", [](const auto& x, const auto&) { return torch::sigmoid(x); }},
      {"tanh", [](const auto& x, const auto&) { return torch::tanh(x); }},
      {"relu", [](const auto& x, const auto&) { return torch::relu(x); }},
      {"leaky_relu", [](const auto& x, const auto&) { return torch::leaky_relu(x, 0.01); }},
      {"elu", [](const auto& x, const auto&) { return torch::elu(x, 1.0); }},
      {"prelu", [](const auto& x, const auto& w) { return torch::prelu(x, w); }},
      {"softmax", [](const auto& x, const auto&) { return torch::softmax(x, 1); }},
  };
  return m;
}

// PReLU with a weight of type T: nn::PReLU's weight is float32 (its options
// have no dtype), so float64 networks use the functional form.
template <class T>
class PReLUOf : public nn::Module {
 public:
  Tensor forward(const Tensor& x) const override { return prelu(x, weight_); }
  std::vector<Tensor> parameters() const override { return {weight_}; }
  std::string repr() const override { return "PReLU()"; }

 private:
  Tensor weight_ = full({1}, 0.25, {.dtype = dtype_of<T>(), .requires_grad = true});
};

template <class Op, class T>
std::shared_ptr<nn::Module> activation_module() {
  if constexpr (Op::info.kind == Kind::weighted) {
    return std::make_shared<PReLUOf<T>>();
  } else if constexpr (Op::info.kind == Kind::along_dim) {
    return std::make_shared<nn::Activation<Op>>(typename Op::Options{.dim = 1});
  } else {
    return std::make_shared<nn::Activation<Op>>();
  }
}

// 784-64-32-10 with the activation after each hidden layer, the same weights
// in both libraries; loss = cross_entropy on a batch of 16.
// The largest relative error seen by check_network_gradients, per type (printed).
template <class T>
double g_worst_network_error = 0;

template <class Op, class T>
void check_network_gradients() {
  SCOPED_TRACE(std::string(Op::info.name) + " " + std::string(dtype_name(dtype_of<T>())));
  Generator gen(1234);
  nn::Sequential net;
  net.push_back(nn::Linear(784, 64, {.dtype = dtype_of<T>(), .generator = &gen}));
  net.push_back(activation_module<Op, T>());
  net.push_back(nn::Linear(64, 32, {.dtype = dtype_of<T>(), .generator = &gen}));
  net.push_back(activation_module<Op, T>());
  net.push_back(nn::Linear(32, 10, {.dtype = dtype_of<T>(), .generator = &gen}));
  if constexpr (Op::info.kind == Kind::weighted) {
    // Distinct slopes, so that a swapped weight would show.
    for (std::size_t i : {1u, 3u}) {
      Tensor w = net[i].parameters()[0];
      w.data<T>()[0] = static_cast<T>(0.1 * double(i));
    }
  }
  const Tensor x = random_tensor<T>({16, 784}, gen, 0, 1);
  std::vector<std::int64_t> labels(16);
  for (auto& l : labels) l = static_cast<std::int64_t>(gen.below(10));

  const Tensor loss = cross_entropy(net(x), labels);
  loss.backward();

  std::vector<torch::Tensor> tp;
  for (const Tensor& p : net.parameters()) tp.push_back(to_torch<T>(p, true));
  const TorchActivation act = torch_activations().at(std::string(Op::info.name));
  const bool weighted = Op::info.kind == Kind::weighted;
  std::size_t k = 0;
  torch::Tensor h = to_torch<T>(x);
  for (int layer = 0; layer < 3; ++layer) {
    h = torch::nn::functional::linear(h, tp[k], tp[k + 1]);
    k += 2;
    if (layer < 2) {
      h = act(h, weighted ? tp[k] : torch::Tensor());
      k += weighted ? 1 : 0;
    }
  }
  const torch::Tensor target = torch::tensor(labels, torch::kLong);
  const torch::Tensor tloss = torch::nn::functional::cross_entropy(h, target);
  tloss.backward();

  const double loss_error = std::abs(loss.item() - tloss.item<double>()) / std::abs(tloss.item<double>());
  EXPECT_LE(loss_error, kTolerance<T>);
  g_worst_network_error<T> = std::max(g_worst_network_error<T>, loss_error);
  const auto named = net.named_parameters();
  ASSERT_EQ(named.size(), tp.size());
  for (std::size_t i = 0; i < tp.size(); ++i) {
    SCOPED_TRACE(named[i].first);
    ASSERT_TRUE(named[i].second.grad().defined());
    const double e = relative_error<T>(named[i].second.grad(), tp[i].grad());
    EXPECT_LE(e, kTolerance<T>);
    g_worst_network_error<T> = std::max(g_worst_network_error<T>, e);
  }
}

template <class Options>
Options with_reduction(Options o, Reduction r) {
  if (r == Reduction::none) return o.reduction(torch::kNone);
  if (r == Reduction::mean) return o.reduction(torch::kMean);
  return o.reduction(torch::kSum);
}

template <class T>
class LibtorchTest : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LibtorchTest, Types);

TYPED_TEST(LibtorchTest, NetworkLossAndGradientsForEveryActivation) {
  AllOps::for_each([]<class Op>() { check_network_gradients<Op, TypeParam>(); });
  std::printf("largest relative error, loss and gradients, %s: %.2g (tolerance %.0e)\n",
              std::string(dtype_name(dtype_of<TypeParam>())).c_str(), g_worst_network_error<TypeParam>,
              kTolerance<TypeParam>);
}

// kernels::backward_from_output against ATen's backward formulas on the same
// saved output (sigmoid_backward, tanh_backward, elu_backward with is_result),
// element by element: activa rounds once, ATen after each operation, so they
// differ by a few ULP at most; outputs span both tails, where y rounds to 0, 1
// or -alpha.
TYPED_TEST(LibtorchTest, BackwardFromOutputMatchesAten) {
  using T = TypeParam;
  const std::int64_t n = 4099;
  const torch::Tensor x = torch::linspace(-40, 40, n, torch::dtype<T>());
  const torch::Tensor dy = torch::sin(torch::arange(n, torch::dtype<T>()));
  const auto check = [&]<class Op>(const torch::Tensor& y, const torch::Tensor& expected,
                                   const typename Op::Options& o) {
    std::vector<T> dx(static_cast<std::size_t>(n));
    kernels::backward_from_output<Op, T>(std::span<const T>(y.data_ptr<T>(), dx.size()),
                                         std::span<const T>(dy.data_ptr<T>(), dx.size()), dx, o);
    const T* e = expected.data_ptr<T>();
    for (std::size_t i = 0; i < dx.size(); ++i) {
      EXPECT_NEAR(dx[i], e[i], 4 * std::numeric_limits<T>::epsilon() * std::abs(e[i]) + std::numeric_limits<T>::min())
          << Op::info.name << " y=" << y.data_ptr<T>()[i];
    }
  };
  const torch::Tensor ys = torch::sigmoid(x), yt = torch::tanh(x), ye = torch::elu(x, 0.7);
  check.template operator()<ops::Sigmoid>(ys, at::sigmoid_backward(dy, ys), {});
  check.template operator()<ops::Tanh>(yt, at::tanh_backward(dy, yt), {});
  check.template operator()<ops::Elu>(ye, at::elu_backward(dy, 0.7, 1, 1, /*is_result=*/true, ye), {.alpha = 0.7});
}

TYPED_TEST(LibtorchTest, LinearOnThreeDimsWithoutBias) {
  using T = TypeParam;
  Generator gen(5);
  const Tensor x = random_tensor<T>({2, 3, 7}, gen).set_requires_grad();
  const Tensor w = random_tensor<T>({4, 7}, gen).set_requires_grad();
  const Tensor g = random_tensor<T>({2, 3, 4}, gen);
  const Tensor y = linear(x, w);
  y.backward(g);
  const torch::Tensor tx = to_torch<T>(x, true), tw = to_torch<T>(w, true);
  const torch::Tensor ty = torch::nn::functional::linear(tx, tw);
  ty.backward(to_torch<T>(g));
  EXPECT_LE(relative_error<T>(y.detach(), ty), kTolerance<T>);
  EXPECT_LE(relative_error<T>(x.grad(), tx.grad()), kTolerance<T>);
  EXPECT_LE(relative_error<T>(w.grad(), tw.grad()), kTolerance<T>);
}

TYPED_TEST(LibtorchTest, LossesAndLogSoftmax) {
  using T = TypeParam;
  namespace F = torch::nn::functional;
  Generator gen(9);
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    SCOPED_TRACE(static_cast<int>(r));
    // Logits spread wide (up to +-30) to exercise the stable forms.
    Tensor x = random_tensor<T>({8, 5}, gen, -30, 30).set_requires_grad();
    Tensor t = random_tensor<T>({8, 5}, gen, 0, 1).set_requires_grad();
    const Tensor g = random_tensor<T>(r == Reduction::none ? Shape{8, 5} : Shape{}, gen);
    const Tensor g_rows = random_tensor<T>(r == Reduction::none ? Shape{8} : Shape{}, gen);
    std::vector<std::int64_t> labels = {0, 4, 2, 2, 1, 3, 0, 4};

    const auto check = [&](const Tensor& loss, const torch::Tensor& tloss, const torch::Tensor& tx,
                           const torch::Tensor* tt, const Tensor& upstream) {
      x.zero_grad();
      t.zero_grad();
      loss.backward(upstream);
      tloss.backward(to_torch<T>(upstream));
      EXPECT_LE(relative_error<T>(loss.detach(), tloss), kTolerance<T>);
      EXPECT_LE(relative_error<T>(x.grad(), tx.grad()), kTolerance<T>);
      if (tt) EXPECT_LE(relative_error<T>(t.grad(), tt->grad()), kTolerance<T>);
    };
    {
      const torch::Tensor tx = to_torch<T>(x, true);
      const torch::Tensor tloss = F::cross_entropy(tx, torch::tensor(labels, torch::kLong),
                                                   with_reduction(F::CrossEntropyFuncOptions(), r));
      check(cross_entropy(x, labels, {.reduction = r}), tloss, tx, nullptr, g_rows);
    }
    {
      const torch::Tensor tx = to_torch<T>(x, true), tt = to_torch<T>(t, true);
      const torch::Tensor tloss = F::binary_cross_entropy_with_logits(
          tx, tt, with_reduction(F::BinaryCrossEntropyWithLogitsFuncOptions(), r));
      check(binary_cross_entropy_with_logits(x, t, {.reduction = r}), tloss, tx, &tt, g);
    }
    {
      const torch::Tensor tx = to_torch<T>(x, true), tt = to_torch<T>(t, true);
      const torch::Tensor tloss = F::mse_loss(tx, tt, with_reduction(F::MSELossFuncOptions(), r));
      check(mse_loss(x, t, {.reduction = r}), tloss, tx, &tt, g);
    }
  }
  for (std::int64_t dim : {0, 1, -1}) {
    const Tensor x = random_tensor<T>({3, 4, 5}, gen, -20, 20).set_requires_grad();
    const Tensor g = random_tensor<T>({3, 4, 5}, gen);
    const Tensor y = log_softmax(x, dim);
    y.backward(g);
    const torch::Tensor tx = to_torch<T>(x, true);
    const torch::Tensor ty = torch::log_softmax(tx, dim);
    ty.backward(to_torch<T>(g));
    EXPECT_LE(relative_error<T>(y.detach(), ty), kTolerance<T>);
    EXPECT_LE(relative_error<T>(x.grad(), tx.grad()), kTolerance<T>);
  }
}

// Five steps of an optimizer on a 784-32-16-10 ReLU network, the same batches
// in both libraries (torch's C++ optimizers follow the Python ones' rules).
template <class T, class MakeOurs, class MakeTheirs>
void check_optimizer(MakeOurs make_ours, MakeTheirs make_theirs, double tolerance = kTolerance<T>) {
  Generator gen(77);
  nn::Sequential net;
  net.push_back(nn::Linear(784, 32, {.dtype = dtype_of<T>(), .generator = &gen}));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(32, 16, {.dtype = dtype_of<T>(), .generator = &gen}));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(16, 10, {.dtype = dtype_of<T>(), .generator = &gen}));
  std::vector<torch::Tensor> tp;
  for (const Tensor& p : net.parameters()) tp.push_back(to_torch<T>(p, true));
  auto ours = make_ours(net.parameters());
  auto theirs = make_theirs(tp);
  for (int step = 0; step < 5; ++step) {
    const Tensor x = random_tensor<T>({16, 784}, gen, 0, 1);
    std::vector<std::int64_t> labels(16);
    for (auto& l : labels) l = static_cast<std::int64_t>(gen.below(10));
    ours.zero_grad();
    cross_entropy(net(x), labels).backward();
    ours.step();
    theirs.zero_grad();
    torch::Tensor h = torch::relu(torch::nn::functional::linear(to_torch<T>(x), tp[0], tp[1]));
    h = torch::relu(torch::nn::functional::linear(h, tp[2], tp[3]));
    h = torch::nn::functional::linear(h, tp[4], tp[5]);
    torch::nn::functional::cross_entropy(h, torch::tensor(labels, torch::kLong)).backward();
    theirs.step();
  }
  const auto params = net.parameters();
  for (std::size_t i = 0; i < tp.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_LE(relative_error<T>(params[i], tp[i]), tolerance);
  }
}

TYPED_TEST(LibtorchTest, SGDMatchesTorch) {
  using T = TypeParam;
  for (const optim::SGDOptions& o : {optim::SGDOptions{.lr = 0.1},
                                     optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 1e-2},
                                     optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true}}) {
    SCOPED_TRACE(o.momentum);
    check_optimizer<T>([&](std::vector<Tensor> p) { return optim::SGD(std::move(p), o); },
                       [&](std::vector<torch::Tensor> p) {
                         return torch::optim::SGD(p, torch::optim::SGDOptions(o.lr)
                                                         .momentum(o.momentum)
                                                         .dampening(o.dampening)
                                                         .weight_decay(o.weight_decay)
                                                         .nesterov(o.nesterov));
                       });
  }
}

TYPED_TEST(LibtorchTest, AdamMatchesTorch) {
  using T = TypeParam;
  for (const optim::AdamOptions& o : {optim::AdamOptions{},
                                      optim::AdamOptions{.lr = 3e-3, .beta1 = 0.8, .beta2 = 0.99, .weight_decay = 1e-2},
                                      optim::AdamOptions{.lr = 1e-3, .amsgrad = true}}) {
    SCOPED_TRACE(o.lr);
    check_optimizer<T>([&](std::vector<Tensor> p) { return optim::Adam(std::move(p), o); },
                       [&](std::vector<torch::Tensor> p) {
                         return torch::optim::Adam(p, torch::optim::AdamOptions(o.lr)
                                                          .betas({o.beta1, o.beta2})
                                                          .eps(o.eps)
                                                          .weight_decay(o.weight_decay)
                                                          .amsgrad(o.amsgrad));
                       },
                       // Adam divides by sqrt(v): where a gradient element is a
                       // near-cancelling sum, the libraries' float32 roundings
                       // differ in relative terms and so do the steps (each up to
                       // lr). float64 checks the rule to 1e-10; float32 allows 1e-4.
                       std::is_same_v<T, float> ? 1e-4 : kTolerance<T>);
  }
}

}  // namespace
}  // namespace activa::test
