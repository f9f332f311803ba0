// What `activa train` and `activa study` share: the activation chosen by name
// with its parameters as options (derived from each op's spec, as `activa eval`
// derives its own), the MLP built from it, the optimizer, the training loop
// with its progress display, and evaluation on the test set.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "activa/data/mnist.h"
#include "activa/nn/sequential.h"
#include "activa/optim.h"

namespace activa::cli {

// ---- the activation, by name ----

// An activation with its options, ready to make one module per hidden layer.
struct ActivationSpec {
  std::string name;                                         // "leaky_relu"
  std::string repr;                                         // "LeakyReLU(negative_slope=0.1)"
  std::vector<std::pair<std::string, std::string>> params;  // name -> JSON text of the value
  bool weighted = false;                                    // has a learnable weight (prelu)
  bool relu_like = false;                                   // the identity for x > 0 (per its spec)
  std::function<std::shared_ptr<nn::Module>(std::int64_t width, DType dtype)> make;
};

// The text of every activation parameter given on the command line, by flag.
struct ActivationArgs {
  std::map<std::string, std::string> text;
  std::map<std::string, CLI::Option*> options;
};

// One option per parameter of every activation in the list (--negative-slope,
// --alpha, --num-parameters, --init, --dim), each documented with the ops that
// take it and their defaults.
void add_activation_options(CLI::App& app, ActivationArgs& args);

// The activation `name` with the given options; an option `name` does not take
// is an error, as is an unknown name. `command` prefixes messages.
ActivationSpec activation_spec(std::string_view name, const ActivationArgs& args, std::string_view command);
// With every parameter at its default.
ActivationSpec activation_spec(std::string_view name, std::string_view command);

// "sigmoid, tanh, ..." in list order.
std::string activation_names();

// ---- model, optimizer ----

// "256,128" -> {256, 128}; each width >= 1; empty text: no hidden layer.
std::vector<std::int64_t> parse_widths(std::string_view text, std::string_view what);
// "a,b,c" -> {"a", "b", "c"}.
std::vector<std::string> split_list(std::string_view text);

// How the Linear layers start:
//   pytorch: nn::Linear's default, weight and bias ~ U(-1/sqrt(in), 1/sqrt(in));
//   kaiming: He et al.'s for ReLU, weight ~ U(-sqrt(6/in), sqrt(6/in)) (gain
//            sqrt(2): each ReLU layer keeps the signal's variance), bias 0.
enum class Init : std::uint8_t { pytorch, kaiming };
Init parse_init(std::string_view text, std::string_view command);
std::string_view init_name(Init init);

// Linear(inputs, h0), act, Linear(h0, h1), act, ..., Linear(h_last, classes);
// weights drawn from Generator(seed) in layer order, as PyTorch draws them.
nn::Sequential make_mlp(std::int64_t inputs, const std::vector<std::int64_t>& hidden, std::int64_t classes,
                        const ActivationSpec& activation, DType dtype, std::uint64_t seed, Init init = Init::pytorch);

struct OptimizerArgs {
  std::string name = "adam";  // sgd | adam
  double lr = 1e-3;
  double momentum = 0;        // sgd
  double weight_decay = 0;
};
std::unique_ptr<optim::Optimizer> make_optimizer(const OptimizerArgs& args, std::vector<Tensor> params,
                                                 std::string_view command);

// ---- data ----

// The train and test splits of an MNIST-format folder, cut to the first
// train_size / test_size samples (0: all); checks that they agree.
struct DataSets {
  data::Mnist train, test;
  std::int64_t classes = 0;
};
DataSets load_data(const std::string& dir, std::int64_t train_size, std::int64_t test_size, std::string_view command);

// ---- training ----

// The progress of training: on a terminal one line redrawn in place (epoch,
// bar, samples/s, running loss); otherwise only the line ending each epoch.
class Progress {
 public:
  // out: where to draw (nullptr: nowhere).
  explicit Progress(std::FILE* out);
  void update(const std::string& label, std::int64_t done, std::int64_t total, double samples_per_second,
              double running_loss);
  // Replaces the bar with a finished line.
  void line(const std::string& text);

 private:
  std::FILE* out_;
  bool tty_;
  double last_draw_ = -1;
  bool drawn_ = false;
};

struct EpochStats {
  int epoch = 0;  // 1-based
  double train_loss = 0, test_loss = 0, test_accuracy = 0;
  double seconds = 0;  // training time of the epoch (evaluation excluded)
  double samples_per_second = 0;
};

// One epoch over `batches`: zero_grad, forward, cross-entropy, backward, step.
// Returns the mean training loss and the time; reports progress under `label`.
struct EpochRun {
  double loss = 0, seconds = 0;
  std::int64_t samples = 0;
};
EpochRun train_epoch(nn::Sequential& net, optim::Optimizer& opt, data::Batches& batches, Progress& progress,
                     const std::string& label);

struct Evaluation {
  double loss = 0, accuracy = 0;
};
// Mean cross-entropy and accuracy over the set, without autograd, in batches of 1000.
Evaluation evaluate(const nn::Sequential& net, const data::Mnist& set, DType dtype);

// Seconds since an arbitrary start (steady clock).
double now_seconds();

// "12,345" for a count.
std::string with_commas(double v);
// Fixed-point with `digits` decimals.
std::string fixed(double v, int digits);

}  // namespace activa::cli
