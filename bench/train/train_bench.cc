// Training throughput, activa against libtorch in the same process, on the
// reference recipe: 784-256-128-10 with ReLU, Adam (lr 0.001), batch 128,
// cross-entropy, one shuffled epoch of Fashion-MNIST's 60,000 training images
// scaled to [0, 1] (random images of that shape if the data set is missing).
//
//   train_bench [--threads 1,2] [--repeats 3] [--data DIR]
//   train_bench --accuracy 15 [--seeds 0,1,2,3,4] [--threads 2]
//
// The second form trains the recipe for that many epochs with each library,
// once per seed, and prints the final test accuracies side by side: the two
// libraries draw different random numbers, so single runs differ by the
// epoch-to-epoch noise (about +-0.005); their means over seeds should agree.
//
// For each thread count, each library trains its own network: a warm-up of 20
// steps, then `repeats` timed epochs; samples/s is reported for the best epoch
// (the least disturbed by other load) and the median. The ratio is activa's
// best over libtorch's best.
//
// Threads: activa::set_num_threads(t, 1) (OpenBLAS t threads, kernels 1, as
// `activa train`). libtorch runs twice: as a user sets it, torch::set_num_threads(t)
// with OpenBLAS t threads (libtorch's products run on the same OpenBLAS, whose
// thread count torch::set_num_threads does not set); and with its OpenMP
// intra-op pool at 1 thread and OpenBLAS at t, which avoids the contention of
// two spinning pools (activa/parallel.h). The ratio is against the faster of the two.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "activa/autograd.h"
#include "activa/data/mnist.h"
#include "activa/nn/activation.h"
#include "activa/nn/linear.h"
#include "activa/nn/loss.h"
#include "activa/nn/sequential.h"
#include "activa/optim.h"
#include "activa/parallel.h"

#ifdef ACTIVA_BENCH_WITH_LIBTORCH
#include <torch/torch.h>
#endif

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string rate_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::vector<int> parse_threads(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    out.push_back(std::atoi(text.substr(pos, end - pos).c_str()));
    pos = end + 1;
  }
  return out;
}

constexpr std::int64_t kBatch = 128;
constexpr int kWarmupSteps = 20;

struct Timing {
  double best = 0, median = 0;  // samples per second
};

Timing summarize(std::vector<double> samples_per_second) {
  std::sort(samples_per_second.begin(), samples_per_second.end());
  return {samples_per_second.back(), samples_per_second[samples_per_second.size() / 2]};
}

activa::data::Mnist load_or_synthesize(const std::string& dir) {
  try {
    return activa::data::load_mnist(dir, activa::data::Split::train);
  } catch (const activa::Error& e) {
    std::fprintf(stderr, "train_bench: %s; timing random images of the same shape\n", e.what());
    activa::data::Mnist m;
    m.count = 60000;
    m.rows = m.cols = 28;
    activa::Generator gen(1);
    m.images.resize(static_cast<std::size_t>(m.count * 784));
    for (auto& p : m.images) p = static_cast<std::uint8_t>(gen.below(256));
    m.labels.resize(static_cast<std::size_t>(m.count));
    for (auto& l : m.labels) l = static_cast<std::uint8_t>(gen.below(10));
    return m;
  }
}

Timing time_activa(const activa::data::Mnist& train, int repeats) {
  using namespace activa;
  manual_seed(0);
  nn::Sequential net;
  net.push_back(nn::Linear(784, 256));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(256, 128));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(128, 10));
  optim::Adam opt(net.parameters(), {.lr = 1e-3});
  const nn::CrossEntropyLoss criterion;
  data::Batches batches(train, kBatch, {.shuffle = true, .seed = 0});
  const auto step = [&] {
    opt.zero_grad();
    criterion(net(batches.input()), batches.labels()).backward();
    opt.step();
  };
  for (int i = 0; i < kWarmupSteps && batches.next(); ++i) step();
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    batches.reset();
    const double start = now_seconds();
    while (batches.next()) step();
    rates.push_back(static_cast<double>(train.count) / (now_seconds() - start));
  }
  return summarize(rates);
}

// Trains the recipe for `epochs` from `seed`; returns the final test accuracy.
double accuracy_activa(const activa::data::Mnist& train, const activa::data::Mnist& test, int epochs,
                       std::uint64_t seed) {
  using namespace activa;
  manual_seed(seed);
  nn::Sequential net;
  net.push_back(nn::Linear(784, 256));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(256, 128));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(128, 10));
  optim::Adam opt(net.parameters(), {.lr = 1e-3});
  const nn::CrossEntropyLoss criterion;
  data::Batches batches(train, kBatch, {.shuffle = true, .seed = seed});
  for (int e = 0; e < epochs; ++e) {
    batches.reset();
    while (batches.next()) {
      opt.zero_grad();
      criterion(net(batches.input()), batches.labels()).backward();
      opt.step();
    }
  }
  NoGradGuard no_grad;
  const Tensor logits = net(data::images_tensor(test));
  const float* p = logits.data<float>().data();
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < test.count; ++i) {
    correct += std::max_element(p + i * 10, p + i * 10 + 10) - (p + i * 10) == test.labels[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(correct) / static_cast<double>(test.count);
}

#ifdef ACTIVA_BENCH_WITH_LIBTORCH
// The same recipe as a PyTorch user writes it in C++: images as one float
// tensor, a shuffled permutation per epoch, index_select per batch.
torch::Tensor float_images(const activa::data::Mnist& set) {
  std::vector<std::uint8_t> pixels = set.images;
  return torch::from_blob(pixels.data(), {set.count, 784}, torch::kUInt8).to(torch::kFloat32).div_(255);
}

torch::Tensor label_tensor(const activa::data::Mnist& set) {
  std::vector<std::int64_t> values(set.labels.begin(), set.labels.end());
  return torch::tensor(values, torch::kLong);
}

double accuracy_libtorch(const activa::data::Mnist& train, const activa::data::Mnist& test, int epochs,
                         std::uint64_t seed) {
  torch::manual_seed(seed);
  torch::nn::Sequential net(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 128),
                            torch::nn::ReLU(), torch::nn::Linear(128, 10));
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  const torch::Tensor images = float_images(train), labels = label_tensor(train);
  for (int e = 0; e < epochs; ++e) {
    const torch::Tensor order = torch::randperm(train.count, torch::kLong);
    for (std::int64_t b = 0; b < train.count; b += kBatch) {
      const torch::Tensor idx = order.slice(0, b, std::min(b + kBatch, train.count));
      opt.zero_grad();
      torch::nn::functional::cross_entropy(net->forward(images.index_select(0, idx)), labels.index_select(0, idx))
          .backward();
      opt.step();
    }
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor predicted = net->forward(float_images(test)).argmax(1);
  return predicted.eq(label_tensor(test)).to(torch::kFloat64).mean().item<double>();
}

Timing time_libtorch(const activa::data::Mnist& train, int repeats) {
  torch::manual_seed(0);
  torch::nn::Sequential net(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 128),
                            torch::nn::ReLU(), torch::nn::Linear(128, 10));
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  const torch::Tensor images = float_images(train), labels = label_tensor(train);
  const auto epoch = [&](std::int64_t max_steps) {
    const torch::Tensor order = torch::randperm(train.count, torch::kLong);
    std::int64_t steps = 0;
    for (std::int64_t b = 0; b < train.count && steps < max_steps; b += kBatch, ++steps) {
      const torch::Tensor idx = order.slice(0, b, std::min(b + kBatch, train.count));
      const torch::Tensor x = images.index_select(0, idx), y = labels.index_select(0, idx);
      opt.zero_grad();
      torch::nn::functional::cross_entropy(net->forward(x), y).backward();
      opt.step();
    }
  };
  epoch(kWarmupSteps);
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const double start = now_seconds();
    epoch(train.count);
    rates.push_back(static_cast<double>(train.count) / (now_seconds() - start));
  }
  return summarize(rates);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads = {1, 2};
  std::vector<int> seeds = {0, 1, 2, 3, 4};
  int repeats = 3, accuracy_epochs = 0;
  std::string dir(activa::data::kFashionMnistDir);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      threads = parse_threads(argv[++i]);
    } else if (arg == "--repeats" && has_value) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--accuracy" && has_value) {
      accuracy_epochs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--seeds" && has_value) {
      seeds = parse_threads(argv[++i]);
    } else if (arg == "--data" && has_value) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: train_bench [--threads 1,2] [--repeats 3] [--data DIR]\n"
                   "       train_bench --accuracy EPOCHS [--seeds 0,1,2,3,4] [--threads 2] [--data DIR]\n");
      return 2;
    }
  }
  if (accuracy_epochs > 0) {
    const activa::data::Mnist train = activa::data::load_mnist(dir, activa::data::Split::train);
    const activa::data::Mnist test = activa::data::load_mnist(dir, activa::data::Split::test);
    const int t = threads.back();
    activa::set_num_threads(t, 1);
#ifdef ACTIVA_BENCH_WITH_LIBTORCH
    torch::set_num_threads(1);
#endif
    std::printf("test accuracy after %d epochs of 784-256-128-10 ReLU, Adam, batch 128 (%d threads)\n",
                accuracy_epochs, t);
    std::printf("%-6s %-8s %s\n", "seed", "activa", "libtorch");
    double sum_a = 0, sum_l = 0;
    for (int seed : seeds) {
      const double a = accuracy_activa(train, test, accuracy_epochs, static_cast<std::uint64_t>(seed));
      sum_a += a;
      std::string l_text = "(not built)";
#ifdef ACTIVA_BENCH_WITH_LIBTORCH
      const double l = accuracy_libtorch(train, test, accuracy_epochs, static_cast<std::uint64_t>(seed));
      sum_l += l;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.4f", l);
      l_text = buf;
#endif
      std::printf("%-6d %-8.4f %s\n", seed, a, l_text.c_str());
      std::fflush(stdout);
    }
    const double n = static_cast<double>(seeds.size());
    std::printf("%-6s %-8.4f %.4f\n", "mean", sum_a / n, sum_l / n);
    return 0;
  }
  const activa::data::Mnist train = load_or_synthesize(dir);
  std::printf("one epoch of 784-256-128-10 ReLU, Adam, batch 128, %lld samples; best (median) of %d epochs\n",
              static_cast<long long>(train.count), repeats);
  std::printf("%-8s %-18s %-26s %-26s %s\n", "threads", "activa", "libtorch set_num_threads(t)",
              "libtorch intra-op 1", "ratio to the faster libtorch");
  for (int t : threads) {
    activa::set_num_threads(t, 1);
    const Timing a = time_activa(train, repeats);
    std::string torch_text = "(not built)", torch1_text = "(not built)", ratio = "-";
#ifdef ACTIVA_BENCH_WITH_LIBTORCH
    activa::set_num_threads(t, 1);  // OpenBLAS t threads, for libtorch's products too
    torch::set_num_threads(t);
    const Timing l = time_libtorch(train, repeats);
    torch_text = rate_text(l.best) + " (" + rate_text(l.median) + ")";
    torch::set_num_threads(1);
    const Timing l1 = t == 1 ? l : time_libtorch(train, repeats);
    torch1_text = rate_text(l1.best) + " (" + rate_text(l1.median) + ")";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fx", a.best / std::max(l.best, l1.best));
    ratio = buf;
#endif
    const std::string activa_text = rate_text(a.best) + " (" + rate_text(a.median) + ")";
    std::printf("%-8d %-18s %-26s %-26s %s\n", t, activa_text.c_str(), torch_text.c_str(), torch1_text.c_str(),
                ratio.c_str());
    std::fflush(stdout);
  }
  return 0;
}
