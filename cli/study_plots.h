// The figures of `activa study`, drawn from the study's numbers (study.json)
// by the plotting code of `activa plot` (activa/plot.h): one figure per claim
// that a curve shows better than a table.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/plot.h"

namespace activa::cli {

struct StudyFigure {
  std::string name;     // file name without extension: NAME.png and NAME.svg
  std::string caption;  // one sentence for report.md
  plot::Figure figure;
};

// Test accuracy per epoch; weight-gradient norm per layer at initialisation
// (log scale) for each deep network; dead units per layer; PReLU's slopes per
// epoch. A figure whose data the study lacks (no PReLU, no relu-like function)
// is left out.
std::vector<StudyFigure> study_figures(const nlohmann::ordered_json& study);

}  // namespace activa::cli
