// activa train: a multilayer perceptron on an MNIST-format data set
// (Fashion-MNIST by default), with any activation in the list and its
// parameters. Defaults are the reference recipe: 784-256-128-10, ReLU, Adam
// (lr 0.001), batch 128, 15 epochs, inputs scaled to [0, 1].
//
// Output: a line per epoch (train loss, test loss and accuracy, time,
// samples/s) printed as it ends, with a progress bar redrawn in place while
// standard output is a terminal; then a summary. With --json the progress goes
// to standard error and standard output gets one JSON object at the end.
// Results depend only on --seed and --threads (and the data), not on timing.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/error.h"
#include "activa/nn/activation.h"
#include "activa/parallel.h"
#include "activa/serialize.h"
#include "cli/command.h"
#include "cli/training.h"
#include "cli/values.h"

namespace activa::cli {
namespace {

struct TrainArgs {
  std::string activation = "relu";
  ActivationArgs activation_args;
  std::string hidden = "256,128";
  std::string init = "pytorch";
  std::int64_t epochs = 15;
  std::int64_t batch = 128;
  OptimizerArgs optimizer;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string dtype = "float32";
  std::string data = std::string(data::kFashionMnistDir);
  std::int64_t train_size = 0, test_size = 0;
  std::string save;
  bool json = false, quiet = false;
};

DType parse_dtype(const std::string& text) {
  if (text == "float32") return DType::float32;
  if (text == "float64") return DType::float64;
  throw Error("train: unknown dtype '" + text + "' (expected float32 or float64)");
}

// Fails now, not after training, if FILE cannot be written.
void check_writable(const std::string& path) {
  const std::string probe = path + ".tmp";
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("train: cannot write --save file '" + path + "'");
  }
  std::filesystem::remove(probe);
}

std::string architecture(std::int64_t inputs, const std::vector<std::int64_t>& hidden, std::int64_t classes) {
  std::string s = std::to_string(inputs);
  for (std::int64_t h : hidden) s += "-" + std::to_string(h);
  return s + "-" + std::to_string(classes);
}

std::string run(const TrainArgs& args) {
  const std::string cmd = "train";
  const ActivationSpec activation = activation_spec(args.activation, args.activation_args, cmd);
  const std::vector<std::int64_t> hidden = parse_widths(args.hidden, "--hidden");
  const DType dtype = parse_dtype(args.dtype);
  const Init init = parse_init(args.init, cmd);
  if (args.epochs < 0) throw Error("train: --epochs must be >= 0");
  if (args.batch < 1) throw Error("train: --batch must be >= 1");
  if (args.threads < 0) throw Error("train: --threads must be >= 0 (0: one per core)");
  if (!args.save.empty()) check_writable(args.save);
  set_num_threads(args.threads, 1);  // kernels on one thread beside OpenBLAS: activa/parallel.h

  const double start = now_seconds();
  const DataSets sets = load_data(args.data, args.train_size, args.test_size, cmd);
  nn::Sequential net = make_mlp(sets.train.pixels(), hidden, sets.classes, activation, dtype, args.seed, init);
  const std::unique_ptr<optim::Optimizer> opt = make_optimizer(args.optimizer, net.parameters(), cmd);
  data::Batches batches(sets.train, args.batch, {.shuffle = true, .seed = args.seed, .dtype = dtype});

  // Epoch lines go to standard output as they happen, unless it carries JSON.
  std::FILE* lines = args.quiet ? nullptr : (args.json ? stderr : stdout);
  Progress progress(lines);
  std::int64_t parameters = 0;
  for (const Tensor& p : net.parameters()) parameters += p.numel();
  const std::string arch = architecture(sets.train.pixels(), hidden, sets.classes);
  progress.line("train: " + arch + " " + activation.repr + ", " + with_commas(static_cast<double>(parameters)) +
                " parameters; " + args.optimizer.name + " lr " + nn::detail::python_repr(args.optimizer.lr) + ", batch " +
                std::to_string(args.batch) + ", " + std::to_string(args.epochs) + " epochs, seed " +
                std::to_string(args.seed) + ", " + std::to_string(num_threads()) + " threads; " +
                with_commas(static_cast<double>(sets.train.count)) + " training and " +
                with_commas(static_cast<double>(sets.test.count)) + " test samples from " + args.data);

  std::vector<EpochStats> history;
  double train_seconds = 0;
  for (std::int64_t e = 1; e <= args.epochs; ++e) {
    const std::string label = "epoch " + std::to_string(e) + "/" + std::to_string(args.epochs);
    const EpochRun r = train_epoch(net, *opt, batches, progress, label);
    const Evaluation ev = evaluate(net, sets.test, dtype);
    EpochStats s{.epoch = static_cast<int>(e), .train_loss = r.loss, .test_loss = ev.loss,
                 .test_accuracy = ev.accuracy, .seconds = r.seconds,
                 .samples_per_second = r.seconds > 0 ? static_cast<double>(r.samples) / r.seconds : 0};
    train_seconds += r.seconds;
    history.push_back(s);
    progress.line(label + "  train loss " + fixed(s.train_loss, 4) + "  test loss " + fixed(s.test_loss, 4) +
                  "  test accuracy " + fixed(s.test_accuracy, 4) + "  " + fixed(s.seconds, 2) + " s  " +
                  with_commas(s.samples_per_second) + " samples/s");
  }
  const double accuracy = history.empty() ? evaluate(net, sets.test, dtype).accuracy : history.back().test_accuracy;
  if (!args.save.empty()) save(net, args.save);
  const double seconds = now_seconds() - start;

  if (args.json) {
    using json = nlohmann::ordered_json;
    json params = json::object();
    for (const auto& [name, value] : activation.params) params[name] = json::parse(value);
    json hist = json::array();
    for (const EpochStats& s : history) {
      hist.push_back({{"epoch", s.epoch}, {"train_loss", s.train_loss}, {"test_loss", s.test_loss},
                      {"test_accuracy", s.test_accuracy}, {"seconds", s.seconds},
                      {"samples_per_second", s.samples_per_second}});
    }
    json out = {{"activation", activation.name}, {"activation_params", params}, {"hidden", hidden},
                {"weight_init", args.init},
                {"epochs", args.epochs}, {"batch", args.batch}, {"optimizer", args.optimizer.name},
                {"lr", args.optimizer.lr}, {"seed", args.seed}, {"threads", num_threads()},
                {"dtype", args.dtype}, {"data", args.data}, {"train_samples", sets.train.count},
                {"test_samples", sets.test.count}, {"test_accuracy", accuracy}, {"seconds", seconds},
                {"train_seconds", train_seconds}, {"history", hist}};
    if (!args.save.empty()) out["saved"] = args.save;
    return out.dump(2) + "\n";
  }
  std::string summary = "test accuracy " + fixed(accuracy, 4) + " after " + std::to_string(args.epochs) +
                        " epochs; " + fixed(seconds, 1) + " s in all (" + fixed(train_seconds, 1) + " s training)\n";
  if (!args.save.empty()) summary += "saved parameters to " + args.save + "\n";
  return summary;
}

}  // namespace

Command add_train(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("train", "Train a multilayer perceptron on Fashion-MNIST (or any MNIST-format data).");
  auto args = std::make_shared<TrainArgs>();
  app->add_option("--activation", args->activation, "activation after each hidden layer: " + activation_names() +
                                                        " (default relu)")
      ->type_name("NAME");
  add_activation_options(*app, args->activation_args);
  app->add_option("--hidden", args->hidden, "hidden layer widths, comma-separated (default 256,128)")->type_name("W,W...");
  app->add_option("--weight-init", args->init,
                  "pytorch (nn.Linear's default: U(+-1/sqrt(in)) for weight and bias) or kaiming (He's "
                  "U(+-sqrt(6/in)), bias 0) (default pytorch)")
      ->type_name("NAME");
  app->add_option("--epochs", args->epochs, "passes over the training set (default 15)")->type_name("N");
  app->add_option("--batch", args->batch, "samples per step (default 128)")->type_name("N");
  app->add_option("--lr", args->optimizer.lr, "learning rate (default 0.001)")->type_name("NUM");
  app->add_option("--optimizer", args->optimizer.name, "sgd or adam (default adam: betas 0.9, 0.999, eps 1e-8)")
      ->type_name("NAME");
  app->add_option("--momentum", args->optimizer.momentum, "SGD momentum (default 0)")->type_name("NUM");
  app->add_option("--weight-decay", args->optimizer.weight_decay, "L2 penalty added to gradients (default 0)")
      ->type_name("NUM");
  app->add_option("--seed", args->seed, "seed of initialisation and shuffling (default 0)")->type_name("N");
  app->add_option("--threads", args->threads, "threads for products and kernels (default 0: one per core)")
      ->type_name("N");
  app->add_option("--dtype", args->dtype, "float32 or float64 (default float32)")->type_name("TYPE");
  app->add_option("--data", args->data, "folder of MNIST-format files, gzipped or not (default " +
                                            std::string(data::kFashionMnistDir) + ")")
      ->type_name("DIR");
  app->add_option("--train-size", args->train_size, "use the first N training samples (default 0: all)")
      ->type_name("N");
  app->add_option("--test-size", args->test_size, "use the first N test samples (default 0: all)")->type_name("N");
  app->add_option("--save", args->save, "write the trained parameters to FILE (activa's format, described in the README)")
      ->type_name("FILE");
  app->add_flag("--json", args->json,
                "print one JSON object at the end (activation, hidden, epochs, test_accuracy, seconds, history); "
                "progress goes to standard error");
  app->add_flag("--quiet", args->quiet, "no progress or epoch lines");
  app->footer(
      "Examples:\n"
      "  activa train                                   # the reference recipe: 15 epochs, ReLU, Adam\n"
      "  activa train --activation leaky_relu --negative-slope 0.1 --epochs 5\n"
      "  activa train --activation prelu --hidden 512 --optimizer sgd --lr 0.05 --momentum 0.9\n"
      "  activa train --epochs 2 --train-size 10000 --json --save model.actv");
  return {app, [args](std::span<const std::string> trailing) {
            reject_trailing("train", trailing);
            return run(*args);
          }};
}

}  // namespace activa::cli
