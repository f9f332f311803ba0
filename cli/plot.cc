// activa plot FUNCTION... : each function and its derivative on one figure, as
// the lecture draws them, from activa's kernels. `-o FILE` writes PNG, SVG or
// PDF (by extension); otherwise the figure is printed as braille text, sized
// to the terminal (80 x 24 when standard output is not one).
#include "cli/plot.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "activa/error.h"
#include "activa/kernels.h"
#include "activa/nn/activation.h"
#include "activa/ops/all.h"
#include "cli/command.h"
#include "cli/op_options.h"
#include "cli/suggest.h"
#include "cli/values.h"

namespace activa::cli {
namespace {

constexpr int kSamples = 1200;

// A function ready to sample: names, texts and its values from the kernels.
struct Prepared {
  std::string name, params;    // "elu", "alpha=0.5" (every parameter, defaults too)
  std::string f_label, d_label;
  std::string formula;
  std::vector<double> kinks;
  plot::Range range;
  // y = f(x), dy = f'(x) (the gradient for an upstream gradient of ones).
  std::function<void(std::span<const double> x, std::span<double> y, std::span<double> dy)> eval;
};

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

template <class Op>
Prepared prepare(const Curve& curve) {
  Prepared p;
  p.name = Op::info.name;
  p.formula = Op::info.formula;
  p.kinks.assign(Op::info.kinks.begin(), Op::info.kinks.end());
  p.range = {Op::info.plot_lo, Op::info.plot_hi};
  const std::string name(Op::info.name);
  if constexpr (Op::info.kind == Kind::pointwise) {
    typename Op::Options options{};
    std::string accepted;
    for_each_param<Op>(
        [&](const auto& param) { accepted += (accepted.empty() ? "" : ", ") + std::string(param.name); });
    for (const auto& [key, value] : curve.params) {
      bool found = false;
      for_each_param<Op>([&](const auto& param) {
        using Member = std::remove_cvref_t<decltype(options.*(param.member))>;
        if (param.name != key) return;
        found = true;
        if constexpr (std::is_same_v<Member, double>) options.*(param.member) = value;
      });
      if (!found) {
        throw Error("plot: " + name + " has no parameter " + in_quotes(key) +
                    (accepted.empty() ? " (it takes none)" : " (its parameters: " + accepted + ")"));
      }
    }
    for_each_param<Op>([&](const auto& param) {
      p.params += (p.params.empty() ? "" : ", ") + std::string(param.name) + "=" +
                  nn::detail::python_repr(options.*(param.member));
    });
    p.eval = [options](std::span<const double> x, std::span<double> y, std::span<double> dy) {
      kernels::forward<Op, double>(x, y, options);
      const std::vector<double> ones(x.size(), 1.0);
      kernels::backward<Op, double>(Op::info.saves == Saves::input ? x : std::span<const double>(y), ones, dy,
                                    options);
    };
  } else if constexpr (Op::info.kind == Kind::weighted) {
    double weight = typename Op::Options{}.init;
    for (const auto& [key, value] : curve.params) {
      if (key != "weight" && key != "init") {
        throw Error("plot: " + name + " has no parameter " + in_quotes(key) +
                    " (its learnable weight: weight, default init " + nn::detail::python_repr(weight) + ")");
      }
      weight = value;
    }
    p.params = "weight=" + nn::detail::python_repr(weight);
    p.eval = [weight](std::span<const double> x, std::span<double> y, std::span<double> dy) {
      const double w[] = {weight};
      double dw[1];
      const kernels::ChannelLayout layout{.outer = 1, .channels = 1, .inner = std::int64_t(x.size())};
      const std::vector<double> ones(x.size(), 1.0);
      kernels::forward<Op, double>(x, w, y, layout);
      kernels::backward<Op, double>(x, w, ones, dy, dw, layout);
    };
  } else {
    if (!curve.params.empty()) {
      throw Error("plot: " + name + " takes no parameter here: it is drawn as " + name +
                  "([x, 0])_0, the first output of a 2-element slice, as a function of x");
    }
    p.formula += "\n" + name + "([x, 0])_0 = exp(x) / (exp(x) + 1), drawn against x";
    p.eval = [](std::span<const double> x, std::span<double> y, std::span<double> dy) {
      // Slices [x_i, 0]; the upstream gradient [1, 0] gives d softmax_0 / d x_0.
      const std::size_t n = x.size();
      std::vector<double> in(2 * n, 0.0), out(2 * n), g(2 * n, 0.0), dx(2 * n);
      for (std::size_t i = 0; i < n; ++i) {
        in[2 * i] = x[i];
        g[2 * i] = 1;
      }
      const kernels::RowLayout layout{.outer = std::int64_t(n), .size = 2, .inner = 1};
      kernels::forward<Op, double>(in, out, layout);
      kernels::backward<Op, double>(out, g, dx, layout);
      for (std::size_t i = 0; i < n; ++i) {
        y[i] = out[2 * i];
        dy[i] = dx[2 * i];
      }
    };
    p.f_label = name + "([x, 0])_0";
    p.d_label = "d/dx " + p.f_label;
    return p;
  }
  p.f_label = name + "(x)" + (p.params.empty() ? "" : ", " + p.params);
  p.d_label = name + "'(x)";
  return p;
}

Prepared prepare(const Curve& curve) {
  Prepared p;
  if (!AllOps::visit(curve.function, [&]<class Op>() { p = prepare<Op>(curve); })) {
    throw unknown_function("plot", curve.function);
  }
  return p;
}

// Whether a and b differ beyond rounding.
bool differ(double a, double b) { return std::abs(a - b) > 1e-6 * std::max({1.0, std::abs(a), std::abs(b)}); }

// Adds f and f' of one function to the figure: kinks sampled exactly and on
// either side, a jump of f' drawn as two pieces with a filled dot at the
// value the kernel gives and a hollow one at the other one-sided limit.
void add_curves(plot::Figure& fig, const Prepared& p, plot::Range xr, bool derivative, plot::Color f_color,
                plot::Color d_color) {
  const double delta = (xr.hi - xr.lo) * 1e-7;
  std::vector<double> x;
  for (int i = 0; i <= kSamples; ++i) x.push_back(xr.lo + (xr.hi - xr.lo) * i / kSamples);
  std::vector<double> kinks;
  for (double k : p.kinks) {
    if (k > xr.lo && k < xr.hi) {
      kinks.push_back(k);
      x.insert(x.end(), {k - delta, k, k + delta});
    }
  }
  std::sort(x.begin(), x.end());
  x.erase(std::unique(x.begin(), x.end()), x.end());
  std::vector<double> y(x.size()), dy(x.size());
  p.eval(x, y, dy);

  plot::Series f{.x = x, .y = y, .label = p.f_label, .style = {.color = f_color}};
  plot::Series d{.x = x, .y = dy, .label = p.d_label, .style = {.color = d_color, .line = plot::Line::dashed}};
  for (double k : kinks) {
    const std::size_t i = std::size_t(std::lower_bound(x.begin(), x.end(), k) - x.begin());
    fig.markers.push_back({.x = k, .y = y[i], .color = f_color});
    if (!derivative) continue;
    const double left = dy[i - 1], at = dy[i], right = dy[i + 1];
    if (!differ(left, right)) {
      fig.markers.push_back({.x = k, .y = at, .color = d_color});
      continue;
    }
    d.y[i] = std::nan("");  // the line stops at k - delta and starts again at k + delta
    fig.markers.push_back({.x = k, .y = at, .color = d_color});
    for (double side : {left, right}) {
      if (differ(side, at)) fig.markers.push_back({.x = k, .y = side, .color = d_color, .filled = false});
    }
  }
  fig.series.push_back(std::move(f));
  if (derivative) fig.series.push_back(std::move(d));
}

plot::Range parse_range(const std::string& text, std::string_view option) {
  const std::size_t colon = text.find(':', text.starts_with('-') ? 1 : 0);
  const std::string hint = std::string(option) + " wants LO:HI with LO < HI, e.g. " + std::string(option) +
                           " -6:6 (got " + in_quotes(text) + ")";
  if (colon == std::string::npos) throw Error("plot: " + hint);
  const double lo = parse_number(std::string_view(text).substr(0, colon), option);
  const double hi = parse_number(std::string_view(text).substr(colon + 1), option);
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi)) throw Error("plot: " + hint);
  return {lo, hi};
}

std::pair<int, int> parse_size(const std::string& text) {
  const std::size_t x = text.find('x');
  const std::string hint = "plot: --size wants WIDTHxHEIGHT in pixels, 100 to 10000 each, e.g. --size 800x500 (got " +
                           in_quotes(text) + ")";
  if (x == std::string::npos) throw Error(hint);
  std::int64_t w = 0, h = 0;
  try {
    w = parse_integer(std::string_view(text).substr(0, x), "--size");
    h = parse_integer(std::string_view(text).substr(x + 1), "--size");
  } catch (const Error&) {
    throw Error(hint);
  }
  if (w < 100 || h < 100 || w > 10000 || h > 10000) throw Error(hint);
  return {int(w), int(h)};
}

// The terminal's size, less a line for the prompt; 80 x 24 when standard
// output is not a terminal.
std::pair<int, int> terminal_size() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 && ws.ws_row >= 9) {
    return {ws.ws_col, ws.ws_row - 1};
  }
  return {80, 24};
}

bool colour_terminal() {
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr && term != nullptr &&
         std::string_view(term) != "dumb";
}

struct PlotArgs {
  std::vector<std::string> functions;
  std::string range, y_range, size = "800x500", output;
  bool derivative = true;
};

}  // namespace

Curve parse_curve(std::string_view text) {
  Curve c;
  const std::size_t colon = text.find(':');
  c.function = std::string(text.substr(0, colon));
  if (colon == std::string_view::npos) return c;
  std::string_view rest = text.substr(colon + 1);
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find(','), rest.find(':'));
    const std::string_view item = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw Error("plot: " + in_quotes(text) + ": a parameter is NAME=VALUE, e.g. elu:alpha=0.5");
    }
    c.params.emplace_back(std::string(item.substr(0, eq)),
                          parse_number(item.substr(eq + 1), c.function + ":" + std::string(item.substr(0, eq))));
  }
  return c;
}

plot::Figure activation_figure(const FigureRequest& request) {
  if (request.curves.empty()) throw Error("plot: name at least one function (known: " + function_names() + ")");
  std::vector<Prepared> prepared;
  for (const Curve& c : request.curves) prepared.push_back(prepare(c));
  plot::Range xr = prepared[0].range;
  for (const Prepared& p : prepared) xr = {std::min(xr.lo, p.range.lo), std::max(xr.hi, p.range.hi)};
  if (request.x_range) xr = *request.x_range;

  plot::Figure fig;
  fig.x_label = "x";
  fig.x_range = xr;
  fig.y_range = request.y_range;
  fig.width = request.width;
  fig.height = request.height;
  const bool single = prepared.size() == 1;
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    const plot::Color c = plot::kPalette[i % plot::kPalette.size()];
    add_curves(fig, prepared[i], xr, request.derivative, c, single ? plot::kPalette[1] : c);
  }
  if (!fig.markers.empty()) {
    fig.marker_label = request.derivative ? "kink: \u25CF value, \u25CB one-sided limit" : "kink";
  }
  if (single) {
    fig.title = prepared[0].formula;
  } else {
    std::string names, formulas;
    for (std::size_t i = 0; i < prepared.size(); ++i) {
      names += (i == 0 ? "" : i + 1 == prepared.size() ? " and " : ", ") + prepared[i].name;
      formulas += "\n" + prepared[i].formula.substr(0, prepared[i].formula.find('\n'));
    }
    fig.title = names + (prepared.size() <= 3 ? formulas : "");
  }
  fig.margins.top += 16 * int(std::count(fig.title.begin(), fig.title.end(), '\n'));  // per extra title line
  return fig;
}

std::string write_figures(const std::string& dir, const std::vector<Curve>& curves) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create the directory " + in_quotes(dir) + ": " + ec.message());
  std::string out;
  for (const Curve& c : curves) {
    const std::string path = (std::filesystem::path(dir) / (c.function + ".png")).string();
    FigureRequest request;
    request.curves = {c};
    activation_figure(request).save(path);
    out += "wrote " + path + "\n";
  }
  return out;
}

Command add_plot(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand(
      "plot", "Draw activations and their derivatives: PNG, SVG, PDF, or braille text in the terminal.");
  auto args = std::make_shared<PlotArgs>();
  app->add_option("FUNCTION", args->functions,
                  "one or more of: " + function_names() + "; with parameters as NAME:PARAM=VALUE[,PARAM=VALUE]")
      ->required()
      ->type_name("FUNCTION[:PARAM=VALUE]");
  app->add_option("--range", args->range, "x range as LO:HI (default: the functions' own, e.g. -6:6)")
      ->type_name("LO:HI");
  app->add_option("--y-range", args->y_range, "y range as LO:HI (default: the curves' extent)")->type_name("LO:HI");
  app->add_flag("--derivative,!--no-derivative", args->derivative, "draw f' dashed beside f (default: yes)");
  app->add_option("-o,--output", args->output, "write FILE: .png, .svg or .pdf (default: text to the terminal)")
      ->type_name("FILE");
  app->add_option("--size", args->size, "image size in pixels for -o (default 800x500)")->type_name("WxH");
  app->footer(
      "Values come from activa's kernels: f forward, f' backward with an upstream gradient of\n"
      "ones. Kinks (info.kinks) are marked; where f' jumps, a filled dot shows the value the\n"
      "kernel returns and a hollow one the other one-sided limit. softmax is drawn as the first\n"
      "output of softmax([x, 0]) (which is sigmoid(x)); prelu with its weight (default 0.25).\n"
      "\n"
      "Examples:\n"
      "  activa plot sigmoid\n"
      "  activa plot relu leaky_relu:negative_slope=0.2 elu:alpha=0.5 -o relus.svg\n"
      "  activa plot prelu:weight=0.1 --range -3:3 --no-derivative -o prelu.pdf\n"
      "  activa tour --plots figures/     # the lecture's figures, one PNG per function");
  return {app, [args](std::span<const std::string> trailing) {
            reject_trailing("plot", trailing);
            FigureRequest request;
            request.derivative = args->derivative;
            for (const std::string& f : args->functions) request.curves.push_back(parse_curve(f));
            if (!args->range.empty()) request.x_range = parse_range(args->range, "--range");
            if (!args->y_range.empty()) request.y_range = parse_range(args->y_range, "--y-range");
            std::tie(request.width, request.height) = parse_size(args->size);
            const plot::Figure fig = activation_figure(request);
            if (!args->output.empty()) {
              fig.save(args->output);
              return "wrote " + args->output + "\n";
            }
            const auto [cols, rows] = terminal_size();
            return fig.to_braille(cols, rows, colour_terminal());
          }};
}

}  // namespace activa::cli
