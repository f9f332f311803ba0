// The report of `activa study` (report.md), written from the study's numbers
// (study.json): tables, and each of the lecture's claims read against them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace activa::cli {

std::string study_report(const nlohmann::ordered_json& study);

}  // namespace activa::cli
