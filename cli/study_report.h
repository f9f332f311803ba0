// The report of `activa study` (report.md), written from the study's numbers
// (study.json): tables, and each of the lecture's claims read against them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/study_plots.h"

namespace activa::cli {

// `figures`: those written beside the report (name.png, name.svg), listed
// with their captions in its "Plots" section.
std::string study_report(const nlohmann::ordered_json& study, const std::vector<StudyFigure>& figures = {});

}  // namespace activa::cli
