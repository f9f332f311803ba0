// Tensors, autograd and modules: node names, gradients against the derivative
// formulas, accumulation, no-grad, PReLU's weight, softmax along every dim,
// in-place ops, and misuse raising activa::Error with a message naming it.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace activa::test {
namespace {

std::string str(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Tensor, FactoriesShapesAndDtypes) {
  const Tensor a = tensor({-5.0, 0, 5.0});
  EXPECT_EQ(a.dtype(), DType::float32);
  EXPECT_EQ(a.shape(), (Shape{3}));
  const Tensor b = tensor({{2.0, 1.0, 4}, {5.0, 3.0, 5.0}}, {.dtype = DType::float64});
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  EXPECT_EQ(b.at(5), 5.0);
  EXPECT_EQ(tensor(0.5).dim(), 0);
  EXPECT_EQ(zeros({2, 0, 3}).numel(), 0);
  EXPECT_EQ(str(b), "tensor([[2., 1., 4.],\n        [5., 3., 5.]], dtype=torch.float64)");
  EXPECT_NE(error_of([] { tensor({{1.0, 2.0}, {3.0}}); }).find("expected sequence of length 2"), std::string::npos);
  EXPECT_NE(error_of([] { empty({2, -1}); }).find("negative dimension"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)a.data<double>(); }).find("accessed as float64"), std::string::npos);
  EXPECT_EQ(a.reshape({3, 1}).shape(), (Shape{3, 1}));
  EXPECT_EQ(b.reshape({-1}).shape(), (Shape{6}));
  EXPECT_THROW(a.reshape({2, 2}), Error);
}

TEST(Autograd, NodeNamesComeFromTheList) {
  for_each_op([]<class Op>() {
    const Tensor x = tensor({{-5.0, 0, 5.0}}, {.requires_grad = true});
    Tensor y;
    if constexpr (Op::info.kind == Kind::pointwise) y = Functional<Op>{}(x);
    else if constexpr (Op::info.kind == Kind::weighted) y = Functional<Op>{}(x, tensor({0.25}));
    else y = Functional<Op>{}(x, 1);
    ASSERT_TRUE(y.grad_fn());
    EXPECT_EQ(y.grad_fn()->name(), Op::info.node);
    EXPECT_FALSE(y.is_leaf());
    EXPECT_TRUE(y.requires_grad());
  });
}

TEST(Autograd, LectureGradients) {
  // Derivatives at the lecture's points [-5, 0, 5], from the formulas:
  // sigmoid' = s(1 - s); tanh' = 1 - tanh^2; relu'(0) = 0; leaky'(x <= 0) = 0.3; elu'(x <= 0) = e^x.
  const auto grad_of = [](auto f) {
    Tensor x = tensor({-5.0, 0, 5.0}, {.dtype = DType::float64, .requires_grad = true});
    f(x).sum().backward();
    return x.grad().to_vector();
  };
  const double s5 = 1 / (1 + std::exp(5.0)), t5 = std::tanh(5.0);
  const auto near = [](const std::vector<double>& a, const std::vector<double>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-15) << i;
  };
  near(grad_of([](const Tensor& x) { return sigmoid(x); }), {s5 * (1 - s5), 0.25, s5 * (1 - s5)});
  near(grad_of([](const Tensor& x) { return activa::tanh(x); }), {1 - t5 * t5, 1, 1 - t5 * t5});
  near(grad_of([](const Tensor& x) { return relu(x); }), {0, 0, 1});
  near(grad_of([](const Tensor& x) { return leaky_relu(x, {.negative_slope = 0.3}); }), {0.3, 0.3, 1});
  near(grad_of([](const Tensor& x) { return elu(x); }), {std::exp(-5.0), 1, 1});
}

TEST(Autograd, UpstreamGradientAccumulationAndNoGrad) {
  Tensor x = tensor({1.0, -2.0}, {.requires_grad = true});
  Tensor y = leaky_relu(x);
  y.backward(tensor({3.0, 5.0}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{3.0, 5.0f * 0.01f}));
  leaky_relu(x).backward(tensor({1.0, 1.0}));  // accumulates, as PyTorch
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{4.0, 5.0f * 0.01f + 0.01f}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());

  // A graph that reuses x: d/dx sum(relu(x) + sigmoid(relu(x))) through two paths.
  Tensor z = tensor({2.0}, {.dtype = DType::float64, .requires_grad = true});
  Tensor r = relu(z);
  Tensor s = sigmoid(r);
  r.sum().backward();
  s.sum().backward();
  const double sg = 1 / (1 + std::exp(-2.0));
  EXPECT_NEAR(z.grad().item(), 1 + sg * (1 - sg), 1e-15);

  {
    NoGradGuard guard;
    const Tensor n = sigmoid(x);
    EXPECT_FALSE(n.grad_fn());
    EXPECT_FALSE(n.requires_grad());
  }
  EXPECT_TRUE(sigmoid(x).grad_fn());
}

TEST(Autograd, Misuse) {
  const Tensor plain = tensor({1.0, 2.0});
  EXPECT_NE(error_of([&] { sigmoid(plain).sum().backward(); }).find("does not require grad"), std::string::npos);
  const Tensor x = tensor({1.0, 2.0}, {.requires_grad = true});
  EXPECT_NE(error_of([&] { sigmoid(x).backward(); }).find("only for scalar outputs"), std::string::npos);
  EXPECT_NE(error_of([&] { sigmoid(x).backward(tensor({1.0, 2.0, 3.0})); }).find("does not match"), std::string::npos);
  EXPECT_NE(error_of([&] { sigmoid(x).backward(tensor({1.0, 2.0}, {.dtype = DType::float64})); }).find("dtype"),
            std::string::npos);
  // A backward closure called with a gradient of the wrong shape names the node.
  const Tensor y = tanh(x);
  EXPECT_NE(error_of([&] { y.grad_fn()->apply(tensor({1.0})); }).find("TanhBackward0"), std::string::npos);
}

TEST(Modules, DefaultsOptionsAndRepr) {
  EXPECT_EQ(nn::Sigmoid().repr(), "Sigmoid()");
  EXPECT_EQ(nn::LeakyReLU().repr(), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(nn::LeakyReLU({.negative_slope = 0.3}).repr(), "LeakyReLU(negative_slope=0.3)");
  EXPECT_EQ(nn::ELU().repr(), "ELU(alpha=1.0)");
  // Python's repr of a float in scientific notation, as torch 1.13 prints
  // nn.LeakyReLU(1e-5), nn.ELU(1.5e20), nn.ELU(2e-7), nn.LeakyReLU(3e100).
  EXPECT_EQ(nn::LeakyReLU({.negative_slope = 1e-5}).repr(), "LeakyReLU(negative_slope=1e-05)");
  EXPECT_EQ(nn::ELU({.alpha = 1.5e20}).repr(), "ELU(alpha=1.5e+20)");
  EXPECT_EQ(nn::ELU({.alpha = 2e-7}).repr(), "ELU(alpha=2e-07)");
  EXPECT_EQ(nn::LeakyReLU({.negative_slope = 3e100}).repr(), "LeakyReLU(negative_slope=3e+100)");
  EXPECT_EQ(nn::PReLU({.num_parameters = 3}).repr(), "PReLU(num_parameters=3)");
  EXPECT_EQ(nn::Softmax({.dim = 1}).repr(), "Softmax(dim=1)");
  EXPECT_EQ(nn::Softmax().repr(), "Softmax(dim=None)");
  EXPECT_EQ(nn::LeakyReLU().options().negative_slope, 0.01);
  EXPECT_EQ(nn::ELU().options().alpha, 1.0);
  EXPECT_EQ(nn::PReLU().weight().to_vector(), (std::vector<double>{0.25}));
  EXPECT_EQ(str(nn::PReLU({.num_parameters = 2, .init = 0.1}).weight()), "tensor([0.1000, 0.1000], requires_grad=True)");
  EXPECT_THROW(nn::PReLU({.num_parameters = 0}), Error);
}

TEST(Modules, PReLUPerChannelWeightGradient) {
  // x: [N=2, C=3, L=2]; weight per channel. dL/dw[c] = sum over x <= 0 in channel c of x * dy.
  nn::PReLU prelu({.num_parameters = 3, .init = 0.25});
  ASSERT_EQ(prelu.parameters().size(), 1u);
  Tensor x = tensor({{{-1.0, 2.0}, {-3.0, -4.0}, {5.0, 0.0}}, {{-0.5, -1.5}, {6.0, -2.0}, {-7.0, 1.0}}},
                    {.requires_grad = true});
  const Tensor y = prelu(x);
  EXPECT_EQ(y.grad_fn()->name(), "PreluKernelBackward0");
  y.backward(full({2, 3, 2}, 2.0));
  // channel 0: x <= 0 at -1, -0.5, -1.5 -> 2 * (-3) = -6; channel 1: -3, -4, -2 -> -18; channel 2: 0, -7 -> -14.
  EXPECT_EQ(prelu.weight().grad().to_vector(), (std::vector<double>{-6, -18, -14}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0.5, 2, 0.5, 0.5, 2, 0.5, 0.5, 0.5, 2, 0.5, 0.5, 2}));
  prelu.zero_grad();
  EXPECT_FALSE(prelu.weight().grad().defined());
}

TEST(Modules, PReLUWeightCountMismatch) {
  nn::PReLU prelu({.num_parameters = 4});
  EXPECT_NE(error_of([&] { prelu(zeros({2, 3})); }).find("parameter numbers = 4 and channel size = 3"), std::string::npos);
  EXPECT_NE(error_of([&] { prelu(zeros({4})); }).find("no channel dim"), std::string::npos);
  EXPECT_NE(error_of([] { activa::prelu(zeros({2, 3}), zeros({3}, {.dtype = DType::float64})); }).find("dtype"), std::string::npos);
}

TEST(Softmax, EveryDimOfA3dTensorSumsToOneWithTheRightGradient) {
  std::vector<double> values(24);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(double(i)) * 3;
  for (std::int64_t dim : {0, 1, 2, -1, -3}) {
    Tensor x = from_values(values, {2, 3, 4}, {.dtype = DType::float64, .requires_grad = true});
    const Tensor y = softmax(x, dim);
    const std::int64_t d = dim < 0 ? dim + 3 : dim;
    // Reference: loop over slices by hand.
    const Shape s = {2, 3, 4};
    const std::int64_t stride = d == 2 ? 1 : d == 1 ? 4 : 12;
    for (std::int64_t start = 0; start < 24; ++start) {
      if ((start / stride) % s[static_cast<std::size_t>(d)] != 0) continue;
      double m = -INFINITY, sum = 0;
      for (std::int64_t k = 0; k < s[static_cast<std::size_t>(d)]; ++k) m = std::max(m, values[static_cast<std::size_t>(start + k * stride)]);
      for (std::int64_t k = 0; k < s[static_cast<std::size_t>(d)]; ++k) sum += std::exp(values[static_cast<std::size_t>(start + k * stride)] - m);
      for (std::int64_t k = 0; k < s[static_cast<std::size_t>(d)]; ++k) {
        const auto i = start + k * stride;
        EXPECT_NEAR(y.at(i), std::exp(values[static_cast<std::size_t>(i)] - m) / sum, 1e-15) << "dim " << dim;
      }
    }
    // The sum over dim of softmax is constant, so its gradient is 0.
    y.sum().backward();
    for (double g : x.grad().to_vector()) EXPECT_NEAR(g, 0, 1e-15) << "dim " << dim;
  }
  EXPECT_NE(error_of([] { softmax(zeros({2, 3}), 2); }).find("Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
            std::string::npos);
  EXPECT_EQ(nn::Softmax()(zeros({2, 3})).to_vector(), std::vector<double>(6, 1.0f / 3));  // implicit dim 1
}

TEST(Softmax, Stability) {
  const Tensor big = softmax(tensor({1e4, -1e4, 1e4}), 0);
  EXPECT_EQ(big.to_vector(), (std::vector<double>{0.5, 0, 0.5}));
  const Tensor with_inf = softmax(tensor({-INFINITY, 0.0, -INFINITY}), 0);
  EXPECT_EQ(with_inf.to_vector(), (std::vector<double>{0, 1, 0}));
  for (double v : softmax(tensor({-INFINITY, -INFINITY}), 0).to_vector()) EXPECT_TRUE(std::isnan(v));
}

TEST(InPlace, ModifiesTheBufferOrRecordsHistory) {
  Tensor a = tensor({-1.0, 2.0});
  const float* before = a.data<float>().data();
  relu_(a);
  EXPECT_EQ(a.to_vector(), (std::vector<double>{0, 2}));
  EXPECT_EQ(a.data<float>().data(), before);  // no new buffer without autograd

  Tensor leaf = tensor({-1.0, 2.0}, {.requires_grad = true});
  EXPECT_NE(error_of([&] { relu_(leaf); }).find("leaf tensor that requires grad"), std::string::npos);

  Tensor x = tensor({-1.0, 0.5}, {.dtype = DType::float64, .requires_grad = true});
  Tensor h = leaky_relu(x, {.negative_slope = 0.5});  // [-0.5, 0.5]
  sigmoid_(h);
  EXPECT_EQ(h.grad_fn()->name(), "SigmoidBackward0");
  h.sum().backward();
  const double s = 1 / (1 + std::exp(0.5));  // sigmoid(-0.5)
  EXPECT_NEAR(x.grad().at(0), s * (1 - s) * 0.5, 1e-15);
  EXPECT_NEAR(x.grad().at(1), s * (1 - s), 1e-15);
}

// PyTorch's inplace flag (nn.ReLU(inplace=True), F.elu(x, inplace=True)):
// expectations printed by PyTorch 1.13 for
//   x = torch.tensor([-1., 0., 2.], requires_grad=True); h = F.leaky_relu(x, 0.5)
//   y = nn.ELU(inplace=True)(h)  # and nn.LeakyReLU(0.2, inplace=True), F.relu(h, inplace=True)
//   y.sum().backward()
TEST(InPlace, ModulesAndFunctionalFormsTakePyTorchsInplaceFlag) {
  EXPECT_EQ(nn::ReLU({.inplace = true}).repr(), "ReLU(inplace=True)");
  EXPECT_EQ(nn::ReLU().repr(), "ReLU()");
  EXPECT_EQ(nn::LeakyReLU({.negative_slope = 0.2, .inplace = true}).repr(),
            "LeakyReLU(negative_slope=0.2, inplace=True)");
  EXPECT_EQ(nn::ELU({.inplace = true}).repr(), "ELU(alpha=1.0, inplace=True)");

  // Without autograd: the input's own buffer is overwritten and returned.
  Tensor t = tensor({-1.0, 0.5});
  const float* before = t.data<float>().data();
  const Tensor r = nn::ELU({.inplace = true})(t);
  EXPECT_EQ(str(t), "tensor([-0.6321,  0.5000])");
  EXPECT_EQ(r.data<float>().data(), before);
  EXPECT_EQ(t.data<float>().data(), before);
  Tensor u = tensor({-1.0, 0.5});
  relu(u, {.inplace = true});
  EXPECT_EQ(u.to_vector(), (std::vector<double>{0, 0.5}));

  struct Case {
    std::function<Tensor(const Tensor&)> f;
    std::string printed, grad;
  };
  const std::vector<Case> cases = {
      {[](const Tensor& h) { return nn::ELU({.inplace = true})(h); },
       "tensor([-0.3935,  0.0000,  2.0000], grad_fn=<EluBackward1>)", "tensor([0.3033, 0.5000, 1.0000])"},
      {[](const Tensor& h) { return nn::LeakyReLU({.negative_slope = 0.2, .inplace = true})(h); },
       "tensor([-0.1000,  0.0000,  2.0000], grad_fn=<LeakyReluBackward1>)", "tensor([0.1000, 0.1000, 1.0000])"},
      {[](const Tensor& h) { return relu(h, {.inplace = true}); }, "tensor([0., 0., 2.], grad_fn=<ReluBackward0>)",
       "tensor([0., 0., 1.])"},
  };
  for (const Case& c : cases) {
    const Tensor x = tensor({-1.0, 0.0, 2.0}, {.requires_grad = true});
    const Tensor h = leaky_relu(x, {.negative_slope = 0.5});
    const Tensor y = c.f(h);
    EXPECT_EQ(str(y), c.printed);
    EXPECT_EQ(str(h), c.printed);  // h is y: it holds the result and its history
    y.sum().backward();
    EXPECT_EQ(str(x.grad()), c.grad);
  }
  // The out-of-place forms keep their own node names.
  const Tensor x = tensor({-1.0, 2.0}, {.requires_grad = true});
  EXPECT_EQ(elu(leaky_relu(x)).grad_fn()->name(), "EluBackward0");
  // A leaf that requires grad cannot be modified in place, through a module either.
  EXPECT_NE(error_of([&] { nn::ReLU({.inplace = true})(x); }).find("relu_: a leaf tensor that requires grad"),
            std::string::npos);
}

}  // namespace
}  // namespace activa::test
