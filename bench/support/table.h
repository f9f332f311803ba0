// The summary table both benchmark front ends print: GitHub Markdown with
// aligned columns (text left, numbers right), so it reads in a terminal and
// pastes into docs/bench.md as is.
#pragma once

#include <string>
#include <vector>

namespace activa::bench {

class Table {
 public:
  // A column whose header starts with '<' is left-aligned (the '<' is dropped); others right-aligned.
  explicit Table(std::vector<std::string> header);
  void add_row(std::vector<std::string> cells);  // as many cells as the header
  std::string markdown() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> header_;
  std::vector<bool> left_;
  std::vector<std::vector<std::string>> rows_;
};

// v with `decimals` digits after the point; "-" for NaN (no measurement).
std::string fixed(double v, int decimals);

// The CPU's model name from /proc/cpuinfo ("unknown CPU" elsewhere).
std::string cpu_model();

// The rate in Gelem/s at which n elements take `seconds`.
inline double gelem_per_s(double n, double seconds) { return n / seconds * 1e-9; }

}  // namespace activa::bench
