#include "bench/support/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace activa::bench {

Table::Table(std::vector<std::string> header) {
  for (std::string& h : header) {
    left_.push_back(!h.empty() && h.front() == '<');
    if (left_.back()) h.erase(0, 1);
    header_.push_back(std::move(h));
  }
}

void Table::add_row(std::vector<std::string> cells) {
  if (cells.size() != header_.size()) throw std::logic_error("Table::add_row: wrong number of cells");
  rows_.push_back(std::move(cells));
}

std::string Table::markdown() const {
  std::vector<std::size_t> width(header_.size());
  for (std::size_t c = 0; c < header_.size(); ++c) {
    width[c] = std::max<std::size_t>(header_[c].size(), 3);
    for (const auto& row : rows_) width[c] = std::max(width[c], row[c].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(width[c] - cells[c].size(), ' ');
      s += ' ' + (left_[c] ? cells[c] + pad : pad + cells[c]) + " |";
    }
    return s + '\n';
  };
  std::string out = line(header_);
  out += '|';
  for (std::size_t c = 0; c < header_.size(); ++c) {
    out += left_[c] ? " :" + std::string(width[c] - 1, '-') + " |" : ' ' + std::string(width[c] - 1, '-') + ": |";
  }
  out += '\n';
  for (const auto& row : rows_) out += line(row);
  return out;
}

std::string fixed(double v, int decimals) {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    const std::size_t colon = line.find(':');
    if (!line.starts_with("model name") || colon == std::string::npos) continue;
    const std::size_t start = line.find_first_not_of(" \t", colon + 1);
    if (start != std::string::npos) return line.substr(start);
  }
  return "unknown CPU";
}

}  // namespace activa::bench
