// activa study: the lecture's "Consideraciones" on activation functions as one
// experiment on Fashion-MNIST (or any MNIST-format data). Every activation gets
// the same data, seed, architecture and optimizer, and the study measures:
//   - convergence: train loss, test loss and accuracy per epoch (784-256-128-10);
//   - vanishing gradients: the norm of every Linear layer's weight gradient on
//     a fixed batch, at initialisation and after training, in deep networks
//     (10 and 20 hidden layers of 128 units), and the ratio first / last. The
//     deep networks train from He's initialisation (with PyTorch's default no
//     20-layer network learns anything in 2 epochs, whatever its activation),
//     and their gradients at initialisation are measured with both;
//   - dead units: per hidden layer, the fraction of units whose input is never
//     positive on the test set (ReLU's family: the ops that are the identity
//     for x > 0; for ReLU these units output 0 and pass no gradient);
//   - PReLU's learned slope per layer, from initialisation through training;
//   - cost: seconds per training epoch, and the activation kernels alone
//     (forward + backward, ns per element on a [128, 256] batch).
// Output: report.md (tables, and each claim read against the numbers) and
// study.json in --out DIR; without --out the report goes to standard output;
// --json prints the numbers instead. Progress goes to standard error.
//
// Plots: with --out, the figures of cli/study_plots.h as PNG and SVG beside
// report.md, drawn by activa plot's code.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/autograd.h"
#include "activa/error.h"
#include "activa/functional.h"
#include "activa/kernels.h"
#include "activa/nn/linear.h"
#include "activa/nn/loss.h"
#include "activa/ops/all.h"
#include "activa/parallel.h"
#include "cli/command.h"
#include "cli/study_report.h"
#include "cli/training.h"
#include "cli/values.h"

namespace activa::cli {
namespace {

using json = nlohmann::ordered_json;

struct StudyArgs {
  std::string activations = "sigmoid,tanh,relu,leaky_relu,elu,prelu";
  std::string hidden = "256,128";
  std::int64_t epochs = 5;
  std::int64_t train_size = 20000, test_size = 0;
  std::string depths = "10,20";
  std::int64_t width = 128;
  std::int64_t deep_epochs = 2;
  std::string deep_init = "kaiming";
  std::int64_t batch = 128;
  std::int64_t grad_samples = 1000;
  OptimizerArgs optimizer{.name = "sgd", .lr = 0.01, .momentum = 0.9};
  std::uint64_t seed = 0;
  int threads = 0;
  std::string data = std::string(data::kFashionMnistDir);
  std::string out;
  bool json = false;
};

// One network, trained and measured.
struct Run {
  std::vector<std::int64_t> hidden;
  Init init = Init::pytorch;
  std::vector<double> grad_init_pytorch;  // with PyTorch's default init, when `init` is another
  std::vector<EpochStats> history;
  std::vector<double> grad_init, grad_trained;  // ||dL/dW|| per Linear layer, input to output
  std::vector<double> dead_init, dead_trained;  // per hidden layer (relu-like ops only)
  std::vector<std::vector<double>> slopes;      // weighted ops: per checkpoint (init, each epoch), per layer
  double accuracy_init = 0;
};

struct Result {
  ActivationSpec spec;
  Run convergence;
  std::map<std::int64_t, Run> deep;  // by depth
  double kernel_ns = 0;              // forward + backward, per element
};

// ---- measurements ----

// Frobenius norm of each Linear weight's gradient for the mean cross-entropy
// of the first `samples` training samples (no shuffling).
std::vector<double> gradient_norms(nn::Sequential& net, const data::Mnist& train, std::int64_t samples, DType dtype) {
  const data::Mnist head = train.head(samples);
  data::Batches batch(head, head.count, {.dtype = dtype});
  batch.next();
  net.zero_grad();
  cross_entropy(net(batch.input()), batch.labels()).backward();
  std::vector<double> norms;
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (const auto* fc = net.get<nn::Linear>(i)) {
      double s = 0;
      for (double g : fc->weight().grad().to_vector()) s += g * g;
      norms.push_back(std::sqrt(s));
    }
  }
  net.zero_grad();
  return norms;
}

// Per hidden layer: the fraction of units whose input (the Linear's output)
// is never positive over the set.
std::vector<double> dead_fractions(const nn::Sequential& net, const data::Mnist& set, DType dtype) {
  NoGradGuard no_grad;
  std::vector<std::vector<char>> ever;  // per hidden Linear, per unit
  data::Batches batches(set, 1000, {.dtype = dtype});
  while (batches.next()) {
    Tensor h = batches.input();
    std::size_t layer = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
      h = net[i].forward(h);
      if (!net.get<nn::Linear>(i) || i + 1 == net.size()) continue;
      if (ever.size() <= layer) ever.emplace_back(static_cast<std::size_t>(h.size(1)), 0);
      std::vector<char>& e = ever[layer++];
      detail::with_dtype(h.dtype(), [&]<class T>() {
        const T* p = h.data<T>().data();
        const std::int64_t units = h.size(1);
        for (std::int64_t r = 0; r < h.size(0); ++r) {
          for (std::int64_t j = 0; j < units; ++j) e[static_cast<std::size_t>(j)] |= p[r * units + j] > T(0);
        }
      });
    }
  }
  std::vector<double> dead;
  for (const auto& e : ever) {
    dead.push_back(static_cast<double>(std::count(e.begin(), e.end(), 0)) / static_cast<double>(e.size()));
  }
  return dead;
}

// The mean learned weight of each weighted activation module (PReLU's slope).
std::vector<double> slopes_of(const nn::Sequential& net) {
  std::vector<double> s;
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (net.get<nn::Linear>(i)) continue;
    for (const Tensor& w : net[i].parameters()) {
      const std::vector<double> v = w.to_vector();
      double sum = 0;
      for (double x : v) sum += x;
      s.push_back(v.empty() ? 0 : sum / static_cast<double>(v.size()));
    }
  }
  return s;
}

// Forward + backward of the activation's kernels with default options on a
// [128, 256] float batch, the size of a hidden layer in training: ns per element.
double kernel_ns_per_element(std::string_view name) {
  constexpr std::int64_t kRows = 128, kCols = 256, kN = kRows * kCols;
  std::vector<float> x(kN), y(kN), g(kN, 1.0f), dx(kN), dw(1);
  Generator gen(1);
  for (float& v : x) v = static_cast<float>(gen.uniform(-4, 4));
  double ns = 0;
  AllOps::visit(name, [&]<class Op>() {
    const auto once = [&] {
      if constexpr (Op::info.kind == Kind::pointwise) {
        kernels::forward<Op, float>(x, y);
        kernels::backward<Op, float>(Op::info.saves == Saves::input ? x : y, g, dx);
      } else if constexpr (Op::info.kind == Kind::weighted) {
        const std::vector<float> w = {0.25f};
        const kernels::ChannelLayout layout{.outer = 1, .channels = 1, .inner = kN};
        kernels::forward<Op, float>(x, w, y, layout);
        kernels::backward<Op, float>(x, w, g, dx, dw, layout);
      } else {
        const kernels::RowLayout layout{.outer = kRows, .size = kCols, .inner = 1};
        kernels::forward<Op, float>(x, y, layout);
        kernels::backward<Op, float>(y, g, dx, layout);
      }
    };
    once();
    double best = 1e30;
    for (int rep = 0; rep < 5; ++rep) {  // best of 5 batches of calls: the least disturbed
      int calls = 0;
      const double start = now_seconds();
      while (now_seconds() - start < 0.02) {
        once();
        ++calls;
      }
      best = std::min(best, (now_seconds() - start) / calls);
    }
    ns = best * 1e9 / kN;
  });
  return ns;
}

// Trains one network, measuring it before and after.
Run train_and_measure(const StudyArgs& a, const DataSets& sets, const ActivationSpec& spec,
                      const std::vector<std::int64_t>& hidden, std::int64_t epochs, Init init,
                      const std::string& label, Progress& progress) {
  const DType dtype = DType::float32;
  Run run;
  run.hidden = hidden;
  run.init = init;
  if (init != Init::pytorch) {
    nn::Sequential reference = make_mlp(sets.train.pixels(), hidden, sets.classes, spec, dtype, a.seed, Init::pytorch);
    run.grad_init_pytorch = gradient_norms(reference, sets.train, a.grad_samples, dtype);
  }
  nn::Sequential net = make_mlp(sets.train.pixels(), hidden, sets.classes, spec, dtype, a.seed, init);
  run.grad_init = gradient_norms(net, sets.train, a.grad_samples, dtype);
  if (spec.relu_like) run.dead_init = dead_fractions(net, sets.test, dtype);
  if (spec.weighted) run.slopes.push_back(slopes_of(net));
  run.accuracy_init = evaluate(net, sets.test, dtype).accuracy;
  const auto opt = make_optimizer(a.optimizer, net.parameters(), "study");
  data::Batches batches(sets.train, a.batch, {.shuffle = true, .seed = a.seed, .dtype = dtype});
  for (std::int64_t e = 1; e <= epochs; ++e) {
    const std::string epoch_label = label + " epoch " + std::to_string(e) + "/" + std::to_string(epochs);
    const EpochRun r = train_epoch(net, *opt, batches, progress, epoch_label);
    const Evaluation ev = evaluate(net, sets.test, dtype);
    run.history.push_back({.epoch = static_cast<int>(e), .train_loss = r.loss, .test_loss = ev.loss,
                           .test_accuracy = ev.accuracy, .seconds = r.seconds,
                           .samples_per_second = r.seconds > 0 ? static_cast<double>(r.samples) / r.seconds : 0});
    if (spec.weighted) run.slopes.push_back(slopes_of(net));
    progress.line(epoch_label + "  train loss " + fixed(r.loss, 4) + "  test accuracy " + fixed(ev.accuracy, 4) +
                  "  " + fixed(r.seconds, 2) + " s");
  }
  run.grad_trained = gradient_norms(net, sets.train, a.grad_samples, dtype);
  if (spec.relu_like) run.dead_trained = dead_fractions(net, sets.test, dtype);
  return run;
}

// ---- output ----

json to_json(const Run& r) {
  json hist = json::array();
  for (const EpochStats& s : r.history) {
    hist.push_back({{"epoch", s.epoch}, {"train_loss", s.train_loss}, {"test_loss", s.test_loss},
                    {"test_accuracy", s.test_accuracy}, {"seconds", s.seconds},
                    {"samples_per_second", s.samples_per_second}});
  }
  json j = {{"hidden", r.hidden}, {"weight_init", init_name(r.init)}, {"test_accuracy_init", r.accuracy_init},
            {"history", hist}, {"grad_norms_init", r.grad_init}, {"grad_norms_trained", r.grad_trained}};
  if (!r.grad_init_pytorch.empty()) {
    j["grad_norms_init_pytorch"] = r.grad_init_pytorch;
    j["grad_ratio_init_pytorch"] = r.grad_init_pytorch.front() / r.grad_init_pytorch.back();
  }
  if (!r.grad_init.empty()) j["grad_ratio_init"] = r.grad_init.front() / r.grad_init.back();
  if (!r.grad_trained.empty()) j["grad_ratio_trained"] = r.grad_trained.front() / r.grad_trained.back();
  if (!r.dead_trained.empty()) {
    j["dead_fraction_init"] = r.dead_init;
    j["dead_fraction_trained"] = r.dead_trained;
  }
  if (!r.slopes.empty()) j["slopes"] = r.slopes;
  return j;
}

json study_json(const StudyArgs& a, const DataSets& sets, const std::vector<Result>& results,
                const std::vector<std::int64_t>& depths, double seconds) {
  json acts = json::array();
  for (const Result& r : results) {
    json params = json::object();
    for (const auto& [name, value] : r.spec.params) params[name] = json::parse(value);
    json deep = json::object();
    for (const auto& [depth, run] : r.deep) deep[std::to_string(depth)] = to_json(run);
    acts.push_back({{"name", r.spec.name}, {"module", r.spec.repr}, {"params", params},
                    {"relu_like", r.spec.relu_like}, {"weighted", r.spec.weighted},
                    {"kernel_ns_per_element", r.kernel_ns}, {"convergence", to_json(r.convergence)},
                    {"deep", deep}});
  }
  return {{"config",
           {{"data", a.data}, {"train_samples", sets.train.count}, {"test_samples", sets.test.count},
            {"hidden", parse_widths(a.hidden, "--hidden")}, {"epochs", a.epochs}, {"depths", depths},
            {"width", a.width}, {"deep_epochs", a.deep_epochs}, {"deep_weight_init", a.deep_init}, {"batch", a.batch},
            {"grad_samples", a.grad_samples}, {"optimizer", a.optimizer.name}, {"lr", a.optimizer.lr},
            {"momentum", a.optimizer.momentum}, {"seed", a.seed}, {"threads", num_threads()}}},
          {"activations", acts},
          {"seconds", seconds}};
}

std::string run(const StudyArgs& a) {
  const std::string cmd = "study";
  std::vector<ActivationSpec> specs;
  for (const std::string& name : split_list(a.activations)) specs.push_back(activation_spec(name, cmd));
  if (specs.empty()) throw Error("study: --activations names no activation");
  const std::vector<std::int64_t> hidden = parse_widths(a.hidden, "--hidden");
  std::vector<std::int64_t> depths;
  for (const std::string& d : split_list(a.depths)) {
    const std::int64_t v = parse_integer(d, "--depths");
    if (v < 1) throw Error("study: --depths must be >= 1, got " + d);
    depths.push_back(v);
  }
  if (a.width < 1 || a.batch < 1 || a.epochs < 1 || a.deep_epochs < 0 || a.grad_samples < 1) {
    throw Error("study: --width, --batch, --epochs and --grad-samples must be >= 1, --deep-epochs >= 0");
  }
  if (a.threads < 0) throw Error("study: --threads must be >= 0 (0: one per core)");
  if (!a.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    if (ec || !std::filesystem::is_directory(a.out)) throw Error("study: cannot create --out folder '" + a.out + "'");
  }
  make_optimizer(a.optimizer, {}, cmd);  // checks the optimizer's arguments before the long part
  const Init deep_init = parse_init(a.deep_init, cmd);
  set_num_threads(a.threads, 1);  // kernels on one thread beside OpenBLAS: activa/parallel.h

  const double start = now_seconds();
  const DataSets sets = load_data(a.data, a.train_size, a.test_size, cmd);
  Progress progress(stderr);
  std::vector<Result> results;
  for (const ActivationSpec& spec : specs) {
    Result r;
    r.spec = spec;
    r.kernel_ns = kernel_ns_per_element(spec.name);
    r.convergence = train_and_measure(a, sets, spec, hidden, a.epochs, Init::pytorch, spec.name, progress);
    for (std::int64_t depth : depths) {
      const std::vector<std::int64_t> deep(static_cast<std::size_t>(depth), a.width);
      r.deep[depth] = train_and_measure(a, sets, spec, deep, a.deep_epochs, deep_init,
                                        spec.name + " depth " + std::to_string(depth), progress);
    }
    results.push_back(std::move(r));
  }
  const json study = study_json(a, sets, results, depths, now_seconds() - start);
  if (a.json) return study.dump(2) + "\n";
  if (a.out.empty()) return study_report(study);
  const std::filesystem::path dir(a.out);
  const std::vector<StudyFigure> figures = study_figures(study);
  for (const StudyFigure& f : figures) {
    f.figure.save((dir / (f.name + ".png")).string());
    f.figure.save((dir / (f.name + ".svg")).string());
  }
  std::ofstream(dir / "report.md") << study_report(study, figures);
  std::ofstream(dir / "study.json") << study.dump(2) << '\n';
  return "wrote " + (dir / "report.md").string() + ", " + (dir / "study.json").string() + " and " +
         std::to_string(2 * figures.size()) + " figures (" +
         fixed(now_seconds() - start, 1) + " s)\n";
}

}  // namespace

Command add_study(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand(
      "study", "The lecture's claims on activation functions, measured on Fashion-MNIST: one report.");
  auto a = std::make_shared<StudyArgs>();
  app->add_option("--activations", a->activations,
                  "activations to compare, comma-separated, each with its default parameters (default "
                  "sigmoid,tanh,relu,leaky_relu,elu,prelu; any of: " + activation_names() + ")")
      ->type_name("LIST");
  app->add_option("--hidden", a->hidden, "hidden widths of the convergence network (default 256,128)")
      ->type_name("W,W...");
  app->add_option("--epochs", a->epochs, "epochs of the convergence network (default 5)")->type_name("N");
  app->add_option("--depths", a->depths, "hidden layers of the deep networks (default 10,20)")->type_name("D,D...");
  app->add_option("--width", a->width, "width of the deep networks' hidden layers (default 128)")->type_name("N");
  app->add_option("--deep-epochs", a->deep_epochs, "epochs of each deep network (default 2)")->type_name("N");
  app->add_option("--deep-weight-init", a->deep_init,
                  "initialisation the deep networks train from: kaiming (He's, for ReLU: U(+-sqrt(6/in)), bias 0) "
                  "or pytorch (nn.Linear's default); gradients at initialisation are measured with PyTorch's "
                  "default too (default kaiming)")
      ->type_name("NAME");
  app->add_option("--train-size", a->train_size, "first N training samples (default 20000; 0: all 60000)")
      ->type_name("N");
  app->add_option("--test-size", a->test_size, "first N test samples (default 0: all)")->type_name("N");
  app->add_option("--batch", a->batch, "samples per step (default 128)")->type_name("N");
  app->add_option("--grad-samples", a->grad_samples, "training samples in the gradient-norm batch (default 1000)")
      ->type_name("N");
  app->add_option("--optimizer", a->optimizer.name, "sgd or adam (default sgd)")->type_name("NAME");
  app->add_option("--lr", a->optimizer.lr, "learning rate (default 0.01)")->type_name("NUM");
  app->add_option("--momentum", a->optimizer.momentum, "SGD momentum (default 0.9)")->type_name("NUM");
  app->add_option("--seed", a->seed, "seed of initialisation and shuffling (default 0)")->type_name("N");
  app->add_option("--threads", a->threads, "threads (default 0: one per core)")->type_name("N");
  app->add_option("--data", a->data, "folder of MNIST-format files (default " + std::string(data::kFashionMnistDir) + ")")
      ->type_name("DIR");
  app->add_option("--out", a->out, "write report.md and study.json into DIR (created if missing)")->type_name("DIR");
  app->add_flag("--json", a->json, "print the numbers as one JSON object instead of the report");
  app->footer(
      "Defaults finish in a few minutes on 2 cores (the README has the measured time).\n"
      "Examples:\n"
      "  activa study --out study/\n"
      "  activa study --activations relu,leaky_relu --depths 30 --json\n"
      "  activa study --epochs 2 --train-size 5000 --depths 5 --deep-epochs 1");
  return {app, [a](std::span<const std::string> trailing) {
            reject_trailing("study", trailing);
            return run(*a);
          }};
}

}  // namespace activa::cli
