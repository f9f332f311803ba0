#include "cli/study_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace activa::cli {
namespace {

using json = nlohmann::ordered_json;

// A ratio below this means the first layer's gradient is 100x smaller than the
// last's: its weights learn 100x slower (with SGD), i.e. the gradient vanished.
constexpr double kVanishing = 1e-2;
// An activation is "costly" next to ReLU from this factor on (kernel time).
constexpr double kCostly = 1.5;

std::string num(double v, int digits) {
  if (!std::isfinite(v)) return "diverged";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
std::string sci(double v) {
  if (!std::isfinite(v)) return "diverged";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1e", v);
  return buf;
}
std::string plural(std::int64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}
std::string pct(double v) { return std::isfinite(v) ? num(100 * v, 1) + "%" : "diverged"; }
// 20000 -> "20,000".
std::string count(std::int64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
std::string code(const std::string& s) { return "`" + s + "`"; }

const json* find(const json& study, const std::string& name) {
  for (const json& a : study["activations"]) {
    if (a["name"] == name) return &a;
  }
  return nullptr;
}

double last_accuracy(const json& run) { return run["history"].back()["test_accuracy"].get<double>(); }
double first_accuracy(const json& run) { return run["history"].front()["test_accuracy"].get<double>(); }
double last(const json& run, const char* key) { return run["history"].back()[key].get<double>(); }

// Training blew up: the last epoch's loss is not a number (NaN is stored as null in JSON files).
bool diverged(const json& run) {
  if (run["history"].empty()) return false;
  const json& loss = run["history"].back()["train_loss"];
  return !loss.is_number() || !std::isfinite(loss.get<double>());
}

double mean_epoch_seconds(const json& run) {
  double s = 0;
  for (const json& e : run["history"]) s += e["seconds"].get<double>();
  return s / static_cast<double>(run["history"].size());
}

std::string deepest(const json& study) {
  std::int64_t d = 0;
  for (const json& v : study["config"]["depths"]) d = std::max(d, v.get<std::int64_t>());
  return std::to_string(d);
}

// The largest entry of a per-layer list, with its layer (1-based).
std::pair<double, std::size_t> max_of(const json& list) {
  double m = -1;
  std::size_t at = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].get<double>() > m) {
      m = list[i].get<double>();
      at = i + 1;
    }
  }
  return {m, at};
}

std::string list_text(const json& list, bool as_percent) {
  std::string s;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) s += ' ';
    s += as_percent ? num(100 * list[i].get<double>(), 0) : num(list[i].get<double>(), 3);
  }
  return s;
}

std::string init_label(const std::string& init) {
  return init == "pytorch" ? "PyTorch's default init" : init == "kaiming" ? "He's init" : init;
}

struct Claim {
  std::string who, text, measured, verdict;
};

// ---- the claims, read against the numbers ----

std::vector<Claim> claims(const json& study) {
  std::vector<Claim> out;
  const std::string d = deepest(study);
  const json *sigmoid = find(study, "sigmoid"), *tanh = find(study, "tanh"), *relu = find(study, "relu");
  const json *leaky = find(study, "leaky_relu"), *elu = find(study, "elu"), *prelu = find(study, "prelu");
  const bool deep = !study["config"]["depths"].empty();

  // The gradient ratio at initialisation at the deepest depth, per initialisation measured.
  const auto ratios = [&](const json* a) {
    std::vector<std::pair<std::string, double>> r;
    const json& run = (*a)["deep"][d];
    if (run.contains("grad_ratio_init_pytorch")) r.emplace_back("pytorch", run["grad_ratio_init_pytorch"].get<double>());
    r.emplace_back(run["weight_init"].get<std::string>(), run["grad_ratio_init"].get<double>());
    return r;
  };
  const auto ratio_text = [&](const json* a) {
    std::string s;
    for (const auto& [init, r] : ratios(a)) s += (s.empty() ? "" : ", ") + sci(r) + " (" + init_label(init) + ")";
    return s;
  };
  const auto trained_text = [&](const json* a) {
    const json& run = (*a)["deep"][d];
    return run["history"].empty() ? std::string() : "; test accuracy after training " + num(last_accuracy(run), 3);
  };
  for (const json* a : {sigmoid, tanh}) {
    if (!a || !deep) continue;
    std::vector<std::string> vanished, kept;
    for (const auto& [init, r] : ratios(a)) (r < kVanishing ? vanished : kept).push_back(init_label(init));
    const std::string verdict = kept.empty()      ? "confirmed"
                                : vanished.empty() ? "not seen at this depth"
                                                   : "confirmed with " + vanished[0] + " only";
    out.push_back({(*a)["module"], "Sufre de desvanecimiento del gradiente para redes profundas",
                   "first/last gradient ratio at depth " + d + ": " + ratio_text(a) + trained_text(a), verdict});
  }
  if (relu && deep) {
    // Per initialisation: does ReLU keep its gradient, and is it 10x better than each saturating function?
    const auto relu_r = ratios(relu);
    std::vector<std::string> parts;
    bool all = true, any = false;
    for (const auto& [init, r] : relu_r) {
      const bool ok = r >= kVanishing;
      all = all && ok;
      any = any || ok;
      parts.push_back("with " + init_label(init) + " ReLU's ratio is " + sci(r) + (ok ? "" : ": vanishing too"));
    }
    for (const json* other : {sigmoid, tanh}) {
      if (!other) continue;
      std::vector<std::string> better;
      const auto other_r = ratios(other);
      for (std::size_t i = 0; i < relu_r.size(); ++i) {
        if (relu_r[i].second >= 10 * other_r[i].second) better.push_back(init_label(relu_r[i].first));
      }
      const std::string name = (*other)["module"].get<std::string>();
      all = all && better.size() == relu_r.size();
      any = any || !better.empty();
      parts.push_back(better.size() == relu_r.size() ? "10x or more above " + name + "'s with every initialisation"
                      : better.empty()               ? "not 10x above " + name + "'s"
                                                     : "10x or more above " + name + "'s with " + better[0] + " only");
    }
    std::string joined;
    for (const std::string& p : parts) joined += (joined.empty() ? "" : "; ") + p;
    std::string measured = "ratio at depth " + d + ": ReLU " + ratio_text(relu) + trained_text(relu);
    for (const json* other : {sigmoid, tanh}) {
      if (other) measured += "; " + (*other)["module"].get<std::string>() + " " + ratio_text(other) + trained_text(other);
    }
    out.push_back({"ReLU()", "Previene el desvanecimiento del gradiente", measured,
                   (all ? "confirmed: " : any ? "partly: " : "not confirmed: ") + joined});
  }
  if (sigmoid && tanh) {
    const double s1 = first_accuracy((*sigmoid)["convergence"]);
    const double t1 = first_accuracy((*tanh)["convergence"]);
    const double sl = last((*sigmoid)["convergence"], "train_loss"), tl = last((*tanh)["convergence"], "train_loss");
    out.push_back({"Sigmoid() vs Tanh()",
                   "Sigmoide no está centrada en cero (entrenamiento más lento); Tanh centrada en cero mejora la convergencia",
                   "test accuracy after epoch 1: sigmoid " + num(s1, 3) + ", tanh " + num(t1, 3) +
                       "; final train loss: sigmoid " + num(sl, 3) + ", tanh " + num(tl, 3),
                   t1 > s1 && tl < sl ? "confirmed" : "not confirmed"});
  }
  if (relu) {
    double worst = 0;
    std::string where = "none";
    const auto scan = [&](const json& run, const std::string& label) {
      if (!run.contains("dead_fraction_trained") || diverged(run)) return;
      const auto [m, layer] = max_of(run["dead_fraction_trained"]);
      if (m > worst) {
        worst = m;
        where = label + ", layer " + std::to_string(layer);
      }
    };
    scan((*relu)["convergence"], "convergence network");
    for (const auto& [depth, run] : (*relu)["deep"].items()) scan(run, "depth " + depth);
    out.push_back({"ReLU()", "Puede producir neuronas muertas",
                   "largest fraction of units never active on the test set after training: " + pct(worst) + " (" + where + ")",
                   worst > 0 ? "confirmed" : "not seen"});
  }
  for (const json* a : {leaky, prelu}) {
    if (!a) continue;
    double worst = 0;
    const auto scan = [&](const json& run) {
      if (run.contains("dead_fraction_trained") && !diverged(run)) worst = std::max(worst, max_of(run["dead_fraction_trained"]).first);
    };
    scan((*a)["convergence"]);
    for (const auto& [depth, run] : (*a)["deep"].items()) scan(run);
    std::string slope_text;
    bool nonzero = true;
    if ((*a)["weighted"].get<bool>()) {
      const json& slopes = (*a)["convergence"]["slopes"].back();
      for (const json& s : slopes) nonzero = nonzero && std::abs(s.get<double>()) > 1e-3;
      slope_text = "; learned slopes " + list_text(slopes, false);
    } else {
      slope_text = "; fixed slope " + (*a)["params"]["negative_slope"].dump();
    }
    out.push_back({(*a)["module"], a == leaky ? "No produce neuronas muertas" : "Evita neuronas muertas",
                   "units never positive on the test set: up to " + pct(worst) + ", yet their gradient is the slope times the upstream one" + slope_text,
                   nonzero ? "confirmed: no unit's gradient is zero" : "not confirmed: a slope reached 0"});
  }
  if (prelu) {
    const json& slopes = (*prelu)["convergence"]["slopes"];
    double moved = 0;
    for (std::size_t l = 0; l < slopes.back().size(); ++l) {
      moved = std::max(moved, std::abs(slopes.back()[l].get<double>() - slopes.front()[l].get<double>()));
    }
    out.push_back({"PReLU()", "α se ajusta por el modelo (se aprende)",
                   "slopes from " + list_text(slopes.front(), false) + " to " + list_text(slopes.back(), false),
                   moved > 0.01 ? "confirmed" : "barely moved"});
    if (leaky) {
      const double tp = mean_epoch_seconds((*prelu)["convergence"]), tl = mean_epoch_seconds((*leaky)["convergence"]);
      const double ap = last_accuracy((*prelu)["convergence"]), al = last_accuracy((*leaky)["convergence"]);
      out.push_back({"PReLU()", "Requiere más datos y tiempo para el entrenamiento",
                     "s/epoch: PReLU " + num(tp, 2) + ", LeakyReLU " + num(tl, 2) + "; final test accuracy: PReLU " +
                         num(ap, 3) + ", LeakyReLU " + num(al, 3),
                     tp > 1.05 * tl ? "partly: slower per epoch" : "not seen: epoch time within 5% of LeakyReLU's"});
    }
  }
  if (elu && relu) {
    const json &e = (*elu)["convergence"], &r = (*relu)["convergence"];
    const bool early = first_accuracy(e) > first_accuracy(r) + 0.005;
    const bool late = last(e, "test_loss") < last(r, "test_loss");
    out.push_back({(*elu)["module"], "Mejora el aprendizaje con valores negativos",
                   "test accuracy after epoch 1: ELU " + num(first_accuracy(e), 3) + ", ReLU " + num(first_accuracy(r), 3) +
                       "; final test loss: ELU " + num(last(e, "test_loss"), 4) + ", ReLU " + num(last(r, "test_loss"), 4),
                   early && late ? "confirmed"
                   : early       ? "partly: faster at first, not better at the end"
                   : late        ? "partly: better at the end, not faster at first"
                                 : "not confirmed"});
  }
  if (relu) {
    // The share of a convergence epoch the activation's kernels take: ns per
    // element times the hidden units each sample passes through, over the epoch.
    std::int64_t units = 0;
    for (const json& h : study["config"]["hidden"]) units += h.get<std::int64_t>();
    const auto share = [&](const json* a) {
      const double seconds = (*a)["kernel_ns_per_element"].get<double>() * 1e-9 * static_cast<double>(units) *
                             study["config"]["train_samples"].get<double>();
      return seconds / mean_epoch_seconds((*a)["convergence"]);
    };
    const double base = (*relu)["kernel_ns_per_element"].get<double>();
    for (const json* a : {sigmoid, tanh, elu, leaky}) {
      if (!a) continue;
      const double k = (*a)["kernel_ns_per_element"].get<double>() / base;
      const std::string text = a == leaky ? "Puede ser menos eficiente que ReLU"
                               : a == elu ? "Cálculo más costoso"
                                          : "Cálculo computacional costoso";
      out.push_back({(*a)["module"], text,
                     "kernels (forward + backward) " + num(k, 2) + "x ReLU's; about " + pct(share(a)) +
                         " of a training epoch (ReLU: " + pct(share(relu)) + ")",
                     k >= kCostly ? "confirmed" : "not seen"});
    }
  }
  return out;
}

}  // namespace

std::string study_report(const json& study, const std::vector<StudyFigure>& figures) {
  const json& c = study["config"];
  std::ostringstream os;
  os << "# Activation functions on Fashion-MNIST: the lecture's claims, measured\n\n";
  os << "Written by `activa study` from its own numbers (study.json); every verdict below is computed from them by the "
        "thresholds stated under the claims table. It took " << num(study["seconds"].get<double>(), 0)
     << " s on " << c["threads"] << " threads.\n\n";
  os << "**Setup.** Data: the first " << count(c["train_samples"].get<std::int64_t>()) << " training images and "
     << count(c["test_samples"].get<std::int64_t>()) << " test images in " << code(c["data"].get<std::string>())
     << ", scaled to [0, 1]. Every activation gets the same seed (" << c["seed"]
     << "), the same initialisation scheme, the same shuffled batches of " << c["batch"] << ", and "
     << (c["optimizer"] == "sgd" ? "SGD" : "Adam") << " (lr " << c["lr"].dump()
     << (c["optimizer"] == "sgd" ? ", momentum " + c["momentum"].dump() : std::string()) << "). Convergence network: 784";
  for (const json& h : c["hidden"]) os << "-" << h;
  os << "-10 from PyTorch's default initialisation, " << plural(c["epochs"].get<std::int64_t>(), "epoch")
     << ". Deep networks: ";
  for (std::size_t i = 0; i < c["depths"].size(); ++i) os << (i ? " and " : "") << c["depths"][i];
  os << " hidden layers of " << c["width"] << " units, " << plural(c["deep_epochs"].get<std::int64_t>(), "epoch")
     << ", from " << init_label(c["deep_weight_init"].get<std::string>()) << ". Gradient norms: the Frobenius norm of each Linear weight's gradient of the mean cross-entropy over the first "
     << c["grad_samples"]
     << " training images. The defaults are sized to finish within 10 minutes on 2 cores; `--train-size 0 --epochs 15` "
        "trains on all 60,000 images.\n\n";

  os << "## The claims\n\n| function | claim (lecture) | measured | verdict |\n| --- | --- | --- | --- |\n";
  for (const Claim& cl : claims(study)) os << "| " << cl.who << " | " << cl.text << " | " << cl.measured << " | " << cl.verdict << " |\n";
  os << "\nThresholds: a first/last gradient ratio below " << sci(kVanishing)
     << " counts as vanishing (the first layer learns 100x slower); a function is costly from " << num(kCostly, 1)
     << "x ReLU's kernel time.\n\n";

  os << "## Convergence\n\nTest accuracy after each epoch (784";
  for (const json& h : c["hidden"]) os << "-" << h;
  os << "-10):\n\n| activation |";
  const std::size_t epochs = study["activations"][0]["convergence"]["history"].size();
  for (std::size_t e = 1; e <= epochs; ++e) os << " " << e << " |";
  os << " final train loss | final test loss |\n| --- |";
  for (std::size_t e = 0; e < epochs + 2; ++e) os << " ---: |";
  os << "\n";
  for (const json& a : study["activations"]) {
    const json& run = a["convergence"];
    os << "| " << a["module"].get<std::string>() << " |";
    for (const json& h : run["history"]) os << " " << num(h["test_accuracy"].get<double>(), 4) << " |";
    os << " " << num(last(run, "train_loss"), 4) << " | " << num(last(run, "test_loss"), 4) << " |\n";
  }

  os << "\n## Vanishing gradients\n\nThe ratio of the first Linear layer's gradient norm to the last's, at "
        "initialisation (with PyTorch's default initialisation, and with the one the deep networks train from) and "
        "after training; test accuracy after training. "
     << (c["deep_weight_init"] == "pytorch"
             ? std::string("The deep networks train from PyTorch's default init.")
             : "The deep networks train from " + init_label(c["deep_weight_init"].get<std::string>()) +
                   " (`--deep-weight-init pytorch` trains them from PyTorch's default instead: the signal then fades "
                   "layer after layer, and with these settings every 20-layer network stayed at 10% accuracy in our "
                   "runs).")
     << "\n\n"
        "| activation | depth | ratio, PyTorch's init | ratio, " << init_label(c["deep_weight_init"].get<std::string>())
     << " | ratio, trained | test accuracy, trained |\n| --- | ---: | ---: | ---: | ---: | ---: |\n";
  for (const json& a : study["activations"]) {
    for (const auto& [depth, run] : a["deep"].items()) {
      const double pytorch = run.contains("grad_ratio_init_pytorch") ? run["grad_ratio_init_pytorch"].get<double>()
                                                                      : run["grad_ratio_init"].get<double>();
      os << "| " << a["module"].get<std::string>() << " | " << depth << " | " << sci(pytorch) << " | "
         << sci(run["grad_ratio_init"].get<double>()) << " | " << sci(run["grad_ratio_trained"].get<double>()) << " | "
         << (run["history"].empty() ? "-" : num(last_accuracy(run), 4)) << " |\n";
    }
  }
  if (!c["depths"].empty()) {
    const std::string d = deepest(study);
    for (const char* key : {"grad_norms_init_pytorch", "grad_norms_init"}) {
      const json& first = study["activations"][0]["deep"][d];
      if (!first.contains(key)) continue;
      os << "\nGradient norm of every layer at depth " << d << ", at initialisation with "
         << init_label(std::string(key) == "grad_norms_init" ? first["weight_init"].get<std::string>() : "pytorch")
         << " (layer 1 takes the image, the last gives the logits):\n\n| activation |";
      const std::size_t layers = first[key].size();
      for (std::size_t l = 1; l <= layers; ++l) os << " " << l << " |";
      os << "\n| --- |";
      for (std::size_t l = 0; l < layers; ++l) os << " ---: |";
      os << "\n";
      for (const json& a : study["activations"]) {
        os << "| " << a["module"].get<std::string>() << " |";
        for (const json& g : a["deep"][d][key]) os << " " << sci(g.get<double>()) << " |";
        os << "\n";
      }
    }
  }

  os << "\n## Dead units\n\nPer hidden layer, the percentage of units whose input is never positive on the "
        "test set, at initialisation and after training (ReLU's family only: the functions that are the identity "
        "for x > 0). For ReLU such a unit outputs 0 and passes no gradient: it is dead. For LeakyReLU, PReLU and ELU "
        "it still passes a gradient (slope, or alpha e^x).\n\n"
        "| activation | network | at initialisation | after training |\n| --- | --- | --- | --- |\n";
  for (const json& a : study["activations"]) {
    if (!a["relu_like"].get<bool>()) continue;
    const auto row = [&](const json& run, const std::string& label) {
      os << "| " << a["module"].get<std::string>() << " | " << label << " | " << list_text(run["dead_fraction_init"], true)
         << " | " << (diverged(run) ? std::string("diverged (the loss became NaN)") : list_text(run["dead_fraction_trained"], true))
         << " |\n";
    };
    row(a["convergence"], "convergence");
    for (const auto& [depth, run] : a["deep"].items()) row(run, "depth " + depth);
  }

  bool any_weighted = false;
  for (const json& a : study["activations"]) any_weighted = any_weighted || a["weighted"].get<bool>();
  if (any_weighted) {
    os << "\n## PReLU's learned slopes\n\nThe slope of each PReLU layer (one per layer), at initialisation and after each epoch.\n\n"
          "| activation | network | checkpoint | slopes, layer 1 to last |\n| --- | --- | --- | --- |\n";
    for (const json& a : study["activations"]) {
      if (!a["weighted"].get<bool>()) continue;
      const auto rows = [&](const json& run, const std::string& label) {
        for (std::size_t k = 0; k < run["slopes"].size(); ++k) {
          os << "| " << a["module"].get<std::string>() << " | " << label << " | "
             << (k == 0 ? std::string("init") : "epoch " + std::to_string(k)) << " | " << list_text(run["slopes"][k], false) << " |\n";
        }
      };
      rows(a["convergence"], "convergence");
      for (const auto& [depth, run] : a["deep"].items()) rows(run, "depth " + depth);
    }
  }

  os << "\n## Cost\n\nThe activation kernels alone (forward + backward on a [128, 256] float batch, one thread, "
        "best of 5), and the convergence network's training epochs (wall-clock: other work on the machine shows "
        "in them; matrix products take most of an epoch).\n\n"
        "| activation | kernel ns/element | x ReLU | s/epoch | samples/s |\n| --- | ---: | ---: | ---: | ---: |\n";
  const json* relu = find(study, "relu");
  for (const json& a : study["activations"]) {
    const double k = a["kernel_ns_per_element"].get<double>();
    const double s = mean_epoch_seconds(a["convergence"]);
    os << "| " << a["module"].get<std::string>() << " | " << num(k, 3) << " | "
       << (relu ? num(k / (*relu)["kernel_ns_per_element"].get<double>(), 2) : std::string("-")) << " | " << num(s, 2) << " | "
       << num(c["train_samples"].get<double>() / s, 0) << " |\n";
  }

  os << "\n## Plots\n\n";
  if (figures.empty()) {
    os << "`activa study --out DIR` draws the figures (PNG and SVG) beside report.md.\n";
  } else {
    os << "Drawn from these numbers by the plotting code of `activa plot`, as PNG and SVG beside this report.\n\n";
    for (const StudyFigure& f : figures) {
      os << "![" << f.name << "](" << f.name << ".png)\n\n" << f.caption << " ([SVG](" << f.name << ".svg))\n\n";
    }
  }
  return os.str();
}

}  // namespace activa::cli
