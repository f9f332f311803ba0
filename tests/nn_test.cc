// nn modules, losses, optimizers, initialisation, random numbers and parameter
// files. Expected values are derived independently of the code under test:
// central finite differences (float64) for every gradient, naive loops in long
// double for forward values, closed forms worked by hand for the optimizers,
// PyTorch's documented printing, and the C++ standard's mt19937_64 check value.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "activa/activa.h"
#include "activa/nn/init.h"
#include "activa/nn/linear.h"
#include "activa/nn/loss.h"
#include "activa/nn/sequential.h"
#include "activa/optim.h"
#include "activa/random.h"
#include "activa/serialize.h"

namespace activa::test {
namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_ERROR(statement, text) EXPECT_NE(error_of([&] { statement; }).find(text), std::string::npos) \
    << error_of([&] { statement; })

Tensor random_tensor(Shape shape, std::uint64_t seed, double lo = -1, double hi = 1, DType dtype = DType::float64) {
  Generator gen(seed);
  Tensor t = empty(std::move(shape), {.dtype = dtype});
  nn::init::uniform_(t, lo, hi, gen);
  return t;
}

// Checks d(loss)/d(p) for every leaf in `leaves` against central differences:
// loss() must recompute from the leaves' current data (float64).
void expect_gradients_match_differences(const std::function<Tensor()>& loss, std::vector<Tensor> leaves,
                                        double tolerance = 1e-7) {
  for (Tensor& p : leaves) p.zero_grad();
  loss().backward();
  for (std::size_t k = 0; k < leaves.size(); ++k) {
    Tensor& p = leaves[k];
    ASSERT_TRUE(p.grad().defined()) << "leaf " << k;
    const std::vector<double> analytic = p.grad().to_vector();
    auto data = p.data<double>();
    double scale = 0;
    for (double g : analytic) scale = std::max(scale, std::abs(g));
    for (std::size_t i = 0; i < data.size(); ++i) {
      const double saved = data[i], h = 1e-6 * std::max(1.0, std::abs(saved));
      double up, down;
      {
        NoGradGuard g;
        data[i] = saved + h;
        up = loss().item();
        data[i] = saved - h;
        down = loss().item();
        data[i] = saved;
      }
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(analytic[i], numeric, tolerance * std::max(1.0, scale)) << "leaf " << k << " element " << i;
    }
  }
}

// ---- random numbers and initialisation ----

TEST(Generator, IsTheStandardMersenneTwister) {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64
  // (seed 5489) is 9981545732273789042; uniform() keeps its top 53 bits.
  Generator gen(5489);
  for (int i = 0; i < 9999; ++i) gen.uniform();
  EXPECT_EQ(gen.uniform(), static_cast<double>(9981545732273789042ULL >> 11) * 0x1.0p-53);
}

TEST(Generator, RangesShufflesAndSeeds) {
  Generator a(3), b(3), c(4);
  std::vector<int> v(100);
  std::iota(v.begin(), v.end(), 0);
  std::vector<int> w = v;
  a.shuffle(std::span(v));
  b.shuffle(std::span(w));
  EXPECT_EQ(v, w);
  EXPECT_EQ(std::set<int>(v.begin(), v.end()).size(), 100u);
  std::vector<int> u(100);
  std::iota(u.begin(), u.end(), 0);
  c.shuffle(std::span(u));
  EXPECT_NE(u, v);
  std::vector<int> counts(7);
  for (int i = 0; i < 70000; ++i) {
    const double x = a.uniform(-2, 3);
    ASSERT_TRUE(x >= -2 && x < 3);
    ++counts[a.below(7)];
  }
  for (int n : counts) EXPECT_NEAR(n, 10000, 500);  // 5 sigma of a binomial(70000, 1/7)
}

TEST(Linear, PyTorchInitialisation) {
  // kaiming_uniform(a = sqrt(5)) gives bound = sqrt(6 / (1 + 5)) * sqrt(3 / 784)... = 1 / sqrt(784) = 1/28.
  manual_seed(11);
  const nn::Linear fc(784, 256);
  const double bound = 1.0 / 28;
  for (const Tensor& t : {fc.weight(), fc.bias()}) {
    double sum = 0, sq = 0;
    for (double v : t.to_vector()) {
      ASSERT_LE(std::abs(v), bound);
      sum += v;
      sq += v * v;
    }
    const double n = static_cast<double>(t.numel()), var = bound * bound / 3;  // U(-b, b)
    if (n > 1000) {
      EXPECT_NEAR(sum / n, 0, 5 * std::sqrt(var / n));
      EXPECT_NEAR(sq / n, var, 5 * var * std::sqrt(0.8 / n));  // Var(x^2) = 4 b^4 / 45 = 0.8 var^2
    }
  }
  manual_seed(11);
  EXPECT_EQ(nn::Linear(784, 256).weight().to_vector(), fc.weight().to_vector());
  Generator gen(12);
  EXPECT_NE(nn::Linear(784, 256, {.generator = &gen}).weight().to_vector(), fc.weight().to_vector());
  EXPECT_EQ(fc.repr(), "Linear(in_features=784, out_features=256, bias=True)");
  EXPECT_EQ(nn::Linear(3, 2, {.bias = false}).repr(), "Linear(in_features=3, out_features=2, bias=False)");
  EXPECT_EQ(fc.weight().shape(), (Shape{256, 784}));
  EXPECT_TRUE(fc.weight().requires_grad());
}

// ---- linear ----

TEST(Linear, ForwardMatchesNaiveLoops) {
  const Tensor x = random_tensor({2, 3, 5}, 1), w = random_tensor({4, 5}, 2), b = random_tensor({4}, 3);
  const Tensor y = linear(x, w, b);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int r = 0; r < 6; ++r) {
    for (int o = 0; o < 4; ++o) {
      long double s = b.at(o);
      for (int i = 0; i < 5; ++i) s += static_cast<long double>(x.at(r * 5 + i)) * w.at(o * 5 + i);
      EXPECT_NEAR(y.at(r * 4 + o), static_cast<double>(s), 1e-14);
    }
  }
  const Tensor x32 = x.to(DType::float32), w32 = w.to(DType::float32);
  const Tensor y32 = linear(x32, w32);
  for (int r = 0; r < 6; ++r) {
    for (int o = 0; o < 4; ++o) {
      long double s = 0;
      for (int i = 0; i < 5; ++i) s += static_cast<long double>(x32.at(r * 5 + i)) * w32.at(o * 5 + i);
      EXPECT_NEAR(y32.at(r * 4 + o), static_cast<double>(s), 1e-6);
    }
  }
}

TEST(Linear, GradientsMatchFiniteDifferences) {
  Tensor x = random_tensor({3, 5}, 4).set_requires_grad();
  Tensor w = random_tensor({4, 5}, 5).set_requires_grad();
  Tensor b = random_tensor({4}, 6).set_requires_grad();
  const Tensor g = random_tensor({3, 4}, 7);
  // loss = sum(y * g), so dloss/dy = g.
  const auto loss = [&] { return mse_loss(linear(x, w, b), g, {.reduction = Reduction::sum}); };
  expect_gradients_match_differences(loss, {x, w, b});
  const Tensor y = linear(x, w, b);
  EXPECT_EQ(y.grad_fn()->name(), "AddmmBackward0");
  EXPECT_EQ(linear(x, w).grad_fn()->name(), "MmBackward0");
}

TEST(Linear, AccumulatesAcrossBackwardsAndSharedUse) {
  Tensor x = random_tensor({3, 5}, 8);
  Tensor w = random_tensor({4, 5}, 9).set_requires_grad();
  Tensor b = random_tensor({4}, 10).set_requires_grad();
  linear(x, w, b).sum().backward();
  const std::vector<double> once = w.grad().to_vector(), once_b = b.grad().to_vector();
  // Rows of the once-gradient: each is the column sums of x (dsum/dW[o, i] = sum_r x[r, i]).
  for (int i = 0; i < 5; ++i) {
    long double s = 0;
    for (int r = 0; r < 3; ++r) s += x.at(r * 5 + i);
    EXPECT_NEAR(once[static_cast<std::size_t>(i)], static_cast<double>(s), 1e-14);
  }
  for (double v : once_b) EXPECT_EQ(v, 3.0);
  linear(x, w, b).sum().backward();  // into the existing .grad
  for (std::size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(w.grad().to_vector()[i], 2 * once[i], 1e-13);
  for (double v : b.grad().to_vector()) EXPECT_EQ(v, 6.0);
  // The same weight used twice in one graph: both uses add up.
  w.zero_grad();
  b.zero_grad();
  Tensor shared = random_tensor({4, 4}, 11).set_requires_grad();
  const Tensor x4 = random_tensor({2, 4}, 12);
  expect_gradients_match_differences([&] { return linear(linear(x4, shared), shared).sum(); }, {shared});
  // Without bias, a 1-D input gives a 1-D output.
  EXPECT_EQ(linear(tensor({1.0, 2.0, 3.0, 4.0, 5.0}, {.dtype = DType::float64}), w).shape(), (Shape{4}));
}

TEST(Linear, RejectsMisuse) {
  const Tensor x = zeros({2, 3}), w = zeros({4, 5});
  EXPECT_ERROR(linear(x, w), "mat1 and mat2 shapes cannot be multiplied");
  EXPECT_ERROR(linear(x, zeros({4, 3}, {.dtype = DType::float64})), "does not match weight dtype");
  EXPECT_ERROR(linear(x, zeros({4, 3}), zeros({5})), "bias must be 1-D with 4 elements");
  EXPECT_ERROR(linear(x, zeros({12})), "weight must be 2-D");
  EXPECT_ERROR(nn::Linear(-1, 2), "must be >= 0");
}

// ---- sequential, modules ----

TEST(Sequential, PrintsNamesAndModesAsPyTorch) {
  manual_seed(0);
  nn::Sequential net;
  net.push_back(nn::Linear(784, 256));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(256, 10));
  EXPECT_EQ(net.repr(),
            "Sequential(\n"
            "  (0): Linear(in_features=784, out_features=256, bias=True)\n"
            "  (1): ReLU()\n"
            "  (2): Linear(in_features=256, out_features=10, bias=True)\n"
            ")");
  nn::Sequential outer;
  outer.push_back(nn::Sequential(std::vector<std::shared_ptr<nn::Module>>{std::make_shared<nn::ReLU>()}));
  EXPECT_EQ(outer.repr(), "Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)");
  std::vector<std::string> names;
  for (const auto& [name, p] : net.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(net.parameters().size(), 4u);
  nn::Sequential with_prelu;
  with_prelu.push_back(nn::PReLU());
  EXPECT_EQ(with_prelu.named_parameters().at(0).first, "0.weight");

  net.eval();
  EXPECT_FALSE(net.is_training());
  EXPECT_FALSE(net[1].is_training());
  net.train();
  EXPECT_TRUE(net[2].is_training());
  EXPECT_EQ(net(zeros({3, 784})).shape(), (Shape{3, 10}));
  EXPECT_NE(net.get<nn::Linear>(0), nullptr);
  EXPECT_EQ(net.get<nn::Linear>(1), nullptr);
  EXPECT_ERROR(nn::CrossEntropyLoss().forward(zeros({2, 3})), "is missing the required \"forward\" function");
  EXPECT_EQ(nn::LogSoftmax({.dim = 1}).repr(), "LogSoftmax(dim=1)");
  EXPECT_EQ(nn::MSELoss().repr(), "MSELoss()");
}

// ---- log_softmax and losses ----

TEST(LogSoftmax, ValuesStabilityAndGradients) {
  const Tensor x = tensor({1.0, 2.0, 3.0}, {.dtype = DType::float64});
  const long double lse = std::log(std::exp(1.0L) + std::exp(2.0L) + std::exp(3.0L));
  const std::vector<double> y = log_softmax(x, 0).to_vector();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(y[static_cast<std::size_t>(i)], static_cast<double>(i + 1 - lse), 1e-15);
  // exp(1000) overflows a naive formula; the shifted one is exact here.
  EXPECT_EQ(log_softmax(tensor({1000.0, 0.0}), 0).to_vector(), (std::vector<double>{0.0, -1000.0}));
  EXPECT_EQ(log_softmax(tensor({-1000.0, 0.0}), 0).to_vector(), (std::vector<double>{-1000.0, 0.0}));
  Tensor z = random_tensor({2, 3, 4}, 12, -5, 5).set_requires_grad();
  const Tensor g = random_tensor({2, 3, 4}, 13);
  for (std::int64_t dim : {0, 1, 2, -1}) {
    expect_gradients_match_differences(
        [&] { return mse_loss(log_softmax(z, dim), g, {.reduction = Reduction::sum}); }, {z});
  }
  EXPECT_EQ(nn::LogSoftmax({.dim = 1})(zeros({2, 3})).grad_fn(), nullptr);
  EXPECT_ERROR(log_softmax(zeros({2, 3}), 2), "Dimension out of range");
}

TEST(CrossEntropy, ValuesReductionsAndGradients) {
  // -log softmax([2, 1, 0.1])[0] = log(e^2 + e + e^0.1) - 2
  const Tensor x = tensor({{2.0, 1.0, 0.1}}, {.dtype = DType::float64});
  const std::vector<std::int64_t> zero = {0};
  EXPECT_NEAR(cross_entropy(x, zero).item(), static_cast<double>(std::log(std::exp(2.0L) + std::exp(1.0L) + std::exp(0.1L)) - 2), 1e-15);
  EXPECT_NEAR(cross_entropy(zeros({4, 10}), std::vector<std::int64_t>{1, 2, 3, 9}).item(), std::log(10.0), 1e-6);
  const std::vector<std::int64_t> one = {1};
  EXPECT_EQ(cross_entropy(tensor({{1000.0, 0.0}}), one).item(), 1000.0);
  EXPECT_EQ(cross_entropy(tensor({{0.0, 1000.0}}), one).item(), 0.0);

  Tensor z = random_tensor({5, 4}, 14, -3, 3).set_requires_grad();
  const std::vector<std::int64_t> labels = {3, 0, 1, 1, 2};
  for (Reduction r : {Reduction::mean, Reduction::sum}) {
    expect_gradients_match_differences([&] { return cross_entropy(z, labels, {.reduction = r}); }, {z});
  }
  const Tensor per_row = cross_entropy(z, labels, {.reduction = Reduction::none});
  ASSERT_EQ(per_row.shape(), (Shape{5}));
  double sum = 0;
  for (double v : per_row.to_vector()) sum += v;
  EXPECT_NEAR(cross_entropy(z, labels, {.reduction = Reduction::sum}).item(), sum, 1e-12);
  EXPECT_NEAR(cross_entropy(z, labels).item(), sum / 5, 1e-12);
  // ignore_index: the row adds nothing and is not counted.
  const std::vector<std::int64_t> ignoring = {3, -100, 1, 1, 2};
  const std::vector<double> rows = per_row.to_vector();
  EXPECT_NEAR(cross_entropy(z, ignoring).item(), (rows[0] + rows[2] + rows[3] + rows[4]) / 4, 1e-12);
  expect_gradients_match_differences([&] { return cross_entropy(z, ignoring); }, {z});
  EXPECT_EQ(cross_entropy(z, labels).grad_fn()->name(), "NllLossBackward0");
  EXPECT_ERROR(cross_entropy(z, std::vector<std::int64_t>{0, 1}), "Expected input batch_size (5) to match target batch_size (2)");
  EXPECT_ERROR(cross_entropy(z, std::vector<std::int64_t>{0, 1, 2, 3, 4}), "Target 4 is out of bounds");
}

TEST(BCEWithLogits, StableValuesAndGradients) {
  // -[t log s + (1 - t) log(1 - s)], s = sigmoid(x), in long double for moderate x.
  const std::vector<double> xs = {-4, -0.5, 0, 0.3, 6}, ts = {0, 0.2, 0.5, 1, 0.9};
  const Tensor x = from_values(xs, {5}, {.dtype = DType::float64}), t = from_values(ts, {5}, {.dtype = DType::float64});
  const std::vector<double> got = binary_cross_entropy_with_logits(x, t, {.reduction = Reduction::none}).to_vector();
  for (std::size_t i = 0; i < 5; ++i) {
    const long double s = 1 / (1 + std::exp(-static_cast<long double>(xs[i])));
    EXPECT_NEAR(got[i], static_cast<double>(-(ts[i] * std::log(s) + (1 - ts[i]) * std::log(1 - s))), 1e-14);
  }
  // Where sigmoid rounds to 0 or 1 the loss is still exact: |x| for the wrong label.
  EXPECT_EQ(binary_cross_entropy_with_logits(tensor({100.0}), tensor({0.0})).item(), 100.0);
  EXPECT_EQ(binary_cross_entropy_with_logits(tensor({-100.0}), tensor({1.0})).item(), 100.0);
  Tensor xv = random_tensor({3, 4}, 15, -8, 8).set_requires_grad();
  Tensor tv = random_tensor({3, 4}, 16, 0, 1).set_requires_grad();
  expect_gradients_match_differences([&] { return binary_cross_entropy_with_logits(xv, tv); }, {xv, tv});
  EXPECT_ERROR(binary_cross_entropy_with_logits(zeros({2}), zeros({3})), "must be the same as input size");
}

TEST(MSELoss, ValuesAndGradients) {
  const Tensor x = tensor({1.0, 2.0, 4.0}), t = tensor({0.0, 2.0, 1.0});
  EXPECT_NEAR(mse_loss(x, t).item(), (1.0 + 0 + 9) / 3, 1e-7);
  EXPECT_NEAR(nn::MSELoss({.reduction = Reduction::sum})(x, t).item(), 10.0, 1e-6);
  Tensor xv = random_tensor({2, 3}, 17).set_requires_grad(), tv = random_tensor({2, 3}, 18).set_requires_grad();
  expect_gradients_match_differences([&] { return mse_loss(xv, tv); }, {xv, tv});
  EXPECT_EQ(mse_loss(xv, tv).grad_fn()->name(), "MseLossBackward0");
}

// ---- optimizers ----

// f(p) = 0.5 p^2 summed over p: grad = p.
double quadratic_step(optim::Optimizer& opt, Tensor& p) {
  opt.zero_grad();
  mse_loss(p, zeros(p.shape(), {.dtype = p.dtype()}), {.reduction = Reduction::sum}).backward();  // grad = 2p
  return p.at(0);
}

TEST(SGD, FollowsPyTorchsUpdateRule) {
  // Worked by hand with f = p^2 (grad 2p), p0 = 1, lr = 0.05 (so lr * grad = 0.1 p):
  //   plain: p = 0.9^k
  //   momentum 0.9: buf = 2, p = 0.9; buf = 1.8 + 1.8 = 3.6, p = 0.72; buf = 3.24 + 1.44 = 4.68, p = 0.486
  //   nesterov:     d = 2 + 1.8 = 3.8, p = 0.81; buf = 1.8 + 1.62 = 3.42, d = 1.62 + 3.078 = 4.698, p = 0.5751
  const auto run = [](optim::SGDOptions o, int steps) {
    Tensor p = tensor({1.0}, {.dtype = DType::float64, .requires_grad = true});
    optim::SGD opt({p}, o);
    for (int i = 0; i < steps; ++i) {
      quadratic_step(opt, p);
      opt.step();
    }
    return p.at(0);
  };
  EXPECT_NEAR(run({.lr = 0.05}, 3), 0.729, 1e-15);
  EXPECT_NEAR(run({.lr = 0.05, .momentum = 0.9}, 1), 0.9, 1e-15);
  EXPECT_NEAR(run({.lr = 0.05, .momentum = 0.9}, 2), 0.72, 1e-15);
  EXPECT_NEAR(run({.lr = 0.05, .momentum = 0.9}, 3), 0.486, 1e-15);
  EXPECT_NEAR(run({.lr = 0.05, .momentum = 0.9, .nesterov = true}, 1), 0.81, 1e-15);
  EXPECT_NEAR(run({.lr = 0.05, .momentum = 0.9, .nesterov = true}, 2), 0.5751, 1e-15);
  // weight decay 1 adds p to the gradient: lr * (2p + p) = 0.15 p.
  EXPECT_NEAR(run({.lr = 0.05, .weight_decay = 1}, 2), 0.85 * 0.85, 1e-15);
  // dampening 0.5 halves the gradient entering the buffer after the first step:
  // buf = 2, p = 0.9; buf = 1.8 + 0.9 = 2.7, p = 0.9 - 0.135 = 0.765.
  EXPECT_NEAR(run({.lr = 0.05, .momentum = 0.9, .dampening = 0.5}, 2), 0.765, 1e-15);
  EXPECT_ERROR(optim::SGD({}, {.lr = -1}), "Invalid learning rate");
  EXPECT_ERROR(optim::SGD({}, {.lr = 0.1, .nesterov = true}), "Nesterov momentum requires");
}

TEST(Adam, StepsByTheLearningRateUnderAConstantGradient) {
  // With a constant gradient g the bias-corrected moments are g and g^2, so
  // every step moves p by lr * g / (|g| + eps).
  Tensor p = tensor({1.0, -2.0, 3.0}, {.dtype = DType::float64, .requires_grad = true});
  const std::vector<double> g = {0.5, -3.0, 1e-3};
  optim::Adam opt({p}, {.lr = 0.01});
  for (int step = 1; step <= 3; ++step) {
    opt.zero_grad();
    // sum (p - t)^2 with t = p - g/2 has gradient 2 (p - t) = g.
    std::vector<double> t(3);
    for (int i = 0; i < 3; ++i) t[static_cast<std::size_t>(i)] = p.at(i) - g[static_cast<std::size_t>(i)] / 2;
    mse_loss(p, from_values(t, {3}, {.dtype = DType::float64}), {.reduction = Reduction::sum}).backward();
    opt.step();
    for (int i = 0; i < 3; ++i) {
      const double start = std::vector<double>{1.0, -2.0, 3.0}[static_cast<std::size_t>(i)];
      const double gi = g[static_cast<std::size_t>(i)];
      EXPECT_NEAR(p.at(i), start - step * 0.01 * gi / (std::abs(gi) + 1e-8), 1e-12) << "step " << step;
    }
  }
  EXPECT_ERROR(optim::Adam({}, {.beta1 = 1.0}), "Invalid beta parameter at index 0");
}

TEST(Optimizer, ZeroGradKeepsOrDropsBuffers) {
  Tensor p = tensor({1.0, 2.0}, {.requires_grad = true});
  optim::SGD opt({p}, {.lr = 0.1});
  p.sum().backward();
  const Tensor g = p.grad();
  opt.zero_grad();
  ASSERT_TRUE(p.grad().defined());
  EXPECT_EQ(p.grad().impl(), g.impl());  // the same buffer, zeroed
  EXPECT_EQ(p.grad().to_vector(), (std::vector<double>{0, 0}));
  opt.zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(p.grad().defined());
  opt.step();  // no gradient: p unchanged
  EXPECT_EQ(p.to_vector(), (std::vector<double>{1, 2}));
  EXPECT_ERROR(optim::SGD(std::vector<Tensor>{relu(p)}, {.lr = 0.1}), "non-leaf");
}

// ---- parameter files ----

std::string temp_path(const std::string& name) { return testing::TempDir() + "activa_nn_test_" + name; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

nn::Sequential small_net(std::uint64_t seed, std::int64_t hidden = 4) {
  Generator gen(seed);
  nn::Sequential net;
  net.push_back(nn::Linear(3, hidden, {.generator = &gen}));
  net.push_back(nn::PReLU());
  net.push_back(nn::Linear(hidden, 2, {.dtype = DType::float32, .generator = &gen}));
  return net;
}

TEST(Serialize, RoundTripsAndDocumentedLayout) {
  const std::string path = temp_path("round.actv");
  const NamedTensors tensors = {{"a", tensor({{1.0, 2.0}, {3.0, 4.0}})},
                                {"scalar", tensor(7.5, {.dtype = DType::float64})},
                                {"empty", zeros({0, 3})}};
  save_tensors(tensors, path);
  const NamedTensors back = load_tensors(path);
  ASSERT_EQ(back.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].first, tensors[i].first);
    EXPECT_EQ(back[i].second.shape(), tensors[i].second.shape());
    EXPECT_EQ(back[i].second.dtype(), tensors[i].second.dtype());
    EXPECT_EQ(back[i].second.to_vector(), tensors[i].second.to_vector());
  }
  // The layout of docs/serialize.h: magic, version 1, count 3, payload size, CRC at the end.
  const std::string bytes = read_bytes(path);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89" "ACTIVA\n", 8));
  EXPECT_EQ(bytes[8], 1);
  EXPECT_EQ(bytes[12], 3);
  // payload: a (2+1+1+1+16+8+16) + scalar (2+6+1+1+0+8+8) + empty (2+5+1+1+16+8+0) = 45 + 26 + 33
  EXPECT_EQ(bytes.size(), 24u + 104u + 4u);

  nn::Sequential net = small_net(1), other = small_net(2);
  other[1].parameters()[0].data<float>()[0] = 0.7f;
  save(other, path);
  load(net, path);
  for (std::size_t i = 0; i < net.parameters().size(); ++i) {
    EXPECT_EQ(net.parameters()[i].to_vector(), other.parameters()[i].to_vector());
  }
  std::filesystem::remove(path);
}

TEST(Serialize, RejectsDamagedAndMismatchedFiles) {
  const std::string path = temp_path("bad.actv");
  nn::Sequential net = small_net(3);
  save(net, path);
  const std::string good = read_bytes(path);
  const std::vector<double> before = net.parameters()[0].to_vector();

  write_bytes(path, good.substr(0, good.size() - 10));
  EXPECT_ERROR(load(net, path), "truncated parameter file");
  write_bytes(path, good.substr(0, 20));
  EXPECT_ERROR(load(net, path), "truncated parameter file");
  write_bytes(path, good + "xyz");
  EXPECT_ERROR(load(net, path), "oversized parameter file");
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  write_bytes(path, flipped);
  EXPECT_ERROR(load(net, path), "checksum mismatch");
  write_bytes(path, "PK\x03\x04 not ours at all, long enough to have a header");
  EXPECT_ERROR(load(net, path), "not an activa parameter file");
  std::string newer = good;
  newer[8] = 2;
  write_bytes(path, newer);
  EXPECT_ERROR(load(net, path), "version 2");
  EXPECT_ERROR(load(net, temp_path("missing.actv")), "cannot open");

  nn::Sequential wider = small_net(4, 5);
  save(wider, path);
  EXPECT_ERROR(load(net, path), "parameter '0.weight' has shape [5, 3] in the file, [4, 3] in the model");
  nn::Sequential shorter;
  shorter.push_back(nn::Linear(3, 4));
  save(shorter, path);
  EXPECT_ERROR(load(net, path), "the file lacks parameter '1.weight'");
  EXPECT_ERROR(load(shorter, temp_path("bad.actv")), "(no error)");
  save(net, path);
  EXPECT_ERROR(load(shorter, path), "the file has parameter '1.weight', which the model lacks");
  EXPECT_EQ(net.parameters()[0].to_vector(), before);  // nothing changed by the failed loads
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace activa::test
