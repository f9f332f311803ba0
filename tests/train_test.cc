// The MNIST reader, batches, training end to end, and the `activa train` and
// `activa study` commands. Data: small MNIST-format files written here (plain
// and gzipped, then damaged on purpose), and Fashion-MNIST where Debian's
// dataset-fashion-mnist is installed (tests that need it skip otherwise).
// Expected values: the bytes written here, the data set's published facts
// (60,000 / 10,000 images of 28 x 28, 6,000 per class), accuracies any working
// trainer reaches, and the commands' documented JSON fields.
#include <zlib.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/activa.h"
#include "activa/data/mnist.h"
#include "activa/nn/linear.h"
#include "activa/nn/loss.h"
#include "activa/nn/sequential.h"
#include "activa/optim.h"
#include "activa/parallel.h"
#include "activa/serialize.h"
#include "process.h"

namespace activa::test {
namespace {

namespace fs = std::filesystem;

#ifdef ACTIVA_CLI
constexpr const char* kCli = ACTIVA_CLI;
#else
constexpr const char* kCli = "";
#endif

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}
#define EXPECT_ERROR(statement, text) \
  EXPECT_NE(error_of([&] { statement; }).find(text), std::string::npos) << error_of([&] { statement; })

bool have_fashion_mnist() { return fs::exists(fs::path(data::kFashionMnistDir) / "train-images-idx3-ubyte.gz"); }

// ---- MNIST-format files written here ----

std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data,
                      std::uint8_t type = 0x08) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift : {24, 16, 8, 0}) s += static_cast<char>((d >> shift) & 0xFF);
  }
  s.append(data.begin(), data.end());
  return s;
}

void write_plain(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void write_gz(const fs::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

class TempDir {
 public:
  explicit TempDir(const std::string& name) : path_(fs::path(testing::TempDir()) / ("activa_train_test_" + name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A learnable toy set in MNIST format: `count` images of 4 x 4 where class c
// lights pixel c (plus noise), 10 classes, gzipped.
void write_toy_set(const fs::path& dir, std::uint32_t train_count, std::uint32_t test_count) {
  Generator gen(5);
  for (const auto& [prefix, count] : {std::pair{"train", train_count}, std::pair{"t10k", test_count}}) {
    std::vector<std::uint8_t> images(count * 16), labels(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      labels[i] = static_cast<std::uint8_t>(gen.below(10));
      for (int p = 0; p < 16; ++p) images[i * 16 + p] = static_cast<std::uint8_t>(gen.below(60));
      images[i * 16 + labels[i]] = 255;
    }
    write_gz(dir / (std::string(prefix) + "-images-idx3-ubyte.gz"), idx_bytes({count, 4, 4}, images));
    write_gz(dir / (std::string(prefix) + "-labels-idx1-ubyte.gz"), idx_bytes({count}, labels));
  }
}

TEST(Idx, ReadsPlainAndGzipped) {
  TempDir dir("idx");
  const std::vector<std::uint8_t> data = {0, 1, 2, 3, 250, 251, 252, 253, 9, 8, 7, 6};
  write_plain(dir.path() / "a", idx_bytes({3, 2, 2}, data));
  write_gz(dir.path() / "a.gz", idx_bytes({3, 2, 2}, data));
  for (const char* name : {"a", "a.gz"}) {
    const data::Idx idx = data::read_idx((dir.path() / name).string());
    EXPECT_EQ(idx.dims, (std::vector<std::int64_t>{3, 2, 2}));
    EXPECT_EQ(idx.data, data);
  }
}

TEST(Idx, RejectsDamagedFilesNamingThem) {
  TempDir dir("bad_idx");
  const std::vector<std::uint8_t> data(600, 7);
  const std::string good = idx_bytes({6, 10, 10}, data);
  const fs::path p = dir.path() / "images";
  const std::string name = p.string();

  write_plain(p, good.substr(0, good.size() - 1));
  EXPECT_ERROR(data::read_idx(name), name + ": truncated IDX file: 599 of the 600 data bytes");
  write_plain(p, good.substr(0, 6));
  EXPECT_ERROR(data::read_idx(name), "the header ends inside its dims");
  write_plain(p, good + "extra");
  EXPECT_ERROR(data::read_idx(name), "5 bytes after the data its header declares");
  write_plain(p, std::string("\x1f\x00\x08\x03 not an idx file", 21));
  EXPECT_ERROR(data::read_idx(name), "not an IDX file");
  write_plain(p, idx_bytes({6, 10}, std::vector<std::uint8_t>(240), 0x0D));
  EXPECT_ERROR(data::read_idx(name), "(float) is not supported");
  EXPECT_ERROR(data::read_idx((dir.path() / "missing").string()), "cannot open");

  // gzip: cut short, and a flipped byte inside the compressed stream.
  Generator gen(1);
  std::vector<std::uint8_t> noisy(20000);
  for (auto& v : noisy) v = static_cast<std::uint8_t>(gen.below(256));
  write_gz(p, idx_bytes({200, 10, 10}, noisy));
  const std::string gz = read_file(p);
  write_plain(p, gz.substr(0, gz.size() / 2));
  const std::string cut = error_of([&] { data::read_idx(name); });
  EXPECT_NE(cut.find(name + ": "), std::string::npos) << cut;
  EXPECT_TRUE(cut.find("truncated") != std::string::npos || cut.find("corrupt") != std::string::npos) << cut;
  std::string flipped = gz;
  flipped[gz.size() / 2] ^= 0x55;
  write_plain(p, flipped);
  const std::string bad = error_of([&] { data::read_idx(name); });
  EXPECT_NE(bad.find(name + ": "), std::string::npos) << bad;
  EXPECT_TRUE(bad.find("corrupt") != std::string::npos || bad.find("truncated") != std::string::npos) << bad;
}

TEST(Mnist, LoadsAPairAndRejectsMismatches) {
  TempDir dir("pair");
  write_toy_set(dir.path(), 30, 12);
  const data::Mnist train = data::load_mnist(dir.path().string(), data::Split::train);
  EXPECT_EQ(train.count, 30);
  EXPECT_EQ(train.rows, 4);
  EXPECT_EQ(train.pixels(), 16);
  EXPECT_EQ(train.head(7).count, 7);
  EXPECT_EQ(train.head(7).images.size(), 7u * 16);
  const data::Mnist test = data::load_mnist(dir.path().string(), data::Split::test);
  EXPECT_EQ(test.count, 12);
  const Tensor x = data::images_tensor(test);
  ASSERT_EQ(x.shape(), (Shape{12, 16}));
  EXPECT_EQ(x.at(test.labels[0]), 1.0);  // 255 / 255
  EXPECT_FLOAT_EQ(static_cast<float>(x.at(16 + (test.labels[1] + 1) % 16)), test.images[16 + (test.labels[1] + 1) % 16] / 255.0f);

  // one label short
  const fs::path labels = dir.path() / "t10k-labels-idx1-ubyte.gz";
  write_gz(labels, idx_bytes({11}, std::vector<std::uint8_t>(11, 1)));
  EXPECT_ERROR(data::load_mnist(dir.path().string(), data::Split::test), "holds 11 labels but");
  // an image file where the labels belong
  write_gz(labels, idx_bytes({12, 4, 4}, std::vector<std::uint8_t>(12 * 16)));
  EXPECT_ERROR(data::load_mnist(dir.path().string(), data::Split::test), "a label file must be 1-D");
  fs::remove(labels);
  EXPECT_ERROR(data::load_mnist(dir.path().string(), data::Split::test), "no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz");
  EXPECT_ERROR(data::load_mnist((dir.path() / "nowhere").string(), data::Split::test), "no such data directory");
}

TEST(Batches, CoverEveryIndexOncePerEpoch) {
  TempDir dir("batches");
  write_toy_set(dir.path(), 50, 10);
  const data::Mnist set = data::load_mnist(dir.path().string(), data::Split::train);
  data::Batches in_order(set, 16);
  ASSERT_TRUE(in_order.next());
  EXPECT_EQ(in_order.size(), 16);
  EXPECT_EQ(in_order.input().shape(), (Shape{16, 16}));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(in_order.labels()[static_cast<std::size_t>(i)], set.labels[static_cast<std::size_t>(i)]);
  EXPECT_FLOAT_EQ(static_cast<float>(in_order.input().at(17)), set.images[17] / 255.0f);
  std::vector<std::int64_t> sizes;
  do sizes.push_back(in_order.size());
  while (in_order.next());
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{16, 16, 16, 2}));
  EXPECT_EQ(in_order.batches_per_epoch(), 4);

  // Shuffled: each epoch is a permutation (checked through the images, whose
  // lit pixel encodes the label and noise makes rows distinct), the same for the same seed.
  const auto epoch_rows = [&](data::Batches& b) {
    std::multiset<std::vector<double>> rows;
    b.reset();
    while (b.next()) {
      for (std::int64_t r = 0; r < b.size(); ++r) {
        std::vector<double> row;
        for (int p = 0; p < 16; ++p) row.push_back(b.input().at(r * 16 + p));
        rows.insert(row);
      }
    }
    return rows;
  };
  data::Batches a(set, 16, {.shuffle = true, .seed = 9}), b(set, 16, {.shuffle = true, .seed = 9});
  a.next();
  b.next();
  EXPECT_EQ(a.input().to_vector(), b.input().to_vector());
  in_order.reset();
  in_order.next();
  EXPECT_NE(a.input().to_vector(), in_order.input().to_vector());
  EXPECT_EQ(epoch_rows(a), epoch_rows(in_order));
  data::Batches dropping(set, 16, {.drop_last = true});
  int full = 0;
  while (dropping.next()) ++full;
  EXPECT_EQ(full, 3);
  EXPECT_ERROR(data::Batches(set, 0), "batch size must be >= 1");
}

TEST(FashionMnist, HasThePublishedShape) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const data::Mnist train = data::load_mnist(std::string(data::kFashionMnistDir), data::Split::train);
  const data::Mnist test = data::load_mnist(std::string(data::kFashionMnistDir), data::Split::test);
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(train.rows, 28);
  EXPECT_EQ(train.cols, 28);
  EXPECT_EQ(train.num_classes(), 10);
  std::vector<int> per_class(10);
  for (std::uint8_t l : train.labels) ++per_class[l];
  for (int n : per_class) EXPECT_EQ(n, 6000);
}

// ---- training ----

// 784-64-10 (or the toy set's 16-32-10) with ReLU and Adam; returns per-epoch
// mean losses and the final test accuracy.
struct Trained {
  std::vector<double> losses;
  double accuracy = 0;
};
Trained train_small(const data::Mnist& train, const data::Mnist& test, int epochs, std::uint64_t seed) {
  Generator gen(seed);
  nn::Sequential net;
  net.push_back(nn::Linear(train.pixels(), 64, {.generator = &gen}));
  net.push_back(nn::ReLU());
  net.push_back(nn::Linear(64, 10, {.generator = &gen}));
  optim::Adam opt(net.parameters(), {.lr = 2e-3});
  const nn::CrossEntropyLoss criterion;
  data::Batches batches(train, 64, {.shuffle = true, .seed = seed});
  Trained t;
  for (int e = 0; e < epochs; ++e) {
    batches.reset();
    double sum = 0;
    int n = 0;
    while (batches.next()) {
      opt.zero_grad();
      const Tensor loss = criterion(net(batches.input()), batches.labels());
      loss.backward();
      opt.step();
      sum += loss.item();
      ++n;
    }
    t.losses.push_back(sum / n);
  }
  NoGradGuard no_grad;
  const Tensor logits = net(data::images_tensor(test));
  int correct = 0;
  for (std::int64_t i = 0; i < test.count; ++i) {
    int best = 0;
    for (int c = 1; c < 10; ++c) best = logits.at(i * 10 + c) > logits.at(i * 10 + best) ? c : best;
    correct += best == test.labels[static_cast<std::size_t>(i)];
  }
  t.accuracy = static_cast<double>(correct) / static_cast<double>(test.count);
  return t;
}

TEST(Training, LearnsTheToySetDeterministically) {
  TempDir dir("toy");
  write_toy_set(dir.path(), 2000, 500);
  const data::Mnist train = data::load_mnist(dir.path().string(), data::Split::train);
  const data::Mnist test = data::load_mnist(dir.path().string(), data::Split::test);
  const Trained a = train_small(train, test, 3, 1), b = train_small(train, test, 3, 1), c = train_small(train, test, 3, 2);
  EXPECT_GT(a.accuracy, 0.95);  // the lit pixel gives the class away
  EXPECT_LT(a.losses.back(), a.losses.front());
  EXPECT_EQ(a.losses, b.losses);  // bit for bit, for a seed and thread count
  EXPECT_NE(a.losses, c.losses);
}

TEST(Training, LearnsFashionMnistFromASubset) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir(data::kFashionMnistDir);
  const data::Mnist train = data::load_mnist(dir, data::Split::train).head(6000);
  const data::Mnist test = data::load_mnist(dir, data::Split::test).head(2000);
  const Trained t = train_small(train, test, 2, 0);
  // A linear classifier alone reaches ~0.80 on Fashion-MNIST; 6,000 images and
  // 2 epochs of an MLP clear 0.75 with room to spare.
  EXPECT_GT(t.accuracy, 0.75);
}

// ---- the commands ----

Result run_cli(std::vector<std::string> args) { return run_program(kCli, std::move(args)); }

class Commands : public testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kCli).empty()) GTEST_SKIP() << "the activa command is not built";
  }
};

TEST_F(Commands, TrainPrintsJsonAndSavesParameters) {
  TempDir dir("cli_train");
  write_toy_set(dir.path(), 1000, 200);
  const std::string model = (dir.path() / "model.actv").string();
  const std::vector<std::string> args = {"train", "--data", dir.path().string(), "--hidden", "32,16", "--epochs", "2",
                                         "--batch", "32", "--lr", "0.01", "--activation", "leaky_relu", "--negative-slope", "0.2",
                                         "--seed", "3", "--threads", "1", "--json", "--save", model};
  const Result r = run_cli(args);
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["activation"], "leaky_relu");
  EXPECT_EQ(j["activation_params"]["negative_slope"], 0.2);
  EXPECT_EQ(j["hidden"], nlohmann::json::array({32, 16}));
  EXPECT_EQ(j["epochs"], 2);
  ASSERT_EQ(j["history"].size(), 2u);
  for (const auto& e : j["history"]) {
    for (const char* key : {"train_loss", "test_accuracy", "seconds"}) EXPECT_TRUE(e.contains(key)) << key;
  }
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.9);
  EXPECT_GT(j["seconds"].get<double>(), 0);
  EXPECT_EQ(j["test_accuracy"], j["history"][1]["test_accuracy"]);
  EXPECT_NE(r.err.find("epoch 2/2"), std::string::npos);  // progress on stderr with --json

  // The saved file: the architecture's parameters, named as PyTorch's state_dict.
  const NamedTensors saved = load_tensors(model);
  std::vector<std::string> names;
  for (const auto& [name, t] : saved) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}));
  EXPECT_EQ(saved[0].second.shape(), (Shape{32, 16}));
  EXPECT_EQ(saved[4].second.shape(), (Shape{10, 16}));

  // Same seed and threads: the same numbers (timings aside).
  const nlohmann::json again = nlohmann::json::parse(run_cli(args).out);
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(again["history"][e]["train_loss"], j["history"][e]["train_loss"]);
    EXPECT_EQ(again["history"][e]["test_accuracy"], j["history"][e]["test_accuracy"]);
  }
  // Plain lines when standard output is not a terminal.
  const Result text = run_cli({"train", "--data", dir.path().string(), "--hidden", "8", "--epochs", "1"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("epoch 1/1  train loss "), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find('\r'), std::string::npos);
  EXPECT_NE(text.out.find("test accuracy "), std::string::npos);
}

TEST_F(Commands, TrainRejectsBadInputClearly) {
  TempDir dir("cli_bad");
  write_toy_set(dir.path(), 50, 20);
  const std::string d = dir.path().string();
  const auto expect_error = [](const Result& r, const std::string& text) {
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
  };
  expect_error(run_cli({"train", "--data", d, "--activation", "swish"}), "unknown activation 'swish'");
  expect_error(run_cli({"train", "--data", d, "--activation", "relu", "--alpha", "2"}), "relu takes no parameter --alpha");
  expect_error(run_cli({"train", "--data", d, "--optimizer", "rmsprop"}), "unknown optimizer 'rmsprop'");
  expect_error(run_cli({"train", "--data", d, "--hidden", "32,0"}), "widths must be >= 1");
  expect_error(run_cli({"train", "--data", d, "--activation", "prelu", "--num-parameters", "3", "--hidden", "8"}),
               "needs hidden layers of that width");
  expect_error(run_cli({"train", "--data", (dir.path() / "none").string()}), "no such data directory");
  const fs::path labels = dir.path() / "train-labels-idx1-ubyte.gz";
  const std::string gz = read_file(labels);
  write_plain(labels, gz.substr(0, gz.size() - 12));
  expect_error(run_cli({"train", "--data", d, "--epochs", "1"}), labels.string() + ": ");
}

TEST_F(Commands, StudyMeasuresEveryClaim) {
  TempDir dir("cli_study");
  write_toy_set(dir.path(), 300, 100);
  const fs::path out = dir.path() / "report";
  const std::vector<std::string> common = {"study", "--data", dir.path().string(), "--hidden", "16", "--epochs", "2",
                                           "--depths", "3", "--width", "8", "--deep-epochs", "1",
                                           "--grad-samples", "50", "--batch", "32", "--threads", "1"};
  std::vector<std::string> args = common;
  args.push_back("--json");
  const Result r = run_cli(args);
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const std::vector<std::string> expected = {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu"};
  ASSERT_EQ(j["activations"].size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& a = j["activations"][i];
    SCOPED_TRACE(expected[i]);
    EXPECT_EQ(a["name"], expected[i]);
    EXPECT_EQ(a["convergence"]["history"].size(), 2u);
    const auto& deep = a["deep"]["3"];
    EXPECT_EQ(deep["grad_norms_init"].size(), 4u);  // 3 hidden Linear layers and the output layer
    EXPECT_EQ(deep["grad_norms_trained"].size(), 4u);
    EXPECT_NEAR(deep["grad_ratio_init"].get<double>(),
                deep["grad_norms_init"][0].get<double>() / deep["grad_norms_init"][3].get<double>(), 1e-12);
    const bool relu_like = expected[i] != "sigmoid" && expected[i] != "tanh";
    EXPECT_EQ(a["relu_like"], relu_like);
    EXPECT_EQ(deep.contains("dead_fraction_trained"), relu_like);
    if (relu_like) EXPECT_EQ(deep["dead_fraction_trained"].size(), 3u);
    EXPECT_GT(a["kernel_ns_per_element"].get<double>(), 0);
  }
  // PReLU's slopes: one per layer at initialisation (0.25) and after each epoch.
  const auto& slopes = j["activations"][5]["convergence"]["slopes"];
  ASSERT_EQ(slopes.size(), 3u);
  EXPECT_EQ(slopes[0][0], 0.25);
  EXPECT_NE(slopes[2][0], 0.25);

  args = common;
  args.insert(args.end(), {"--activations", "relu,tanh", "--out", out.string()});
  const Result written = run_cli(args);
  ASSERT_EQ(written.status, 0) << written.err;
  const std::string report = read_file(out / "report.md");
  for (const char* heading : {"## Convergence", "## Vanishing gradients", "## Dead units", "## Cost", "## Plots"}) {
    EXPECT_NE(report.find(heading), std::string::npos) << heading;
  }
  // The figures, PNG and SVG, each linked from the report (no PReLU here: no slopes figure).
  for (const char* name : {"accuracy", "loss", "gradients_depth3", "dead_units_depth3"}) {
    SCOPED_TRACE(name);
    const std::string png = read_file(out / (std::string(name) + ".png"));
    ASSERT_GT(png.size(), 8u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_NE(read_file(out / (std::string(name) + ".svg")).find("<svg"), std::string::npos);
    EXPECT_NE(report.find(std::string("](") + name + ".png)"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(out / "prelu_slopes.png"));
  EXPECT_TRUE(nlohmann::json::parse(read_file(out / "study.json")).contains("activations"));
  const Result bad = run_cli({"study", "--data", dir.path().string(), "--activations", "relu,nope"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown activation 'nope'"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace activa::test
