// Figures of activations, shared by `activa plot` and `activa tour --plots`:
// each function and its derivative on one figure, values from activa's own
// kernels (forward and backward, in double), kinks marked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "activa/plot.h"

namespace activa::cli {

// One function of a figure with its parameters, as `activa plot` spells it:
// "elu:alpha=0.5", "leaky_relu:negative_slope=0.2", "prelu:weight=0.1" (names
// from the op's params; prelu's learnable weight is `weight`, default its
// init 0.25). softmax takes none: it is drawn as softmax([x, 0])_0.
struct Curve {
  std::string function;
  std::vector<std::pair<std::string, double>> params;
};
Curve parse_curve(std::string_view text);

struct FigureRequest {
  std::vector<Curve> curves;
  std::optional<plot::Range> x_range;  // default: the union of the functions' plot ranges
  std::optional<plot::Range> y_range;  // default: the data's
  bool derivative = true;
  int width = 800, height = 500;
};

// Throws activa::Error for an unknown function or parameter, naming it.
plot::Figure activation_figure(const FigureRequest& request);

// DIR/<function>.png for each curve, each alone on its figure; creates DIR.
// Returns a "wrote PATH" line per file.
std::string write_figures(const std::string& dir, const std::vector<Curve>& curves);

}  // namespace activa::cli
