#include "cli/training.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <type_traits>

#include "activa/autograd.h"
#include "activa/error.h"
#include "activa/functional.h"
#include "activa/nn/activation.h"
#include "activa/nn/init.h"
#include "activa/nn/linear.h"
#include "activa/nn/loss.h"
#include "activa/ops/all.h"
#include "cli/op_options.h"
#include "cli/values.h"

namespace activa::cli {
namespace {

std::string json_text(double v) { return std::isfinite(v) ? nn::detail::python_repr(v) : "null"; }
[[maybe_unused]] std::string json_text(std::int64_t v) { return std::to_string(v); }
std::string json_text(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "null"; }

// A weighted activation whose weight has the network's dtype (nn::PReLU's is
// float32): the functional form over its own weight.
template <class Op>
class TypedWeightedActivation : public nn::Module {
 public:
  TypedWeightedActivation(const typename Op::Options& o, DType dtype)
      : repr_(nn::Activation<Op>(o).repr()),
        weight_(full({o.num_parameters}, o.init, {.dtype = dtype, .requires_grad = true})) {}
  Tensor forward(const Tensor& x) const override { return Functional<Op>{}(x, weight_); }
  std::vector<Tensor> parameters() const override { return {weight_}; }
  std::vector<std::pair<std::string, Tensor>> named_parameters() const override { return {{"weight", weight_}}; }
  std::string repr() const override { return repr_; }

 private:
  std::string repr_;
  Tensor weight_;
};

// Whether the op is the identity on positive inputs (ReLU's family), read from
// its reference formula at two points.
template <class Op>
bool identity_for_positive(const typename Op::Options& o) {
  if constexpr (Op::info.kind == Kind::along_dim) {
    return false;
  } else if constexpr (Op::info.kind == Kind::weighted) {
    return Op::forward(2.0, o.init) == 2.0 && Op::forward(0.5, o.init) == 0.5;
  } else {
    return Op::forward(2.0, o) == 2.0 && Op::forward(0.5, o) == 0.5;
  }
}

template <class Op>
ActivationSpec spec_of(const ActivationArgs* args, std::string_view command) {
  typename Op::Options options{};
  std::string accepted;
  for_each_param<Op>([&](const auto& p) {
    const std::string flag = flag_of(p.name);
    accepted += (accepted.empty() ? "" : ", ") + flag;
    if (args && args->options.at(flag)->count() > 0) parse_into(args->text.at(flag), flag, options.*(p.member));
  });
  if (args) {
    for (const auto& [flag, option] : args->options) {
      if (option->count() == 0) continue;
      bool ok = false;
      for_each_param<Op>([&](const auto& p) { ok = ok || flag_of(p.name) == flag; });
      if (!ok) {
        throw Error(std::string(command) + ": " + std::string(Op::info.name) + " takes no parameter " + flag +
                    (accepted.empty() ? "" : " (its parameters: " + accepted + ")"));
      }
    }
  }
  ActivationSpec spec;
  spec.name = Op::info.name;
  spec.weighted = Op::info.kind == Kind::weighted;
  spec.relu_like = identity_for_positive<Op>(options);
  for_each_param<Op>([&](const auto& p) { spec.params.emplace_back(p.name, json_text(options.*(p.member))); });
  try {
    spec.repr = nn::Activation<Op>(options).repr();  // validates the options as the module does
  } catch (const Error& e) {
    throw Error(std::string(command) + ": " + e.what());
  }
  const std::string cmd(command);
  spec.make = [options, cmd](std::int64_t width, DType dtype) -> std::shared_ptr<nn::Module> {
    if constexpr (Op::info.kind == Kind::weighted) {
      if (options.num_parameters != 1 && options.num_parameters != width) {
        throw Error(cmd + ": " + std::string(Op::info.name) + " with --num-parameters " +
                    std::to_string(options.num_parameters) + " needs hidden layers of that width, not " +
                    std::to_string(width) + " (or use 1: one slope per layer)");
      }
      if (dtype != DType::float32) return std::make_shared<TypedWeightedActivation<Op>>(options, dtype);
    }
    return std::make_shared<nn::Activation<Op>>(options);
  };
  return spec;
}

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string in_quotes(std::string_view text) {
  std::string s(1, '\'');  // not "'" + std::string: GCC 12 warns falsely (-Wrestrict) on that
  s.append(text);
  s += '\'';
  return s;
}

}  // namespace

// ---- the activation, by name ----

void add_activation_options(CLI::App& app, ActivationArgs& args) {
  // Every Param, prelu's --num-parameters and --init included (a module is built, not a weight given).
  const auto params_of = []<class Op>() {
    std::vector<OptionSpec> out;
    for_each_param<Op>([&](const auto& p) { out.push_back(option_of<Op>(p)); });
    return out;
  };
  add_op_flags(app, params_of, args.text, args.options, "Activation parameters");
}

std::string activation_names() { return function_names(); }

ActivationSpec activation_spec(std::string_view name, const ActivationArgs& args, std::string_view command) {
  std::optional<ActivationSpec> spec;
  AllOps::visit(name, [&]<class Op>() { spec = spec_of<Op>(&args, command); });
  if (!spec) {
    throw Error(std::string(command) + ": unknown activation " + in_quotes(name) + " (expected one of: " +
                activation_names() + ")");
  }
  return *spec;
}

ActivationSpec activation_spec(std::string_view name, std::string_view command) {
  std::optional<ActivationSpec> spec;
  AllOps::visit(name, [&]<class Op>() { spec = spec_of<Op>(nullptr, command); });
  if (!spec) {
    throw Error(std::string(command) + ": unknown activation " + in_quotes(name) + " (expected one of: " +
                activation_names() + ")");
  }
  return *spec;
}

// ---- model, optimizer ----

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string_view item = trim(text.substr(pos, end - pos));
    if (!item.empty()) out.emplace_back(item);
    pos = end + 1;
  }
  return out;
}

std::vector<std::int64_t> parse_widths(std::string_view text, std::string_view what) {
  std::vector<std::int64_t> widths;
  for (const std::string& item : split_list(text)) {
    const std::int64_t w = parse_integer(item, what);
    if (w < 1) throw Error(std::string(what) + ": widths must be >= 1, got " + item);
    widths.push_back(w);
  }
  return widths;
}

Init parse_init(std::string_view text, std::string_view command) {
  if (text == "pytorch") return Init::pytorch;
  if (text == "kaiming") return Init::kaiming;
  throw Error(std::string(command) + ": unknown --weight-init " + in_quotes(text) + " (expected pytorch or kaiming)");
}

std::string_view init_name(Init init) { return init == Init::pytorch ? "pytorch" : "kaiming"; }

nn::Sequential make_mlp(std::int64_t inputs, const std::vector<std::int64_t>& hidden, std::int64_t classes,
                        const ActivationSpec& activation, DType dtype, std::uint64_t seed, Init init) {
  Generator gen(seed);
  nn::Sequential net;
  const auto add_linear = [&](std::int64_t in, std::int64_t out) {
    nn::Linear& fc = net.push_back(nn::Linear(in, out, {.dtype = dtype, .generator = &gen}));
    if (init == Init::kaiming) {
      Tensor w = fc.weight(), b = fc.bias();
      nn::init::kaiming_uniform_(w, 0, gen);
      nn::init::uniform_(b, 0, 0, gen);
    }
  };
  std::int64_t width = inputs;
  for (std::int64_t h : hidden) {
    add_linear(width, h);
    net.push_back(activation.make(h, dtype));
    width = h;
  }
  add_linear(width, classes);
  return net;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const OptimizerArgs& args, std::vector<Tensor> params,
                                                 std::string_view command) {
  if (!(args.lr > 0)) throw Error(std::string(command) + ": --lr must be > 0, got " + json_text(args.lr));
  if (args.name == "sgd") {
    return std::make_unique<optim::SGD>(
        std::move(params), optim::SGDOptions{.lr = args.lr, .momentum = args.momentum, .weight_decay = args.weight_decay});
  }
  if (args.name == "adam") {
    if (args.momentum != 0) throw Error(std::string(command) + ": --momentum applies to sgd, not adam");
    return std::make_unique<optim::Adam>(std::move(params),
                                         optim::AdamOptions{.lr = args.lr, .weight_decay = args.weight_decay});
  }
  throw Error(std::string(command) + ": unknown optimizer " + in_quotes(args.name) + " (expected sgd or adam)");
}

// ---- data ----

DataSets load_data(const std::string& dir, std::int64_t train_size, std::int64_t test_size, std::string_view command) {
  if (train_size < 0 || test_size < 0) {
    throw Error(std::string(command) + ": --train-size and --test-size must be >= 0 (0: all)");
  }
  DataSets d;
  d.train = data::load_mnist(dir, data::Split::train);
  d.test = data::load_mnist(dir, data::Split::test);
  if (d.train.rows != d.test.rows || d.train.cols != d.test.cols) {
    throw Error(dir + ": train images are " + std::to_string(d.train.rows) + "x" + std::to_string(d.train.cols) +
                " but test images are " + std::to_string(d.test.rows) + "x" + std::to_string(d.test.cols));
  }
  if (train_size > 0) d.train = d.train.head(train_size);
  if (test_size > 0) d.test = d.test.head(test_size);
  if (d.train.count == 0 || d.test.count == 0) throw Error(dir + ": no training or no test samples");
  d.classes = std::max(d.train.num_classes(), d.test.num_classes());
  return d;
}

// ---- training ----

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string with_commas(double v) {
  const long long n = std::llround(v);
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

Progress::Progress(std::FILE* out) : out_(out), tty_(out && isatty(fileno(out))) {}

void Progress::update(const std::string& label, std::int64_t done, std::int64_t total, double samples_per_second,
                      double running_loss) {
  if (!out_ || !tty_) return;
  const double t = now_seconds();
  if (done < total && last_draw_ >= 0 && t - last_draw_ < 0.1) return;  // at most 10 redraws a second
  last_draw_ = t;
  constexpr int kWidth = 30;
  const int filled = total > 0 ? static_cast<int>(kWidth * done / total) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) {
    bar += '>';
    bar.append(static_cast<std::size_t>(kWidth - filled - 1), ' ');
  }
  std::fprintf(out_, "\r\033[K%s [%s] %3d%%  %s samples/s  loss %s", label.c_str(), bar.c_str(),
               total > 0 ? static_cast<int>(100 * done / total) : 100, with_commas(samples_per_second).c_str(),
               fixed(running_loss, 4).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void Progress::line(const std::string& text) {
  if (!out_) return;
  if (tty_ && drawn_) std::fputs("\r\033[K", out_);
  std::fputs(text.c_str(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
  drawn_ = false;
  last_draw_ = -1;
}

EpochRun train_epoch(nn::Sequential& net, optim::Optimizer& opt, data::Batches& batches, Progress& progress,
                     const std::string& label) {
  static const nn::CrossEntropyLoss criterion;
  net.train();
  batches.reset();
  const std::int64_t total = batches.batches_per_epoch();
  const double start = now_seconds();
  EpochRun run;
  double loss_sum = 0;
  std::int64_t done = 0;
  while (batches.next()) {
    opt.zero_grad();
    const Tensor loss = criterion(net(batches.input()), batches.labels());
    loss.backward();
    opt.step();
    const double l = loss.item();
    loss_sum += l * static_cast<double>(batches.size());
    run.samples += batches.size();
    ++done;
    const double elapsed = now_seconds() - start;
    progress.update(label, done, total, elapsed > 0 ? static_cast<double>(run.samples) / elapsed : 0,
                    loss_sum / static_cast<double>(run.samples));
  }
  run.seconds = now_seconds() - start;
  run.loss = run.samples > 0 ? loss_sum / static_cast<double>(run.samples) : 0;
  return run;
}

Evaluation evaluate(const nn::Sequential& net, const data::Mnist& set, DType dtype) {
  NoGradGuard no_grad;
  data::Batches batches(set, 1000, {.dtype = dtype});
  const nn::CrossEntropyLoss criterion({.reduction = Reduction::sum});
  double loss = 0;
  std::int64_t correct = 0;
  while (batches.next()) {
    const Tensor logits = net(batches.input());
    loss += criterion(logits, batches.labels()).item();
    const std::int64_t classes = logits.size(1);
    detail::with_dtype(logits.dtype(), [&]<class T>() {
      const T* p = logits.data<T>().data();
      for (std::int64_t i = 0; i < batches.size(); ++i) {
        const T* row = p + i * classes;
        const std::int64_t best = std::max_element(row, row + classes) - row;
        correct += best == batches.labels()[static_cast<std::size_t>(i)];
      }
    });
  }
  const double n = static_cast<double>(set.count);
  return {loss / n, static_cast<double>(correct) / n};
}

}  // namespace activa::cli
