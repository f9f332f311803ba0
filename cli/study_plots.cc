#include "cli/study_plots.h"

#include <cmath>
#include <limits>

namespace activa::cli {
namespace {

using json = nlohmann::ordered_json;

double number(const json& v) {
  // NaN is stored as null in JSON: a break in the curve.
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

plot::Style style_of(std::size_t i) {
  return {.color = plot::kPalette[i % plot::kPalette.size()],
          .line = i < plot::kPalette.size() ? plot::Line::solid : plot::Line::dashed};
}

bool diverged(const json& run) {
  const json& h = run["history"];
  return !h.empty() && !std::isfinite(number(h.back()["train_loss"]));
}

// x = 1, 2, ... for a per-layer list.
std::vector<double> one_based(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i + 1);
  return x;
}

plot::Figure framed(std::string title, std::string x_label, std::string y_label) {
  plot::Figure f;
  f.title = std::move(title);
  f.x_label = std::move(x_label);
  f.y_label = std::move(y_label);
  f.axes_through_origin = false;
  return f;
}

StudyFigure accuracy(const json& study) {
  plot::Figure f = framed("Test accuracy per epoch (784-" + [&] {
    std::string h;
    for (const json& w : study["config"]["hidden"]) h += std::to_string(w.get<std::int64_t>()) + "-";
    return h;
  }() + "10)", "epoch", "test accuracy");
  std::size_t i = 0;
  for (const json& a : study["activations"]) {
    const json& run = a["convergence"];
    plot::Series s{.x = {}, .y = {}, .label = a["module"].get<std::string>(), .style = style_of(i++)};
    s.x.push_back(0);
    s.y.push_back(number(run["test_accuracy_init"]));
    for (const json& e : run["history"]) {
      s.x.push_back(number(e["epoch"]));
      s.y.push_back(number(e["test_accuracy"]));
    }
    f.series.push_back(std::move(s));
  }
  f.y_range = plot::Range{0, 1};
  return {"accuracy", "Test accuracy after each epoch of the convergence network (epoch 0: at initialisation).",
          std::move(f)};
}

StudyFigure loss(const json& study) {
  plot::Figure f = framed("Training loss per epoch", "epoch", "mean cross-entropy");
  std::size_t i = 0;
  for (const json& a : study["activations"]) {
    plot::Series s{.x = {}, .y = {}, .label = a["module"].get<std::string>(), .style = style_of(i++)};
    for (const json& e : a["convergence"]["history"]) {
      s.x.push_back(number(e["epoch"]));
      s.y.push_back(number(e["train_loss"]));
    }
    f.series.push_back(std::move(s));
  }
  return {"loss", "Mean training cross-entropy of each epoch of the convergence network.", std::move(f)};
}

StudyFigure gradients(const json& study, const std::string& depth) {
  plot::Figure f = framed("Weight-gradient norm per layer at initialisation\n" + depth +
                              " hidden layers, PyTorch's default initialisation",
                          "layer (1 = first)", "||dL/dW|| (log scale)");
  f.log_y = true;
  std::size_t i = 0;
  for (const json& a : study["activations"]) {
    const std::size_t colour = i++;
    if (!a["deep"].contains(depth)) continue;
    const json& norms = a["deep"][depth]["grad_norms_init_pytorch"];
    plot::Series s{.x = one_based(norms.size()), .y = {}, .label = a["module"].get<std::string>(), .style = style_of(colour)};
    for (const json& v : norms) s.y.push_back(number(v));
    f.series.push_back(std::move(s));
  }
  return {"gradients_depth" + depth,
          "Norm of each Linear layer's weight gradient at initialisation in the network of " + depth +
              " hidden layers: a vanishing gradient climbs from the first layer to the last (it shrinks on its way back from the output).",
          std::move(f)};
}

StudyFigure dead_units(const json& study, const std::string& depth) {
  plot::Figure f = framed("Dead units per hidden layer after training\n" + depth + " hidden layers", "hidden layer",
                          "fraction never active on the test set");
  std::size_t i = 0;
  for (const json& a : study["activations"]) {
    const std::size_t colour = i++;
    if (!a["relu_like"].get<bool>() || !a["deep"].contains(depth)) continue;
    const json& run = a["deep"][depth];
    if (diverged(run)) continue;
    const json& dead = run["dead_fraction_trained"];
    plot::Series s{.x = one_based(dead.size()), .y = {}, .label = a["module"].get<std::string>(), .style = style_of(colour)};
    for (const json& v : dead) s.y.push_back(number(v));
    f.series.push_back(std::move(s));
  }
  f.y_range = plot::Range{0, 1};
  return {"dead_units_depth" + depth,
          "Fraction of each hidden layer's units whose input is never positive on the test set, after training the "
          "network of " + depth + " hidden layers (diverged runs left out).",
          std::move(f)};
}

StudyFigure slopes(const json& prelu) {
  plot::Figure f = framed("PReLU's learned slope per epoch", "epoch", "slope a");
  const json& per_epoch = prelu["convergence"]["slopes"];  // [epoch][layer], epoch 0: initial
  const std::size_t layers = per_epoch.empty() ? 0 : per_epoch[0].size();
  for (std::size_t l = 0; l < layers; ++l) {
    plot::Series s{.x = {}, .y = {}, .label = "hidden layer " + std::to_string(l + 1), .style = style_of(l)};
    for (std::size_t e = 0; e < per_epoch.size(); ++e) {
      s.x.push_back(static_cast<double>(e));
      s.y.push_back(number(per_epoch[e][l]));
    }
    f.series.push_back(std::move(s));
  }
  return {"prelu_slopes", "PReLU's slope in each hidden layer of the convergence network, from its initial 0.25.",
          std::move(f)};
}

}  // namespace

std::vector<StudyFigure> study_figures(const json& study) {
  std::vector<StudyFigure> out;
  const json& acts = study["activations"];
  if (acts.empty()) return out;
  out.push_back(accuracy(study));
  out.push_back(loss(study));
  std::string deepest;
  for (const json& d : study["config"]["depths"]) {
    deepest = std::to_string(d.get<std::int64_t>());
    out.push_back(gradients(study, deepest));
  }
  bool relu_like = false;
  for (const json& a : acts) relu_like = relu_like || a["relu_like"].get<bool>();
  if (relu_like && !deepest.empty()) out.push_back(dead_units(study, deepest));
  for (const json& a : acts) {
    if (a["convergence"].contains("slopes")) {
      out.push_back(slopes(a));
      break;
    }
  }
  // A figure with nothing to draw (every run diverged) is left out.
  std::erase_if(out, [](const StudyFigure& f) { return f.figure.series.empty(); });
  return out;
}

}  // namespace activa::cli
